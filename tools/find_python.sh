#!/usr/bin/env bash
# Prints the path of a Python X.Y interpreter, or fails (exit 1) when there is none:
#   tools/find_python.sh 3.13
# pyenv's own builds first: a version that is installed but not selected may
# refuse to run through its shim.
set -uo pipefail
version=$1
for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" \
         "$(pyenv which "python$version" 2>/dev/null || true)" \
         "$(command -v "python$version" 2>/dev/null || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$version'" 2>/dev/null \
        && { echo "$c"; exit 0; }
done
exit 1
