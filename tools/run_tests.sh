#!/usr/bin/env bash
# The body of `make test` (the Makefile runs `make setup` first).
# Stages, each under a header and timed; a failed stage does not stop the
# others; the run ends with a table of stage, result and seconds, and exits
# non-zero if any stage failed:
#   pytest          tests/unit, tests/reliability and the fleet-level files of
#                   tests/e2e (E2E_FLEET below) on .venv (ansible-core 2.19,
#                   Python 3.11); all of tests/e2e when there is no Python 3.13
#   e2e-core2.21    the rest of tests/e2e (each module, the simulator) on
#                   .venv-core221 (ansible-core 2.21, Python 3.13), built here by
#                   tools/setup_newest.sh; skipped without Python 3.13
#   e2e-core2.17    a representative subset of tests/e2e (E2E_OLDEST below) on
#                   .venv-core217 (ansible-core 2.17, the oldest meta/runtime.yml
#                   allows, Python 3.11) with build/collections-core217 (the
#                   lowest ansible.windows galaxy.yml admits; the other stages
#                   run the highest), built here by tools/setup_oldest.sh;
#                   skipped without Python 3.11
#   powershell      tests/pwsh with PowerShell 7 (tools/find_pwsh.sh); skipped without pwsh
#   sanity          tools/sanity.sh (ansible-test sanity)
#   ansible-lint    tools/lint.sh
#   changelog       antsibull-changelog lint (fragments and changelog.yaml)
#   molecule        `molecule test -s default` (scenario extensions/molecule/default),
#                   when that scenario exists
# A stage function returns 0 (passed), 77 (skipped, having printed why) or any
# other code (failed). pytest's exit 5 ("no tests collected") is a failure.
# Two lanes at once: one starts with the pytest stage, which prints as it goes;
# the other takes the other stages one after another (QUEUE below), and the
# first lane joins it once pytest is done. Each of those stages goes into a log
# printed whole once every stage is over. The tests spend part of their time
# waiting on the simulated hosts' clocks: one lane alone left a core idle about
# a quarter of the time.
#   TEST_LANES=1       every stage in turn, printing as it goes
#   PYTEST_WORKERS=N   pytest-xdist workers (default 2, one per core here; 0 runs
#                      serially). Measured on this 2-core machine with tests/unit +
#                      tests/e2e: 41 s on 2 workers against 59-85 s serially, as the
#                      e2e tests mostly wait on ansible-playbook subprocesses.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections"
export ANSIBLE_CONFIG="$top/tests/ansible.cfg"
export PYTHONPATH="$top/tests"
export PATH="$top/.venv/bin:$PATH"
SKIPPED=77

# One pytest run; exit 5 (nothing collected) is reported, and stays non-zero.
run_pytest() {  # python, paths...
    local python=$1; shift
    local xdist=()
    local workers=${PYTEST_WORKERS:-2}
    # loadscope: a module's tests stay on one worker, so a module-scoped fleet
    # (the fix_wu fault runs) is built and run once, not once per worker.
    [ "$workers" != 0 ] && xdist=(-p xdist -n "$workers" --dist loadscope)
    "$python" -m pytest -q -p no:cacheprovider "${xdist[@]}" "$@"
    local rc=$?
    [ "$rc" = 5 ] && echo "run_tests: pytest collected no tests in $* - counted as a failure"
    [ "$rc" = "$SKIPPED" ] && rc=1   # keep pytest's codes apart from "skipped"
    return "$rc"
}

# The end-to-end tests that run whole playbooks against a fleet (the ladder, benchmark smoke
# runs): controller logic, the same on every ansible-core. The other files of tests/e2e test
# one module or the simulator each; those run on ansible-core 2.21 (the newest, whose WinRM
# payload is new) and, without Python 3.13 for it, here.
E2E_FLEET=(tests/e2e/test_ladder.py tests/e2e/test_bench_smoke.py tests/e2e/test_target_lookup.py
           tests/e2e/test_ladder_doubt.py tests/e2e/test_ladder_locales.py tests/e2e/test_mixed_fleet.py
           tests/e2e/test_fleet_slices.py)
