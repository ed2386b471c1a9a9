# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small chaos fleet (chaos.py, seed SEED, HOSTS hosts and their fault-free twins)
through playbooks/fix_wu.yml, re-run until nothing changes (chaos_run.py), for
`make test`; bench/chaos.py runs 200 hosts with 3 seeds.

Asserted on the chaos hosts: the fleet converges within 5 runs; every host the
fault-free twin shows fixable is fixed within 3 runs; no host is left
inconsistent (services in their start state, SoftwareDistribution and catroot2
or their backups there, the journal parses, the run lock given back); no
journal is lost; no completed destructive step (reset, DISM /Add-Package,
repair install, clean-up) ran twice on a host; every host left broken has a
verdict naming a cause still active on it. The faults must have fired (a
chaos run whose faults never hit anything proves nothing).

The judging functions of chaos_run.py are tested first on hand-made cases,
each shown to catch what it is there for. Findings of chaos runs:
test_chaos_findings.py.
"""
from __future__ import annotations

import datetime

import pytest

from reliability import chaos as chaos_mod
from reliability import chaos_run, fixwu
from winsim.model import Folder, HostModel

SEED, HOSTS = 3, 4
KB = "KB5043080"


# ------------------------------------------------------------------ the generator

def test_the_generator_is_seeded():
    a, b, c = chaos_mod.generate(7, 30), chaos_mod.generate(7, 30), chaos_mod.generate(8, 30)
    assert a == b and a != c


def test_the_fleet_mixes_causes_and_faults():
    chaos = chaos_mod.generate(1, 200)
    counts = [len(h.causes) for h in chaos.hosts]
    assert all(n != 1 for n in counts), "a host with a cause gets a second one"
    assert max(counts) == 3 and counts.count(0) > 10
    kinds = {f.kind for h in chaos.hosts for f in h.faults}
    assert kinds == set(chaos_mod.FAULT_KINDS)
    assert all(1 <= len(h.faults) <= 3 and all(f.run in (1, 2) for f in h.faults) for h in chaos.hosts)
    firsts = {}
    for h in chaos.hosts:
        name = h.cause_names[0] if h.causes else "no_cause"
        firsts[name] = firsts.get(name, 0) + 1
    assert firsts["corrupt_download_cache"] > firsts["low_disk"]  # the mix's weights (20 vs 5 per 100)


def test_hosts_with_the_same_causes_share_one_twin():
    chaos = chaos_mod.generate(1, 200)
    by_twin = {}
    for h in chaos.hosts:
        by_twin.setdefault(h.twin, []).append(h.causes)
    assert all(all(c == causes[0] for c in causes) for causes in by_twin.values())
    assert len({str(causes[0]) for causes in by_twin.values()}) == len(by_twin)  # one twin per set of causes
    assert len(by_twin) < len(chaos.hosts) / 2
    names = [h["name"] for h in chaos_mod.scenario(chaos, _Catalog(), _Catalog(), "/w", "/w/ca.pem")["hosts"]]
    assert len(names) == len(set(names)) == len(chaos.hosts) + len(by_twin)


class _Catalog:
    url, download_host, port = "https://127.0.0.1:1/", "127.0.0.1", 1


# ------------------------------------------------------------ the judging functions

def _host():
    host = HostModel(name="h", address="127.0.0.2")
    for path in (fixwu.SD, fixwu.CR):
        host.folders[path.lower()] = Folder(path=path)
    return host


def test_inconsistencies_catch_each_kind():
    host = _host()
    start = chaos_run.service_state(host)
    assert chaos_run.inconsistencies(host, start, host.boot_time) == []
    cases = {
        "bits start mode": lambda h: setattr(h.services["bits"], "start_mode", "disabled"),
        "wuauserv left stop_pending": lambda h: setattr(h.services["wuauserv"], "state", "stop_pending"),
        "cryptsvc left stopped": lambda h: setattr(h.services["cryptsvc"], "state", "stopped"),
        "lost": lambda h: setattr(h.folders[fixwu.SD.lower()], "exists", False),
        "does not parse": lambda h: h.files.update({fixwu.JOURNAL: b"{not json"}),
        "lock": lambda h: h.files.update({fixwu.LOCK: b"{}"}),
    }
    for words, change in cases.items():
        broken = _host()
        change(broken)
        found = chaos_run.inconsistencies(broken, start, host.boot_time)
        assert any(words in p for p in found), (words, found)
    # A trigger-start service may stay stopped after a restart (not without one); a folder renamed
    # to its backup is there.
    host.services["wuauserv"].state = "stopped"
    backup = fixwu.SD + ".bak-20261122T031500"
    host.folders[backup.lower()] = Folder(path=backup)
    host.folders[fixwu.SD.lower()].exists = False
    booted_before = host.boot_time - datetime.timedelta(hours=1)
    assert chaos_run.inconsistencies(host, start, booted_before) == []
    assert chaos_run.inconsistencies(host, start, host.boot_time) == ["wuauserv left stopped"]


def _entry(run_id, steps, verdict=None, previous=None):
    return {"entries": {KB: {"run_id": run_id, "verdict": verdict, "previous": previous,
                             "rungs_run": [{"rung": r, "outcome": o} for r, o in steps]}}}


def test_journal_problems_catch_each_loss():
    old = _entry("a", [("preflight", "done"), ("reset", "started")])
    resumed = _entry("a", [("preflight", "done"), ("reset", "interrupted"), ("reset", "done")])
    assert chaos_run.journal_problems(old, resumed, KB) == []
    assert chaos_run.journal_problems(None, None, KB) == []
    assert chaos_run.journal_problems(old, None, KB) == ["the journal is gone"]
    assert "gone" in chaos_run.journal_problems(old, {"entries": {}}, KB)[0]
    assert "dropped" in chaos_run.journal_problems(old, _entry("a", [("preflight", "done")]), KB)[0]
    assert "had not finished" in chaos_run.journal_problems(old, _entry("b", []), KB)[0]
    done = _entry("a", [("reset", "done")], verdict="fixed")
    assert chaos_run.journal_problems(done, _entry("b", [], previous={"run_id": "a"}), KB) == []


def test_destructive_steps_count_what_completed():
    from winsim.model import Clock
    host, clock = _host(), Clock()
    base = {"done": True, "duration": 10.0, "max_run_seconds": 100.0, "label": "DISM Add-Package", "exit_code": 3010}
    host.detached_runs = {"a": dict(base), "b": dict(base, killed_at=clock.now()), "c": dict(base, exit_code=5),
                          "d": dict(base, label=chaos_run.setup_exe.LABEL_UPGRADE,
                                    exit_code=chaos_run.UPGRADE_CONTINUE),
                          "e": dict(base, duration=200.0)}
    host.record("script", "wu_disk_cleanup", {}, False, 1, "changed")
    host.record("script", "wu_disk_cleanup", {}, False, 1, "ok")
    assert chaos_run.destructive_steps(host, clock, resets=2) == {
        "reset": 2, "Add-Package": 1, "repair install": 1, "clean-up": 1}
    assert chaos_run.repeated({"reset": 2, "Add-Package": 1}) == 1


def test_completed_resets_skip_those_rolled_back():
    host = _host()
    backup = fixwu.SD + ".bak-20261122T031500"
    args = {"Renames": [{"name": "SoftwareDistribution", "path": fixwu.SD, "backup": backup}]}
    rec = host.record("script", "wu_reset_apply", args, False, 1, "changed")
    assert chaos_run.completed_resets(host, [rec]) == 0  # rolled back: the folder has its name
    host.folders[backup.lower()] = Folder(path=backup)
    assert chaos_run.completed_resets(host, [rec]) == 1


def test_a_broken_host_needs_a_verdict_naming_its_cause():
    h = {"fixed_run": None, "verdict": "needs_person", "diagnosed": ["third_party_filter_driver"],
         "active_causes": ["third_party_filter_driver"]}
    assert not chaos_run.unnamed_cause(h)
    assert chaos_run.unnamed_cause(dict(h, verdict=None))
    assert chaos_run.unnamed_cause(dict(h, diagnosed=["low_disk"]))
    assert not chaos_run.unnamed_cause(dict(h, fixed_run=2, verdict=None))


# ------------------------------------------------------------------ the chaos run

@pytest.fixture(scope="module")
def chaos(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chaos")
    result = chaos_run.run(chaos_mod.generate(SEED, HOSTS), tmp, forks=2 * HOSTS, reboot_timeout=10,
                           slow_restart_seconds=15)
    summary = chaos_run.summary(result)
    print(summary, result["runs"], result["faults_armed"], result["faults_fired"])  # shown with -s or on failure
    return result, summary


def _why(result, names=None):
    per = result["per_host"]
    keys = ("causes", "faults", "fixed_run", "twin_fixed_run", "verdict", "destructive", "inconsistent",
            "journal_lost", "log")
    return {n: {k: per[n][k] for k in keys} for n in (names if names is not None else per)}


def test_the_faults_fired(chaos):
    result, _summary = chaos
    armed, fired = result["faults_armed"], result["faults_fired"]
    on_hosts = [k for k in armed if not k.startswith("catalog_")]
    assert sum(fired.get(k, 0) for k in on_hosts) >= sum(armed[k] for k in on_hosts) / 2, (fired, armed)
    assert len([k for k in on_hosts if fired.get(k)]) >= 3, (fired, armed)
    assert any(fired.get(k) for k in armed if k.startswith("catalog_")), (fired, armed)


def test_the_fleet_converges_within_5_runs(chaos):
    result, summary = chaos
    assert summary["runs_to_converge"], result["runs"]


def test_every_fixable_host_is_fixed_within_3_runs(chaos):
    result, summary = chaos
    assert summary["fixable"] > 0
    assert summary["fixable_not_fixed_in_3"] == [], _why(result, summary["fixable_not_fixed_in_3"])


def test_no_host_left_inconsistent(chaos):
    result, summary = chaos
    assert summary["inconsistent"] == [], _why(result, summary["inconsistent"])
    assert all(not h["twin_inconsistent"] for h in result["per_host"].values())


def test_no_journal_lost(chaos):
    result, summary = chaos
    assert summary["journals_lost"] == [], _why(result, summary["journals_lost"])


def test_no_completed_destructive_step_ran_twice(chaos):
    result, summary = chaos
    assert summary["repeated_destructive"] == 0, _why(result, summary["repeated_hosts"])
    assert any(h["destructive"] for h in result["per_host"].values())  # there were some to repeat


def test_every_broken_host_has_a_verdict_naming_its_cause(chaos):
    result, summary = chaos
    assert summary["broken_without_named_cause"] == [], _why(result, summary["broken_without_named_cause"])
