# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_preflight against the simulator's models of its host scripts: what a restore point
Windows would not create, and a preview-build policy already in force, look like to the user."""
from __future__ import annotations

import datetime

from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_preflight import ActionModule


def _host_with_a_point(hours_ago):
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.host.restore_points = [{"time": fake.clock.now() - datetime.timedelta(hours=hours_ago), "sequence": 7,
                                 "description": "earlier"}]
    return fake


def test_a_restore_point_within_the_creation_frequency_is_not_asked_for_and_the_user_is_told():
    fake = _host_with_a_point(hours_ago=2)
    res = fake.run(ActionModule, {"restore_point": True, "restore_point_max_age_minutes": 60}, check_mode=False)
    assert not res.get("failed"), res
    assert res["restore_point"]["reason"] == "frequency_limit" and not res["changed"]
    warning = " ".join(res.get("warnings", []))
    assert "at most one every 1440 minutes (SystemRestorePointCreationFrequency)" in warning
    assert len(fake.host.restore_points) == 1


def test_leaving_insider_again_does_not_report_a_change_for_a_policy_already_in_force():
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    first = fake.run(ActionModule, {"leave_insider": True}, check_mode=False)
    assert first["changed"] and first["insider"]["policy_changed"] is True
    second = fake.run(ActionModule, {"leave_insider": True}, check_mode=False)
    assert not second.get("failed"), second
    assert second["insider"]["policy_set"] is True and second["insider"]["policy_changed"] is False
    assert second["changed"] is False


def test_the_check_health_model_answers_in_english_on_a_german_host_as_the_script_asks_it_to():
    # tests/winsim/scripts/sfc_dism_preflight.py takes DISM's arguments from the script's text.
    from winsim.model import Clock, RunContext
    from winsim.scripts import sfc_dism_preflight
    host = HostModel(name="win01", address="127.0.0.2")
    host.locale = "de-DE"
    ctx = RunContext(host=host, clock=Clock(), check_mode=False, step="sfc_dism_preflight")
    out = sfc_dism_preflight.run(host, {"CheckHealth": True, "WimInfo": False}, ctx)
    assert "No component store corruption detected." in str(out["result"]["check_health_output"])


def test_cleanup_removes_only_backups_win_wu_reset_named_and_lists_the_others_as_kept():
    from winsim import winpath
    from winsim.model import Folder
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    names = ("SoftwareDistribution.bak-20200101T000000", "SoftwareDistribution.bak-20200101T000000-copy",
             "SoftwareDistribution.bak-manual")
    for name in names:
        path = "C:\\Windows\\" + name
        fake.host.folders[winpath.key(path, fake.host)] = Folder(path=path, size_bytes=1 << 20)
    res = fake.run(ActionModule, {"cleanup": True}, check_mode=False)
    assert not res.get("failed"), res
    assert [r["path"] for r in res["cleanup"]["removed"]] == ["C:\\Windows\\" + names[0]]
    assert sorted(res["cleanup"]["kept"]) == sorted("C:\\Windows\\" + n for n in names[1:])


def test_a_share_as_repair_source_is_reported_unreachable_from_the_winrm_session_not_missing():
    from ansible_collections.winrepair.windows_update.plugins.action.win_sfc_dism import ActionModule as SfcDism
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.host.component_store.health = "repairable_from_source"
    res = fake.run(SfcDism, {"source": "\\\\fs01\\media\\sources\\install.wim"}, check_mode=False)
    assert res["failed"] is True and res["error"] == "source_not_found"
    assert "not reachable from the host's WinRM session" in res["msg"] and "double hop" in res["msg"]
    assert "does not exist" not in res["msg"]


def test_component_cleanup_runs_dism_detached_not_inside_the_cleanup_script(monkeypatch):
    from ansible_collections.winrepair.windows_update.plugins.action import win_wu_preflight
    monkeypatch.setattr(win_wu_preflight, "COMPONENT_CLEANUP_POLL", 0.05)  # real seconds between polls
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    res = fake.run(ActionModule, {"cleanup": True, "component_cleanup": True}, check_mode=False)
    assert not res.get("failed"), res
    names = fake.script_names()
    assert names.index("wu_disk_cleanup") < names.index("detached_start") < names.index("detached_status")
    cleanup_params = [p for n, p, _c in fake.scripts if n == "wu_disk_cleanup"][0]
    assert "ComponentCleanup" not in cleanup_params
    start = [p for n, p, _c in fake.scripts if n == "detached_start"][0]
    assert "/StartComponentCleanup" in start["Arguments"]
    assert res["cleanup"]["component_cleanup_exit_code"] == 0 and res["changed"]


def test_a_failing_component_cleanup_fails_the_task_instead_of_reporting_a_change(monkeypatch):
    from ansible_collections.winrepair.windows_update.plugins.action import win_wu_preflight
    monkeypatch.setattr(win_wu_preflight, "COMPONENT_CLEANUP_POLL", 0.05)  # real seconds between polls
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.host.pending_reboot.cbs_reboot_pending = True  # servicing takes no new work: CBS_E_PENDING
    res = fake.run(ActionModule, {"cleanup": True, "component_cleanup": True}, check_mode=False)
    assert res.get("failed"), res
    assert "StartComponentCleanup failed" in res["msg"] and "(0x800F082F" in res["msg"]


def test_component_cleanup_runs_only_when_the_clean_up_left_too_little_room(monkeypatch):
    from ansible_collections.winrepair.windows_update.plugins.action import win_wu_preflight
    monkeypatch.setattr(win_wu_preflight, "COMPONENT_CLEANUP_POLL", 0.05)
    args = {"cleanup": True, "component_cleanup": True, "component_cleanup_min_free_gb": 20}
    roomy = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    roomy.host.disk.free_bytes = 30 * 1024 ** 3
    for check in (True, False):
        res = roomy.run(ActionModule, args, check_mode=check)
        assert not res.get("failed"), res
        assert res["cleanup"]["component_cleanup"] == "not_needed", (check, res["cleanup"])
    assert "detached_start" not in roomy.script_names()
    tight = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    tight.host.disk.free_bytes = 5 * 1024 ** 3
    assert tight.run(ActionModule, args, check_mode=True)["cleanup"]["component_cleanup"] == "planned"
    res = tight.run(ActionModule, args, check_mode=False)
    assert res["cleanup"]["component_cleanup_exit_code"] == 0 and "detached_start" in tight.script_names()


def test_the_temp_sweep_waits_while_an_install_is_in_progress():
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.host.services["trustedinstaller"].state = "running"
    res = fake.run(ActionModule, {"cleanup": True}, check_mode=False)
    assert not res.get("failed"), res
    temp = res["cleanup"]["temp"]
    assert temp["swept"] is False and "TrustedInstaller" in temp["skipped_reason"]
    fake.host.services["trustedinstaller"].state = "stopped"
    res = fake.run(ActionModule, {"cleanup": True}, check_mode=False)
    assert res["cleanup"]["temp"]["swept"] is True and res["cleanup"]["temp"]["files_removed"] == 0
