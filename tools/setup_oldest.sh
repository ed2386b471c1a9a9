#!/usr/bin/env bash
# Builds .venv-core217: ansible-core 2.17 (the oldest the collection supports,
# meta/runtime.yml) on Python 3.11, for a subset of the end-to-end tests
# (requirements/e2e-oldest.in pinned by requirements/constraints-core2.17-py3.11.txt).
#   tools/setup_oldest.sh [VENV_DIR]
# Same pattern as tools/setup_newest.sh: the work is tools/setup_env.sh's, called
# with other inputs, so its stamp makes a second run a no-op and the
# build/collections tree is shared with .venv.
# Prints "skipped: no Python 3.11" and succeeds when there is no Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-core217}

find_python311() {
    local c
    # pyenv's own builds first, as in tools/setup_newest.sh: a shim of a version
    # that is installed but not selected may refuse to run.
    for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11.*/bin/python3.11 \
             "$(pyenv which python3.11 2>/dev/null || true)" \
             "$(command -v python3.11 2>/dev/null || true)"; do
        [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
            && { echo "$c"; return 0; }
    done
    return 1
}

if ! py311=$(find_python311); then
    echo "skipped: no Python 3.11"
    exit 0
fi
exec bash tools/setup_env.sh "$py311" "$venv" requirements/e2e-oldest.in requirements/constraints-core2.17-py3.11.txt
