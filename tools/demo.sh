#!/usr/bin/env bash
# The body of `make demo`: start a simulated fleet on loopback, run the main
# job against it exactly as a user would, show the summary and where the
# report is, and stop the fleet (also when the run fails).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections"
export ANSIBLE_CONFIG="$top/tests/ansible.cfg"
export PYTHONPATH="$top/tests"
export PATH="$top/.venv/bin:$PATH"

scenario=${DEMO_SCENARIO:-tests/scenarios/demo.yml}
state=build/demo
report_dir=$state/report
rm -rf "$state"
mkdir -p "$state"

python -m winsim start "$scenario" --state-dir "$state" --inventory "$state/inventory.yml" || exit 1
trap 'python -m winsim stop --state-dir "$state" >/dev/null' EXIT

echo
echo "== ansible-playbook playbooks/fix_wu.yml -i $state/inventory.yml -l affected"
ansible-playbook playbooks/fix_wu.yml -i "$state/inventory.yml" -l affected \
    -e "wu_report_dir=$top/$report_dir" "$@"
rc=$?

echo
echo "== what each simulated host was asked to do"
python -m winsim records --state-dir "$state" | tail -n 40
echo
if [ -d "$report_dir" ]; then
    echo "report: $top/$report_dir ($(ls "$report_dir" | tr '\n' ' '))"
fi
exit $rc
