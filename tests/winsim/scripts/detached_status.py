# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/detached_status.ps1.

The state of a detached run (running while its modelled duration has not
passed on the fleet clock, then exited with the command's exit code), the
output written since the caller's offsets (base64), and once everything is
handed out: collected.json and the task unregistered. boot_time is the
host's last boot (LastBootUpTime, UTC, ISO 8601); a restart kills the
runs still going (tests/winsim/detached kill_all), which then read `lost`.
"""
from __future__ import annotations

from ..detached import refuse_unknown, status
from ..detached.errors import thrown

PARAMETERS = {"RunId", "WorkRoot", "StdoutOffset", "StderrOffset", "MaxBytes"}
RESULT_KEYS = {"run_id", "state", "exit_code", "error", "file_path", "arguments", "start_time", "end_time",
               "duration_seconds", "task_state", "last_task_result", "timed_out", "stdout_b64", "stdout_offset",
               "stdout_more", "stderr_b64", "stderr_offset", "stderr_more", "boot_time",
               "oem_code_page", "ansi_code_page", "output_encoding", "collect_error"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "detached_status")
    if ctx.check_mode:
        # No SupportsShouldProcess: win_powershell.ps1 (ansible.windows 3.3.0) does not
        # run it in check mode and answers changed=true, "skipped, running in check mode".
        return {"result": {}, "changed": True, "msg": "skipped, running in check mode"}
    ctx.spend(1.0)
    try:
        result, changed = status(host, ctx.clock, str(parameters["RunId"]),
                                 str(parameters.get("WorkRoot") or "C:\\ProgramData\\winrepair\\runs"),
                                 int(parameters.get("StdoutOffset", 0)), int(parameters.get("StderrOffset", 0)),
                                 int(parameters.get("MaxBytes", 65536)))
    except ValueError as exc:
        return thrown(str(exc))
    return {"result": result, "changed": changed}
