# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The win_wu_reset action plugin against simulated hosts, in-process.

_execute_module is replaced by the shared fake host (fake_host.py), which runs
the simulator's win_powershell model (tests/winsim/modules/win_powershell.py):
it recognises the collection script by its text and runs its model
(tests/winsim/scripts/wu_reset_*.py) on a HostModel.
"""
from __future__ import annotations

import datetime

import pytest
from winsim.fake_host import FakeHost as SimulatedHost

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_reset import ActionModule
from winsim import winpath
from winsim.model import Clock, Folder, HostModel
from winsim.scripts import wu_reset_apply, wu_reset_state

SD = "C:\\Windows\\SoftwareDistribution"
CR = "C:\\Windows\\System32\\catroot2"
DL = "C:\\ProgramData\\Microsoft\\Network\\Downloader"
MODELS = {"wu_reset_state": wu_reset_state, "wu_reset_apply": wu_reset_apply}


class FakeHost(SimulatedHost):
    """fake_host.FakeHost answering only the wu_reset scripts."""

    def __init__(self, host=None):
        super().__init__(host or HostModel(name="win11", address="127.0.0.2"),
                         Clock(600.0, datetime.datetime(2026, 11, 22, 3, 15, 0, tzinfo=datetime.timezone.utc)),
                         only_scripts=tuple(MODELS))

    def run(self, args=None, check_mode=False, diff=False):
        action = self.action(ActionModule, args, check_mode, diff, task_action="winrepair.windows_update.win_wu_reset")
        action._reboot = self.reboot
        return action.run(task_vars={})

    def reboot(self, options):
        """ansible.windows' reboot_host, as the action calls it: the host restarts and is back."""
        self.reboot_timeouts = getattr(self, "reboot_timeouts", []) + [options["reboot_timeout"]]
        self._restart()
        return {"rebooted": True, "failed": False, "elapsed": 1}

    # What a test compares to say "the host is as it was".
    def snapshot(self):
        h = self.host
        return ({n: (s.state, s.start_mode, s.security_descriptor) for n, s in h.services.items()},
                {k for k in list(h.folders) + list(winpath.default_folder_keys(h)) if winpath.is_dir(h, k)},
                dict(h.files))


def backup_dirs(host, path):
    parent, leaf = winpath.parent(path), winpath.leaf(path)
    return sorted(c for c in winpath.children(host, parent)
                  if winpath.leaf(c).lower().startswith(leaf.lower() + ".bak-") and winpath.is_dir(host, c))


@pytest.fixture
def fake():
    f = FakeHost()
    f.host.folders[SD.lower()] = Folder(path=SD, size_bytes=5_000_000)
    f.host.files[(DL + "\\qmgr.db").lower()] = b"ese" * 10
    return f


def test_standard_reset(fake):
    before = {n: (s.state, s.start_mode) for n, s in fake.host.services.items()}
    res = fake.run()
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] is True and res["level"] == "standard"
    h = fake.host
    # Folders renamed to timestamped backups, recreated by Windows when the services started.
    assert res["backups"]["SoftwareDistribution"] in backup_dirs(h, SD)
    assert res["backups"]["catroot2"] in backup_dirs(h, CR)
    assert winpath.folder_size(h, res["backups"]["SoftwareDistribution"]) == 5_000_000
    assert winpath.is_dir(h, SD) and winpath.folder_size(h, SD) == 0
    # Windows 10+ has no qmgr*.dat: standard leaves the BITS database alone.
    assert "Downloader" not in res["backups"] and winpath.is_file(h, DL + "\\qmgr.db")
    # Start types as before; the WU services run; services stopped before stay stopped.
    for name, (state, mode) in before.items():
        assert h.services[name].start_mode == mode
    for name in ("bits", "wuauserv", "cryptsvc"):
        assert h.services[name].state == "running"
    assert h.services["appidsvc"].state == "stopped" and h.services["msiserver"].state == "stopped"
    assert res["services_before"]["bits"]["state"] == "running"
    assert res["services_after"]["wuauserv"]["state"] == "running"
    assert res["reboot_required"] is False and res["rollback"] == [] and res["pruned"] == []
    assert [s["status"] for s in res["steps"]] == ["ok"] * len(res["steps"])
    assert [c[0] for c in fake.scripts] == ["wu_reset_state", "wu_reset_apply"]


