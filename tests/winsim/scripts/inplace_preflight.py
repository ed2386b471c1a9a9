# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/inplace_preflight.ps1 (read-only).

The installed Windows from the host's OSInfo, free space from Disk, a pending
restart from PendingReboot, the ISO from host.files and the mounts iso_mount's
model keeps; SetupProgress while a setup.exe run of tests/winsim/detached/setup_exe.py
is going. Security Center's AntiVirusProduct lists Defender ("Windows Defender")
and the registered third-party products.
"""
from __future__ import annotations

from .. import winpath
from ..detached import refuse_unknown, setup_exe
from ..detached.errors import thrown

PARAMETERS = {"ImagePath"}
RESULT_KEYS = {"product_name", "edition_id", "display_version", "build", "ubr", "architecture", "install_language",
               "installation_type", "install_date", "system_drive", "free_bytes", "reboot_pending",
               "pending_file_renames", "image_path",
               "image_exists", "image_attached", "image_drive_letter", "setup_in_progress", "setup_progress",
               "bt_folder_exists", "rollback_folder_exists", "antivirus"}

# CurrentVersion InstallationType by product type (Server Core is not modelled here).
_INSTALLATION = {"workstation": "Client", "server": "Server", "domain_controller": "Server"}


def os_is_client(host) -> bool:
    return host.os.product_type == "workstation"


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "inplace_preflight")
    setup_exe.settle_boot(host, ctx.clock)
    ctx.spend(3.0)
    path = str(parameters["ImagePath"])
    progress, _label = setup_exe.running_progress(host, ctx.clock)
    os_ = host.os
    # root\SecurityCenter2 exists on client SKUs only: on Server the query fails and the script lists none.
    antivirus = ((["Windows Defender"] if host.defender_enabled else []) +
                 [av.name for av in host.antivirus if av.enabled]) if os_is_client(host) else []
    result = {
        # The registry ProductName, which still says "Windows 10" on Windows 11
        # (Microsoft Q&A "Windows 11 shows Windows 10 in ProductName").
        "product_name": os_.product_name.replace("Windows 11", "Windows 10") if os_.build >= 22000 else os_.product_name,
        "edition_id": os_.edition_id, "display_version": os_.display_version,
        "build": os_.build, "ubr": os_.ubr, "architecture": os_.architecture,
        "install_language": os_.install_language,
        "installation_type": _INSTALLATION.get(os_.product_type, "Client"),
        "install_date": setup_exe.dotnet_o(setup_exe.install_date(host)), "system_drive": host.disk.system_drive,
        # PendingFileRenameOperations alone is not counted as a pending restart (the script's header says why).
        "free_bytes": host.disk.free_bytes,
        "reboot_pending": bool(host.pending_reboot.cbs_reboot_pending or host.pending_reboot.wu_reboot_required),
        "pending_file_renames": bool(host.pending_reboot.pending_file_rename),
        "image_path": path, "image_exists": False, "image_attached": False, "image_drive_letter": None,
        # SetupHost.exe runs only while a setup.exe run goes on; SetupProgress stays after
        # it ended (the "pending" state: downlevel done, waiting for the restart).
        "setup_in_progress": setup_exe.setup_running(host, ctx.clock), "setup_progress": progress,
        "bt_folder_exists": winpath.exists(host, setup_exe.BT),
        "rollback_folder_exists": winpath.exists(host, setup_exe.ROLLBACK),
        "antivirus": antivirus,
    }
    if path.startswith("\\\\"):
        # A share read from a WinRM session without credential delegation: the
        # "second hop" is denied and Test-Path answers $false (Microsoft Learn
        # "Making the second hop in PowerShell Remoting"). Shares with
        # delegation (CredSSP, Kerberos delegation, become) are not modelled.
        pass
    elif winpath.is_file(host, path):
        result["image_exists"] = True
        letter = host.mounted_images.get(winpath.key(path, host))
        if letter:
            result["image_attached"] = True
            result["image_drive_letter"] = letter
    if not isinstance(result["free_bytes"], int):
        return thrown("Win32_LogicalDisk %s has no FreeSpace" % host.disk.system_drive)
    return {"result": result, "changed": False}
