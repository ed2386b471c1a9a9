# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reboot_on fault and what a restart does to detached runs (tests/winsim).

- dispatch: a step listed in faults.reboot_on runs, then ProtocolFault('reboot')
  is raised instead of its answer (once per entry, or {"step", "times"});
- detached.kill_all / power.restart: every run still going is lost (no
  exit.json), keeps the output printed so far and changes nothing else
  (no repair, no package installed); runs whose time had passed end normally;
- server.HostServer: the fault and shutdown.exe's scheduled reboot both kill
  the runs, then the host boots with a new boot time and a `boot` record.
The clock steps only when a test moves it, so the timings are exact.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import time

import pytest


from winsim import detached, dispatch, power, winpath
from winsim.model import Clock, HostModel, ProtocolFault, SteppingClock
from winsim.payload import Invocation
from winsim.server import HostServer

T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
ROOT = "C:\\ProgramData\\winrepair\\runs"
RESTORE = "/Online /Cleanup-Image /RestoreHealth"


def new_host(**store):
    host = HostModel(name="win01", address="127.0.0.2")
    for key, value in store.items():
        setattr(host.component_store, key, value)
    return host


def module(host, clock, name, **args):
    args["_ansible_check_mode"] = False
    inv = Invocation(kind="module", script="", name=name, args=json.loads(json.dumps(args)), check_mode=False)
    return json.loads(dispatch.run_module(host, clock, inv).stdout.decode("utf-8"))


def start(host, clock, run_id, exe, arguments):
    result, _changed = detached.start(host, clock, run_id, exe, arguments, ROOT, 7200, 0)
    return result


def status(host, clock, run_id):
    return detached.status(host, clock, run_id, ROOT, 0, 0, 1 << 20)[0]


# -------------------------------------------------------------------- the fault in dispatch

def test_the_step_runs_then_the_host_restarts_instead_of_answering():
    host, clock = new_host(), SteppingClock()
    host.faults.reboot_on = ["win_file"]
    with pytest.raises(ProtocolFault) as caught:
        module(host, clock, "ansible.windows.win_file", path="C:\\Temp\\made", state="directory")
    assert caught.value.kind == "reboot"
    assert winpath.is_dir(host, "C:\\Temp\\made")  # the step's own work was done first
    assert [(r.name, r.outcome) for r in host.records] == [("win_file", "fault:reboot")]
    # Fired once: the next call answers.
    again = module(host, clock, "ansible.windows.win_file", path="C:\\Temp\\made", state="directory")
    assert again["changed"] is False and not again.get("failed")
    assert host.faults.fired == {"reboot:win_file": 1}


def test_times_and_unlisted_steps():
    host, clock = new_host(), SteppingClock()
    host.faults.reboot_on = [{"step": "win_ping", "times": 2}]
    for _attempt in range(2):
        with pytest.raises(ProtocolFault):
            module(host, clock, "ansible.windows.win_ping")
    assert module(host, clock, "ansible.windows.win_ping")["ping"] == "pong"
    assert module(host, clock, "ansible.windows.win_file", path="C:\\Windows", state="directory")["changed"] is False
    assert [r.outcome for r in host.records] == ["fault:reboot", "fault:reboot", "ok", "ok"]


def test_a_drop_listed_for_the_same_step_fires_first_and_nothing_runs():
    host, clock = new_host(), SteppingClock()
    host.faults.drop_connection_on = ["win_file"]
    host.faults.reboot_on = ["win_file"]
    with pytest.raises(ProtocolFault) as caught:
        module(host, clock, "ansible.windows.win_file", path="C:\\Temp\\made", state="directory")
    assert caught.value.kind == "drop"
    assert not winpath.exists(host, "C:\\Temp\\made")


# -------------------------------------------------------------------- killed runs

def test_a_restart_kills_a_running_restorehealth_and_nothing_is_repaired():
    host, clock = new_host(health="repairable"), SteppingClock()
    began = start(host, clock, "dism-1", "dism.exe", RESTORE)
    assert began["started"] is True
    clock.advance(600)  # half of the 1200 s a repairable store takes
    assert power.restart(host, clock, downtime=120) == ["dism-1"]
    assert host.boot_time == clock.now()
    boot = host.records[-1]
    assert (boot.name, boot.args["killed_runs"], boot.modelled_seconds) == ("boot", ["dism-1"], 120)
    clock.advance(3600)  # long past the planned end: a killed process never ends
    st = status(host, clock, "dism-1")
    assert st["state"] == "lost" and st["exit_code"] is None
    assert datetime.datetime.fromisoformat(st["boot_time"]) > datetime.datetime.fromisoformat(st["start_time"])
    assert not winpath.is_file(host, ROOT + "\\dism-1\\exit.json")
    assert host.component_store.health == "repairable"
    out = winpath.read(host, ROOT + "\\dism-1\\stdout.txt").decode("ascii")
    assert "Deployment Image Servicing" in out and "restore operation completed" not in out
    assert host.detached_runs[winpath.key(ROOT + "\\dism-1", host)]["duration"] == 600  # how long it ran


