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

python -m winsim start "$scenario" --catalog --state-dir "$state" --inventory "$state/inventory.yml" || exit 1
trap 'python -m winsim stop --state-dir "$state" >/dev/null' EXIT

echo
echo "== ansible-playbook playbooks/fix_wu.yml -i $state/inventory.yml -l affected"
ansible-playbook playbooks/fix_wu.yml -i "$state/inventory.yml" -l affected \
    -e "wu_report_dir=$top/$report_dir" "$@"
rc=$?

echo
echo "== what each simulated host was asked to do (requests, of which changed the host; modelled hours)"
python -m winsim records --state-dir "$state" --json | python -c '
import json, sys
for host, recs in sorted(json.load(sys.stdin).items()):
    changed = sum(1 for r in recs if r["outcome"] == "changed")
    hours = sum(r["modelled_seconds"] for r in recs) / 3600.0
    print("  %-22s %3d requests, %3d changed, %5.2f h modelled" % (host, len(recs), changed, hours))'

echo
if [ -d "$report_dir" ]; then
    echo "report: $top/$report_dir ($(ls "$report_dir" | tr '\n' ' '))"
fi
exit $rc
