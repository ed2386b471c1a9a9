#!/usr/bin/env bash
# `ansible-test sanity` for winrepair.windows_update, on Python 3.11 (.venv).
#   tools/sanity.sh [extra ansible-test sanity arguments, e.g. --test pep8]
# ansible-test insists on running from .../ansible_collections/<ns>/<name>/ and
# does not follow a symlinked working directory, so this copies the files git
# would list (tracked, plus untracked that are not ignored) into
# build/sanity/ansible_collections/winrepair/windows_update/ and runs there,
# with ansible.windows and community.windows linked beside it (ansible-test only
# sees collections inside that same ansible_collections tree).
# Workarounds for a machine without internet access:
# - per-test venvs bootstrap pip from a get-pip.py on a host that cannot be
#   reached: the cache file ansible-test looks for is seeded with
#   tools/getpip_standin.py (ensurepip + pip);
# - tests that cannot run here are skipped, each with its reason printed.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
venv=${VENV:-.venv}
case $venv in /*) ;; *) venv="$top/$venv" ;; esac
py="$venv/bin/python"
[ -x "$py" ] || { echo "sanity: $venv is missing; run 'make setup' first" >&2; exit 2; }
src_coll=build/collections/ansible_collections
for dep in ansible/windows community/windows; do
    [ -f "$src_coll/$dep/MANIFEST.json" ] || { echo "sanity: $src_coll/$dep is missing; run 'make setup' first" >&2; exit 2; }
done

# 1. The get-pip stand-in, under the exact name this ansible-test asks for.
pip_version=$("$py" - <<'EOF'
from ansible_test._internal.python_requirements import get_venv_packages
class Python311:  # get_venv_packages reads only .version
    version = "3.11"
print(get_venv_packages(Python311())["pip"])
EOF
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
if [ ! -f "$cache" ] || grep -q 'standin-marker: winrepair getpip_standin' "$cache"; then
    cp tools/getpip_standin.py "$cache"   # never overwrite a real get-pip.py someone cached
fi

# 2. The scratch tree: a fresh copy for each run (deleted files do not linger),
# one per process so that runs at the same time do not delete each other's
# files; removed on exit unless SANITY_KEEP=1.
root="build/sanity/run.$$/ansible_collections"
work="$root/winrepair/windows_update"
[ "${SANITY_KEEP:-0}" = 1 ] || trap 'rm -rf "$top/build/sanity/run.$$"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work" "$root/ansible" "$root/community"
git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] || [ -L "$f" ] || continue   # tracked but deleted in the work tree
    mkdir -p "$work/$(dirname "$f")"
    cp -P "$f" "$work/$f"
done
# ansible-test lists files with git when it finds a .git at or above the tree;
# above it is this repository, where build/ is ignored, so the copy gets a
# repository of its own (nothing committed: untracked files count too).
git -C "$work" -c init.defaultBranch=main init -q
ln -sfn "$top/$src_coll/ansible/windows" "$root/ansible/windows"
ln -sfn "$top/$src_coll/community/windows" "$root/community/windows"

# 3. Which tests run. Everything ansible-test offers runs, except these:
declare -A why_skipped=(
    [pslint]="needs PowerShell (pwsh), which does not exist on this machine"
    [shellcheck]="needs the shellcheck binary, which 'make setup' does not install"
)
PATH="$venv/bin:$PATH" command -v shellcheck >/dev/null 2>&1 && unset 'why_skipped[shellcheck]'
skip_args=()
for t in "${!why_skipped[@]}"; do
    echo "sanity: skipped $t: ${why_skipped[$t]}"
    skip_args+=(--skip-test "$t")
done
# validate-modules stays on: it crashes on PowerShell modules that use
# Ansible.Basic without pwsh (it runs pwsh to read their argument spec), so each
# such file needs `validate-modules!skip` in tests/sanity/ignore-<core>.txt, with
# its reason; checked here first so that a missing entry gets a clear message
# instead of a traceback. The Python modules are still validated in full.
core=$("$py" -c 'from ansible.release import __version__ as v; print(".".join(v.split(".")[:2]))')
ignore_file="tests/sanity/ignore-$core.txt"
missing=0
while IFS= read -r ps1; do
    grep -qi 'Ansible\.Basic' "$work/$ps1" || continue
    if ! grep -q "^$ps1 validate-modules!skip" "$ignore_file" 2>/dev/null; then
        echo "sanity: $ps1 uses Ansible.Basic; add this line to $ignore_file:"
        echo "  $ps1 validate-modules!skip  # validate-modules needs pwsh to read the argument spec of an Ansible.Basic module; there is no pwsh here"
        missing=1
    fi
done < <(cd "$work" && find plugins/modules -name '*.ps1' 2>/dev/null | sort)
[ "$missing" = 0 ] || exit 1

cd "$work"
export PATH="$venv/bin:$PATH"
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_CONFIG   # ansible-test sets its own
echo "sanity: ansible-test sanity (ansible-core $core, Python 3.11) in $work"
# pip's chatter while ansible-test fills its per-test venvs is dropped; errors stay.
set +e
ansible-test sanity --python 3.11 --color no "${skip_args[@]}" "$@" 2>&1 \
    | grep --line-buffered -v -E "^WARNING: Location '.*' is ignored|^Looking in (indexes|links):|^(Collecting|Processing|Installing collected|Successfully installed) |^  Downloading |━━|Using locale \"C.UTF-8\"|^WARNING: Reviewing previous"
rc=${PIPESTATUS[0]}
exit "$rc"
