# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's model of iso_mount.ps1: an ISO whose file was moved or deleted while
mounted is dismounted by the device path its mount reported, and a mount that gets no
drive letter is undone."""
from __future__ import annotations

from winsim import winpath
from winsim.detached import setup_exe
from winsim.model import Clock, HostModel, RunContext
from winsim.scripts import iso_mount

ISO = "C:\\iso\\Win11_24H2_x64.iso"


def _host():
    host = HostModel(name="win01", address="127.0.0.2")
    host.files[winpath.key(ISO, host)] = setup_exe.make_media()
    return host, RunContext(host=host, clock=Clock(), check_mode=False, step="iso_mount")


def test_an_iso_moved_after_its_mount_is_dismounted_by_its_device_path():
    host, ctx = _host()
    mounted = iso_mount.run(host, {"ImagePath": ISO}, ctx)["result"]
    assert mounted["device_path"] == "\\\\.\\CDROM0" and mounted["drive_letter"] == "D:"
    del host.files[winpath.key(ISO, host)]
    without = iso_mount.run(host, {"ImagePath": ISO, "Action": "dismount"}, ctx)
    assert without.get("failed") and host.mounted_images
    out = iso_mount.run(host, {"ImagePath": ISO, "Action": "dismount", "DevicePath": mounted["device_path"]}, ctx)
    assert not out.get("failed") and out["changed"] is True and out["result"]["dismounted"] is True
    assert not host.mounted_images and not winpath.is_file(host, "D:\\setup.exe")


def test_a_mount_that_gets_no_drive_letter_leaves_nothing_mounted():
    host, ctx = _host()
    host.setup["automount"] = False
    out = iso_mount.run(host, {"ImagePath": ISO, "LetterWaitSeconds": 5}, ctx)
    assert out.get("failed") and "no drive letter within 5 s" in str(out["error"])
    assert not host.mounted_images and ctx.modelled_seconds >= 5
