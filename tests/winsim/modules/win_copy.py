# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of the host side of ansible.windows.win_copy.

The action plugin (ansible.windows plugins/action/win_copy.py) drives the
module in one of four `_copy_mode`s (plugins/modules/win_copy.ps1):
- query: which of the controller's files/directories differ from dest
  (returns files, directories, symlinks lists);
- single: a file the controller sent with put_file into the remote tmp dir
  (`src`) is copied to dest (`content=` arrives this way too);
- remote: remote_src copy of a file or folder on the host;
- explode: a zip of several files the controller sent is extracted.
Files arrive through the connection's put_file, which the raw model answers
with `receive_file()` below. Backups (backup=true) are not modelled.
"""
from __future__ import annotations

import base64
import hashlib
import io
import zipfile

from .. import winpath
from ..model import HostModel, NotModelled, RunContext

# Options the action plugin forwards from the task (it copies the task args).
OPTIONS = {"_copy_mode", "src", "dest", "backup", "_original_basename", "force", "files", "directories",
           "symlinks", "remote_src", "decrypt", "local_follow"}


def receive_file(host: HostModel, path: str, data: bytes, step: str = "put_file") -> str:
    """What put_file does on the host: create/overwrite PATH with DATA.

    ansible-core's winrm put_file script opens the file with [IO.File]::Create
    (the folder must exist) and answers the SHA-1 of what it wrote. Raises
    winpath.WinIOError with the .NET message on a missing folder or a full disk.
    """
    winpath.write_file(host, path, data, step=step)
    return hashlib.sha1(data).hexdigest()


def _sha1(host: HostModel, path: str) -> str:
    # Get-FileChecksum of Ansible.ModuleUtils.Legacy: SHA-1, lower-case hex.
    return hashlib.sha1(winpath.read(host, path)).hexdigest()


class _Fail(Exception):
    pass


def _copy_file(host: HostModel, src: str, dest: str, force: bool, check: bool, step: str) -> dict:
    """Copy-File of win_copy.ps1."""
    source_checksum = _sha1(host, src) if force else None
    if winpath.is_dir(host, dest):
        raise _Fail("cannot copy file from '%s' to '%s': dest is already a folder" % (src, dest))
    copy = not winpath.is_file(host, dest) or (force and _sha1(host, dest) != source_checksum)
    if copy:
        parent = winpath.parent(dest)
        if parent and winpath.is_file(host, parent):
            raise _Fail("cannot copy file from '%s' to '%s': object at dest parent dir is not a folder"
                        % (src, dest))
        if not check:
            if parent and not winpath.is_dir(host, parent):
                winpath.make_dirs(host, parent)
            winpath.write_file(host, dest, winpath.read(host, src), step=step)
    return {"changed": copy, "checksum": source_checksum}


def _copy_folder(host: HostModel, src: str, dest: str, force: bool, check: bool, step: str) -> bool:
    """Copy-Folder of win_copy.ps1; returns changed."""
    changed = False
    if not winpath.is_dir(host, dest):
        parent = winpath.parent(dest)
        if parent and winpath.is_file(host, parent):
            raise _Fail("cannot copy file from '%s' to '%s': object at dest parent dir is not a folder"
                        % (src, dest))
        if winpath.is_file(host, dest):
            raise _Fail("cannot copy folder from '%s' to '%s': dest is already a file" % (src, dest))
        if not check:
            winpath.make_dirs(host, dest)
        changed = True
    for child in winpath.children(host, src):
        target = winpath.join(dest, winpath.leaf(child))
        if winpath.is_dir(host, child):
            changed = _copy_folder(host, child, target, force, check, step) or changed
        else:
            changed = _copy_file(host, child, target, force, check, step)["changed"] or changed
    return changed


def _size(host: HostModel, path: str) -> int:
    return winpath.folder_size(host, path) if winpath.is_dir(host, path) else len(winpath.read(host, path))


def _ends_with_sep(text: str) -> bool:
    return text.endswith("\\") or text.endswith("/")


def _query(host: HostModel, args: dict) -> dict:
    dest = winpath.norm(str(args["dest"]), host)
    force = args.get("force", True)
    files, directories = [], []
    for entry in args.get("files") or []:
        name = entry["dest"]
        path = winpath.join(dest, name)
        if winpath.is_dir(host, path):
            name = winpath.join(name, entry["src"].replace("/", "\\").rpartition("\\")[2])
            path = winpath.join(dest, name)
        if winpath.is_file(host, path):
            if force and _sha1(host, path) != entry.get("checksum"):
                files.append(entry)
        elif winpath.is_dir(host, path):
            raise _Fail("cannot copy file to dest '%s': object at path is already a directory" % path)
        else:
            files.append(entry)
    for entry in args.get("directories") or []:
        path = winpath.join(dest, entry["dest"])
        parent = winpath.parent(path)
        if parent and winpath.is_file(host, parent):
            raise _Fail("cannot copy folder to dest '%s': object at parent directory path is already a file"
                        % path)
        if winpath.is_file(host, path):
            raise _Fail("cannot copy folder to dest '%s': object at path is already a file" % path)
        if not winpath.is_dir(host, path):
            directories.append(entry)
    return {"changed": False, "files": files, "directories": directories, "symlinks": []}


def _single(host: HostModel, args: dict, ctx: RunContext) -> dict:
    src = winpath.norm(str(args["src"]), host)
    raw_dest = str(args["dest"])
    dest = winpath.norm(raw_dest, host)
    if not winpath.is_file(host, src):
        raise _Fail("Cannot copy src file: '%s' as it does not exist" % src)
    remote_dest = dest
    if _ends_with_sep(raw_dest) or winpath.is_dir(host, dest):
        remote_dest = winpath.join(dest, str(args.get("_original_basename") or ""))
    parent = winpath.parent(remote_dest)
    if winpath.is_file(host, parent):
        raise _Fail("object at destination parent dir '%s' is currently a file" % parent)
    if not winpath.is_dir(host, parent):
        if remote_dest == dest:
            raise _Fail("Destination directory '%s' does not exist" % parent)
        winpath.make_dirs(host, parent)
    # single mode is never run in check mode (the action plugin answers itself).
    winpath.write_file(host, remote_dest, winpath.read(host, src), step=ctx.step)
    return {"changed": True}


def _remote(host: HostModel, args: dict, ctx: RunContext) -> dict:
    raw_src, raw_dest = str(args["src"]), str(args["dest"])
    src, dest = winpath.norm(raw_src, host), winpath.norm(raw_dest, host)
    force = args.get("force", True)
    check = ctx.check_mode
    result = {"changed": False, "src": raw_src, "dest": raw_dest}
    if not winpath.exists(host, src):
        raise _Fail("Cannot copy src file: '%s' as it does not exist" % raw_src, result)
    remote_dest = dest
    if winpath.is_dir(host, src):
        result["operation"] = "folder_copy"
        if _ends_with_sep(raw_src):
            changed = False
            for child in winpath.children(host, src):
                target = winpath.join(dest, winpath.leaf(child))
                if winpath.is_dir(host, child):
                    changed = _copy_folder(host, child, target, force, check, ctx.step) or changed
                else:
                    changed = _copy_file(host, child, target, force, check, ctx.step)["changed"] or changed
        else:
            remote_dest = winpath.join(dest, winpath.leaf(src))
            result["dest"] = remote_dest
            changed = _copy_folder(host, src, remote_dest, force, check, ctx.step)
    else:
        result["operation"] = "file_copy"
        result["original_basename"] = winpath.leaf(src)
        if _ends_with_sep(raw_dest) or winpath.is_dir(host, dest):
            remote_dest = winpath.join(dest, winpath.leaf(src))
        result["dest"] = remote_dest if remote_dest != dest else raw_dest
        parent = winpath.parent(remote_dest)
        if winpath.is_file(host, parent):
            raise _Fail("object at destination parent dir '%s' is currently a file" % parent, result)
        if not winpath.is_dir(host, parent):
            if remote_dest == dest:
                raise _Fail("Destination directory '%s' does not exist" % parent, result)
            winpath.make_dirs(host, parent)  # New-Item without -WhatIf in win_copy.ps1
        copied = _copy_file(host, src, remote_dest, force, check, ctx.step)
        changed = copied["changed"]
        result["checksum"] = copied["checksum"]
    result["changed"] = changed
    # "the file might not exist if running in check mode"
    if not check or winpath.is_file(host, remote_dest):
        result["size"] = _size(host, remote_dest) if winpath.exists(host, remote_dest) else None
    else:
        result["size"] = None
    return result


def _explode(host: HostModel, args: dict, ctx: RunContext) -> dict:
    src = winpath.norm(str(args["src"]), host)
    dest = winpath.norm(str(args["dest"]), host)
    if not winpath.is_file(host, src):
        raise _Fail("Cannot expand src zip file: '%s' as it does not exist" % src)
    archive = zipfile.ZipFile(io.BytesIO(winpath.read(host, src)))
    for entry in archive.infolist():
        name = entry.filename
        # The action plugin base64-encodes each name; a folder entry ends in one '/'.
        is_dir = len(name) % 4 == 1 and name[-1] in "/\\"
        encoded = name[:-1] if is_dir else name
        decoded = base64.b64decode(encoded).decode("utf-8").replace("/", "\\")
        target = winpath.join(dest, decoded)
        folder = target if is_dir else winpath.parent(target)
        if not ctx.check_mode:
            if not winpath.is_dir(host, folder):
                winpath.make_dirs(host, folder)
            if not is_dir:
                winpath.write_file(host, target, archive.read(entry), step=ctx.step)
    return {"changed": True}


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_copy options %s" % ", ".join(sorted(unknown)))
    if args.get("backup"):
        raise NotModelled("win_copy backup=true")
    mode = args.get("_copy_mode", "single")
    handlers = {"query": lambda: _query(host, args), "single": lambda: _single(host, args, ctx),
                "remote": lambda: _remote(host, args, ctx), "explode": lambda: _explode(host, args, ctx)}
    if mode not in handlers:
        return {"changed": False, "failed": True,
                "msg": "Get-AnsibleParam: Argument _copy_mode needs to be one of explode,query,remote,single "
                       "but was %s." % mode}
    if not args.get("dest"):
        return {"changed": False, "failed": True, "msg": "Get-AnsibleParam: Missing required argument: dest"}
    if mode in ("single", "explode") and not args.get("src"):
        return {"changed": False, "failed": True, "msg": "Get-AnsibleParam: Missing required argument: src"}
    try:
        return handlers[mode]()
    except _Fail as err:
        out = {"changed": False}
        if len(err.args) > 1:
            out.update(err.args[1])
        out.update(failed=True, msg=err.args[0])
        return out
    except winpath.WinIOError as err:
        # Copy-Item / New-Item errors are not caught in win_copy.ps1 (ErrorActionPreference Stop).
        return {"changed": False, "failed": True,
                "msg": "Unhandled exception while executing module: %s" % err.message}
