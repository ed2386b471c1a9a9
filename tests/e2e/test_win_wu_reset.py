# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_reset end to end: ansible-playbook over WinRM against a simulated fleet.

One fleet, one host per case (its faults in the scenario, its options in
CASES), and ONE ansible-playbook run over all of them, so the file runs in seconds
(winsim.pytest_plugin running_fleet / run_play).
"""
from __future__ import annotations

import pytest

from winsim import winpath
from winsim.pytest_plugin import case_options, case_task, run_play, running_fleet

SD = "C:\\Windows\\SoftwareDistribution"
CR = "C:\\Windows\\System32\\catroot2"
OLD = ["C:\\Windows\\SoftwareDistribution.bak-2026010%dT000000" % i for i in (1, 2, 3)]

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.47.1", "port": 0},
    "defaults": {"folders": {SD: {"size_bytes": 4000000}}},
    "hosts": [
        {"name": "std"},
        {"name": "aggr", "services": {"wuauserv": {"security_descriptor": "D:(A;;CCLCSWRPLORC;;;AU)"}}},
        {"name": "check"},
        {"name": "stuck", "services": {"wuauserv": {"stuck_stop_pending": True}}},
        {"name": "stucknokill", "services": {"wuauserv": {"stuck_stop_pending": True}}},
        {"name": "denied", "services": {"cryptsvc": {"access_denied": True}}},
        {"name": "locked", "folders": {CR: {"locked": True}}},
        {"name": "prune", "folders": dict({p: {"size_bytes": 100} for p in OLD}, **{SD: {"size_bytes": 4000000}})},
    ],
}


# Per host: the module's options, and check/diff mode of the task.
CASES = {
    "std": {},
    "aggr": {"level": "aggressive"},
    "check": {"level": "aggressive", "check": True, "diff": True},
    "diffhost": {"diff": True},
    "stuck": {"stop_timeout": 20},
    "stucknokill": {"kill_stuck_services": False},
    "denied": {},
    "locked": {},
    "prune": {"keep_backups": 2},
}
SCENARIO["hosts"].append({"name": "diffhost"})
OPTIONS = ("level", "keep_backups", "stop_timeout", "kill_stuck_services")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Start the fleet, snapshot every host, run ONE play over all of them (each host its own
    case), and give the tests the fleet, the snapshots before and each host's task result."""
    tmp = tmp_path_factory.mktemp("wu_reset")
    with running_fleet(SCENARIO, tmp) as fleet:
        before = {name: snapshot(fleet.host(name)) for name in CASES}
        task = case_task("winrepair.windows_update.win_wu_reset", case_options(OPTIONS), name="reset")
        results, _proc = run_play(fleet, tmp, CASES, [task], CASES, timeout=180)
        yield fleet, before, results


def backups(host, path):
    parent, leaf = winpath.parent(path), winpath.leaf(path)
    return sorted(c for c in winpath.children(host, parent)
                  if winpath.leaf(c).lower().startswith(leaf.lower() + ".bak-") and winpath.is_dir(host, c))


def snapshot(host):
    return ({n: (s.state, s.start_mode, s.security_descriptor) for n, s in host.services.items()},
            {k for k in list(host.folders) + list(winpath.default_folder_keys(host)) if winpath.is_dir(host, k)},
            dict(host.files))


def scripts_run(fleet, name):
    return [(r.name, r.check_mode, r.outcome) for r in fleet.records(name) if r.kind == "script"]


def test_standard(run):
    fleet, _before, res = run
    h, r = fleet.host("std"), res["std"]
    assert not r.get("failed"), r.get("msg")
    assert r["changed"] is True
    assert backups(h, SD) == [r["backups"]["SoftwareDistribution"]]
    assert backups(h, CR) == [r["backups"]["catroot2"]]
    assert winpath.folder_size(h, r["backups"]["SoftwareDistribution"]) == 4000000
    assert all(h.services[n].state == "running" for n in ("bits", "wuauserv", "cryptsvc"))
    assert r["services_before"]["appidsvc"] == {"state": "stopped", "start_mode": "manual", "pid": 0}
    assert r["services_after"]["wuauserv"]["state"] == "running"
    assert [s[0] for s in scripts_run(fleet, "std")] == ["wu_reset_state", "wu_reset_apply"]


def test_aggressive(run):
    fleet, _before, res = run
    h, r = fleet.host("aggr"), res["aggr"]
    assert not r.get("failed"), r.get("msg")
    assert r["reboot_required"] is True
    # The host's own descriptor is kept: the Windows 7-era default is never applied.
    assert r["previous_security_descriptors"] == {}
    assert h.services["wuauserv"].security_descriptor == "D:(A;;CCLCSWRPLORC;;;AU)"
    ids = [s["id"] for s in r["steps"]]
    assert {"winhttp_reset_proxy", "winsock_reset", "register_dlls"} <= set(ids)
    assert not [i for i in ids if i.startswith("sdset:")]
    assert r["dll_results"] and all(d["path"].lower().startswith("c:\\windows\\system32\\")
                                    for d in r["dll_results"])


def test_check_mode_changes_nothing(run):
    fleet, before, res = run
    h, r = fleet.host("check"), res["check"]
    assert not r.get("failed"), r.get("msg")
    assert snapshot(h) == before["check"]
    # Only the read-only script ran, in check mode; the apply script never did.
    assert scripts_run(fleet, "check") == [("wu_reset_state", True, "ok")]
    assert r["steps"] and all(s["status"] == "planned" for s in r["steps"])
    assert r["diff"]["before"] != r["diff"]["after"]


def test_diff(run):
    fleet, _before, res = run
    h, r = fleet.host("diffhost"), res["diffhost"]
    assert not r.get("failed"), r.get("msg")
    bak = r["backups"]["SoftwareDistribution"]
    assert "%s: absent" % bak in r["diff"]["before"]
    assert bak + ": present" in r["diff"]["after"]
    assert backups(h, SD) == [bak]


def test_stuck_service_is_ended(run):
    fleet, _before, res = run
    r = res["stuck"]
    assert not r.get("failed"), r.get("msg")
    assert "ended process" in [s for s in r["steps"] if s["id"] == "stop:wuauserv"][0]["detail"]
    assert fleet.host("stuck").services["wuauserv"].state == "running"


def test_stuck_service_without_kill_fails_cleanly(run):
    fleet, _before, res = run
    h, r = fleet.host("stucknokill"), res["stucknokill"]
    assert r["failed"] is True and "stop:wuauserv" in r["msg"]
    assert backups(h, SD) == [] and h.services["bits"].state == "running"
    assert h.services["bits"].start_mode == "manual" and h.services["wuauserv"].start_mode == "manual"


def test_access_denied_leaves_host_unchanged(run):
    fleet, before, res = run
    r = res["denied"]
    assert r["failed"] is True and "Access is denied" in r["msg"]
    assert snapshot(fleet.host("denied")) == before["denied"]


def test_locked_folder_rolls_back(run):
    fleet, before, res = run
    r = res["locked"]
    assert r["failed"] is True and "rename:catroot2" in r["msg"]
    assert snapshot(fleet.host("locked")) == before["locked"]


def test_keep_backups_pruning(run):
    fleet, _before, res = run
    h, r = fleet.host("prune"), res["prune"]
    assert not r.get("failed"), r.get("msg")
    assert sorted(r["pruned"]) == OLD[:2]
    assert backups(h, SD) == sorted([OLD[2], r["backups"]["SoftwareDistribution"]])
