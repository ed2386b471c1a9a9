# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every benchmark, print one table of ratios, write bench/RESULTS.md.

    .venv/bin/python bench/run_all.py [--only 1,3] [--quick] [--out bench/RESULTS.md] [--json PATH]

Each ratio is ours / its baseline measured in the same run. Benchmarks, not
tests: a missed target is reported (met = NO), it does not change the exit
code. The exit code is non-zero only when a benchmark could not run (harness
error, a playbook that exited with an unexpected code).
--quick runs every benchmark at a tiny size (what tests/e2e/test_bench_smoke.py
does): the figures mean nothing then, only that the harness works.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import catalog_traffic  # noqa: E402
import common  # noqa: E402
import controller_scale  # noqa: E402
import diagnose_cost  # noqa: E402
import time_to_green  # noqa: E402

# number -> (module, full-size arguments, quick arguments)
BENCHMARKS = {
    "1": (time_to_green, {"hosts": 100, "forks": 50, "time_scale": 2400.0},
          {"hosts": 2, "forks": 2, "time_scale": 6000.0}),
    "2": (catalog_traffic, {"hosts": 100, "forks": 50, "file_size": 1024 * 1024},
          {"hosts": 2, "forks": 2, "file_size": 16 * 1024}),
    "3": (diagnose_cost, {"hosts": 200, "forks": 50}, {"hosts": 4, "forks": 4}),
    "4": (controller_scale, {"sizes": "50,100,200,500", "forks": 50}, {"sizes": "2", "forks": 2}),
}


def ansible_core_version() -> str:
    proc = subprocess.run([os.path.join(common.VENV, "bin", "python"), "-c",
                           "import ansible.release as r; print(r.__version__)"],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kb = int(handle.readline().split()[1])
            mem = ", %.1f GiB RAM" % (kb / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs%s, %s %s, Python %s" % (cpu, os.cpu_count() or 0, mem, platform.system(),
                                                platform.release(), platform.python_version())


def run_one(number: str, quick: bool) -> dict:
    module, full, small = BENCHMARKS[number]
    started = time.monotonic()
    try:
        result = module.run(**(small if quick else full))
    except Exception:  # a broken harness is reported, the other benchmarks still run
        result = {"benchmark": number, "rows": [], "ok": False,
                  "notes": ["harness error: " + traceback.format_exc()[-1500:]], "details": {}}
    result["seconds"] = time.monotonic() - started
    result["args"] = small if quick else full
    return result


def per_cause_table(result: dict) -> str:
    """Benchmark 1's breakdown: hosts, fixed and host-hours per root cause, both playbooks."""
    d = result.get("details") or {}
    if "ours" not in d or "per_cause" not in d.get("ours", {}):
        return ""
    lines = ["| root cause | hosts | fixed (fix_wu) | fixed (baseline) | host-h (fix_wu) | host-h (baseline) |",
             "|---|---:|---:|---:|---:|---:|"]
    for cause, ours in d["ours"]["per_cause"].items():
        base = d["baseline"]["per_cause"].get(cause, {})
        lines.append("| %s | %d | %d | %d | %.2f | %.2f |" % (cause, ours["hosts"], ours["fixed"],
                                                              base.get("fixed", 0), ours["host_hours"],
                                                              base.get("host_hours", 0.0)))
    return "\n".join(lines)


def markdown(results: list, started: datetime.datetime, total: float, quick: bool) -> str:
    out = ["# Benchmark results", "",
           "Written by `make bench` (bench/run_all.py); what each figure means: bench/README.md.", "",
           "- date: %s" % started.strftime("%Y-%m-%d %H:%M UTC"),
           "- ansible-core: %s" % ansible_core_version(),
           "- machine: %s" % machine(),
           "- total time: %.0f s%s" % (total, " (QUICK run: tiny sizes, figures meaningless)" if quick else ""),
           "", "Ratio = ours / baseline, both measured in this run. met = the benchmark's target "
           "(bench/README.md); benchmarks do not fail CI.", "", common.table(results), ""]
    for res in results:
        out.append("## %s (%.0f s, %s)" % (res["benchmark"], res["seconds"],
                                           ", ".join("%s=%s" % kv for kv in sorted(res["args"].items()))))
        out.append("")
        for note in res.get("notes", []):
            out.append("- " + note.replace("\n", " "))
        extra = per_cause_table(res)
        if extra:
            out += ["", extra]
        out.append("")
    return "\n".join(out)


def fault_matrix() -> str:
    """The reliability fault matrix (tests/reliability/faultlib.py) run once, as a table."""
    print("== fault matrix ...", flush=True)
    proc = subprocess.run([os.path.join(common.VENV, "bin", "python"), os.path.join(common.BENCH, "faults_summary.py")],
                          capture_output=True, text=True, check=False, cwd=os.path.dirname(common.BENCH))
    if proc.returncode not in (0, 1):  # 1 = a case did not survive: still a table to show
        return "fault matrix did not run (exit %d): %s" % (proc.returncode, proc.stderr.strip()[-500:])
    print(proc.stdout, flush=True)
    return proc.stdout.strip()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="1,2,3,4", help="benchmark numbers, comma separated")
    p.add_argument("--quick", action="store_true", help="tiny sizes (harness check only)")
    p.add_argument("--out", default=os.path.join(common.BENCH, "RESULTS.md"))
    p.add_argument("--json", help="also write every result as JSON here")
    args = p.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    results = []
    for number in [n.strip() for n in args.only.split(",") if n.strip()]:
        print("== benchmark %s ..." % number, flush=True)
        res = run_one(number, args.quick)
        print("   %s: %.0f s" % (res["benchmark"], res["seconds"]), flush=True)
        results.append(res)
    faults = "" if args.quick else fault_matrix()
    text = markdown(results, started, time.monotonic() - t0, args.quick)
    if faults:
        text += "\n## Fault matrix (bench/faults_summary.py: faults tried, survived, data lost)\n\n" + faults + "\n"
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    if args.json:
        common.write_json(args.json, results)
    print()
    print(common.table(results))
    for res in results:
        for note in res.get("notes", []):
            print("- [%s] %s" % (res["benchmark"], note.replace("\n", " ")[:600]))
    print("\nwritten: %s" % args.out)
    return 0 if all(r.get("ok", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
