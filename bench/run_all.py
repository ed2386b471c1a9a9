# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every benchmark, print one table of ratios, write bench/RESULTS.md.

    .venv/bin/python bench/run_all.py [--only 1,3] [--quick] [--out bench/RESULTS.md] [--json PATH]
    .venv/bin/python bench/run_all.py --only 1 --merge          # rerun one, keep the others' rows
    .venv/bin/python bench/run_all.py --merge --from-json /tmp/b1.json   # merge a result file

--merge replaces, in the existing --out file, only the table rows and the
section of the benchmarks given and notes at the top when they were measured;
everything else (the other benchmarks, the fault matrix) stays as it was.
--from-json takes the results from a file written by a benchmark's own --json
(one result) or by this script's --json (a list) instead of running anything.

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
import json
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
import makespan  # noqa: E402
import time_to_green  # noqa: E402

# number -> (module, full-size arguments, quick arguments). Quick benchmark 1 leaves out the
# stricter stop-early baseline and the oracle lower bound (a third and a fourth fleet, more time in
# make test); the target's baseline runs.
BENCHMARKS = {
    "1": (time_to_green, {"hosts": 100, "forks": 50, "time_scale": 2400.0, "cpu_pairs": 3},
          {"hosts": 2, "forks": 2, "time_scale": 6000.0, "stop_early": False, "oracle": False}),
    "2": (catalog_traffic, {"hosts": 100, "forks": 50, "file_size": 1024 * 1024},
          {"hosts": 2, "forks": 2, "file_size": 16 * 1024}),
    "3": (diagnose_cost, {"hosts": 200, "forks": 50}, {"hosts": 4, "forks": 4}),
    "4": (controller_scale, {"sizes": "50,100,200,500", "forks": 50}, {"sizes": "2", "forks": 2}),
    "5": (makespan, {"hosts": 40, "small_forks": 5, "time_scale": 30.0},
          {"hosts": 3, "small_forks": 2, "time_scale": 6000.0}),
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
    result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return result


# Benchmark 1's fleets, in the column order of the breakdown (time_to_green.FLEETS).
PER_CAUSE_SIDES = (("ours", "fix_wu"), ("every_step", "every step"), ("stop_early", "stop early"),
                   ("oracle", "oracle"), ("oracle_wu", "oracle through WU"))


def per_cause_table(result: dict) -> str:
    """Benchmark 1's breakdown: hosts, fixed and host-hours per root cause, for fix_wu and each
    baseline that ran (every step: the target's; stop early: the stricter one; oracle: the lower bound;
    oracle through WU: the same, installing through Windows Update)."""
    d = result.get("details") or {}
    if "ours" not in d or "per_cause" not in d.get("ours", {}):
        return ""
    sides = [(key, label) for key, label in PER_CAUSE_SIDES if "per_cause" in (d.get(key) or {})]
    lines = ["| root cause | hosts | " + " | ".join("fixed (%s)" % label for _k, label in sides) + " | "
             + " | ".join("host-h (%s)" % label for _k, label in sides) + " |",
             "|---|---:|" + "---:|" * (2 * len(sides))]
    for cause, ours in d["ours"]["per_cause"].items():
        cells = [d[key]["per_cause"].get(cause, {}) for key, _label in sides]
        lines.append("| %s | %d | %s | %s |" % (
            cause, ours["hosts"], " | ".join("%d" % c.get("fixed", 0) for c in cells),
            " | ".join("%.2f" % c.get("host_hours", 0.0) for c in cells)))
    return "\n".join(lines)


def section(res: dict) -> list:
    """The lines of one benchmark's section of RESULTS.md (heading, notes, breakdown)."""
    args = res.get("args") or {}
    out = ["## %s (%.0f s, %s)" % (res["benchmark"], res.get("seconds") or 0.0,
                                   ", ".join("%s=%s" % kv for kv in sorted(args.items()))), ""]
    for note in res.get("notes", []):
        out.append("- " + note.replace("\n", " "))
    extra = per_cause_table(res)
    if extra:
        out += ["", extra]
    out.append("")
    return out


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
        out += section(res)
    return "\n".join(out)


def _number(name: str) -> int:
    """The leading number of a benchmark name ("1 time to green" -> 1); unnumbered ones sort last."""
    head = name.split(" ", 1)[0]
    return int(head) if head.isdigit() else 1000


def merge(text: str, results: list) -> str:
    """TEXT (a RESULTS.md) with the table rows and sections of RESULTS replaced (added in number
    order when missing), and a line at the top saying when each merged benchmark was measured."""
    lines = text.split("\n")
    for res in results:
        name = res["benchmark"]
        rows = common.table([res]).split("\n")[2:]
        header = next(i for i, line in enumerate(lines) if line.startswith("| benchmark | metric |"))
        end = header + 2
        while end < len(lines) and lines[end].startswith("| "):
            end += 1
        body = [line for line in lines[header + 2:end] if not line.startswith("| %s |" % name)]
        at = next((i for i, line in enumerate(body)
                   if _number(line.split("|")[1].strip()) > _number(name)), len(body))
        old_at = next((i for i, line in enumerate(lines[header + 2:end]) if line.startswith("| %s |" % name)), None)
        if old_at is not None:
            at = old_at  # where the old rows were
        lines[header + 2:end] = body[:at] + rows + body[at:]
        # The section: from its heading to the next "## " heading.
        start = next((i for i, line in enumerate(lines) if line.startswith("## %s (" % name)), None)
        if start is None:
            start = next((i for i, line in enumerate(lines) if line.startswith("## ") and (
                _number(line[3:]) > _number(name))), len(lines))
            stop = start
        else:
            stop = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:stop] = section(res)
        # When it was measured, next to the date of the others.
        stamp = "- %s: rows and section measured separately, %s (merged by run_all.py --merge; the others " \
                "are from the date above)" % (name, res.get("date") or "date unknown")
        lines = [line for line in lines if not line.startswith("- %s: rows and section measured separately" % name)]
        total = next((i for i, line in enumerate(lines) if line.startswith("- total time:")), None)
        lines.insert(total + 1 if total is not None else 2, stamp)
    return "\n".join(lines)


