# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 3 (not a test): what a diagnosis costs.

    .venv/bin/python bench/diagnose_cost.py [--hosts 200] [--forks 50]

One fleet (root causes as in benchmark 1's mix), two runs: a play of one
win_wu_diagnose task, and bench/baseline_diagnose_builtin.yml (setup +
win_service / win_stat / win_command, one module run per fact). Counted per
host: module runs (winsim request records) and WinRM requests (POSTs, server
counters); wall time of each run. Target: one module run per host and at
least 3x less wall time than the baseline at 200 hosts.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import time_to_green  # noqa: E402

TARGET_SPEEDUP = 3.0


def _play(directory: str) -> str:
    play = [{"name": "win_wu_diagnose", "hosts": "all", "gather_facts": False,
             "tasks": [{"name": "diagnose", "winrepair.windows_update.win_wu_diagnose": {},
                        "register": "bench_diag"}]}]
    return common.write_json(os.path.join(directory, "diagnose.json"), play)


def _measure(f, path: str, forks: int) -> dict:
    before = {n: len(f.records(n)) for n in f.hosts}
    wire0 = common.wire(f)
    run = common.playbook(f.inventory_path, path, forks=forks)
    runs = {n: len(f.records(n)) - before[n] for n in f.hosts}
    wire1 = common.wire(f)
    refused = sum(1 for n in f.hosts for r in f.records(n)[before[n]:] if r.outcome in ("refused", "failed"))
    hosts = len(f.hosts)
    return {"wall": run.wall, "rc": run.rc, "cpu": run.cpu,
            "module_runs_per_host": sum(runs.values()) / float(hosts), "max_module_runs": max(runs.values()),
            "winrm_requests_per_host": (wire1["requests"] - wire0["requests"]) / float(hosts),
            "winrm_bytes_per_host": (wire1["bytes_in"] + wire1["bytes_out"] - wire0["bytes_in"]
                                     - wire0["bytes_out"]) / float(hosts),
            "refused_or_failed": refused, "tail": run.tail(1200) if run.rc else ""}


def run(hosts: int = 200, forks: int = 50, time_scale: float = 6000.0, keep: str = None) -> dict:
    scenario, _causes, _spec = time_to_green.build_scenario(hosts, time_scale, "127.0.140.1")
    for h in scenario["hosts"]:
        h.pop("files", None)  # no ISO needed here
    with common.workdir("diagnose", keep) as tmp, common.fleet(scenario, tmp) as f:
        ours = _measure(f, _play(tmp), forks)
        base = _measure(f, os.path.join(common.BENCH, "baseline_diagnose_builtin.yml"), forks)
    rows = [
        common.row("module runs per host", ours["module_runs_per_host"], base["module_runs_per_host"], "1",
                   ours["max_module_runs"] == 1),
        common.row("WinRM requests per host", ours["winrm_requests_per_host"], base["winrm_requests_per_host"]),
        common.row("WinRM bytes per host", ours["winrm_bytes_per_host"], base["winrm_bytes_per_host"], unit="B"),
        common.row("wall time (%d hosts, %d forks)" % (hosts, forks), ours["wall"], base["wall"],
                   "<= 1/%g x baseline" % TARGET_SPEEDUP, ours["wall"] * TARGET_SPEEDUP <= base["wall"], "s"),
        common.row("controller CPU", ours["cpu"], base["cpu"], unit="s"),
    ]
    notes = ["baseline bench/baseline_diagnose_builtin.yml reads fewer facts than win_wu_diagnose (no history, "
             "events, CBS.log lines, antivirus, filters, disk health, registry): its cost is a lower bound"]
    for label, r in (("win_wu_diagnose", ours), ("baseline", base)):
        if r["rc"] != 0 or r["refused_or_failed"]:
            notes.append("%s: exit %d, %d refused/failed requests %s" % (label, r["rc"], r["refused_or_failed"],
                                                                         r["tail"][-400:]))
    return {"benchmark": "3 diagnosis cost", "rows": rows, "notes": notes,
            "details": {"ours": ours, "baseline": base, "hosts": hosts, "forks": forks},
            "ok": ours["rc"] == 0 and base["rc"] == 0}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--time-scale", dest="time_scale", type=float, default=6000.0)
    p.add_argument("--keep", help="keep the work folder here")
    sys.exit(common.main_for(run, p))
