# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_journal_lock.ps1 (the ladder's run lock).

- acquire: the lock's folder is created or made safe first (owner
  Administrators, protected DACL; tests/winsim/acl.py), or the script throws
  with the fix. [System.IO.File]::Open with FileMode.CreateNew throws an
  IOException when the file exists (learn.microsoft.com dotnet/api/
  system.io.filemode, CreateNew): the model creates the lock only when it is
  absent and otherwise answers its text, with the file's owner and its age on
  the host's clock (host.file_meta; a file the model has no time for has no
  age). The host lock (HostModel.lock, held by dispatch around every model
  run) makes the test-and-set atomic, as the file system does on Windows.
  With -Replace (or -ReplaceEmpty for an empty lock) the lock is deleted and
  created anew only while it still holds exactly that text. A lock whose ACL denies reading (file_meta
  readable False) answers no text and readable False.
- release: the lock is removed only when its JSON names -RunId.
- JournalPath (acquire only): after an acquire that took the lock (acquired or
  taken_over) the journal is read as the model of wu_journal_read reads it
  (scripts/wu_journal_read.py) and answered under "journal" with error None;
  otherwise "journal" is None. The script's answer for a journal it cannot read
  (an ACL denying it) is not modelled: the model has no ACLs on the journal.
- UTF8Encoding($false): no byte order mark. Disk space and the disk_full fault
  of this step are honoured by winpath.write_file; a failed write leaves no lock.
"""
from __future__ import annotations

import json

from .. import acl, winpath
from ..detached import refuse_unknown
from ..detached.errors import thrown
from ..model import NotModelled
from . import wu_journal_read

PARAMETERS = {"Path", "Action", "RunId", "Content", "Replace", "ReplaceEmpty", "JournalPath"}
RESULT_KEYS = {"path", "action", "state", "holder", "readable", "file_owner", "file_age_seconds", "journal"}


def _meta(host, path):
    return host.file_meta.get(winpath.key(path, host)) or {}


def _text(host, path):
    if not winpath.is_file(host, path):
        return None
    return winpath.read(host, path).decode("utf-8", errors="replace")


def _create(host, path, content, now):
    winpath.write_file(host, path, content.encode("utf-8"), step="wu_journal_lock")
    host.file_meta[winpath.key(path, host)] = {"written": now, "owner": acl.ADMINS, "readable": True}


def _remove(host, path):
    winpath.delete_file(host, path)
    host.file_meta.pop(winpath.key(path, host), None)


def _refusal(host, folder):
    """wu_journal_lock.ps1's words for a lock folder it cannot make safe (Protect-LockFolder)."""
    state = acl.security(host, folder)
    fix = ("An administrator can check what is in it and make Administrators its owner with a protected ACL "
           "(takeown /F \"%s\" /A /R /D Y, then icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F "
           "*S-1-5-32-544:(OI)(CI)F /T), or give the journal a folder of its own, and run again." % (folder, folder))
    if state["reparse"]:
        return ("The run lock's folder %s is a reparse point (junction or symbolic link); nothing was changed. %s"
                % (folder, fix))
    why = "owner %s" % state["owner"]
    if state["writers"]:
        why += ", writable by %s" % ", ".join(state["writers"])
    # Set-Acl refused (acl.py acl_locked): UnauthorizedAccessException's own message.
    return ("The run lock's folder %s is not safe (%s) and its owner and ACL could not be set (Attempted to "
            "perform an unauthorized operation.); nothing was changed. %s" % (folder, why, fix))


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_journal_lock")
    if ctx.check_mode:
        raise NotModelled("wu_journal_lock in check mode (the controller never sends it then)")
    path = str(parameters.get("Path") or "")
    action = str(parameters.get("Action") or "")
    run_id = str(parameters.get("RunId") or "")
    if not path or not run_id:
        raise NotModelled("wu_journal_lock without Path or RunId (Mandatory parameters)")
    if action not in ("acquire", "release"):
        # ValidateSet: a ParameterBindingValidationException before the script runs.
        raise NotModelled("wu_journal_lock -Action %r (ValidateSet acquire, release)" % action)
    content = str(parameters.get("Content") or "")
    replace = str(parameters.get("Replace") or "")
    replacing = bool(replace) or bool(parameters.get("ReplaceEmpty"))
    ctx.spend(0.3)
    now = ctx.clock.now()
    state, holder, readable = "not_held", None, True
    if action == "acquire":
        folder = winpath.parent(winpath.norm(path, host))
        try:
            acl.protect_folder(host, folder)
        except acl.Unsafe:
            return thrown(_refusal(host, folder))
        current = _text(host, path)
        if current is None:
            _create(host, path, content, now)
            state = "acquired"
        elif _meta(host, path).get("readable") is False:
            state, readable = "held", False
        else:
            holder, state = current, "held"
            if replacing and current == replace:
                # Deleted while held, then CreateNew: never an empty lock in between.
                _remove(host, path)
                _create(host, path, content, now)
                holder, state = None, "taken_over"
    else:
        current = _text(host, path)
        if current is not None and _meta(host, path).get("readable") is False:
            readable = False
        elif current is not None:
            holder = current
            try:
                owner = json.loads(current).get("run_id")
            except (ValueError, AttributeError):
                owner = None
            if owner == run_id:
                _remove(host, path)
                state = "released"
    owner = age = None
    if winpath.is_file(host, path) and state in ("held", "not_held"):
        meta = _meta(host, path)
        owner = meta.get("owner") or acl.ADMINS
        if meta.get("written") is not None:
            age = max(0, int((now - meta["written"]).total_seconds()))
    journal = None
    journal_path = str(parameters.get("JournalPath") or "")
    if journal_path and state in ("acquired", "taken_over"):
        content = wu_journal_read.text(host, journal_path)
        journal = {"path": journal_path, "exists": content is not None, "content": content,
                   "backup_content": wu_journal_read.text(host, journal_path + ".bak"), "error": None}
    changed = state in ("acquired", "taken_over", "released")
    return {"result": {"path": path, "action": action, "state": state, "holder": holder, "readable": readable,
                       "file_owner": owner, "file_age_seconds": age, "journal": journal}, "changed": changed}
