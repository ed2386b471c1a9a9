# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_journal_write.ps1.

New-Item -ItemType Directory -Force creates the folder and its parents;
[System.IO.File]::WriteAllText writes the temporary file; File.Replace
(learn.microsoft.com dotnet/api/system.io.file.replace) moves it over the
journal and keeps the replaced file as the backup; File.Move when there is no
journal yet. UTF8Encoding($false) writes no byte order mark. Disk space and
the disk_full fault of this step are honoured by winpath.write_file.
Expected ('none', or the SHA-256 hex of the journal's text): when the journal
is not that, nothing is written and the result says conflict.
"""
from __future__ import annotations

import hashlib

from .. import winpath
from ..detached import refuse_unknown
from ..model import NotModelled

PARAMETERS = {"Path", "Content", "Expected"}
RESULT_KEYS = {"path", "changed", "bytes", "backup", "conflict"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_journal_write")
    if ctx.check_mode:
        raise NotModelled("wu_journal_write in check mode (the controller never sends it then)")
    path = str(parameters.get("Path") or "")
    content = str(parameters.get("Content") or "")
    data = content.encode("utf-8")
    ctx.spend(0.5)
    winpath.make_dirs(host, winpath.parent(winpath.norm(path, host)))
    exists = winpath.is_file(host, path)
    expected = str(parameters.get("Expected") or "")
    conflict = False
    if expected:
        # ReadAllText decodes the file, GetBytes encodes it again: the hash is of the text's UTF-8.
        found = hashlib.sha256(winpath.read(host, path).decode("utf-8-sig", "replace").encode("utf-8")).hexdigest() \
            if exists else "none"
        conflict = found != expected.lower()
    changed = not conflict and not (exists and winpath.read(host, path) == data)
    backup = None
    if changed:
        winpath.write_file(host, path + ".tmp", data, step="wu_journal_write")
        if exists:
            backup = path + ".bak"
            if winpath.is_file(host, backup):
                winpath.delete_file(host, backup)
            winpath.write_file(host, backup, winpath.read(host, path))
            winpath.delete_file(host, path)
        winpath.write_file(host, path, data)
        winpath.delete_file(host, path + ".tmp")
    return {"result": {"path": path, "changed": changed, "bytes": len(data), "backup": backup,
                       "conflict": conflict},
            "changed": changed}
