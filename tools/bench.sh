#!/usr/bin/env bash
# The body of `make bench` (the Makefile runs `make setup` first): every
# benchmark of bench/ against the simulator, one table of ratios on stdout and
# in bench/RESULTS.md. Benchmarks, not tests: a missed target does not fail;
# the exit code is non-zero only when a benchmark could not run.
#   BENCH_ONLY=1,3   run only these benchmarks (and not the chaos fleet)
#   BENCH_QUICK=1    tiny sizes (harness check; figures meaningless)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
export ANSIBLE_COLLECTIONS_PATH="$top/build/collections"
export ANSIBLE_CONFIG="$top/tests/ansible.cfg"
export PYTHONPATH="$top/tests"
export PATH="$top/.venv/bin:$PATH"
args=(--only "${BENCH_ONLY:-1,2,3,4,5}")
[ "${BENCH_QUICK:-0}" = 1 ] && args+=(--quick --out "${BENCH_OUT:-/tmp/winrepair-bench-quick.md}")
start=$EPOCHREALTIME
.venv/bin/python bench/run_all.py "${args[@]}"
rc=$?
# The chaos fleet (bench/chaos.py: 200 hosts, 3 seeds) writes its own section of RESULTS.md; not with BENCH_ONLY.
[ -z "${BENCH_ONLY:-}" ] && { .venv/bin/python bench/chaos.py $([ "${BENCH_QUICK:-0}" = 1 ] && echo --hosts 3 --seeds 1 --out "${BENCH_OUT:-/tmp/winrepair-bench-quick.md}") || rc=$?; }
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "make bench: %.0f s\n", b - a }'
exit "$rc"