def test_check_mode_changes_nothing(fake):
    snap = fake.snapshot()
    res = fake.run({"level": "aggressive"}, check_mode=True, diff=True)
    assert not res.get("failed"), res.get("msg")
    assert fake.snapshot() == snap
    assert [c[0] for c in fake.scripts] == ["wu_reset_state"]
    assert res["changed"] is True and all(s["status"] == "planned" for s in res["steps"])
    ids = [s["id"] for s in res["steps"]]
    assert "winsock_reset" in ids and "winhttp_reset_proxy" in ids and "move_queue" in ids
    assert not [i for i in ids if i.startswith("sdset:")]
    assert res["reboot_required"] is True
    assert res["backups"]["SoftwareDistribution"].startswith(SD + ".bak-2026112")
    assert "absent" in res["diff"]["before"] and "(backup)" in res["diff"]["after"]


def test_diff_after_real_run(fake):
    res = fake.run(diff=True)
    bak = res["backups"]["SoftwareDistribution"]
    assert "%s: absent" % bak in res["diff"]["before"]
    assert "%s: present (5000000 bytes) (backup)" % bak in res["diff"]["after"]
    assert "%s: new, created by Windows" % SD in res["diff"]["after"]


def test_aggressive(fake):
    old_sd = "D:(A;;CCLCSWRPLORC;;;AU)"
    fake.host.services["wuauserv"].security_descriptor = old_sd
    fake.host.files[(DL + "\\qmgr0.dat").lower()] = b"old"
    res = fake.run({"level": "aggressive"})
    assert not res.get("failed"), res.get("msg")
    h = fake.host
    assert res["reboot_required"] is True
    # Only a descriptor read from the host is ever set (on rollback): the Windows 7-era one is not applied.
    assert res["previous_security_descriptors"] == {} and h.services["wuauserv"].security_descriptor == old_sd
    registered = {winpath.leaf(d["path"]) for d in res["dll_results"]}
    assert "wuapi.dll" in registered and "wuaueng1.dll" not in registered and "muweb.dll" not in registered
    assert "wuaueng1.dll" in res["skipped_dlls"] and "wuapi.dll" not in res["skipped_dlls"]
    assert all(d["path"].startswith("C:\\Windows\\System32\\") for d in res["dll_results"])
    # The queue (old .dat and the ESE database) moved into the backup; BITS made a new database.
    qb = res["backups"]["Downloader"]
    assert winpath.is_file(h, qb + "\\qmgr0.dat") and winpath.read(h, qb + "\\qmgr.db") == b"ese" * 10
    assert not winpath.is_file(h, DL + "\\qmgr0.dat")
    assert winpath.read(h, DL + "\\qmgr.db") != b"ese" * 10


def test_aggressive_keeps_the_machine_proxy_and_sets_it_back_on_rollback(fake):
    proxy = b"\x28\x00\x00\x00\x03\x00\x00\x00proxy:8080"
    fake.host.winhttp_proxy = proxy
    fake.host.faults.access_denied_on.append("wu_reset_apply:winsock_reset")
    res = fake.run({"level": "aggressive"})
    assert res.get("failed") and "winsock_reset" in res["msg"]
    assert [r for r in res["rollback"] if r["id"] == "winhttp_reset_proxy"][0]["status"] == "ok"
    assert fake.host.winhttp_proxy == proxy


def test_aggressive_reports_the_proxy_it_removed(fake):
    fake.host.winhttp_proxy = b"\x28\x00\x00\x00proxy"
    res = fake.run({"level": "aggressive"})
    assert not res.get("failed"), res.get("msg")
    assert fake.host.winhttp_proxy is None
    assert [w for w in res["warnings"] if "previous_winhttp_proxy" in w]


def test_update_orchestrator_and_delivery_optimization_are_stopped_and_started_again(fake):
    # UsoSvc holds SoftwareDistribution open: the rename works only once it is stopped.
    fake.host.folders[winpath.key(SD, fake.host)].held_by = "usosvc"
    res = fake.run()
    assert not res.get("failed"), res.get("msg")
    ids = [s["id"] for s in res["steps"]]
    assert ids.index("stop:usosvc") < ids.index("stop:dosvc") < ids.index("rename:SoftwareDistribution")
    assert fake.host.services["usosvc"].state == "running" and fake.host.services["usosvc"].start_mode == "delayed"
    assert fake.host.services["dosvc"].state == "running"


