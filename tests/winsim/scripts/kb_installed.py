# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/kb_installed.ps1 (read-only).

Values as the registry CurrentVersion key (DisplayVersion, CurrentBuildNumber,
UBR, EditionID, InstallationType "Client"/"Server") and Win32_OperatingSystem
Caption report them; Get-HotFix lists the HotFixID (e.g. "KB5043080") of each
installed update (Win32_QuickFixEngineering, learn.microsoft.com
powershell/module/microsoft.powershell.management/get-hotfix).

Importing this model also registers the DISM /Add-Package plan with the
detached command models (winsim/detached/dism_packages.py): every install run
by win_kb_catalog_install asks this script first.
"""
from __future__ import annotations

from ..detached import dism_packages, refuse_unknown

PARAMETERS: set = set()
RESULT_KEYS = {"product_name", "edition_id", "display_version", "build", "ubr", "installation_type",
               "architecture", "installed_kbs", "cbs_reboot_pending"}

dism_packages.install()


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "kb_installed")
    ctx.spend(1.5)  # a CIM query and Get-HotFix: a second or two
    result = {
        "product_name": host.os.product_name,
        "edition_id": host.os.edition_id,
        "display_version": host.os.display_version,
        "build": host.os.build,
        "ubr": host.os.ubr,
        "installation_type": "Client" if host.os.product_type == "workstation" else "Server",
        "architecture": host.os.architecture,
        "installed_kbs": sorted({str(k).upper() for k in host.installed_kbs}),
        "cbs_reboot_pending": host.pending_reboot.cbs_reboot_pending,
    }
    return {"result": result, "changed": False}