# Sections another tool writes into RESULTS.md (tools/mutation.sh, `make mutation`): a full run keeps them.
KEPT = ("## Mutation testing",)


def kept_sections(path: str) -> str:
    """The KEPT sections of the RESULTS.md at PATH (each up to the next "## " heading), or ""."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except OSError:
        return ""
    out = []
    for start, line in enumerate(lines):
        if line.startswith(KEPT):
            stop = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
            out.append("\n".join(lines[start:stop]).rstrip("\n"))
    return "".join("\n%s\n" % part for part in out)


def from_json(path: str) -> list:
    """Results from a benchmark's --json file (one result) or run_all's --json (a list); what a
    benchmark's own file lacks (args, seconds, date) comes from its details and the file time."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    results = data if isinstance(data, list) else [data]
    written = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
    for res in results:
        d = res.get("details") or {}
        res.setdefault("args", {k: d[k] for k in ("hosts", "forks", "time_scale", "sizes", "file_size") if k in d})
        res.setdefault("seconds", d.get("seconds") or 0.0)
        res.setdefault("date", written.strftime("%Y-%m-%d %H:%M UTC") + " (end of the run)")
    return results


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
    p.add_argument("--only", default="1,2,3,4,5", help="benchmark numbers, comma separated")
    p.add_argument("--quick", action="store_true", help="tiny sizes (harness check only)")
    p.add_argument("--out", default=os.path.join(common.BENCH, "RESULTS.md"))
    p.add_argument("--json", help="also write every result as JSON here")
    p.add_argument("--merge", action="store_true",
                   help="replace only these benchmarks' rows and sections in the existing --out file")
    p.add_argument("--from-json", dest="from_json",
                   help="with --merge: take the results from this file instead of running them")
    args = p.parse_args()
    if args.from_json and not args.merge:
        p.error("--from-json needs --merge")
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    results = []
    if args.from_json:
        results = from_json(args.from_json)
    else:
        for number in [n.strip() for n in args.only.split(",") if n.strip()]:
            print("== benchmark %s ..." % number, flush=True)
            res = run_one(number, args.quick)
            print("   %s: %.0f s" % (res["benchmark"], res["seconds"]), flush=True)
            results.append(res)
    if args.json:  # first: a merge into a missing --out file must not lose a long run's results
        common.write_json(args.json, results)
    if args.merge:
        with open(args.out, encoding="utf-8") as handle:
            text = merge(handle.read(), results)
    else:
        faults = "" if args.quick else fault_matrix()
        text = markdown(results, started, time.monotonic() - t0, args.quick)
        if faults:
            text += "\n## Fault matrix (bench/faults_summary.py: faults tried, survived, data lost)\n\n" + faults + "\n"
        text += kept_sections(args.out)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    print()
    print(common.table(results))
    for res in results:
        for note in res.get("notes", []):
            print("- [%s] %s" % (res["benchmark"], note.replace("\n", " ")[:600]))
    print("\n%s: %s" % ("merged into" if args.merge else "written", args.out))
    return 0 if all(r.get("ok", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