def test_a_stuck_msiserver_is_not_ended(fake):
    fake.host.services["msiserver"].state = "running"
    fake.host.services["msiserver"].stuck_stop_pending = True
    res = fake.run({"stop_timeout": 30})
    assert res.get("failed") and "stop:msiserver" in res["msg"] and "not ended" in res["msg"]


def test_stuck_service_is_ended(fake):
    fake.host.services["wuauserv"].stuck_stop_pending = True
    res = fake.run({"stop_timeout": 30})
    assert not res.get("failed"), res.get("msg")
    step = [s for s in res["steps"] if s["id"] == "stop:wuauserv"][0]
    assert "STOP_PENDING" in step["detail"] and "ended process" in step["detail"]
    assert fake.host.services["wuauserv"].state == "running"


def test_stuck_service_without_kill_fails_and_restores(fake):
    fake.host.services["wuauserv"].stuck_stop_pending = True
    modes = {n: s.start_mode for n, s in fake.host.services.items()}
    res = fake.run({"kill_stuck_services": False})
    assert res["failed"] is True
    assert "stop:wuauserv" in res["msg"] and "kill_stuck_services=true" in res["msg"]
    h = fake.host
    assert {n: s.start_mode for n, s in h.services.items()} == modes
    assert h.services["bits"].state == "running"  # stopped before wuauserv, started again
    assert h.services["cryptsvc"].state == "running"  # never touched
    assert h.services["wuauserv"].state == "stop_pending"  # only a reboot frees it; the msg says so
    assert backup_dirs(h, SD) == [] and winpath.folder_size(h, SD) == 5_000_000
    assert res["backups"] == {} and res["pruned"] == []


def test_a_service_stuck_stopping_that_is_not_ended_is_freed_by_a_restart(fake):
    # cryptsvc is never ended (it keeps catroot2 open); STOP_PENDING ends only with its process,
    # and a restart ends every process. restart_when_stuck restarts the host and resets once more.
    fake.host.services["cryptsvc"].stuck_stop_pending = True
    res = fake.run({"stop_timeout": 30, "restart_when_stuck": True, "reboot_timeout": 900})
    assert not res.get("failed"), res.get("msg")
    assert res["restarted"] is True and res["stuck_services"] == ["cryptsvc"]
    assert fake.restarts == 1 and fake.reboot_timeouts == [900]
    assert {n: fake.host.services[n].state for n in ("cryptsvc", "wuauserv", "bits")} == dict.fromkeys(
        ("cryptsvc", "wuauserv", "bits"), "running")
    assert len(backup_dirs(fake.host, SD)) == 1  # one reset made it: the first one rolled back


def test_a_service_stuck_stopping_without_the_restart_fails_and_says_what_frees_it(fake):
    fake.host.services["cryptsvc"].stuck_stop_pending = True
    res = fake.run({"stop_timeout": 30})
    assert res["failed"] and res["restarted"] is False and res["stuck_services"] == ["cryptsvc"]
    assert "restart" in res["msg"] and "restart_when_stuck" in res["msg"]
    assert fake.restarts == 0 and fake.host.services["cryptsvc"].state == "stop_pending"


def test_a_service_stuck_again_after_the_restart_fails_after_one_restart(fake, monkeypatch):
    fake.host.services["cryptsvc"].stuck_stop_pending = True
    real = fake._restart

    def restart_and_hang_again():
        real()
        fake.host.services["cryptsvc"].stuck_stop_pending = True
    monkeypatch.setattr(fake, "_restart", restart_and_hang_again)
    res = fake.run({"stop_timeout": 30, "restart_when_stuck": True})
    assert res["failed"] and res["restarted"] is True and fake.restarts == 1
    assert "after a restart" in res["msg"]
    assert backup_dirs(fake.host, SD) == []


def test_access_denied_service_leaves_host_as_it_was(fake):
    fake.host.services["cryptsvc"].access_denied = True
    snap = fake.snapshot()
    res = fake.run()
    assert res["failed"] is True
    assert "stop:cryptsvc" in res["msg"] and "Access is denied" in res["msg"]
    assert "administrator" in res["msg"]
    assert fake.snapshot() == snap


