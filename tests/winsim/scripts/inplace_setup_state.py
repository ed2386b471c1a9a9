# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/inplace_setup_state.ps1 (read-only).

First brings the host up to date with tests/winsim/detached/setup_exe.py
(a finished downlevel run, the offline phases after the restart), then reports
build/UBR/InstallDate, the boot time, SetupProgress/BoxResult and the times
the setup logs were last written.
"""
from __future__ import annotations

from .. import winpath
from ..detached import refuse_unknown, setup_exe

PARAMETERS = {"SystemDrive"}
RESULT_KEYS = {"build", "ubr", "edition_id", "display_version", "install_date", "boot_time", "volatile_present",
               "setup_progress", "box_result", "bt_folder_exists", "panther_log_time", "rollback_log_time",
               "new_panther_log_time"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "inplace_setup_state")
    setup_exe.settle_boot(host, ctx.clock)
    ctx.spend(2.0)
    progress, _label = setup_exe.running_progress(host, ctx.clock)
    state = setup_exe.setup_state(host)
    box = state.get("box_result")
    result = {
        "build": host.os.build, "ubr": host.os.ubr, "edition_id": host.os.edition_id,
        "display_version": host.os.display_version, "install_date": setup_exe.dotnet_o(setup_exe.install_date(host)),
        "boot_time": setup_exe.dotnet_o(host.boot_time),
        "volatile_present": progress is not None or box is not None,
        "setup_progress": progress, "box_result": box,
        "bt_folder_exists": winpath.exists(host, setup_exe.BT),
        "panther_log_time": setup_exe.write_time(host, setup_exe.PANTHER + "\\setupact.log"),
        "rollback_log_time": setup_exe.write_time(host, setup_exe.ROLLBACK + "\\setupact.log"),
        "new_panther_log_time": setup_exe.write_time(host, setup_exe.NEW_PANTHER + "\\setupact.log"),
    }
    return {"result": result, "changed": False}
