# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/inplace_setup_logs.ps1 (read-only).

The setup logs tests/winsim/detached/setup_exe.py wrote, in every folder
Microsoft lists setupact.log / setuperr.log in (windows-itpro-docs
windows/deployment/upgrade/log-files.md: $WINDOWS.~BT\\Sources\\Panther,
...\\Panther\\UnattendGC, ...\\Rollback, %windir%, %windir%\\Panther; and
%windir%\\Panther\\UnattendGC, learn.microsoft.com/windows-hardware/manufacture/
desktop/deployment-troubleshooting-and-log-files), filtered as the script
filters them: result - extend pairs ("0xC1900101 - 0x4000D",
upgrade-error-codes.md) kept first (the last 10), then the last decisive
lines (Error / Fatal Error level, MOSETUP_E_*, "Shell application requested
abort", "Abandoning apply", result lines with a code other than 0 / 1), at
most MaxLines in file order; `matched` counts them all. CompatData*.xml of
the Panther folder.
"""
from __future__ import annotations

import re

from .. import winpath
from ..detached import refuse_unknown, setup_exe

PARAMETERS = {"MaxLines", "SystemDrive"}
RESULT_KEYS = {"files", "compat_data"}
_PAIR = re.compile(r"\b0x[0-9a-f]{8}\s*-\s*0x[0-9a-f]{1,6}\b", re.I)
_DECISIVE = re.compile(r"^[^,]*, (Error|Fatal Error)\s|\bMOSETUP_E_[A-Z_]+|Shell application requested abort|"
                       r"Abandoning apply|\b(result|hr|error)\s*[=:]?\s*\[?0x(?!0000000[01]\b)[0-9a-f]{8}\b", re.I)


def folders(host) -> list:
    windir = winpath.environment(host)["windir"]
    return [setup_exe.PANTHER, setup_exe.PANTHER + "\\UnattendGC", setup_exe.ROLLBACK, windir,
            windir + "\\Panther", windir + "\\Panther\\UnattendGC"]


def decisive_lines(text: str, max_lines: int) -> tuple:
    """(matched count, kept lines) as the script's Read-DecisiveLines gives them."""
    pairs, others = [], []
    # StreamReader.ReadLine ends a line at \r, \n or \r\n.
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if _PAIR.search(line):
            pairs.append((number, line))
        elif _DECISIVE.search(line):
            others.append((number, line))
    kept_pairs = pairs[-min(10, max_lines):] if max_lines > 0 else []
    room = max(0, max_lines - len(kept_pairs))
    kept = kept_pairs + (others[-room:] if room else [])
    return len(pairs) + len(others), [line for _n, line in sorted(kept)]


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "inplace_setup_logs")
    setup_exe.settle_boot(host, ctx.clock)
    ctx.spend(2.0)
    max_lines = int(parameters.get("MaxLines", 40))
    if max_lines < 0:
        raise ValueError("MaxLines %d: the script throws for a negative count" % max_lines)
    files = []
    for folder in folders(host):
        for name in ("setupact.log", "setuperr.log"):
            path = folder + "\\" + name
            entry = {"path": path, "exists": False, "size": None, "last_write": None, "matched": 0, "lines": []}
            if winpath.is_file(host, path):
                data = winpath.read(host, path)
                matched, lines = decisive_lines(data.decode("utf-8"), max_lines)
                entry.update(exists=True, size=len(data), last_write=setup_exe.write_time(host, path),
                             matched=matched, lines=lines)
            files.append(entry)
    compat = sorted(winpath.norm(k, host) for k in host.files
                    if winpath.is_under(k, winpath.key(setup_exe.PANTHER, host))
                    and re.search(r"\\compatdata[^\\]*\.xml$", k))
    return {"result": {"files": files, "compat_data": compat}, "changed": False}
