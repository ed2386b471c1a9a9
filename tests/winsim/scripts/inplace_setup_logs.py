# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/inplace_setup_logs.ps1 (read-only).

The setup logs tests/winsim/detached/setup_exe.py wrote, filtered as the
script filters them (lines with ", Error " / ", Fatal Error " or a 0x........
code, the last MaxLines), and the CompatData*.xml files of the Panther folder.
"""
from __future__ import annotations

import re

from .. import winpath
from ..detached import refuse_unknown, setup_exe

PARAMETERS = {"MaxLines", "SystemDrive"}
RESULT_KEYS = {"files", "compat_data"}
_KEY = re.compile(r", (Error|Fatal Error) |0x[0-9A-Fa-f]{8}")


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "inplace_setup_logs")
    setup_exe.settle_boot(host, ctx.clock)
    ctx.spend(2.0)
    max_lines = int(parameters.get("MaxLines", 40))
    files = []
    for folder in (setup_exe.PANTHER, setup_exe.ROLLBACK, setup_exe.NEW_PANTHER):
        for name in ("setupact.log", "setuperr.log"):
            path = folder + "\\" + name
            entry = {"path": path, "exists": False, "size": None, "last_write": None, "lines": []}
            if winpath.is_file(host, path):
                data = winpath.read(host, path)
                lines = [l for l in re.split(r"\r?\n", data.decode("utf-8")) if _KEY.search(l)]
                entry.update(exists=True, size=len(data), last_write=setup_exe.write_time(host, path),
                             lines=lines[-max_lines:] if max_lines > 0 else [])
            files.append(entry)
    compat = sorted(winpath.norm(k, host) for k in host.files
                    if winpath.is_under(k, winpath.key(setup_exe.PANTHER, host))
                    and re.search(r"\\compatdata[^\\]*\.xml$", k))
    return {"result": {"files": files, "compat_data": compat}, "changed": False}
