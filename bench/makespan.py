# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 5 (not a test): makespan, the modelled time from the first request
to the last host's final state, at Ansible's default forks and at one fork a host.

    .venv/bin/python bench/makespan.py [--hosts 40] [--small-forks 5] [--time-scale 30]

Two identical fleets of the benchmark 1 mix (bench/scenarios/green_mix.yml)
each get playbooks/fix_wu.yml, one after the other: once with -f SMALL_FORKS
(Ansible's default is 5), once with -f HOSTS. For each run:
- makespan: from the first request any host answered to the end of the last
  request of the host that finished last, in modelled time (the simulator's
  clock runs TIME_SCALE modelled seconds a real second, so waiting for a fork
  counts as the hosts' waiting does);
- the physical limit: the slowest host's own modelled path
  (bench.common.host_seconds: its requests, detached runs and restarts), which
  no number of forks can shorten.
Targets: forks-SMALL makespan <= 1.25 x forks-HOSTS makespan; forks-HOSTS
makespan <= 1.5 x the physical limit. The run is valid when the controller's
own work is under 10 % of it: the row "controller's share" is the part of the
last host's span at forks-HOSTS that is not its own modelled work (task
start-up, the controller's polls, templating), which the time scale sets.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import time_to_green  # noqa: E402

from winsim.detached import dism_packages  # noqa: E402

FORKS_TARGET = 1.25  # forks-SMALL makespan at most this much of forks-HOSTS'
LIMIT_TARGET = 1.5  # forks-HOSTS makespan at most this much of the slowest host's own path
CONTROLLER_SHARE = 0.10  # the run is valid below this share of controller work
# Own /24 per fleet (time_to_green uses 110-170, catalog_traffic 130, diagnose_cost 140,
# controller_scale 150).
BASE_ADDRESSES = {"small": "127.0.180.1", "wide": "127.0.190.1"}
# wu_remediate_yield_after in modelled seconds (the role's default, 30 s), set in real seconds
# at the run's time scale as the poll interval is.
YIELD_AFTER = 30.0


def host_span(f, name: str) -> tuple:
    """(first, last) real time of host NAME's requests: a request is recorded when it
    arrives and answered its modelled seconds later; a restart's boot record when the
    host is back."""
    scale = f.clock.scale
    first, last = None, None
    for r in f.records(name):
        start = r.real_time - (r.modelled_seconds / scale if r.name == "boot" else 0.0)
        end = r.real_time + (0.0 if r.name == "boot" else r.modelled_seconds / scale)
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    return first, last


def measure(f) -> dict:
    """Makespan, physical limit and the last host's figures of one finished fleet (modelled seconds)."""
    scale = f.clock.scale
    spans = {name: host_span(f, name) for name in f.hosts}
    spans = {name: s for name, s in spans.items() if s[0] is not None}
    begin = min(s[0] for s in spans.values())
    last_host = max(spans, key=lambda n: spans[n][1])
    own = {name: common.host_seconds(f, name) for name in spans}
    slowest = max(own, key=own.get)
    last_span = (spans[last_host][1] - spans[last_host][0]) * scale
    return {"makespan": (spans[last_host][1] - begin) * scale, "physical_limit": own[slowest],
            "slowest_host": slowest, "last_host": last_host, "last_host_span": last_span,
            "last_host_own": own[last_host],
            "controller_share": max(0.0, 1.0 - own[last_host] / last_span) if last_span else None,
            "fixed": sum(1 for n in f.hosts if time_to_green.green(f, n)), "hosts": len(f.hosts)}


def _one(label: str, hosts: int, forks: int, time_scale: float, yield_after: float, tmp: str, catalog,
         strategy: str = None) -> dict:
    scenario, _causes, spec = time_to_green.build_scenario(hosts, time_scale, BASE_ADDRESSES[label])
    directory = os.path.join(tmp, label)
    os.makedirs(directory, exist_ok=True)
    variables = time_to_green.variables("ours", spec, catalog, os.path.join(directory, "catalog-cache"))
    variables["wu_remediate_yield_after"] = yield_after / time_scale
    if strategy:
        variables["wu_fix_strategy"] = strategy
    with common.fleet(scenario, directory) as f:
        run = common.playbook(f.inventory_path, time_to_green.FLEETS["ours"][0], variables, forks=forks,
                              timeout=7200)
        out = measure(f)
    out.update(forks=forks, wall=run.wall, rc=run.rc, controller_cpu=run.cpu, tail=run.tail(1500) if run.rc else "")
    return out


def run(hosts: int = 40, small_forks: int = 5, time_scale: float = 30.0, yield_after: float = YIELD_AFTER,
        keep: str = None, strategy: str = None) -> dict:
    started = time.monotonic()
    dism_packages.install()  # DISM /Add-Package of catalog .msu files (the catalog rung)
    with common.workdir("makespan", keep) as tmp, common.fake_catalog() as catalog:
        small = _one("small", hosts, small_forks, time_scale, yield_after, tmp, catalog, strategy)
        wide = _one("wide", hosts, hosts, time_scale, yield_after, tmp, catalog, strategy)
    hours = 1 / 3600.0
    forks_ratio = common.ratio(small["makespan"], wide["makespan"])
    limit_ratio = common.ratio(wide["makespan"], wide["physical_limit"])
    rows = [
        common.row("makespan (modelled): forks %d vs forks %d" % (small_forks, hosts), small["makespan"] * hours,
                   wide["makespan"] * hours, "<= %.2f x forks %d" % (FORKS_TARGET, hosts),
                   forks_ratio is not None and forks_ratio <= FORKS_TARGET, "h"),
        common.row("makespan (modelled): forks %d vs the slowest host's own path" % hosts, wide["makespan"] * hours,
                   wide["physical_limit"] * hours, "<= %.2f x physical limit" % LIMIT_TARGET,
                   limit_ratio is not None and limit_ratio <= LIMIT_TARGET, "h"),
        common.row("controller's share of the last host's span (forks %d, time_scale %g)" % (hosts, time_scale),
                   wide["controller_share"], None, "(valid run: < %.2f)" % CONTROLLER_SHARE, None),
        common.row("fix rate: forks %d vs forks %d" % (small_forks, hosts), small["fixed"] / float(hosts),
                   wide["fixed"] / float(hosts)),
        common.row("wall time: forks %d vs forks %d" % (small_forks, hosts), small["wall"], wide["wall"], unit="s"),
    ]
    notes = ["%d hosts of bench/scenarios/green_mix.yml, playbooks/fix_wu.yml at -f %d and -f %d, time_scale %g, "
             "wu_remediate_yield_after %g modelled s, strategy %s; "
             "slowest host %s (%.2f h of its own work), last to finish at -f %d: %s"
             % (hosts, small_forks, hosts, time_scale, yield_after,
                strategy or "fix_wu.yml's default (winrepair.windows_update.free)",
                wide["slowest_host"], wide["physical_limit"] * hours, hosts, wide["last_host"])]
    ok = True
    for r in (small, wide):
        if r["rc"] not in (0, 2):
            ok = False
            notes.append("fix_wu.yml at -f %d exited %d: %s" % (r["forks"], r["rc"], r["tail"][-600:]))
    if wide["controller_share"] is not None and wide["controller_share"] >= CONTROLLER_SHARE:
        notes.append("the controller's share %.2f is not under %.2f: lower --time-scale for figures that hold"
                     % (wide["controller_share"], CONTROLLER_SHARE))
    return {"benchmark": "5 makespan", "rows": rows, "notes": notes, "ok": ok,
            "details": {"small": small, "wide": wide, "hosts": hosts, "time_scale": time_scale,
                        "seconds": round(time.monotonic() - started, 1), "commit": common.commit()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--small-forks", type=int, default=5)
    parser.add_argument("--time-scale", type=float, default=30.0)
    parser.add_argument("--yield-after", type=float, default=YIELD_AFTER,
                        help="wu_remediate_yield_after in modelled seconds (0: every wait holds its fork)")
    parser.add_argument("--strategy", help="wu_fix_strategy (default: fix_wu.yml's, winrepair.windows_update.free; "
                        "free: Ansible's builtin, whose waiting hosts take their next round at once)")
    parser.add_argument("--keep", help="keep the work folder here")
    return common.main_for(run, parser)


if __name__ == "__main__":
    sys.exit(main())