# Run on both: the strategy plugin resting hosts whose wait gave its fork back reads each
# ansible-core's own result object.
E2E_BOTH=(tests/e2e/test_fork_sharing.py)

# Whatever exists of tests/unit, tests/e2e and tests/reliability; none at all is a failure.
stage_pytest() {
    local paths=() d f
    for d in tests/unit tests/reliability; do [ -d "$d" ] && paths+=("$d"); done
    if [ -d tests/e2e ] && bash tools/find_python.sh 3.13 >/dev/null; then
        echo "run_tests: the module-level end-to-end tests run in the ansible-core 2.21 stage; here: ${E2E_FLEET[*]} ${E2E_BOTH[*]}"
        for f in "${E2E_FLEET[@]}" "${E2E_BOTH[@]}"; do
            [ -f "$f" ] || { echo "run_tests: $f does not exist"; return 1; }
        done
        paths+=("${E2E_FLEET[@]}" "${E2E_BOTH[@]}")
    elif [ -d tests/e2e ]; then
        paths+=(tests/e2e)
    fi
    [ ${#paths[@]} -gt 0 ] || { echo "run_tests: none of tests/unit, tests/e2e, tests/reliability exists"; return 1; }
    run_pytest .venv/bin/python "${paths[@]}"
}

stage_e2e_newest() {
    local log rc
    log=$(mktemp)
    bash tools/setup_newest.sh 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" != 0 ]; then rm -f "$log"; echo "run_tests: tools/setup_newest.sh failed (exit $rc)"; return "$rc"; fi
    if grep -q '^skipped: no Python 3.13' "$log"; then rm -f "$log"; return "$SKIPPED"; fi
    rm -f "$log"
    [ -d tests/e2e ] || { echo "run_tests: tests/e2e does not exist"; return 1; }
    # The e2e tests may start ansible-playbook and friends: take the 2.21 ones.
    # Every module's end-to-end cases run here, not on 2.19 (E2E_FLEET above).
    local deselect=() f
    for f in "${E2E_FLEET[@]}"; do deselect+=(--deselect "$f"); done
    PATH="$top/.venv-core221/bin:$PATH" run_pytest .venv-core221/bin/python tests/e2e "${deselect[@]}"
}

# The oldest controller gets the tests that cover each layer once, not every
# module's cases: WinRM and the payload format of ansible-core <= 2.18 (fleet
# basics), a read-only module (diagnose), a module that changes the host with
# check/diff mode (reset), the built artifact installed and run, and what the
# lowest ansible.windows must take: its private reboot helper (the signature
# test, and a repair install riding through restarts) and galaxy.yml's range.
# About a minute on 2 workers here.
E2E_OLDEST=(tests/e2e/test_fleet_basics.py tests/e2e/test_win_wu_diagnose.py
            tests/e2e/test_win_wu_reset.py tests/e2e/test_galaxy_build.py
            tests/e2e/test_win_inplace_upgrade.py tests/unit/plugins/plugin_utils/_host/test_reboot.py
            tests/unit/test_dependency_range.py)

stage_e2e_oldest() {
    local log rc f
    log=$(mktemp)
    bash tools/setup_oldest.sh 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" != 0 ]; then rm -f "$log"; echo "run_tests: tools/setup_oldest.sh failed (exit $rc)"; return "$rc"; fi
    if grep -q '^skipped: no Python 3.11' "$log"; then rm -f "$log"; return "$SKIPPED"; fi
    rm -f "$log"
    for f in "${E2E_OLDEST[@]}"; do
        [ -f "$f" ] || { echo "run_tests: $f does not exist"; return 1; }
    done
    # The e2e tests start the ansible commands of the venv they run in
    # (winsim.pytest_plugin.VENV); PATH too, for anything found through it.
    # The collections tree is the stage's own (winsim.pytest_plugin.COLLECTIONS).
    ANSIBLE_COLLECTIONS_PATH="$top/build/collections-core217" PATH="$top/.venv-core217/bin:$PATH" \
        run_pytest .venv-core217/bin/python "${E2E_OLDEST[@]}"
}

# The real host scripts in PowerShell 7 (tests/pwsh): Windows PowerShell 5.1
# syntax, the scripts against their Python models on many host states, the
# culture matrix, and the Pester tests of tests/pwsh/scripts. pwsh is found by
# tools/find_pwsh.sh (WINREPAIR_PWSH=none: as without one); without one the
# stage is skipped and says why. Two xdist workers, one pwsh process each.
stage_powershell() {
    local pwsh stats rc start
    if ! pwsh=$(bash tools/find_pwsh.sh); then
        echo "skipped: no pwsh (PowerShell 7) on PATH or beside the repository${WINREPAIR_PWSH:+ (WINREPAIR_PWSH=$WINREPAIR_PWSH)};" \
             "install PowerShell 7 to run this stage"
        return "$SKIPPED"
    fi
    echo "pwsh: $pwsh"
    start=$EPOCHREALTIME
    stats=$(mktemp)
    WINREPAIR_PWSH="$pwsh" WINREPAIR_REQUIRE_PWSH=1 WINREPAIR_PWSH_STATS="$stats" run_pytest .venv/bin/python tests/pwsh
    rc=$?
    .venv/bin/python - "$stats" "$start" "$EPOCHREALTIME" <<'PY'
import json, sys
totals = {}
for line in open(sys.argv[1], encoding="utf-8"):
    for key, value in json.loads(line).items():
        totals[key] = totals.get(key, 0) + value
print("powershell: %d script runs in pwsh, %d differential cases matched, %d culture cases matched, "
      "%d Pester tests passed (tests/pwsh: %.0f s)" % (totals.get("script_runs", 0), totals.get("differential_cases", 0),
                                          totals.get("culture_cases", 0), totals.get("pester_passed", 0),
                                          float(sys.argv[3]) - float(sys.argv[2])))
PY
    rm -f "$stats"
    # The simulator with the real scripts (WINSIM_REAL_SCRIPTS=1, tests/winsim/real_scripts.py):
    # the demo fleet through playbooks/fix_wu.yml (every rung, it-IT and ja-JP hosts) and the
    # repair install's own end-to-end tests (its detached setup.exe run, restarts, scheduled
    # tasks and run-folder ACLs).
    echo "simulator with the real scripts:"
    WINREPAIR_PWSH="$pwsh" WINSIM_REAL_SCRIPTS=1 run_pytest .venv/bin/python \
        tests/e2e/test_demo_fleet.py tests/e2e/test_win_inplace_upgrade.py || { [ "$rc" = 0 ] && rc=1; }
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "powershell stage: %.0f s in all\n", b - a }'
    return "$rc"
}

stage_sanity() { bash tools/sanity.sh; }

stage_lint() { bash tools/lint.sh; }

stage_changelog() {
    antsibull-changelog lint || return
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || return
    echo "changelog: fragments and changelogs/changelog.yaml are valid"
}

stage_molecule() {
    if [ ! -f extensions/molecule/default/molecule.yml ]; then
        echo "skipped: extensions/molecule/default/molecule.yml does not exist yet"
        return "$SKIPPED"
    fi
    # From the repository root: molecule 26 finds a collection's scenarios in
    # extensions/molecule/ through the galaxy.yml of its working directory; run
    # from extensions/molecule/ itself it finds no scenario ('molecule/*/molecule.yml'
    # glob failed). NO_COLOR/PY_COLORS: plain text for logs.
    NO_COLOR=1 PY_COLORS=0 molecule test -s default
}

lanes=${TEST_LANES:-2}
case $lanes in 1|2) ;; *) echo "run_tests: TEST_LANES is 1 or 2, not '$lanes'" >&2; exit 2 ;; esac
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# One stage: its header, its output, its result line; the result and seconds go
# to $logs/N.result for the summary (a file: the stage may run in a subshell).
run_stage() {  # number, name, function
    local n=$1 name=$2 fn=$3 start rc result seconds
    printf '\n========== %s ==========\n' "$name"
    start=$EPOCHREALTIME
    "$fn"
    rc=$?
    case $rc in
        0) result=passed ;;
        "$SKIPPED") result=skipped ;;
        *) result="FAILED (exit $rc)" ;;
    esac
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    printf '%s\t%s\n' "$result" "$seconds" > "$logs/$n.result"
    printf -- '---------- %s: %s (%ss) ----------\n' "$name" "$result" "$seconds"
}
# name, function; the summary lists them in this order. The first is the pytest stage.
STAGES=("pytest (core 2.19, py3.11)" stage_pytest
        "e2e (core 2.21, py3.13)" stage_e2e_newest
        "e2e (core 2.17, py3.11)" stage_e2e_oldest
        "powershell (pwsh 7)" stage_powershell
        "sanity (ansible-test)" stage_sanity
        "ansible-lint" stage_lint
        "changelog lint" stage_changelog
        "molecule default" stage_molecule)
