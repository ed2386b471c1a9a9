# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A seeded generator of chaos fleets: simulated hosts with several root causes
each and random faults at random steps, for tests/reliability/test_chaos_fleet.py
(a small instance) and bench/chaos.py (200 hosts, 3 seeds).

generate(seed, hosts) -> Chaos: the same seed gives the same fleet and faults.

Causes: each host's first cause is drawn with the weights of benchmark 1
(bench/scenarios/green_mix.yml); a host with a cause gets a second one (and
one in four a third), drawn with the same weights among the causes it does not
have. Every pair of causes of tests/winsim/causes.py can be seeded on one host:
each reads its own knob (a marker file, the store's health, a flag, free
space, an antivirus product), so none undoes another; some pairs leave the
host unfixable (a failing disk, a filter driver that needs a person), which
the fault-free twin shows (below).

Every host has a twin (name t...) with the same causes and no faults, in the
same fleet and the same runs: what the twin ends with is what fix_wu.yml does
for that host without faults ("fixable"). Hosts with the same causes (and cause
options) share one twin: without faults the simulator is deterministic, so
their twins would end the same (seed 1: 93 twins for 200 hosts).

Faults (chaos_faults.py arms them; FAULT_KINDS says what each does): each
chaos host gets 1 to 3, each for run 1 or run 2, at the n-th call of a step
of the path its causes make the ladder take. They are transient: a fault
belongs to one run and is cleared after it (an assumption: a network blip,
a busy service or a full disk is gone by the time an administrator runs the
playbook again; a fault that stays needs a person and is a root cause, not
chaos). The catalog faults hit the chaos hosts' own fake catalog (the twins
have another), whichever host asks first. What each fault does on the wire
is the simulator's model (tests/winsim/server.py: WinRM's faults after
[MS-WSMV], tests/winsim/model.py Service and Faults).

