#!/usr/bin/env bash
# Builds a controller environment from the repository's own files:
#   tools/setup_env.sh [PYTHON] [VENV_DIR] [REQUIREMENTS] [CONSTRAINTS] [ANSIBLE_BUNDLE] [COLLECTIONS_DIR]
# - a virtualenv with the pinned packages,
# - ansible.windows and community.windows taken from the PyPI `ansible` package
#   ANSIBLE_BUNDLE (Galaxy cannot be reached from where this runs),
# - COLLECTIONS_DIR/ansible_collections/ (default build/collections) with this
#   collection linked in, so that ansible, ansible-test and ansible-lint all find it.
# The default bundle ships the highest ansible.windows galaxy.yml admits;
# tools/setup_oldest.sh asks for the bundle with the lowest, in its own tree.
# It is idempotent: a stamp of the inputs skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
python=${1:-python3.11}
venv=${2:-.venv}
reqs=${3:-requirements/test.in requirements/controller.in}
constraints=${4:-requirements/constraints-py3.11.txt}
ansible_bundle=${5:-ansible==12.3.0}   # ships ansible.windows 3.3.0 and community.windows 3.1.0
collections_dir=${6:-build/collections}

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

coll=$collections_dir/ansible_collections
# The tree remembers the bundle it came from (.bundle): another bundle extracts again.
if [ ! -f "$coll/ansible/windows/MANIFEST.json" ] || [ ! -f "$coll/community/windows/MANIFEST.json" ] \
        || { [ -f "$collections_dir/.bundle" ] && [ "$(cat "$collections_dir/.bundle")" != "$ansible_bundle" ]; }; then
    echo "setup: extracting ansible.windows and community.windows from $ansible_bundle into $collections_dir"
    wheels=.cache/wheels/${ansible_bundle//[^A-Za-z0-9.]/-}   # one folder a bundle: the extractor takes the only wheel
    mkdir -p "$wheels"
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps "$ansible_bundle" -d "$wheels" 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/python" tools/extract_collections.py "$wheels" "$coll" ansible.windows community.windows
    echo "$ansible_bundle" > "$collections_dir/.bundle"
fi
mkdir -p "$coll/winrepair"
ln -sfn "$top" "$coll/winrepair/windows_update"
