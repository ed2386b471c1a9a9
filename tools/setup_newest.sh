#!/usr/bin/env bash
# Builds .venv-core221: ansible-core 2.21 on Python 3.13, for the end-to-end
# tests only (requirements/e2e.in pinned by requirements/constraints-py3.13.txt).
#   tools/setup_newest.sh [VENV_DIR]
# The work is tools/setup_env.sh's, called with other inputs: the same stamp
# makes a second run a no-op, and the build/collections tree (ansible.windows,
# community.windows, this collection linked in) is shared with .venv, so it is
# extracted at most once whichever venv is built first.
# Prints "skipped: no Python 3.13" and succeeds when there is no Python 3.13.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-core221}

find_python313() {
    local c
    # pyenv's own builds first: on these machines 3.13 is there but not selected,
    # so the python3.13 shim alone may refuse to run.
    for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3.13 \
             "$(pyenv which python3.13 2>/dev/null || true)" \
             "$(command -v python3.13 2>/dev/null || true)"; do
        [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null \
            && { echo "$c"; return 0; }
    done
    return 1
}

if ! py313=$(find_python313); then
    echo "skipped: no Python 3.13"
    exit 0
fi
exec bash tools/setup_env.sh "$py313" "$venv" requirements/e2e.in requirements/constraints-py3.13.txt
