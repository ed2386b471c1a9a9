# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_defender_rtp.ps1.

host.defender_enabled stands for Defender's antivirus running in active mode
with real-time protection on. With a third-party antivirus registered the
seed turns it off (Microsoft Learn "Microsoft Defender Antivirus compatibility
with other security products"): then there is nothing to pause, and
Get-MpComputerStatus throws a CimException "HRESULT 0x800106ba" (public
captures: scipag/HardeningKitty#52, microsoft/CSS-Exchange#1703), which the
script reports as defender_off. The pause state is kept as the host attribute
``defender_rtp_paused``; Tamper Protection is not modelled (off).
"""
from __future__ import annotations

from ..detached import refuse_unknown

PARAMETERS = {"Disable"}
RESULT_KEYS = {"available", "defender_off", "status_error", "real_time_before", "real_time_after",
               "tamper_protected", "applied", "not_applied"}
# The first part of the CimException's FullyQualifiedErrorId (HardeningKitty#52).
STATUS_ERROR = "HRESULT 0x800106ba"


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_defender_rtp")
    ctx.spend(2.0)
    disable = parameters.get("Disable")
    disable = disable if isinstance(disable, bool) else str(disable).lower() in ("1", "true", "yes")
    result = {"available": True, "defender_off": False, "status_error": None, "real_time_before": None,
              "real_time_after": None, "tamper_protected": None, "applied": False, "not_applied": None}
    if not host.defender_enabled:
        result.update(defender_off=True, status_error=STATUS_ERROR)
        return {"result": result, "changed": False}
    paused = bool(getattr(host, "defender_rtp_paused", False))
    before = not paused
    after, applied = before, False
    if before != (not disable):
        host.defender_rtp_paused = disable
        after, applied = not disable, True
    result.update(real_time_before=before, real_time_after=after, tamper_protected=False, applied=applied)
    return {"result": result, "changed": applied}
