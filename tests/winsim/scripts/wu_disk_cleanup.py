# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_disk_cleanup.ps1.

Removes the Windows Update folder backups (SoftwareDistribution.bak-*,
System32\\catroot2.bak-*, Network\\Downloader.bak-*) whose name stamp is older
than OlderThanDays, freeing their modelled size (winpath.delete_tree), and
runs DISM /StartComponentCleanup when asked: exit 0 after about 10 minutes
(Microsoft Learn "Clean Up the WinSxS Folder": it can take a while; the
space it frees is not modelled, 0 bytes). Files of %windir%\\Temp are not
modelled with times: none are removed. Check mode lists and changes nothing.
"""
from __future__ import annotations

import datetime
import re

from .. import winpath
from ..detached import refuse_unknown

PARAMETERS = {"OlderThanDays", "ComponentCleanup"}
RESULT_KEYS = {"removed", "problems", "kept", "planned_bytes", "free_bytes_before", "free_bytes_after",
               "component_cleanup_exit_code"}
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
    exit_code = None
    if parameters.get("ComponentCleanup") and not ctx.check_mode:
        ctx.spend(600.0)
        exit_code = 0
    changed = bool(removed) or exit_code is not None
    return {"result": {"removed": removed, "problems": problems, "kept": kept,
                       "planned_bytes": sum(r["bytes"] for r in removed),
                       "free_bytes_before": before, "free_bytes_after": host.disk.free_bytes,
                       "component_cleanup_exit_code": exit_code},
            "changed": changed}
