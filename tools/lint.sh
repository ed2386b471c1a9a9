#!/usr/bin/env bash
# ansible-lint over the repository, production profile, settings in .ansible-lint
# (offline: Galaxy cannot be reached from here; build/, venvs, caches, test
# output and the simulator are excluded there).
#   tools/lint.sh [extra ansible-lint arguments]
# ansible-lint finds its files itself (git: tracked plus untracked not ignored),
# so playbooks/, roles/ and extensions/molecule/ are linted as soon as they hold
# something. Until then only the collection's metadata is Ansible content, and
# this says so rather than pretending to have linted playbooks.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
venv=${VENV:-.venv}
case $venv in /*) ;; *) venv="$top/$venv" ;; esac
[ -x "$venv/bin/ansible-lint" ] || { echo "lint: $venv/bin/ansible-lint is missing; run 'make setup' first" >&2; exit 2; }
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$top/build/collections}"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$top/tests/ansible.cfg}"

count_yaml() { find "$@" -type f \( -name '*.yml' -o -name '*.yaml' \) 2>/dev/null | wc -l; }
n_play=$(count_yaml playbooks)
n_role=$(count_yaml roles)
n_mol=$(count_yaml extensions/molecule)
echo "lint: Ansible content: playbooks/ $n_play YAML file(s), roles/ $n_role, extensions/molecule/ $n_mol"
if [ $((n_play + n_role + n_mol)) -eq 0 ]; then
    echo "lint: no playbooks, roles or molecule scenarios yet: nothing of that kind to lint;"
    echo "lint: checking the collection metadata (galaxy.yml, meta/runtime.yml, changelogs/, plugin docs) only"
fi

# --nocolor: the output goes to CI logs.
set +e
ansible-lint --nocolor "$@"
rc=$?
set -e
[ "$rc" = 0 ] && echo "lint: passed" || echo "lint: FAILED (ansible-lint exit $rc)"
exit "$rc"