def test_access_denied_host_wide_changes_nothing(fake):
    fake.host.faults.access_denied_on.append("wu_reset_apply")
    snap = fake.snapshot()
    res = fake.run({"level": "aggressive"})
    assert res["failed"] is True and "Access is denied" in res["msg"]
    assert "Nothing had been changed" in res["msg"] or "put back" in res["msg"]
    assert fake.snapshot() == snap


def test_locked_folder_rolls_back_renames(fake):
    fake.host.folders[CR.lower()] = Folder(path=CR, size_bytes=10, locked=True)
    snap = fake.snapshot()
    res = fake.run()
    assert res["failed"] is True and "rename:catroot2" in res["msg"]
    assert any(r["id"] == "rename:SoftwareDistribution" and r["status"] == "ok" for r in res["rollback"])
    assert fake.snapshot() == snap
    assert backup_dirs(fake.host, SD) == []


def test_disk_full_keeps_backup_where_windows_made_a_new_folder(fake):
    fake.host.faults.disk_full_on.append("wu_reset_apply")
    res = fake.run()
    assert res["failed"] is True and "start:wuauserv" in res["msg"]
    h = fake.host
    kept = res["backups"]["SoftwareDistribution"]
    assert winpath.is_dir(h, kept) and winpath.folder_size(h, kept) == 5_000_000
    assert "NOT undone" in res["msg"] and kept in res["msg"]
    # cryptsvc started (and made a new catroot2) before wuauserv failed: that backup is kept too.
    cr_rb = [r for r in res["rollback"] if r["id"] == "rename:catroot2"][0]
    assert cr_rb["status"] == "kept" and res["backups"]["catroot2"] == cr_rb["backup"]
    # Services as before: wuauserv was running, so the rollback starts it again (its folder exists now).
    assert h.services["bits"].state == "running" and h.services["wuauserv"].state == "running"
    assert h.services["appidsvc"].state == "stopped"
    assert res["pruned"] == []


def test_keep_backups_prunes_oldest(fake):
    h = fake.host
    old = ["%s.bak-2026010%dT000000" % (SD, i) for i in (1, 2, 3)]
    for p in old:
        h.folders[p.lower()] = Folder(path=p, size_bytes=100)
    h.folders[(SD + ".old").lower()] = Folder(path=SD + ".old", size_bytes=7)
    free = h.disk.free_bytes
    res = fake.run({"keep_backups": 2})
    assert not res.get("failed"), res.get("msg")
    assert sorted(res["pruned"]) == old[:2]
    assert backup_dirs(h, SD) == sorted([old[2], res["backups"]["SoftwareDistribution"]])
    assert winpath.is_dir(h, SD + ".old")  # not ours: never pruned
    assert h.disk.free_bytes == free + 200


def test_no_pruning_after_failure(fake):
    h = fake.host
    old = ["%s.bak-2026010%dT000000" % (SD, i) for i in (1, 2, 3)]
    for p in old:
        h.folders[p.lower()] = Folder(path=p, size_bytes=100)
    h.services["bits"].access_denied = True
    res = fake.run({"keep_backups": 1})
    assert res["failed"] is True and res["pruned"] == []
    assert backup_dirs(h, SD) == old


def test_check_mode_never_prunes(fake):
    h = fake.host
    old = ["%s.bak-2026010%dT000000" % (SD, i) for i in (1, 2, 3)]
    for p in old:
        h.folders[p.lower()] = Folder(path=p, size_bytes=100)
    res = fake.run({"keep_backups": 1}, check_mode=True)
    assert res["pruned"] == [] and sum(1 for s in res["steps"] if s["id"].startswith("prune:")) == 3
    assert backup_dirs(h, SD) == old


def test_two_runs_make_two_backups(fake):
    first = fake.run()
    second = fake.run()
    assert first["backups"]["SoftwareDistribution"] != second["backups"]["SoftwareDistribution"]
    assert len(backup_dirs(fake.host, SD)) == 2


@pytest.mark.parametrize("args, text", [({"keep_backups": 0}, "keep_backups"), ({"stop_timeout": 0}, "stop_timeout")])
def test_bad_arguments(fake, args, text):
    res = fake.run(args)
    assert res["failed"] is True and text in res["msg"] and fake.scripts == []


def test_state_script_access_denied(fake):
    fake.host.faults.access_denied_on.append("wu_reset_state")
    res = fake.run()
    assert res["failed"] is True and "administrator" in res["msg"] and "Access denied" in res["msg"]
    assert [c[0] for c in fake.scripts] == ["wu_reset_state"]
