#!/usr/bin/env bash
# The body of `make mutation` (not part of `make test`): mutation testing of the
# ladder's decisions with cosmic-ray (requirements/mutation.txt). For each module
# below, cosmic-ray changes one thing at a time (an operator, a constant, a
# comparison, a keyword) and runs the unit tests that cover it; a mutant the tests
# do not notice "survives". The kill rate is killed / (killed + survived).
#
# cosmic-ray edits the files it mutates in place, so it works on a copy of the
# collection under build/mutation/, never on the working tree (other runs of the
# tests read it meanwhile). Results: build/mutation/<module>.sqlite (cr-report
# lists the survivors) and build/mutation/summary.txt.
#   MUTATION_MODULES="remediation diagnosis"   run only these (default: all four)
#   MUTATION_SAMPLE=200                        run a random sample of this many mutants per
#                                              module (seeded, the same sample each time; default: all)
#   MUTATION_WORK=build/mutation-diagnosis     another work folder, so two runs can go side by side
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
venv=$top/.venv
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements/mutation.txt \
    -c requirements/constraints-py3.11.txt 2>&1 | grep -v '^WARNING: Location' || true

work=$(realpath -m "${MUTATION_WORK:-$top/build/mutation}")
copy=$work/src
rm -rf "$copy"
mkdir -p "$copy"
tar -cf - --exclude=./build --exclude=./.venv --exclude='./.venv-*' --exclude=./.git --exclude=./tests/output \
    --exclude='*/__pycache__' . | tar -xf - -C "$copy"