Faults asked for that the simulator cannot model: none of the list (dropped
connections, WinRM 500s, operation timeouts, restarts mid-step, slow
restarts, stuck services, access denied, a full disk mid-run, catalog
errors), with one limit: an operation timeout is WinRM's TimedOut fault,
which the client answers by asking again; a host that keeps the client
waiting past its HTTP read timeout is not modelled (winsim answers every
Receive within the request's OperationTimeout). Two are approximations: a
restart during a long step kills the detached run at the next poll after it
started (the simulator restarts a host between requests, not at a moment of
the tool's run), and an answer lost after the step ran is a connection
closed instead of the final Receive answer (the host did the work;
chaos_faults.py does this on the wire, as winsim's own "reboot" fault does
without the restart).
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from typing import Optional

import yaml

from winsim.detached import setup_exe

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(_HERE))
MIX_FILE = os.path.join(REPO, "bench", "scenarios", "green_mix.yml")
# The target and the updates that supersede it (bench/time_to_green.py GREEN_KBS).
GREEN_KBS = ("KB5043080", "KB5044284", "KB5048667")

# kind -> what it does to the host (chaos_faults.py arms it)
FAULT_KINDS = {
    "drop": "the connection drops as the step's request arrives: the host did nothing",
    "answer_lost": "the step runs to its end, then the connection drops instead of its answer",
    "http500": "WinRM answers HTTP 500 (InternalError) to the step: the host did nothing",
    "operation_timeout": "WinRM answers OperationTimeout once to the step's Receive (the next 1-3 calls of it)",
    "restart": "the step runs, then the host restarts before it answers",
    "restart_long": "the host restarts while a long tool runs (DISM, sfc, DISM /Add-Package, setup.exe)",
    "slow_restart": "every restart in the run takes longer than the reboot timeout",
    "stuck_service": "a Windows Update service stays STOP_PENDING when asked to stop",
    "access_denied": "access to a Windows Update service is denied (it cannot be stopped or changed)",
    "disk_full": "the system disk fills up after the step, for the rest of the run",
}
FAULT_WEIGHTS = {"drop": 12, "answer_lost": 12, "http500": 10, "operation_timeout": 10, "restart": 10,
                 "restart_long": 10, "slow_restart": 6, "stuck_service": 8, "access_denied": 8, "disk_full": 8}
# Catalog faults per run (path prefix, fake catalog fault kind, how many requests it hits).
CATALOG_FAULTS = {
    1: [("Search.aspx", "8DDD0010", 2), ("Search.aspx", "http500", 2), ("Search.aspx", "slow", 1),
        ("Search.aspx", "changed_html", 1), ("download/", "truncate", 1), ("download/", "badhash", 1)],
    2: [("Search.aspx", "8DDD0024", 1), ("Search.aspx", "http500", 1), ("download/", "truncate", 1)],
}

# The steps (module, script or raw command names the simulator keys faults by) every climb
# takes, and those of the rungs each cause leads to, with how many calls of each a run
# makes at most (a fault picks its call among them).
COMMON_STEPS = {"wu_diagnose": 1, "wu_journal_read": 4, "wu_journal_lock": 2, "wu_journal_write": 5,
                "wu_restore_point": 1, "win_updates": 4, "reboot": 1, "boot_time": 2}
CAUSE_STEPS = {
    "pending_reboot": {"reboot": 2},
    "low_disk": {"wu_disk_cleanup": 1},
    "corrupt_download_cache": {"wu_reset_state": 1, "wu_reset_apply": 1},
    "inconsistent_catroot2": {"wu_reset_state": 1, "wu_reset_apply": 1},
    "corrupt_system_files": {"sfc_dism_preflight": 1, "detached_start": 2, "detached_status": 4},
    "corrupt_component_store": {"sfc_dism_preflight": 1, "detached_start": 1, "detached_status": 2},
    "insider_build_conflict": {"kb_installed": 1, "win_get_url": 2, "detached_start": 1, "detached_status": 3},
    "forward_delta_hydration": {"inplace_preflight": 1, "iso_mount": 2, "detached_start": 2, "detached_status": 4,
                                "inplace_setup_state": 1},
    "third_party_filter_driver": {},
    "storage_fault": {},
}
# The long tools a restart_long fault cuts short, per cause that runs them: (words of the detached
# command line, words it must not have) - setup.exe's compatibility scan is "/auto upgrade" too.
LONG_STEPS = {
    "corrupt_system_files": (("restorehealth", None), ("scannow", None)),
    "corrupt_component_store": (("restorehealth", None),),
    "insider_build_conflict": (("add-package", None),),
    "forward_delta_hydration": (("/auto upgrade", "scanonly"),),
}
SERVICES = ("wuauserv", "cryptsvc", "bits")


@dataclass
class Fault:
    kind: str
    run: int  # the run it belongs to (armed before it, cleared after it)
    step: Optional[str] = None  # the step it hits (after it, for disk_full)
    nth: int = 1  # at this call of the step in the run
    arg: object = None  # service name, times, or the long tool's (words, words it must not have)

    def label(self):
        where = "%s#%d" % (self.step, self.nth) if self.step else ""
        extra = "" if self.arg is None else (self.arg[0] if isinstance(self.arg, tuple) else str(self.arg))
        return "%s(%s) run %d" % (self.kind, ",".join(x for x in (where, extra) if x), self.run)


@dataclass
class HostPlan:
    name: str  # the chaos host
    twin: str  # its fault-free twin
    causes: list  # root cause entries of the scenario: {"name": cause, **options of the mix}
    faults: list = field(default_factory=list)

    @property
    def cause_names(self):
        return [c["name"] for c in self.causes]


@dataclass
class Chaos:
    seed: int
    hosts: list  # HostPlan
    catalog_faults: dict  # run -> [(path, kind, times)]
    target_kb: str
    iso: str

    def plan(self, name):
        return next(h for h in self.hosts if name in (h.name, h.twin))


def load_mix(path: str = MIX_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _weighted(rng, weights: dict):
    names = sorted(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


def _causes(rng, mix: dict) -> list:
    """Cause names: the first with the mix's weights, then a second (one host in four: a third)."""
    weights = {e["name"]: e["per100"] for e in mix["mix"]}
    first = _weighted(rng, weights)
    if first == "no_cause":
        return []
    out = [first]
    for chance in (1.0, 0.25):
        if rng.random() >= chance:
            break
        left = {n: w for n, w in weights.items() if n != "no_cause" and n not in out}
        out.append(_weighted(rng, left))
    return out


def _steps(causes: list) -> dict:
    steps = dict(COMMON_STEPS)
    for cause in causes:
        for step, calls in CAUSE_STEPS[cause].items():
            steps[step] = max(steps.get(step, 0), calls)
    return steps


def _fault(rng, causes: list) -> Fault:
    run = 1 if rng.random() < 0.75 else 2
    kind = _weighted(rng, FAULT_WEIGHTS)
    long_tools = [(c, w) for c in causes for w in LONG_STEPS.get(c, ())]
    if kind == "restart_long" and not long_tools:
        kind = "restart"
    if kind == "restart_long":
        _cause, words = rng.choice(long_tools)
        return Fault(kind, run, "detached_start", 1, tuple(words))
    if kind == "slow_restart":
        return Fault(kind, run)
    if kind in ("stuck_service", "access_denied"):
        return Fault(kind, run, arg=rng.choice(SERVICES))
    steps = _steps(causes)
    step = rng.choice(sorted(steps))
    nth = rng.randint(1, steps[step])
    if kind == "operation_timeout":
        return Fault(kind, run, step, nth, rng.randint(1, 3))
    return Fault(kind, run, step, nth)


def generate(seed: int, hosts: int, mix: Optional[dict] = None) -> Chaos:
    """HOSTS chaos hosts (and as many twins) with causes and faults drawn from SEED."""
    mix = mix or load_mix()
    options = {e["name"]: dict(e.get("options") or {}) for e in mix["mix"]}
    rng = random.Random(seed)
    plans, twins = [], {}
    for index in range(hosts):
        causes = _causes(rng, mix)
        tag = "-".join("".join(w[0] for w in c.split("_")) for c in causes) or "none"
        count = rng.choices((1, 2, 3), (50, 35, 15))[0]
        faults = [_fault(rng, causes) for _index in range(count)]
        entries = [dict({"name": c}, **options.get(c, {})) for c in causes]
        twin = twins.setdefault(json.dumps(entries, sort_keys=True), "t%03d-%s" % (index + 1, tag))
        plans.append(HostPlan("c%03d-%s" % (index + 1, tag), twin, entries, faults))
    return Chaos(seed, plans, {run: list(faults) for run, faults in CATALOG_FAULTS.items()},
                 mix["target_kb"], mix["iso"])


def scenario(chaos: Chaos, chaos_catalog, twin_catalog, work_dir, ca_bundle: str, time_scale: float = 2400.0,
             base_address: str = "127.0.120.1", reboot_timeout: int = 30) -> dict:
    """The winsim scenario: every chaos host and its twin, each with a repair-install ISO and the
    catalog variables of its own fake catalog (CHAOS_CATALOG / TWIN_CATALOG; CA_BUNDLE trusts
    both), the controller's catalog cache under WORK_DIR (one per catalog)."""
    iso_text = setup_exe.make_media(26100, 1742).decode("utf-8")
    entries, seen = [], set()
    for plan in chaos.hosts:
        for name, catalog in ((plan.name, chaos_catalog), (plan.twin, twin_catalog)):
            if name in seen:
                continue  # a twin shared with an earlier host
            seen.add(name)
            variables = {
                "wu_remediate_catalog_url": catalog.url,
                "wu_remediate_catalog_download_hosts": [catalog.download_host],
                "wu_remediate_catalog_cache_dir": os.path.join(str(work_dir), "cache-%d" % catalog.port),
            }
            host = {"name": name, "files": {chaos.iso: iso_text}, "vars": variables,
                    "groups": ["chaos" if name == plan.name else "twins"]}
            if plan.causes:
                host["root_causes"] = [dict(c) for c in plan.causes]
            entries.append(host)
    return {"fleet": {"time_scale": time_scale, "base_address": base_address, "port": 0, "hang_limit": 30},
            "defaults": {"target_kb": chaos.target_kb,
                         "vars": {"wu_remediate_reboot_timeout": reboot_timeout,
                                  "wu_remediate_catalog_ca_path": ca_bundle}},
            "hosts": entries}


# Days of update failures the diagnosis reads (wu_diagnose_since_days). The fleet clock runs
# at TIME_SCALE x real time, so one run of a few hundred hosts on a busy controller (an hour)
# passes about 100 modeled days: with the default 30, what run 1 saw would be forgotten by
# run 2. Administrators re-run within days; this keeps every run of the benchmark in the window.
SINCE_DAYS = 3650


def run_variables(chaos: Chaos) -> dict:
    """Extra variables of every run (None: the host variables of the scenario hold): the opt-ins
    benchmark 1 gives fix_wu.yml (repair install from the ISO, clean-up when space is short) and
    a diagnosis window that covers the whole benchmark (SINCE_DAYS)."""
    return {
        "wu_diagnose_since_days": SINCE_DAYS,
        "wu_remediate_allow_inplace_upgrade": True,
        "wu_remediate_inplace_image": chaos.iso,
        "wu_remediate_cleanup": True,
        "wu_remediate_catalog_timeout": 5,
        "wu_remediate_catalog_url": None,
        "wu_remediate_catalog_ca_path": None,
        "wu_remediate_catalog_download_hosts": None,
        "wu_remediate_catalog_cache_dir": None,
        "wu_remediate_reboot_timeout": None,
    }
