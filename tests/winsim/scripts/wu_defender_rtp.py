# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_defender_rtp.ps1.

host.defender_enabled stands for Defender's antivirus running in active mode
with real-time protection on. With a third-party antivirus registered the
seed turns it off (Microsoft Learn "Microsoft Defender Antivirus compatibility
with other security products"): then there is nothing to pause. The pause
state is kept as the host attribute ``defender_rtp_paused`` (the HostModel
has no field for it); Tamper Protection is not modelled (off).
"""
from __future__ import annotations

from ..detached import refuse_unknown

PARAMETERS = {"Disable"}
RESULT_KEYS = {"available", "real_time_before", "real_time_after", "tamper_protected", "applied"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_defender_rtp")
    ctx.spend(2.0)
    disable = parameters.get("Disable")
    disable = disable if isinstance(disable, bool) else str(disable).lower() in ("1", "true", "yes")
    paused = bool(getattr(host, "defender_rtp_paused", False))
    before = bool(host.defender_enabled) and not paused
    after, applied = before, False
    if host.defender_enabled and before != (not disable):
        host.defender_rtp_paused = disable
        after, applied = not disable, True
    return {"result": {"available": True, "real_time_before": before, "real_time_after": after,
                       "tamper_protected": False, "applied": applied},
            "changed": applied}
