# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/cbs_sr_lines.ps1 (read-only).

host.cbs_log holds the lines of %windir%\\Logs\\CBS\\CBS.log; sfc writes its
lines there tagged [SR] (KB 929833, "Use the System File Checker tool").
"""
from __future__ import annotations

from .. import winpath
from ..detached import refuse_unknown

PARAMETERS = {"MaxLines"}
RESULT_KEYS = {"path", "exists", "lines"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "cbs_sr_lines")
    ctx.spend(1.0 + len(host.cbs_log) / 100000.0)
    keep = int(parameters.get("MaxLines", 500))
    lines = [line for line in host.cbs_log if "[SR]" in line]
    path = winpath.join(winpath.environment(host)["windir"], "Logs\\CBS\\CBS.log")
    return {"result": {"path": path, "exists": True, "lines": lines[-keep:] if keep > 0 else []},
            "changed": False}
