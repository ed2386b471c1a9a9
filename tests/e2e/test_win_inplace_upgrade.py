# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_inplace_upgrade end to end: ansible-playbook over WinRM against a simulated fleet.

One fleet, one host per case, one ansible-playbook run over all of them. The
fleet clock runs at time_scale 600: the compat scan (15 modelled minutes) is
1.5 s, the downlevel phase 3 s, the offline phases after the restart 3.5-5 s
during which the host refuses connections; ansible.windows' reboot helper
waits through them.
"""
from __future__ import annotations

import pytest

from winsim.detached import setup_exe
from winsim.pytest_plugin import case_task, run_play, running_fleet

ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
ISO_TEXT = setup_exe.make_media(26100, 1742).decode("utf-8")

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.61.1", "port": 0},
    "hosts": [
        {"name": "ok", "files": {ISO: ISO_TEXT},
         "component_store": {"health": "not_repairable", "system_files_corrupt": True}},
        {"name": "blocked", "files": {ISO: ISO_TEXT}, "setup": {"compat_block": "app",
                                                                "blocking_app": "Contoso VPN 3.1"}},
        {"name": "rollback", "files": {ISO: ISO_TEXT},
         "antivirus": [{"name": "Contoso Endpoint", "filter_driver": "csfilter"}]},
        {"name": "missing"},
        {"name": "check", "files": {ISO: ISO_TEXT}, "component_store": {"health": "not_repairable"}},
        {"name": "refused", "files": {ISO: ISO_TEXT}},
    ],
}
CASES = {
    "ok": {},
    "blocked": {},
    "rollback": {},
    "missing": {},
    "check": {"check": True},
    "refused": {"accept": False},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inplace")
    with running_fleet(SCENARIO, tmp) as fleet:
        args = {"image": ISO, "accept_reboots": "{{ cases[inventory_hostname].accept | default(true) }}",
                "poll_interval": 0.05, "scan_timeout": 120, "setup_timeout": 120, "reboot_timeout": 120}
        results, proc = run_play(fleet, tmp, CASES, [case_task("winrepair.windows_update.win_inplace_upgrade", args,
                                                               name="repair install")], CASES, timeout=300)
        yield fleet, results, proc.stdout


def records(fleet, name):
    return [(r.kind, r.name, r.check_mode) for r in fleet.records(name)]


def started(fleet, name):
    return [r.args.get("Arguments") for r in fleet.records(name)
            if r.kind == "script" and r.name == "detached_start" and not r.outcome.startswith("fault")]


def test_success_rides_through_the_restarts(run):
    fleet, res, stdout = run
    r, h = res["ok"], fleet.host("ok")
    assert not r.get("failed"), r.get("msg")
    assert r["outcome"] == "completed" and r["changed"] is True and r["rebooted"] is True
    assert (r["before"]["build"], r["before"]["ubr"]) == (26100, 2033)
    assert (r["after"]["build"], r["after"]["ubr"]) == (26100, 1742)
    assert h.os.ubr == 1742 and h.component_store.health == "healthy"
    assert r["compat_scan"]["result"]["code"] == "0xC1900210"
    assert r["setup"]["exit_code"] == 3
    args = started(fleet, "ok")
    assert len(args) == 2 and "scanonly" in args[0] and "/noreboot" in args[1]
    # The host was away once, for the modelled offline phases (SafeOS + first + second boot = 2100 s).
    outages = fleet.servers["ok"].outages
    assert len(outages) == 1 and outages[0][1] is not None
    boots = [rec for rec in fleet.records("ok") if rec.name == "boot"]
    assert len(boots) == 1 and boots[0].modelled_seconds == 2100
    assert h.faults.reboot_downtime_seconds is None  # restored after the boot
    assert "SetupProgress" in stdout or "downlevel" in stdout
    assert not getattr(h, "mounted_images", {})


def test_compat_scan_block_stops_before_setup(run):
    fleet, res, _stdout = run
    r = res["blocked"]
    assert r["failed"] is True and r["outcome"] == "compat_blocked"
    assert r["compat_scan"]["result"]["code"] == "0xC1900208"
    assert len(started(fleet, "blocked")) == 1
    assert ("raw", "reboot", False) not in records(fleet, "blocked")
    assert fleet.host("blocked").os.ubr == 2033
    assert any("Contoso VPN 3.1" in line for line in r["logs"]["lines"])


def test_rollback_is_decoded(run):
    fleet, res, _stdout = run
    r, h = res["rollback"], fleet.host("rollback")
    assert r["failed"] is True and r["outcome"] == "rolled_back"
    assert r["setup"]["rollback"]["extend"] == "0x4000D"
    assert r["setup"]["rollback"]["phase"]["short"] == "SECOND_BOOT"
    assert "Contoso Endpoint" in r["msg"] and "driver" in r["msg"]
    assert r["after"]["ubr"] == 2033 and h.os.ubr == 2033
    assert [rec.modelled_seconds for rec in fleet.records("rollback") if rec.name == "boot"] == [3000]


def test_missing_iso_changes_nothing(run):
    fleet, res, _stdout = run
    r = res["missing"]
    assert r["failed"] is True and r["outcome"] == "preflight_failed"
    assert ISO in r["msg"] and "does not exist" in r["msg"]
    assert [x[1] for x in records(fleet, "missing") if x[0] == "script"] == ["inplace_preflight"]


def test_check_mode_changes_nothing(run):
    fleet, res, _stdout = run
    r, h = res["check"], fleet.host("check")
    assert not r.get("failed"), r.get("msg")
    assert r["outcome"] == "check_mode" and r["changed"] is True
    assert records(fleet, "check") == [("script", "inplace_preflight", True)]
    assert h.os.ubr == 2033 and h.component_store.health == "not_repairable"
    assert not getattr(h, "mounted_images", {}) and not getattr(h, "detached_runs", {})


def test_not_accepted_is_refused(run):
    fleet, res, _stdout = run
    r = res["refused"]
    assert r["failed"] is True and r["outcome"] == "refused" and "accept_reboots" in r["msg"]
    assert fleet.records("refused") == []
