# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_insider_leave.ps1.

host.insider stands for HKLM\\SOFTWARE\\Microsoft\\WindowsSelfHost\\Applicability
and `bcdedit /enum {current}` flightsigning (abbodi1406/offlineinsiderenroll). Leaving
exports the keys (reg.exe export writes a .reg file; its content is not
modelled, a marker text is), deletes them, removes flightsigning (bcdedit exit
0) and tells the causes "insider_left" (tests/winsim/causes.py: the host gets
release updates once the release channel caught up). The policy values are
not modelled beyond the result. Never called in check mode (no
SupportsShouldProcess: win_powershell skips it).
"""
from __future__ import annotations

from .. import causes, winpath
from ..detached import refuse_unknown

PARAMETERS = {"BackupFolder", "BlockPreviewBuilds"}
RESULT_KEYS = {"removed_keys", "flightsigning_removed", "bcdedit_exit_code", "policy_set", "policy_changed",
               "reboot_required", "error"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_insider_leave")
    ctx.spend(3.0)
    folder = str(parameters.get("BackupFolder") or "")
    winpath.make_dirs(host, folder)
    stamp = (ctx.clock.now()).strftime("%Y%m%dT%H%M%S")
    removed = []
    if host.insider.enrolled:
        key = "HKLM\\SOFTWARE\\Microsoft\\WindowsSelfHost"
        path = winpath.join(folder, "WindowsSelfHost-%s.reg" % stamp)
        winpath.write_file(host, path, b"Windows Registry Editor Version 5.00\r\n; winsim: content not modelled\r\n")
        removed.append({"key": key, "backup": path})
    flight = bool(host.insider.flightsigning)
    if removed or flight:
        causes.apply(host, "insider_left", ctx.clock.now())
    block = parameters.get("BlockPreviewBuilds", True)
    block = block if isinstance(block, bool) else str(block).lower() in ("1", "true", "yes")
    if block:
        # Policy CSP Update/ManagePreviewBuilds (Microsoft Learn): kept with the registry
        # values nothing else models (host attribute "registry", as tests/pwsh/hostapi/registry.py reads it).
        table = getattr(host, "registry", None)
        if table is None:
            table = host.registry = {}
        key = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate"
        entry = table.setdefault(key.lower(), {"path": key, "values": {}})
        wanted = {"ManagePreviewBuilds": 1, "ManagePreviewBuildsPolicyValue": 0}
        # Written only when a value differs (the script reads them first).
        policy_changed = any(entry["values"].get(k) != v for k, v in wanted.items())
        entry["values"].update(wanted)
    else:
        policy_changed = False
    return {"result": {"removed_keys": removed, "flightsigning_removed": flight,
                       "bcdedit_exit_code": 0 if flight else None, "policy_set": bool(block),
                       "policy_changed": policy_changed, "reboot_required": bool(removed) or flight, "error": None},
            "changed": bool(removed) or flight or policy_changed}
