# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The detached_status model on a disk that filled up while the run went on: the
finished run is handed out with collect_error, as detached_status.ps1 does (its
Pester test runs the real script with Set-Content failing the same way)."""
from __future__ import annotations

from winsim import detached, winpath
from winsim.model import HostModel, SteppingClock

ROOT = "C:\\ProgramData\\winrepair\\runs"


def test_a_finished_run_is_handed_out_when_the_disk_is_full():
    host, clock = HostModel(name="win01", address="127.0.0.2"), SteppingClock()
    detached.start(host, clock, "sfc-scannow-0011", "C:\\Windows\\System32\\sfc.exe", "/scannow", ROOT, 7200, 0)
    clock.advance(3 * 3600)  # sfc is long done
    host.disk.free_bytes = 0
    result, changed = detached.status(host, clock, "sfc-scannow-0011", ROOT, 0, 0, 1 << 20)
    assert result["state"] == "exited" and result["exit_code"] is not None
    assert "not enough space" in result["collect_error"].lower()
    assert not winpath.is_file(host, winpath.join(winpath.join(ROOT, "sfc-scannow-0011"), "collected.json"))
    host.disk.free_bytes = 10 << 30  # room again: the next poll marks it collected
    result, changed = detached.status(host, clock, "sfc-scannow-0011", ROOT, 0, 0, 1 << 20)
    assert changed and "collect_error" not in result


def test_a_tool_whose_own_writes_meet_a_full_disk_exits_with_that_error():
    # Chaos seed 3 (c133): the disk filled up while setup.exe's downlevel phase ran; its logs could
    # not be written, the model stopped half-way and the run read as lost, though its planned exit
    # code (0x3, a finished downlevel phase) was counted as a repair install.
    from winsim.detached import setup_exe
    from winsim.model import RunContext
    from winsim.scripts import iso_mount
    host, clock = HostModel(name="win01", address="127.0.0.2"), SteppingClock()
    iso = "C:\\iso\\w.iso"
    host.files[winpath.key(iso, host)] = setup_exe.make_media(26100, 1742)
    ctx = RunContext(host=host, clock=clock, check_mode=False, step="iso_mount")
    assert iso_mount.run(host, {"ImagePath": iso}, ctx)["result"]["drive_letter"] == "D:"
    args = "/auto upgrade /quiet /eula accept /dynamicupdate disable /compat ignorewarning /showoobe none /noreboot"
    detached.start(host, clock, "setup-1", "D:\\setup.exe", args, ROOT, 10800, 0)
    host.disk.free_bytes = 0
    clock.advance(3 * 3600)
    result, _changed = detached.status(host, clock, "setup-1", ROOT, 0, 0, 1 << 20)
    assert result["state"] == "exited" and result["exit_code"] == 0x80070070 - (1 << 32), result
    assert not setup_exe.setup_state(host).get("pending")  # nothing waits for a restart
