#!/usr/bin/env bash
# The body of `make bench` (the Makefile runs `make setup` first): every
# benchmark of bench/ against the simulator, one table of ratios on stdout and
# in bench/RESULTS.md. Benchmarks, not tests: a missed target does not fail;
# the exit code is non-zero only when a benchmark could not run.
#   BENCH_ONLY=1,3   run only these benchmarks
#   BENCH_QUICK=1    tiny sizes (harness check; figures meaningless)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections"
export ANSIBLE_CONFIG="$top/tests/ansible.cfg"
export PYTHONPATH="$top/tests"
export PATH="$top/.venv/bin:$PATH"
args=(--only "${BENCH_ONLY:-1,2,3,4}")
[ "${BENCH_QUICK:-0}" = 1 ] && args+=(--quick --out "${BENCH_OUT:-/tmp/winrepair-bench-quick.md}")
start=$EPOCHREALTIME
.venv/bin/python bench/run_all.py "${args[@]}"
rc=$?
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "make bench: %.0f s\n", b - a }'
exit "$rc"
