# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_journal_read.ps1 (read-only).

The journal is a file in the host model (host.files), so it survives the
modelled reboots like a file on disk. [System.IO.File]::ReadAllText with
UTF8 (learn.microsoft.com dotnet/api/system.io.file.readalltext) decodes the
bytes; a UTF-8 byte order mark is skipped, as ReadAllText does.
"""
from __future__ import annotations

from .. import winpath
from ..detached import refuse_unknown
from ..model import NotModelled

PARAMETERS = {"Path"}
RESULT_KEYS = {"path", "exists", "content", "backup_content"}


def text(host, path):
    """The file's text as ReadAllText(UTF8) gives it; None when it is no file (also for wu_journal_lock)."""
    if not winpath.is_file(host, path):
        return None
    return winpath.read(host, path).decode("utf-8-sig", errors="replace")


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_journal_read")
    path = str(parameters.get("Path") or "")
    if not path:
        raise NotModelled("wu_journal_read without Path (a Mandatory parameter)")
    ctx.spend(0.5)
    content = text(host, path)
    return {"result": {"path": path, "exists": content is not None, "content": content,
                       "backup_content": text(host, path + ".bak")},
            "changed": False}
