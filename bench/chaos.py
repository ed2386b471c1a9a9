# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chaos fleet benchmark (not a test): playbooks/fix_wu.yml on fleets with several
root causes per host and random faults at random steps, re-run until nothing changes.

    .venv/bin/python bench/chaos.py [--hosts 200] [--seeds 1,2,3] [--forks 50] [--deadline SECONDS]
                                    [--out bench/RESULTS.md] [--json PATH]
    .venv/bin/python bench/chaos.py --from-json PATH    # the section from the seeds a --json run finished

Per seed, tests/reliability/chaos.py makes HOSTS chaos hosts (causes mixed as in
benchmark 1, two or more per host, 1-3 faults each) and a fault-free twin for
each set of causes; tests/reliability/chaos_run.py runs fix_wu.yml on all of them, then again
on the hosts not yet quiet, at most 5 runs, and judges what is left. One table
row per seed: runs until a run changed nothing, hosts left inconsistent,
journals lost, completed destructive steps that ran again, and the hosts the
fault-free twin shows fixable that were fixed within 3 runs. The target (the
issue's): 0, 0, 0 and all of them, for every seed.

The table goes into --out between the chaos markers (replaced when there,
appended otherwise; the rest of the file stays). --deadline: seeds not started
within that many seconds are left out and the table says so.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

from reliability import chaos as chaos_mod  # noqa: E402
from reliability import chaos_run  # noqa: E402

BEGIN = "<!-- chaos fleet: begin (written by bench/chaos.py, replaced on each run) -->"
END = "<!-- chaos fleet: end -->"


def load() -> str:
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "?"


def run_seed(seed: int, hosts: int, forks: int, time_scale: float, reboot_timeout: int, keep=None,
             run_timeout: float = 10800) -> dict:
    """One seed: chaos_run's result and summary, the load average before and after."""
    chaos = chaos_mod.generate(seed, hosts)
    with common.workdir("chaos-%d" % seed, keep) as tmp:
        before = load()

        def log(text):
            print("  seed %d %s" % (seed, text), flush=True)
        result = chaos_run.run(chaos, pathlib.Path(tmp), forks=forks, time_scale=time_scale,
                               reboot_timeout=reboot_timeout, run_timeout=run_timeout, log=log)
    result["load"] = "%s -> %s" % (before, load())
    result["commit"] = common.commit()
    result["settings"] = {"hosts": hosts, "forks": forks, "time_scale": time_scale, "reboot_timeout": reboot_timeout}
    result["summary"] = chaos_run.summary(result)
    return result


def table(results: list) -> list:
    lines = ["| seed | hosts | runs until nothing changed | hosts inconsistent | journals lost | "
             "repeated destructive steps | fixable fixed within 3 runs | faults fired / armed | wall | load (1 min) "
             "| commit |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for res in results:
        s = res["summary"]
        runs = str(s["runs_to_converge"]) if s["runs_to_converge"] else "not in %d" % s["runs"]
        lines.append("| %d | %d | %s | %d | %d | %d | %d / %d | %d / %d | %.0f s | %s | %s |" % (
            s["seed"], s["hosts"], runs, len(s["inconsistent"]), len(s["journals_lost"]),
            s["repeated_destructive"], s["fixable_fixed_in_3"], s["fixable"], s["faults_fired"], s["faults_armed"],
            res["seconds"], res["load"], res.get("commit") or "?"))
    return lines


def _first(names, per_host, key, count=3):
    return ["%s %s" % (n, per_host[n].get(key)) for n in names[:count]]


def notes(results: list) -> list:
    out = []
    for res in results:
        s, per = res["summary"], res["per_host"]
        if not s["runs_to_converge"]:
            loud = res["runs"][-1]["not_quiet"]
            out.append("seed %d: still changing after run %d: %s" % (
                s["seed"], s["runs"], "; ".join("%s (%s)" % kv for kv in sorted(loud.items())[:5])))
        for label, key, field in (("inconsistent", "inconsistent", "inconsistent"),
                                  ("journal lost", "journals_lost", "journal_lost"),
                                  ("destructive step repeated", "repeated_hosts", "destructive"),
                                  ("fixable, not fixed within 3 runs", "fixable_not_fixed_in_3", "faults"),
                                  ("broken without a verdict naming its cause", "broken_without_named_cause",
                                   "verdict")):
            if s[key]:
                examples = "; ".join(_first(s[key], per, field))
                out.append("seed %d: %s: %d host(s), e.g. %s" % (s["seed"], label, len(s[key]), examples))
        fired = res["faults_fired"]
        out.append("seed %d: faults fired by kind (fired/armed): %s" % (s["seed"], ", ".join(
            "%s %d/%d" % (k, fired.get(k, 0), n) for k, n in sorted(res["faults_armed"].items()))))
    return out


def section(results: list, args: dict, skipped: list) -> str:
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN, "## Chaos fleet (bench/chaos.py, %s)" % date, "",
             "playbooks/fix_wu.yml on %d hosts per seed with several root causes each and random faults "
             "(tests/reliability/chaos.py), re-run until a run changes nothing (at most 5 runs); the hosts with the "
             "same causes have a fault-free twin in the same runs, which tells whether fix_wu.yml fixes them without "
             "faults. The diagnosis reads %d days of failures (an hour of a busy controller is about 100 modelled "
             "days at this time scale). Target: "
             "0 inconsistent, 0 lost, 0 repeated, every fixable host fixed within 3 runs, for every seed. "
             "Settings: %s." % (args["hosts"], chaos_mod.SINCE_DAYS,
                                ", ".join("%s=%s" % kv for kv in sorted(args.items()))), ""]
    lines += table(results)
    if skipped:
        lines += ["", "Seeds not run (the --deadline had passed, or the run was stopped): %s."
                  % ", ".join(str(s) for s in skipped)]
    more = notes(results)
    if more:
        lines += [""] + ["- " + n for n in more]
    lines.append(END)
    return "\n".join(lines)


def write(path: str, text: str) -> None:
    """TEXT replaces the chaos section of PATH (added at the end when there is none)."""
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            old = handle.read()
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + text + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(new)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--time-scale", dest="time_scale", type=float, default=2400.0)
    p.add_argument("--reboot-timeout", dest="reboot_timeout", type=int, default=60,
                   help="real seconds a restart may take (a slow restart takes 1.5 times that)")
    p.add_argument("--deadline", type=float, help="start no seed after this many seconds")
    p.add_argument("--run-timeout", dest="run_timeout", type=float, default=10800,
                   help="seconds one ansible-playbook run may take")
    p.add_argument("--out", default=os.path.join(common.BENCH, "RESULTS.md"))
    p.add_argument("--json", help="also write every result here")
    p.add_argument("--keep", help="keep the work folder of each seed under this folder")
    p.add_argument("--from-json", dest="from_json",
                   help="write the section from the results a --json run saved (seeds it has not: not run)")
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    started = time.monotonic()
    results, skipped = [], []
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as handle:
            results = json.load(handle)
        skipped = [s for s in seeds if s not in {r["seed"] for r in results}]
        seeds = []
    for seed in seeds:
        if args.deadline is not None and time.monotonic() - started > args.deadline:
            skipped.append(seed)
            continue
        print("== chaos seed %d, %d hosts (load %s) ..." % (seed, args.hosts, load()), flush=True)
        keep = os.path.join(args.keep, "seed-%d" % seed) if args.keep else None
        results.append(run_seed(seed, args.hosts, args.forks, args.time_scale, args.reboot_timeout, keep,
                                args.run_timeout))
        if args.json:  # after each seed: a long run that is stopped keeps what it measured
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump(results, handle, indent=1, default=str)
    settings = {"hosts": args.hosts, "forks": args.forks, "time_scale": args.time_scale,
                "reboot_timeout": args.reboot_timeout}
    if results and results[0].get("settings"):
        settings = results[0]["settings"]
    text = section(results, settings, skipped)
    write(args.out, text)
    print(text)
    print("\nwritten: %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