stage_count=$((${#STAGES[@]} / 2))
# The order the lanes take the stages in after the pytest stage: the longest first, so that the
# lane that ends its stage first takes the next, and the two end close together.
QUEUE=(3 1 4 2 7 5 6)
# A stage is taken by the first lane that makes its claim folder (mkdir is atomic).
take() { mkdir "$logs/claim.$1" 2>/dev/null; }
lane() {  # first stage or "", log: 0 = print as it goes, 1 = each stage into $logs/N.log
    local first=$1 log=$2 i
    for i in $first "${QUEUE[@]}"; do
        take "$i" || continue
        if [ "$log" = 1 ] || [ "$i" != "$first" ]; then
            run_stage "$i" "${STAGES[2 * i]}" "${STAGES[2 * i + 1]}" > "$logs/$i.log" 2>&1 < /dev/null
        else
            run_stage "$i" "${STAGES[2 * i]}" "${STAGES[2 * i + 1]}"
        fi
    done
}

total_start=$EPOCHREALTIME
if [ "$lanes" = 1 ]; then
    for ((i = 0; i < stage_count; i++)); do run_stage "$i" "${STAGES[2 * i]}" "${STAGES[2 * i + 1]}"; done
else
    lane "" 1 &
    lane2=$!
    echo "run_tests: the other stages run beside the pytest stage; their output follows it"
    lane 0 0
    wait "$lane2"
    for ((i = 1; i < stage_count; i++)); do
        [ -f "$logs/$i.log" ] && cat "$logs/$i.log"
    done
fi
failed=()
printf '\n========== summary ==========\n'
printf '%-28s %-18s %8s\n' stage result seconds
for ((i = 0; i < stage_count; i++)); do
    result="FAILED (no result)" seconds=""
    [ -f "$logs/$i.result" ] && IFS=$'\t' read -r result seconds < "$logs/$i.result"
    mark=""
    case $result in FAILED*) mark="  <<<"; failed+=("${STAGES[2 * i]}") ;; esac
    printf '%-28s %-18s %8s%s\n' "${STAGES[2 * i]}" "$result" "$seconds" "$mark"
done
printf '%-28s %-18s %8s\n' "total (lanes: $lanes)" "" "$(awk -v a="$total_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'make test: FAILED stage(s):'; printf ' [%s]' "${failed[@]}"; echo
    exit 1
fi
echo "make test: every stage passed or was skipped with its reason"
