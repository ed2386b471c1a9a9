# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Windows refuses a file-system change the real folder would allow.

The item stand-ins ask here before they run the real cmdlet on the laid-out
drive (tests/pwsh/host_fs.py):
- a folder with Folder.locked (a service holds files in it) cannot be renamed,
  moved or deleted, nor anything inside it: Directory.Move / Delete fail with
  ERROR_ACCESS_DENIED, which .NET raises as IOException "Access to the path
  '...' is denied." (the text winsim/winpath.py access_denied() uses), and the
  FileSystem provider reports it as RenameItemIOError / MoveDirectoryItemIOError /
  RemoveItemIOError (PowerShell/PowerShell src/System.Management.Automation/
  namespaces/FileSystemProvider.cs, WriteError with ErrorCategory.WriteError);
- the host's fault list access_denied_on naming the running script fails the
  first change it makes the same way.
"""
from __future__ import annotations

import os

from winsim import winpath

from . import WinError, handler

_FQID = {"rename": "RenameItemIOError,Microsoft.PowerShell.Commands.RenameItemCommand",
         "move": "MoveDirectoryItemIOError,Microsoft.PowerShell.Commands.MoveItemCommand",
         "delete": "RemoveItemIOError,Microsoft.PowerShell.Commands.RemoveItemCommand",
         "create": "CreateDirectoryIOError,Microsoft.PowerShell.Commands.NewItemCommand",
         "write": "GetContentWriterIOError,Microsoft.PowerShell.Commands.SetContentCommand"}


def windows_path(session, path: str) -> str:
    """A path the script used (a laid-out local path or a Windows one) as C:\\..."""
    text = str(path)
    drive = session.drive
    if text.startswith(drive.root):
        return drive.to_windows(os.path.normpath(text.replace("\\", "/")))
    return winpath.norm(text, session.host)


@handler("fs.check")
def check(session, args):
    host = session.host
    op = args["op"]
    path = windows_path(session, args["path"])
    k = winpath.key(path, host)
    denied = None
    if op in ("rename", "move", "delete"):
        for fk, rec in host.folders.items():
            if rec.exists and rec.locked and (fk == k or winpath.is_under(fk, k) or winpath.is_under(k, fk)):
                denied = path
                break
    if denied is None and winpath.fault_fires(host, "access_denied_on", session.step):
        fired = host.faults.fired.setdefault("access_denied_on:%s" % session.step, 0)
        if not fired:
            host.faults.fired["access_denied_on:%s" % session.step] = 1
            denied = path
    if denied is not None:
        err = winpath.access_denied(session.drive.to_local(denied))
        raise WinError("System.IO.IOException", err.message, _FQID[op], "WriteError", hresult=-2147024891,
                       target=session.drive.to_local(denied))
    return None


@handler("fs.renamed")
def renamed(session, args):
    """After Rename-Item: the folder records (owner, DACL), file times and owners and the
    detached runs below the old path move to the new one (a rename keeps an item's security
    descriptor and times: Microsoft Learn "MoveFileExW"; as the detached model's _rename_dir)."""
    host = session.host
    old = windows_path(session, args["path"])
    new = winpath.join(winpath.parent(winpath.norm(old, host)), str(args["new_name"]))
    old_key, new_key = winpath.key(old, host), winpath.key(new, host)
    for k in list(host.folders):
        if k == old_key or winpath.is_under(k, old_key):
            rec = host.folders.pop(k)
            rec.path = new + rec.path[len(old):]
            host.folders[new_key + k[len(old_key):]] = rec
    for k in host.files:
        if winpath.is_under(k, old_key):
            session.drive.kept_times.add(new_key + k[len(old_key):])
    for k in list(host.file_meta):
        if winpath.is_under(k, old_key):
            moved = new_key + k[len(old_key):]
            host.file_meta[moved] = host.file_meta.pop(k)
            session.drive.kept_times.add(moved)
    runs = host.detached_runs
    for k in list(runs):
        if k == old_key:
            runs[new_key] = runs.pop(k)
    return None
