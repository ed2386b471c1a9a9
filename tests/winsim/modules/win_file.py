# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_file (states absent, directory, file, touch).

After ansible.windows 3.3.0 plugins/modules/win_file.ps1 (a Legacy module: it
returns only `changed`, or failed + msg):
- touch: an existing item is changed (LastWriteTime), a missing file is
  created empty (Out-File) - changed either way;
- absent: an existing file or folder is removed recursively ("Failed to delete
  <path>: <error>" when that fails), a missing one is unchanged;
- directory: New-Item creates the folder with its parents; "path X is not a
  directory" when a file is there;
- file: only checks; "path X will not be created" when missing, "path X is not
  a file" for a folder;
- without state, a missing path with a leaf name is treated as state=file.
Check mode passes -WhatIf: the result is the same and nothing changes.
Disk full (host.faults.disk_full_on names this step, or no free space) fails
creation with the Win32 ERROR_DISK_FULL text.
Folders with `locked` (a service holds files in them) cannot be deleted.
"""
from __future__ import annotations

from .. import winpath
from ..model import HostModel, NotModelled, RunContext

OPTIONS = {"path", "dest", "name", "state", "_original_basename"}
STATES = {"absent", "directory", "file", "touch"}


def _fail(msg: str) -> dict:
    return {"changed": False, "failed": True, "msg": msg}


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_file options %s" % ", ".join(sorted(unknown)))
    raw = args.get("path") or args.get("dest") or args.get("name")
    if not raw:
        # Get-AnsibleParam -failifempty message of Ansible.ModuleUtils.Legacy.
        return _fail("Get-AnsibleParam: Missing required argument: path")
    state = args.get("state")
    if state is not None and state not in STATES:
        return _fail("Get-AnsibleParam: Argument state needs to be one of absent,directory,file,touch but was %s."
                     % state)
    try:
        path = winpath.norm(str(raw), host)
    except ValueError:
        raise NotModelled("win_file of a relative path %r" % raw)
    if args.get("_original_basename") and winpath.is_dir(host, path):
        path = winpath.join(path, str(args["_original_basename"]))
    check = ctx.check_mode
    step = ctx.step
    changed = False

    if state == "touch":
        if winpath.exists(host, path):
            changed = True  # only LastWriteTime changes; timestamps are not modelled
        else:
            if not check:
                try:
                    winpath.write_file(host, path, b"", step=step)
                except winpath.WinIOError as err:
                    # Out-File is outside any try: the wrapper reports it unhandled.
                    return _fail("Unhandled exception while executing module: %s" % err.message)
            changed = True

    if winpath.exists(host, path):
        is_dir = winpath.is_dir(host, path)
        if state == "absent":
            if not check:
                try:
                    if is_dir:
                        winpath.delete_tree(host, path)
                    else:
                        winpath.delete_file(host, path)
                except winpath.WinIOError as err:
                    return _fail("Failed to delete %s: %s" % (path, err.message))
            changed = True
        elif state == "directory" and not is_dir:
            return _fail("path %s is not a directory" % path)
        elif state == "file" and is_dir:
            return _fail("path %s is not a file" % path)
    else:
        if state is None:
            state = "file" if winpath.leaf(path) else "directory"
        if state == "directory":
            if not check:
                if winpath.fault_fires(host, "disk_full_on", step) or host.disk.free_bytes <= 0:
                    return _fail(winpath.disk_full().message)
                try:
                    winpath.make_dirs(host, path)
                except winpath.WinIOError as err:
                    return _fail(err.message)
            changed = True
        elif state == "file":
            return _fail("path %s will not be created" % path)
    return {"changed": changed}
