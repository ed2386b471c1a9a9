# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The REAL ansible.windows.win_updates action against simulated hosts over WinRM.

One fleet, one ansible-playbook run: a healthy host installs the target KB, a
host whose root cause is forward_delta_hydration fails with 0x80070306, and a
host with a pending reboot is rebooted by the action (reboot: true) and then
installs. The host models are checked afterwards.
"""
from __future__ import annotations

import json

import pytest

from winsim import causes
from winsim.modules import win_updates as wu_model
from winsim.pytest_plugin import DUMP, dump_tasks

KB = "KB5043080"
OTHER = "KB5050300"

SCENARIO = {
    "fleet": {"time_scale": 3000, "base_address": "127.0.61.1", "reboot_downtime": 120},
    "hosts": [{"name": "healthy"}, {"name": "hydration"}, {"name": "pending"}],
}
CAUSES = {
    "healthy": {"target_kb": KB},
    "hydration": {"target_kb": KB, "root_cause": "forward_delta_hydration"},
    "pending": {"target_kb": KB, "root_cause": "pending_reboot"},
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    from winsim.pytest_plugin import start_fleet

    tmp = tmp_path_factory.mktemp("win_updates")
    fleet = start_fleet(SCENARIO, str(tmp))
    try:
        for name, spec in CAUSES.items():
            host = fleet.hosts[name]
            causes.apply_scenario_causes(host, spec, fleet.clock)
            # A second update the accept_list must leave out.
            title = ("2026-10 Cumulative Update for .NET Framework 3.5 and "
                     "4.8.1 for Windows 11, version 24H2 for x64 (%s)" % OTHER)
            causes.offer(host, OTHER, fleet.clock, title=title)
        play = [{"hosts": "all", "gather_facts": False, "tasks": [
            {"name": "updates", "ansible.windows.win_updates": {
                "accept_list": [KB], "category_names": ["*"],
                "reboot": "{{ inventory_hostname == 'pending' }}"},
             "register": "r", "ignore_errors": True},
        ] + dump_tasks("r", tmp / DUMP)}]
        (tmp / "play.yml").write_text(json.dumps(play))
        proc = fleet.playbook(str(tmp / "play.yml"), timeout=240)
        dumped = json.loads((tmp / DUMP).read_text()) if (tmp / DUMP).exists() else {}
        results = {name: dumped.get(name) for name in CAUSES}
        yield fleet, proc, results
    finally:
        fleet.stop()


def _only_update(result):
    assert len(result["updates"]) == 1, result
    return next(iter(result["updates"].values()))


def test_healthy_host_installs_the_accepted_kb(outcome):
    fleet, proc, results = outcome
    r = results["healthy"]
    assert r is not None, proc.stdout + proc.stderr
    assert not r.get("failed"), (r.get("msg"), str(r.get("exception"))[-1500:])
    assert r["changed"] is True and r["reboot_required"] is True
    assert r["installed_update_count"] == 1 and r["failed_update_count"] == 0
    assert _only_update(r)["kb"] == [KB[2:]]
    filtered = list(r["filtered_updates"].values())
    assert [f["kb"] for f in filtered] == [[OTHER[2:]]] and filtered[0]["filtered_reasons"] == ["accept_list"]
    host = fleet.hosts["healthy"]
    assert KB in host.installed_kbs and OTHER not in host.installed_kbs
    assert host.pending_reboot.wu_reboot_required
    assert wu_model.jobs_running(host) == 0  # the action cancelled its task
    # The background task's own modelled duration (search + CU download + install).
    [task] = [rec for rec in host.records if rec.name == "win_updates_task"]
    assert task.outcome == "changed" and 20 * 60 <= task.modelled_seconds <= 60 * 60


def test_blocked_host_fails_with_the_cause_hresult(outcome):
    fleet, proc, results = outcome
    r = results["hydration"]
    assert r is not None, proc.stdout + proc.stderr
    assert r["failed"] is True
    assert r["msg"] == "Failed to install all updates - see updates for more information"
    info = _only_update(r)
    assert info["failure_hresult_code"] == causes.ERROR_ERRORS_ENCOUNTERED
    assert info["installed"] is False and info["downloaded"] is True
    assert r["failed_update_count"] == 1 and r["installed_update_count"] == 0
    host = fleet.hosts["hydration"]
    assert KB not in host.installed_kbs
    assert causes.active(host) == ["forward_delta_hydration"]
    assert host.update_history[-1].result_code == 4
    assert host.update_history[-1].hresult & 0xFFFFFFFF == causes.ERROR_ERRORS_ENCOUNTERED


def test_pending_reboot_host_is_rebooted_then_installs(outcome):
    fleet, proc, results = outcome
    r = results["pending"]
    assert r is not None, proc.stdout + proc.stderr
    assert not r.get("failed"), (r.get("msg"), str(r.get("exception"))[-1500:])
    assert r["rebooted"] is True and r["installed_update_count"] == 1
    host = fleet.hosts["pending"]
    assert KB in host.installed_kbs
    assert causes.active(host) == []
    boots = [rec for rec in host.records if rec.name == "boot"]
    # One reboot to clear the pending restart, one after the install.
    assert len(boots) == 2
