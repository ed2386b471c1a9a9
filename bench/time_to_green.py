# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 1 (not a test): time to a green fleet.

    .venv/bin/python bench/time_to_green.py [--hosts 100] [--forks 50] [--time-scale 2400]

Two identical fleets built from bench/scenarios/green_mix.yml (root causes of
tests/winsim/causes.py); playbooks/fix_wu.yml repairs one, the how-to baseline
bench/baseline_ladder.yml the other. For each: modelled host-hours (sum over
hosts of bench.common.host_seconds: request records, detached DISM/sfc/setup
runs, reboot downtime), fix rate (hosts that end with the target update, or
one superseding it, installed) and wall time of the ansible-playbook run.
Target: host-hours <= 0.35 x baseline, fix rate >= baseline.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import yaml  # noqa: E402

from winsim.detached import dism_packages, setup_exe  # noqa: E402

MIX_FILE = os.path.join(common.BENCH, "scenarios", "green_mix.yml")
# The target and the cumulative updates that supersede it (tests/winsim/causes.py KNOWN_UPDATES).
GREEN_KBS = {"KB5043080", "KB5044284", "KB5048667"}
TARGET = 0.35


def load_mix(path: str = MIX_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def allocate(mix: list, hosts: int) -> list:
    """Counts per mix entry for HOSTS hosts (largest remainders, every cause at least once when hosts allow)."""
    total = sum(e["per100"] for e in mix)
    exact = [hosts * e["per100"] / total for e in mix]
    counts = [int(x) for x in exact]
    order = sorted(range(len(mix)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[:hosts - sum(counts)]:
        counts[i] += 1
    return counts


def build_scenario(hosts: int, time_scale: float, base_address: str) -> tuple:
    spec = load_mix()
    iso_text = setup_exe.make_media(26100, 1742).decode("utf-8")
    entries, causes = [], {}
    counts = allocate(spec["mix"], hosts)
    n = 0
    for entry, count in zip(spec["mix"], counts):
        for _index in range(count):
            n += 1
            name = "g%03d-%s" % (n, entry["name"].replace("_", "")[:10])
            host = {"name": name, "files": {spec["iso"]: iso_text}}
            if entry["name"] != "no_cause":
                host["root_cause"] = dict({"name": entry["name"]}, **(entry.get("options") or {}))
            entries.append(host)
            causes[name] = entry["name"]
    scenario = {"fleet": {"time_scale": time_scale, "base_address": base_address},
                "defaults": {"target_kb": spec["target_kb"]}, "hosts": entries}
    return scenario, causes, spec


def green(f, name: str) -> bool:
    return bool(GREEN_KBS & set(f.hosts[name].installed_kbs))


def _one(kind: str, hosts: int, forks: int, time_scale: float, tmp: str, catalog) -> dict:
    scenario, causes, spec = build_scenario(hosts, time_scale, "127.0.%d.1" % (110 if kind == "ours" else 120))
    directory = os.path.join(tmp, kind)
    os.makedirs(directory, exist_ok=True)
    common_vars = {"cache": os.path.join(directory, "catalog-cache")}
    with common.fleet(scenario, directory) as f:
        if kind == "ours":
            variables = {
                "wu_remediate_target_kb": spec["target_kb"],
                "wu_remediate_poll_interval": 0.2,
                "wu_remediate_reboot_timeout": 600,
                "wu_remediate_catalog_url": catalog.url,
                "wu_remediate_catalog_ca_path": catalog.ca_path,
                "wu_remediate_catalog_download_hosts": [catalog.download_host],
                "wu_remediate_catalog_cache_dir": common_vars["cache"],
                "wu_remediate_allow_inplace_upgrade": True,
                "wu_remediate_inplace_image": spec["iso"],
                "wu_remediate_cleanup": True,
                "wu_fix_report": False,
            }
            path = os.path.join(common.REPO, "playbooks", "fix_wu.yml")
        else:
            variables = {
                "bench_kb": spec["target_kb"],
                "bench_catalog_url": catalog.url,
                "bench_ca_path": catalog.ca_path,
                "bench_download_hosts": [catalog.download_host],
                "bench_cache_dir": common_vars["cache"],
                "bench_iso": spec["iso"],
            }
            path = os.path.join(common.BENCH, "baseline_ladder.yml")
        run = common.playbook(f.inventory_path, path, variables, forks=forks, timeout=3600)
        seconds = {name: common.host_seconds(f, name) for name in f.hosts}
        fixed = {name: green(f, name) for name in f.hosts}
        heavy_on_failing_disk = sum(len(b.get("heavy_runs", [])) for h in f.hosts.values()
                                    for b in h.update_blockers if b["cause"] == "storage_fault")
        per_cause = collections.defaultdict(lambda: {"hosts": 0, "fixed": 0, "host_hours": 0.0})
        for name, cause in causes.items():
            per_cause[cause]["hosts"] += 1
            per_cause[cause]["fixed"] += int(fixed[name])
            per_cause[cause]["host_hours"] += seconds[name] / 3600.0
        refused = sum(1 for h in f.hosts.values() for r in h.records if r.outcome == "refused")
    return {"host_hours": sum(seconds.values()) / 3600.0, "fixed": sum(fixed.values()), "hosts": len(fixed),
            "fix_rate": sum(fixed.values()) / float(len(fixed)), "wall": run.wall, "rc": run.rc,
            "controller_cpu": run.cpu, "per_cause": dict(per_cause), "refused_requests": refused,
            "heavy_runs_on_failing_disk": heavy_on_failing_disk, "tail": run.tail(1500) if run.rc else ""}


def _install_floor(ours: dict, base: dict):
    """Host-hours of a host whose Windows Update works (no_cause): the install every host pays."""
    a, b = ours["per_cause"].get("no_cause"), base["per_cause"].get("no_cause")
    if not a or not b or not a["hosts"] or not b["hosts"]:
        return None
    return min(a["host_hours"] / a["hosts"], b["host_hours"] / b["hosts"])


def run(hosts: int = 100, forks: int = 50, time_scale: float = 2400.0, keep: str = None) -> dict:
    dism_packages.install()  # DISM /Add-Package of catalog .msu files (the catalog rung)
    with common.workdir("green", keep) as tmp, common.fake_catalog() as catalog:
        ours = _one("ours", hosts, forks, time_scale, tmp, catalog)
        base = _one("baseline", hosts, forks, time_scale, tmp, catalog)
    hh = common.row("host-hours to green (modelled)", ours["host_hours"], base["host_hours"],
                    "<= %.2f x baseline" % TARGET,
                    common.ratio(ours["host_hours"], base["host_hours"]) is not None
                    and ours["host_hours"] <= TARGET * base["host_hours"], "h")
    fr = common.row("fix rate", ours["fix_rate"], base["fix_rate"], ">= baseline",
                    ours["fix_rate"] >= base["fix_rate"])
    wall = common.row("wall time (time_scale %g, %d forks)" % (time_scale, forks), ours["wall"], base["wall"],
                      unit="s")
    cpu = common.row("controller CPU", ours["controller_cpu"], base["controller_cpu"], unit="s")
    notes = ["%d hosts, mix bench/scenarios/green_mix.yml; fixed %d/%d (fix_wu) vs %d/%d (baseline)"
             % (hosts, ours["fixed"], ours["hosts"], base["fixed"], base["hosts"])]
    for label, r in (("fix_wu.yml", ours), ("baseline_ladder.yml", base)):
        if r["rc"] not in (0, 2):  # 2: some host failed a task, which the baseline expects
            notes.append("%s exited %d: %s" % (label, r["rc"], r["tail"][-600:]))
        if r["refused_requests"]:
            notes.append("%s: %d requests refused by winsim (not modelled)" % (label, r["refused_requests"]))
    floor = _install_floor(ours, base)
    if floor is not None:
        over_ours = ours["host_hours"] - floor * ours["fixed"]
        over_base = base["host_hours"] - floor * base["fixed"]
        notes.append("the plain install costs %.2f host-h per host under both playbooks (mean of the no_cause "
                     "hosts); above that floor fix_wu spends %.1f h, the baseline %.1f h (ratio %.2f)"
                     % (floor, over_ours, over_base, over_ours / over_base if over_base else float("nan")))
    notes.append("heavy rungs run on failing disks: fix_wu %d, baseline %d"
                 % (ours["heavy_runs_on_failing_disk"], base["heavy_runs_on_failing_disk"]))
    return {"benchmark": "1 time to green", "rows": [hh, fr, wall, cpu], "notes": notes,
            "details": {"ours": ours, "baseline": base, "hosts": hosts, "time_scale": time_scale},
            "ok": ours["rc"] in (0, 2) and base["rc"] in (0, 2)}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--time-scale", dest="time_scale", type=float, default=2400.0)
    p.add_argument("--keep", help="keep the work folder here")
    sys.exit(common.main_for(run, p))