def test_a_killed_sfc_repairs_no_file():
    host, clock = new_host(system_files_corrupt=True), SteppingClock()
    start(host, clock, "sfc-1", "sfc.exe", "/scannow")
    clock.advance(100)
    power.restart(host, clock)
    clock.advance(2000)
    assert status(host, clock, "sfc-1")["state"] == "lost"
    assert host.component_store.system_files_corrupt is True
    assert not any("[SR]" in line for line in host.cbs_log)


def test_a_killed_add_package_leaves_the_update_not_installed():
    host, clock = new_host(), SteppingClock()
    host.installed_kbs = ["KB5043080"]  # its checkpoint, so the target alone is applicable
    data = b"simulated update payload"
    msu = "C:\\ProgramData\\winrepair\\catalog\\windows11.0-kb5048667-x64_%s.msu" % hashlib.sha1(data).hexdigest()
    winpath.make_dirs(host, winpath.parent(msu))
    winpath.write_file(host, msu, data)
    start(host, clock, "kb-1", "dism.exe", "/Online /Add-Package /PackagePath:%s /NoRestart" % msu)
    clock.advance(900)
    power.restart(host, clock)
    clock.advance(3600)
    assert status(host, clock, "kb-1")["state"] == "lost"
    assert host.installed_kbs == ["KB5043080"]
    assert host.pending_reboot.cbs_reboot_pending is False


def test_a_run_that_ended_before_the_restart_is_not_killed():
    host, clock = new_host(health="repairable"), SteppingClock()
    start(host, clock, "dism-1", "dism.exe", RESTORE)
    clock.advance(1300)  # ended at 1200 s; nobody asked since
    assert power.restart(host, clock) == []
    st = status(host, clock, "dism-1")
    assert st["state"] == "exited" and st["exit_code"] == 0
    assert host.component_store.health == "healthy"
    assert "killed_runs" not in host.records[-1].args


def test_starting_the_same_key_after_a_restart_starts_afresh():
    host, clock = new_host(health="repairable"), SteppingClock()
    start(host, clock, "dism-1", "dism.exe", RESTORE)
    clock.advance(60)
    power.restart(host, clock)
    clock.advance(60)
    again = start(host, clock, "dism-1", "dism.exe", RESTORE)
    assert again["started"] is True and again["archived"].startswith("dism-1.")
    clock.advance(1200)
    st = status(host, clock, "dism-1")
    assert st["state"] == "exited" and st["exit_code"] == 0
    assert datetime.datetime.fromisoformat(st["boot_time"]) < datetime.datetime.fromisoformat(st["start_time"])
    assert host.component_store.health == "healthy"


# -------------------------------------------------------------------- over the listener

def _wait(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.mark.parametrize("how", ["fault", "shutdown_exe"])
def test_both_kinds_of_reboot_kill_the_runs_and_boot_the_host(how):
    host = HostModel(name="win01", address="127.0.61.1", port=0)
    host.component_store.health = "repairable"
    clock = Clock(1e4, T0)  # 1200 s of DISM = 0.12 s; 120 s of downtime = 12 ms
    server = HostServer(host, clock)
    server.start()
    try:
        old_boot = host.boot_time
        start(host, clock, "dism-1", "dism.exe", RESTORE)
        if how == "fault":
            server.restart_now("test")
        else:
            server.schedule_shutdown(0)  # shutdown.exe /r /t 0
        assert _wait(lambda: any(r.name == "boot" for r in host.records))
        assert _wait(lambda: not server.is_down())
        boot = [r for r in host.records if r.name == "boot"][0]
        assert boot.args["killed_runs"] == ["dism-1"]
        assert host.boot_time > old_boot
        time.sleep(0.2)  # past the planned end of the run
        assert status(host, clock, "dism-1")["state"] == "lost"
        assert host.component_store.health == "repairable"
        assert len(server.outages) == 1 and server.outages[0][1] is not None
    finally:
        server.stop()
