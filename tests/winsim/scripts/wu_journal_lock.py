# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_journal_lock.ps1 (the ladder's run lock).

- acquire: [System.IO.File]::Open with FileMode.CreateNew throws an
  IOException when the file exists (learn.microsoft.com dotnet/api/
  system.io.filemode, CreateNew): the model creates the lock only when it is
  absent and otherwise answers its text. The host lock (HostModel.lock, held by
  dispatch around every model run) makes the test-and-set atomic, as the file
  system does on Windows. With -Replace the lock is rewritten only while it
  still holds exactly that text (FileShare.None open, read, compare, write).
- release: the lock is removed (Remove-Item) only when its JSON names -RunId.
- UTF8Encoding($false): no byte order mark. Disk space and the disk_full fault
  of this step are honoured by winpath.write_file; a failed write leaves no lock.
"""
from __future__ import annotations

import json

from .. import winpath
from ..detached import refuse_unknown
from ..model import NotModelled

PARAMETERS = {"Path", "Action", "RunId", "Content", "Replace"}
RESULT_KEYS = {"path", "action", "state", "holder"}


def _text(host, path):
    if not winpath.is_file(host, path):
        return None
    return winpath.read(host, path).decode("utf-8", errors="replace")


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
    ctx.spend(0.3)
    state, holder = "not_held", None
    if action == "acquire":
        winpath.make_dirs(host, winpath.parent(winpath.norm(path, host)))
        current = _text(host, path)
        if current is None:
            winpath.write_file(host, path, content.encode("utf-8"), step="wu_journal_lock")
            state = "acquired"
        else:
            holder, state = current, "held"
            if replace and current == replace:
                # Rewritten in place (SetLength(0) + Write on the FileShare.None stream).
                winpath.write_file(host, path, content.encode("utf-8"), step="wu_journal_lock")
                state = "taken_over"
    else:
        current = _text(host, path)
        if current is not None:
            holder = current
            try:
                owner = json.loads(current).get("run_id")
            except (ValueError, AttributeError):
                owner = None
            if owner == run_id:
                winpath.delete_file(host, path)
                state = "released"
    changed = state in ("acquired", "taken_over", "released")
    return {"result": {"path": path, "action": action, "state": state, "holder": holder}, "changed": changed}
