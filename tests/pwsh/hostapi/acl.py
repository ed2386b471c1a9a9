# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Get-Acl and Set-Acl: owners and DACLs of the host's folders and files.

The state is tests/winsim/acl.py's (Folder owner, writers, acl_protected,
reparse_point, acl_locked; host.file_meta owner and readable for files), the
one the script models read: Get-Acl renders it as the security descriptor
Windows would show, Set-Acl writes what the script set back into it.

A folder's DACL (acl.security gives owner, protected and writers):
- SYSTEM and Administrators full control on the folder, its subfolders and
  files (OICI), inherited unless the DACL is protected;
- below C:\\ProgramData, the entries it passes down (acl.py has the source):
  Users read and execute (OICI) and Users create files / create folders /
  write attributes / write extended attributes (0x116) on folders only (CI);
- each other writer: full control (OICI), explicit when the folder's own
  record names it, else inherited.
  The inherit-only CREATOR OWNER entry of C:\\ProgramData is left out, as
  tests/winsim/acl.py leaves it out (it would add S-1-3-0 to the writers a
  script lists in its refusal).
A file inherits the folder's object-inherit entries (not the folders-only
Users entry); its owner is file_meta's, else Administrators (the default
owner of what an elevated administrator creates - ASSUMPTION, as in acl.py).

Set-Acl: the FileSystem provider enables SeRestorePrivilege and writes the
descriptor (PowerShell/PowerShell src/System.Management.Automation/namespaces/
FileSystemSecurity.cs SetSecurityDescriptor); an UnauthorizedAccessException
is written as a non-terminating error with the exception's type name as its
id and PermissionDenied (engine/SessionStateSecurityDescriptorInterface.cs).
A folder with acl_locked refuses with "Attempted to perform an unauthorized
operation." (UnauthorizedAccessException's own message), as acl.py models it.
Get-Acl of a missing path: ItemNotFoundException "Cannot find path '...'
because it does not exist." (GetAcl_PathNotFound, src/Microsoft.PowerShell.Security/
security/AclCommands.cs).
"""
from __future__ import annotations

import os

from winsim import acl, winpath
from winsim.model import Folder, NotModelled

from . import WinError, handler
from .filesystem import windows_path

FULL = 0x1F01FF
READ_EXECUTE = 0x1200A9
USERS_CREATE = 0x116
# FileSystemRights bits that let an account change an item (winnt.h; the scripts use the same mask).
WRITE_RIGHTS = 0x500D0156


def _rule(sid, rights, flags, inherited):
    return "(A;%s%s;0x%x;;;%s)" % (flags, "ID" if inherited else "", rights, sid)


def folder_sddl(host, path) -> str:
    state = acl.security(host, path)
    rec = host.folders.get(winpath.key(path, host))
    own = set(rec.writers) if rec is not None else set()
    inherited = not state["protected"]
    rules = [_rule(acl.SYSTEM, FULL, "OICI", inherited), _rule(acl.ADMINS, FULL, "OICI", inherited)]
    for sid in state["writers"]:
        if sid == acl.USERS and sid not in own:
            rules.append(_rule(acl.USERS, READ_EXECUTE, "OICI", True))
            rules.append(_rule(acl.USERS, USERS_CREATE, "CI", True))
        else:
            rules.append(_rule(sid, FULL, "OICI", sid not in own))
    return "O:%sD:%s%s" % (state["owner"], "PAI" if state["protected"] else "AI", "".join(rules))


def file_sddl(host, path) -> str:
    folder = winpath.parent(winpath.norm(path, host))
    state = acl.security(host, folder)
    rec = host.folders.get(winpath.key(folder, host))
    own = set(rec.writers) if rec is not None else set()
    meta = host.file_meta.get(winpath.key(path, host)) or {}
    rules = [_rule(acl.SYSTEM, FULL, "", True), _rule(acl.ADMINS, FULL, "", True)]
    for sid in state["writers"]:
        if sid == acl.USERS and sid not in own:
            rules.append(_rule(acl.USERS, READ_EXECUTE, "", True))  # the create entry reaches folders only
        else:
            rules.append(_rule(sid, FULL, "", True))
    return "O:%sD:AI%s" % (meta.get("owner") or acl.ADMINS, "".join(rules))


def _kind(session, path):
    """"dir", "file" or None: what the path is now, on the laid-out drive the script is changing."""
    local = session.drive.to_local(path)
    if os.path.isdir(local):
        return "dir"
    return "file" if os.path.isfile(local) else None


@handler("acl.get")
def get(session, args):
    host = session.host
    path = windows_path(session, args["path"])
    kind = _kind(session, path)
    if kind == "dir":
        return {"sddl": folder_sddl(host, path), "container": True}
    if kind == "file":
        # Also of a file whose DACL shuts this account out (file_meta readable false):
        # Get-Acl enables SeBackupPrivilege, which grants the read of any descriptor
        # (FileSystemSecurity.cs GetSecurityDescriptor; Microsoft Learn "Privilege
        # Constants", SE_BACKUP_NAME). The DACL rendered is the inherited one (ASSUMPTION:
        # what shuts the account out is not modelled entry by entry).
        return {"sddl": file_sddl(host, path), "container": False}
    raise WinError("System.Management.Automation.ItemNotFoundException",
                   "Cannot find path '%s' because it does not exist." % args["path"],
                   "GetAcl_PathNotFound,Microsoft.PowerShell.Commands.GetAclCommand", "ObjectNotFound",
                   target=args["path"])


@handler("acl.set")
def set_acl(session, args):
    host = session.host
    path = windows_path(session, args["path"])
    if _kind(session, path) != "dir":
        raise NotModelled("Set-Acl on %s (only folders are modelled)" % path)
    key = winpath.key(path, host)
    rec = host.folders.setdefault(key, Folder(path=winpath.norm(path, host)))
    if rec.reparse_point:
        raise NotModelled("Set-Acl on the reparse point %s" % path)
    if rec.acl_locked:
        raise WinError("System.UnauthorizedAccessException", "Attempted to perform an unauthorized operation.",
                       "System.UnauthorizedAccessException,Microsoft.PowerShell.Commands.SetAclCommand",
                       "PermissionDenied", target=args["path"])
    writers = []
    for rule in args.get("rules") or []:
        sid = str(rule["sid"])
        if (rule["type"] == "Allow" and not rule["inherited"] and int(rule["rights"]) & WRITE_RIGHTS
                and sid not in acl.TRUSTED and sid not in writers):
            writers.append(sid)
        elif rule["type"] != "Allow":
            raise NotModelled("a Deny entry in the ACL Set-Acl writes on %s" % path)
    rec.owner = str(args["owner"])
    rec.writers = writers
    rec.acl_protected = bool(args["protected"])
    return None
