# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/sfc_dism_preflight.ps1 (read-only).

Host facts as the registry's CurrentVersion key (EditionID, CurrentBuildNumber,
UBR, InstallationType "Client"/"Server") and Win32_OperatingSystem.Caption
report them; DISM /CheckHealth and /Get-WimInfo outputs come from
tests/winsim/detached/tools.py (sources cited there).
"""
from __future__ import annotations

import os
import re

from .. import locales, windows_tools, winpath
from . import SCRIPT_DIR, read_script
from ..detached import refuse_unknown, tools
from ..model import NotModelled

PARAMETERS = {"Source", "CheckHealth", "WimInfo"}
RESULT_KEYS = {"edition_id", "product_name", "build", "ubr", "architecture", "installation_type",
               "cbs_reboot_pending", "check_health_output", "check_health_exit_code", "source",
               "source_exists", "source_kind", "wim_info_output", "wim_info_exit_code", "wim_details"}


def check_health_arguments() -> list:
    """DISM's arguments for /CheckHealth as the script passes them (with /English or not, as written there)."""
    text = read_script(os.path.join(SCRIPT_DIR, "sfc_dism_preflight.ps1"))
    match = re.search(r"Invoke-Dism\s+@\(([^)]*'/CheckHealth'[^)]*)\)", text)
    if not match:
        raise NotModelled("sfc_dism_preflight.ps1 no longer calls Invoke-Dism with /CheckHealth as modelled")
    return re.findall(r"'([^']*)'", match.group(1))


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "sfc_dism_preflight")
    ctx.spend(2.0)
    source = str(parameters.get("Source") or "")
    result = {
        "edition_id": host.os.edition_id,
        "product_name": host.os.product_name,
        "build": host.os.build,
        "ubr": host.os.ubr,
        "architecture": host.os.architecture,
        "installation_type": "Client" if host.os.product_type == "workstation" else "Server",
        "cbs_reboot_pending": host.pending_reboot.cbs_reboot_pending,
        "check_health_output": None,
        "check_health_exit_code": None,
        "source": source,
        "source_exists": False,
        "source_kind": None,
        "wim_info_output": None,
        "wim_info_exit_code": None,
        "wim_details": [],
    }
    if parameters.get("CheckHealth"):
        plan = tools.plan_dism(host, check_health_arguments())
        ctx.spend(plan.duration)
        # `& dism ... | Out-String`: PowerShell reads the output in the console's (OEM) code page.
        text = b"".join(chunk for _fraction, chunk in plan.stdout).decode(locales.oem_codec(host))
        result["check_health_output"] = text
        result["check_health_exit_code"] = plan.exit_code
    if source.startswith("\\\\"):
        # A share read from a WinRM session without credential delegation: the "second
        # hop" is denied and Test-Path answers $false (Microsoft Learn "Making the second
        # hop in PowerShell Remoting"). Shares with delegation are not modelled.
        pass
    elif source:
        if winpath.is_file(host, source):
            result["source_exists"] = True
            match = re.search(r"\.(wim|esd|iso)$", source, re.I)
            result["source_kind"] = match.group(1).lower() if match else "other"
        elif winpath.is_dir(host, source):
            result["source_exists"] = True
            result["source_kind"] = "folder"
        if parameters.get("WimInfo", True) and result["source_kind"] in ("wim", "esd"):
            text, code = windows_tools.wim_info(host, source)
            ctx.spend(1.0)
            result["wim_info_output"], result["wim_info_exit_code"] = text, code
            if code == 0:
                for index in re.findall(r"(?m)^Index\s*:\s*(\d+)", text):
                    one, one_code = windows_tools.wim_info(host, source, int(index))
                    ctx.spend(1.0)
                    result["wim_details"].append({"index": int(index), "output": one, "exit_code": one_code})
    return {"result": result, "changed": False}
