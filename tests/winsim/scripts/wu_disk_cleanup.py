# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_disk_cleanup.ps1.

Removes the Windows Update folder backups (SoftwareDistribution.bak-*,
System32\\catroot2.bak-*, Network\\Downloader.bak-*) whose name stamp is older
than OlderThanDays, freeing their modelled size (winpath.delete_tree). The
%windir%\\Temp sweep is skipped while an install is in progress: the
TrustedInstaller service runs (TrustedInstaller.exe, its worker TiWorker.exe;
Microsoft Learn "Guidance on disabling system services...": Windows Modules
Installer), msiserver runs (msiexec.exe /V, its image per sc.exe qc) or a
servicing/Windows Update restart is pending (the RebootPending and
RebootRequired keys). Otherwise it runs, but files of Temp are not modelled
with times: nothing is older than the cutoff, counts stay 0. DISM
/StartComponentCleanup is not this script's (win_wu_preflight runs it
detached). Check mode lists and changes nothing.
"""
from __future__ import annotations

import datetime
import re

from .. import winpath
from ..detached import refuse_unknown

PARAMETERS = {"OlderThanDays"}
RESULT_KEYS = {"removed", "problems", "kept", "planned_bytes", "free_bytes_before", "free_bytes_after", "temp"}
# Only win_wu_reset's own names (plugin_utils/_rungs/wu_reset_plan.py _BACKUP_TAIL); anything else
# named <folder>.bak-* is kept and listed (a rename keeps a folder's write time, so no other age is known).
STAMP = re.compile(r"^[^\\]+\.bak-(\d{8}T\d{6})(?:-\d+)?$", re.I)
PATTERNS = (("windir", "", "softwaredistribution.bak-"), ("windir", "System32", "catroot2.bak-"),
            ("allusersprofile", "Microsoft\\Network", "downloader.bak-"))


def _candidates(host):
    env = winpath.environment(host)
    for var, sub, prefix in PATTERNS:
        parent = winpath.join(env[var], sub) if sub else env[var]
        for child in winpath.children(host, parent):
            if winpath.leaf(child).lower().startswith(prefix) and winpath.is_dir(host, child):
                yield child


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_disk_cleanup")
    days = int(parameters.get("OlderThanDays", 7))
    now = ctx.clock.now()
    cutoff = now - datetime.timedelta(days=days)
    ctx.spend(5.0)
    before = host.disk.free_bytes
    removed, problems, kept = [], [], []
    for path in list(_candidates(host)):
        match = STAMP.match(winpath.leaf(path))
        if not match:
            kept.append(path)
            continue
        stamp = datetime.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=datetime.timezone.utc)
        if stamp >= cutoff:
            continue
        size = winpath.folder_size(host, path)
        if not ctx.check_mode:
            try:
                winpath.delete_tree(host, path)
            except winpath.WinIOError as err:
                problems.append({"path": path, "message": str(err)})
                continue
        removed.append({"path": path, "bytes": size, "kind": "wu_backup"})
    changed = bool(removed)
    return {"result": {"removed": removed, "problems": problems, "kept": kept, "temp": _temp_sweep(host),
                       "planned_bytes": sum(r["bytes"] for r in removed),
                       "free_bytes_before": before, "free_bytes_after": host.disk.free_bytes},
            "changed": changed}


def _temp_sweep(host):
    sweep = {"swept": False, "skipped_reason": None, "files_removed": 0, "bytes_removed": 0, "files_in_use": 0,
             "folders_removed": 0}
    busy = []
    if _running(host, "trustedinstaller"):
        busy += ["TiWorker", "TrustedInstaller"]  # Sort-Object -Unique order of the process names
    if _running(host, "msiserver"):
        busy.append("msiexec")
    if busy:
        sweep["skipped_reason"] = "an install is in progress (%s running)" % ", ".join(sorted(busy, key=str.lower))
    elif host.pending_reboot.cbs_reboot_pending or host.pending_reboot.wu_reboot_required:
        sweep["skipped_reason"] = "a restart is pending (an install is not finished)"
    else:
        sweep["swept"] = True
    return sweep


def _running(host, name):
    svc = host.services.get(name)
    return svc is not None and svc.state != "stopped"
