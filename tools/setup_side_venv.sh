#!/usr/bin/env bash
# Builds one of the extra controller venvs the end-to-end tests also run on:
#   tools/setup_side_venv.sh PYTHON_VERSION VENV_DIR REQUIREMENTS CONSTRAINTS [ANSIBLE_BUNDLE COLLECTIONS_DIR]
# (tools/setup_newest.sh and tools/setup_oldest.sh name the two in use).
# The work is tools/setup_env.sh's, called with other inputs: its stamp makes a
# second run a no-op. Without ANSIBLE_BUNDLE and COLLECTIONS_DIR the
# build/collections tree (and its ansible.windows) is shared with .venv.
# Prints "skipped: no Python X.Y" and succeeds when that Python is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1 venv=$2 reqs=$3 constraints=$4

if ! python=$(bash tools/find_python.sh "$version"); then
    echo "skipped: no Python $version"
    exit 0
fi
exec bash tools/setup_env.sh "$python" "$venv" "$reqs" "$constraints" "${@:5}"