mkdir -p "$copy/build/collections/ansible_collections/winrepair"
ln -s "$copy" "$copy/build/collections/ansible_collections/winrepair/windows_update"
for other in "$top"/build/collections/ansible_collections/*; do
    [ "$(basename "$other")" = winrepair ] || ln -s "$other" "$copy/build/collections/ansible_collections/"
done

# module -> the unit tests that cover it (each mutant runs these, stopping at the first failure)
declare -A FILES=(
    [remediation]=plugins/plugin_utils/_ladder/remediation.py
    [diagnosis]=plugins/plugin_utils/_ladder/diagnosis.py
    [sfc_output]=plugins/plugin_utils/_parse/sfc_output.py
    [selection]=plugins/plugin_utils/_catalog/selection.py
)
declare -A TESTS=(
    [remediation]="tests/unit/plugins/plugin_utils/_ladder"
    [diagnosis]="tests/unit/plugins/plugin_utils/_ladder/test_diagnosis.py tests/unit/plugins/plugin_utils/_ladder/test_diagnosis_pins.py tests/unit/plugins/action/test_win_wu_diagnose.py"
    [sfc_output]="tests/unit/plugins/plugin_utils/_parse/test_sfc_output.py tests/unit/plugins/plugin_utils/_parse/test_sfc_output_pins.py tests/unit/plugins/plugin_utils/_ladder/test_diagnosis.py"
    [selection]="tests/unit/plugins/plugin_utils/_catalog/test_catalog_selection.py tests/unit/plugins/plugin_utils/_catalog/test_selection_pins.py tests/unit/plugins/plugin_utils/_rungs/test_kb_install.py tests/unit/plugins/plugin_utils/_ladder/test_decisions.py"
)
modules=${MUTATION_MODULES:-remediation diagnosis sfc_output selection}

cd "$copy"
export PATH="$venv/bin:$PATH" PYTHONPATH="$copy/tests" ANSIBLE_COLLECTIONS_PATH="$copy/build/collections" \
    ANSIBLE_CONFIG="$copy/tests/ansible.cfg"
summary=$work/summary.txt
: > "$summary.new"
total_killed=0 total_survived=0
for m in $modules; do
    cat > "$work/$m.toml" <<TOML
[cosmic-ray]
module-path = "${FILES[$m]}"
timeout = 60.0
excluded-modules = []
test-command = "python -m pytest -x -q -p no:cacheprovider ${TESTS[$m]}"

[cosmic-ray.distributor]
name = "local"
TOML
    db=$work/$m.sqlite
    rm -f "$db"
    echo "mutation: $m (${FILES[$m]})"
    cosmic-ray init "$work/$m.toml" "$db"
    if [ -n "${MUTATION_SAMPLE:-}" ]; then
        python - "$db" "$MUTATION_SAMPLE" <<'PY'
import random, sqlite3, sys
db, size = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
# Job ids are random (uuid4): order the mutants by what they change, so the same code gives the same sample.
jobs = [row[-1] for row in sorted(db.execute(
    "select operator_name, coalesce(operator_args, ''), occurrence, start_pos_row, start_pos_col, job_id "
    "from mutation_specs"))]
if size < len(jobs):
    drop = sorted(set(jobs) - set(random.Random(17).sample(jobs, size)))
    for table in ("mutation_specs", "work_items"):
        db.executemany("delete from %s where job_id = ?" % table, [(j,) for j in drop])
    db.commit()
    print("mutation: a sample of %d of %d mutants" % (size, len(jobs)))
PY
    fi
    cosmic-ray --verbosity=ERROR baseline "$work/$m.toml" > /dev/null
    cosmic-ray --verbosity=ERROR exec "$work/$m.toml" "$db"
    read -r killed survived other < <(python - "$db" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "select test_outcome, count(*) from work_results group by test_outcome").fetchall()
counts = {str(k).lower().rsplit(".", 1)[-1]: v for k, v in rows}
print(counts.get("killed", 0), counts.get("survived", 0), counts.get("incompetent", 0))
PY
)
    total_killed=$((total_killed + killed)); total_survived=$((total_survived + survived))
    python -c "import sys; k, s, o = map(int, sys.argv[2:]); print('%-12s %-48s killed %5d  survived %5d  other %4d  kill rate %5.1f%%' % (sys.argv[1], '${FILES[$m]}', k, s, o, 100.0 * k / max(1, k + s)))" \
        "$m" "$killed" "$survived" "$other" | tee -a "$summary.new"
done
python -c "import sys; k, s = map(int, sys.argv[1:]); print('total        %-48s killed %5d  survived %5d              kill rate %5.1f%%' % ('', k, s, 100.0 * k / max(1, k + s)))" \
    "$total_killed" "$total_survived" | tee -a "$summary.new"
mv "$summary.new" "$summary"
echo "mutation: survivors are listed by: $venv/bin/cr-report $work/<module>.sqlite --show-pending"

# The figure, in bench/RESULTS.md (bench/run_all.py keeps this section across a full `make bench`).
python - "$summary" "$top/bench/RESULTS.md" "$modules" "${MUTATION_SAMPLE:-}" <<'PY'
import datetime, sys
summary, results, modules = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [line.rstrip() for line in open(summary, encoding="utf-8") if line.strip() and not line.startswith("total")]
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
section = ["## Mutation testing (make mutation: cosmic-ray over the ladder's decisions, %s)" % stamp, "",
           "Killed / (killed + survived) mutants of each module, every cosmic-ray operator, each mutant run "
           "against the unit tests that cover its module (tools/mutation.sh; modules run: %s; sample: %s)."
           % (modules, sys.argv[4] or "all mutants"), "",
           "```"] + lines + ["```", ""]
try:
    text = open(results, encoding="utf-8").read().split("\n")
except OSError:
    text = []
start = next((i for i, line in enumerate(text) if line.startswith("## Mutation testing")), None)
if start is not None:
    # Keep the lines of the modules this run did not mutate (a run of some modules updates theirs).
    ran = {line.split()[0] for line in lines}
    stop = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    kept = [line for line in text[start:stop] if line.split() and line.split()[0] in
            ("remediation", "diagnosis", "sfc_output", "selection") and line.split()[0] not in ran]
    at = section.index("```") + 1
    section[at:at] = kept
if start is None:
    text = text + [""] + section
else:
    stop = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    text[start:stop] = section
open(results, "w", encoding="utf-8").write("\n".join(text).rstrip("\n") + "\n")
PY
