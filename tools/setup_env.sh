#!/usr/bin/env bash
# Builds a controller environment from the repository's own files:
#   tools/setup_env.sh [PYTHON] [VENV_DIR] [REQUIREMENTS] [CONSTRAINTS]
# - a virtualenv with the pinned packages,
# - ansible.windows and community.windows taken from the PyPI `ansible` package
#   (Galaxy cannot be reached from where this runs),
# - build/collections/ansible_collections/ with this collection linked in, so
#   that ansible, ansible-test and ansible-lint all find it.
# It is idempotent: a stamp of the inputs skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
python=${1:-python3.11}
venv=${2:-.venv}
reqs=${3:-requirements/test.in requirements/controller.in}
constraints=${4:-requirements/constraints-py3.11.txt}
ansible_bundle=ansible==12.3.0   # ships ansible.windows 3.3.0 and community.windows 3.1.0

stamp_of() { cat "$@" tools/setup_env.sh | sha256sum | cut -c1-16; }

# shellcheck disable=SC2086
want=$(stamp_of $reqs "$constraints")
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing the pinned packages into $venv ($python)"
    # An existing venv is updated in place: removing it would pull it from
    # under whatever else is running from it.
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    args=()
    for r in $reqs; do args+=(-r "$r"); done
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}" -c "$constraints" 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/python" -c 'import ansible, winrm' # fail here, not later, if the install broke
    echo "$want" > "$venv/.stamp"
fi

coll=build/collections/ansible_collections
if [ ! -f "$coll/ansible/windows/MANIFEST.json" ] || [ ! -f "$coll/community/windows/MANIFEST.json" ]; then
    echo "setup: extracting ansible.windows and community.windows from $ansible_bundle"
    mkdir -p .cache/wheels
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps "$ansible_bundle" -d .cache/wheels 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/python" tools/extract_collections.py .cache/wheels "$coll" ansible.windows community.windows
fi
mkdir -p "$coll/winrepair"
ln -sfn "$top" "$coll/winrepair/windows_update"
