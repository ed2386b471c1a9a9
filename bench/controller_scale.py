# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 4 (not a test): how the controller's cost grows with the fleet.

    .venv/bin/python bench/controller_scale.py [--sizes 50,100,200,500] [--forks 50]

For each size, in a fresh process of its own (so that peak memory figures
belong to that size): a fleet (root causes as in benchmark 1's mix), then
  - `ansible -m ansible.windows.win_ping` over it: ansible-core's own cost of
    one WinRM module run per host (the floor);
  - playbooks/diagnose_wu.yml followed by the fleet report (role wu_report:
    JSON, Markdown, HTML): ours.
Measured per run: wall time, controller CPU seconds (user + system of
ansible-playbook and all its forks, from wait4), peak RSS of the largest
controller process; and the peak RSS of the fleet process (the simulator:
VmHWM of the per-size process). Target: CPU seconds per host
of diagnose+report at the largest size within 1.5x of the smallest.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import time_to_green  # noqa: E402

TARGET_GROWTH = 1.5
KB = "KB5043080"


def _wrapper(directory: str) -> str:
    """diagnose_wu.yml, then the report over every host (what `make demo`'s survey + report does)."""
    plays = [
        {"import_playbook": os.path.join(common.REPO, "playbooks", "diagnose_wu.yml")},
        {"name": "Fleet report", "hosts": "all", "gather_facts": False, "tasks": [
            {"name": "report", "ansible.builtin.include_role": {"name": "winrepair.windows_update.wu_report"},
             "vars": {"wu_report_dir": os.path.join(directory, "report"),
                      "wu_report_hosts": "{{ ansible_play_hosts_all }}", "wu_report_show_summary": False}}]},
    ]
    return common.write_json(os.path.join(directory, "diagnose_and_report.json"), plays)


def _own_peak_rss_kb() -> int:
    """Peak RSS of this process's own memory (VmHWM). Not getrusage(RUSAGE_SELF).ru_maxrss: on
    Linux that keeps the high-water mark of the image this process was forked from before exec
    (the benchmark runner, large after benchmark 2), so every size would show the same figure."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def one_size(hosts: int, forks: int, time_scale: float) -> dict:
    """Runs in its own process (see run()): fleet + win_ping + diagnose/report."""
    scenario, _causes, _spec = time_to_green.build_scenario(hosts, time_scale, "127.0.150.1")
    for h in scenario["hosts"]:
        h.pop("files", None)
    with common.workdir("scale-%d" % hosts) as tmp, common.fleet(scenario, tmp) as f:
        ping = common.adhoc(f.inventory_path, "ansible.windows.win_ping", forks=forks)
        pongs = ping.stdout.count("SUCCESS")
        ours = common.playbook(f.inventory_path, _wrapper(tmp),
                               {"wu_survey_target_kb": KB,
                                "wu_survey_summary_path": os.path.join(tmp, "wu-survey.yml")}, forks=forks)
        report_ok = os.path.isfile(os.path.join(tmp, "report", "wu-fleet-report.json"))
        diagnosed = sum(1 for n in f.hosts if any(r.name == "wu_diagnose" for r in f.records(n)))
    fleet_rss = _own_peak_rss_kb()
    return {"hosts": hosts, "ping": {"wall": ping.wall, "cpu": ping.cpu, "maxrss_kb": ping.maxrss_kb,
                                     "rc": ping.rc, "ok_hosts": pongs},
            "ours": {"wall": ours.wall, "cpu": ours.cpu, "maxrss_kb": ours.maxrss_kb, "rc": ours.rc,
                     "diagnosed_hosts": diagnosed, "report_written": report_ok,
                     "tail": ours.tail(800) if ours.rc else ""},
            "fleet_maxrss_kb": fleet_rss}


def run(sizes="50,100,200,500", forks: int = 50, time_scale: float = 6000.0) -> dict:
    sizes = [int(s) for s in str(sizes).split(",") if s.strip()]
    per = []
    for n in sizes:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", str(n), "--forks", str(forks),
                               "--time-scale", str(time_scale)], capture_output=True, text=True, timeout=3600,
                              cwd=common.REPO, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError("size %d failed (exit %d): %s" % (n, proc.returncode, proc.stderr[-2000:]))
        per.append(json.loads(lines[-1]))
    rows = []
    for r in per:
        h = float(r["hosts"])
        rows.append(common.row("%d hosts: wall (diagnose+report vs win_ping)" % r["hosts"], r["ours"]["wall"],
                               r["ping"]["wall"], unit="s"))
        rows.append(common.row("%d hosts: controller CPU per host" % r["hosts"], r["ours"]["cpu"] / h,
                               r["ping"]["cpu"] / h, unit="s"))
        rows.append(common.row("%d hosts: peak controller RSS" % r["hosts"], r["ours"]["maxrss_kb"] / 1024.0,
                               r["ping"]["maxrss_kb"] / 1024.0, unit="MiB"))
        rows.append(common.row("%d hosts: fleet process peak RSS" % r["hosts"], r["fleet_maxrss_kb"] / 1024.0,
                               unit="MiB"))
    first, last = per[0], per[-1]
    growth = (last["ours"]["cpu"] / last["hosts"]) / (first["ours"]["cpu"] / first["hosts"])
    ping_growth = (last["ping"]["cpu"] / last["hosts"]) / (first["ping"]["cpu"] / first["hosts"])
    rows.append(common.row("CPU/host growth %d -> %d hosts" % (first["hosts"], last["hosts"]), growth, ping_growth,
                           "<= %g" % TARGET_GROWTH, growth <= TARGET_GROWTH))
    notes = []
    for r in per:
        ours_only = (r["ours"]["cpu"] - r["ping"]["cpu"]) / r["hosts"]
        notes.append("%d hosts: CPU/host %.2f s = ansible-core floor (win_ping) %.2f s + ours %.2f s; "
                     "diagnosed %d, report %s, win_ping ok %d"
                     % (r["hosts"], r["ours"]["cpu"] / r["hosts"], r["ping"]["cpu"] / r["hosts"], ours_only,
                        r["ours"]["diagnosed_hosts"], "written" if r["ours"]["report_written"] else "MISSING",
                        r["ping"]["ok_hosts"]))
        if r["ours"]["rc"] != 0:
            notes.append("%d hosts: diagnose_wu.yml exited %d: %s" % (r["hosts"], r["ours"]["rc"],
                                                                      r["ours"]["tail"][-400:]))
    ok = all(r["ours"]["rc"] == 0 and r["ping"]["rc"] == 0 and r["ours"]["report_written"] for r in per)
    return {"benchmark": "4 controller scale", "rows": rows, "notes": notes,
            "details": {"sizes": per, "forks": forks, "cpus": os.cpu_count()}, "ok": ok}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="50,100,200,500")
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--time-scale", dest="time_scale", type=float, default=6000.0)
    if "--one" in sys.argv:  # internal: one size in this process, its JSON on stdout
        p.add_argument("--one", type=int)
        a = p.parse_args()
        print(json.dumps(one_size(a.one, a.forks, a.time_scale)))
        sys.exit(0)
    sys.exit(common.main_for(run, p))
