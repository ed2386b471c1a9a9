# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/detached_start.ps1.

Registers a scheduled task running as SYSTEM that runs the command with its
output in C:\\ProgramData\\winrepair\\runs\\<RunId>; the same RunId again finds
the run already there. Before anything is written, the collection folder and
the work root are made safe or the start stops (owners and DACLs:
tests/winsim/acl.py), and a run folder it did not make is never reused.
The process itself is the command's plan in tests/winsim/detached/tools.py
(DISM, sfc; others are refused), and it runs on the fleet's modelled clock
(tests/winsim/detached/__init__.py).
"""
from __future__ import annotations

from ..detached import refuse_unknown, start
from ..detached.errors import thrown

PARAMETERS = {"RunId", "FilePath", "Arguments", "WorkRoot", "MaxRunSeconds", "ReuseSeconds"}
RESULT_KEYS = {"run_id", "run_dir", "task_name", "started", "state", "exit_code", "start_time", "end_time",
               "archived", "repaired"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "detached_start")
    if ctx.check_mode:
        # No SupportsShouldProcess: win_powershell.ps1 (ansible.windows 3.3.0) does not
        # run it in check mode and answers changed=true, "skipped, running in check mode".
        return {"result": {}, "changed": True, "msg": "skipped, running in check mode"}
    # Register-ScheduledTask + Start-ScheduledTask: a second or two.
    ctx.spend(2.0)
    try:
        result, changed = start(host, ctx.clock, str(parameters["RunId"]), str(parameters["FilePath"]),
                                str(parameters.get("Arguments") or ""),
                                str(parameters.get("WorkRoot") or "C:\\ProgramData\\winrepair\\runs"),
                                int(parameters.get("MaxRunSeconds", 7200)),
                                int(parameters.get("ReuseSeconds", 0)))
    except (ValueError, RuntimeError) as exc:
        # detached_start.ps1 sets $Ansible.Changed only once it answers: a throw leaves it $true.
        return thrown(str(exc), changed=True)
    return {"result": result, "changed": changed}
