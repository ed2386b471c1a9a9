# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Defender Antivirus: Get-MpComputerStatus and Set-MpPreference.

host.defender_enabled: Defender's antivirus is active with real-time
protection on; the pause is the runtime attribute defender_rtp_paused.
Tamper Protection is not modelled (off).

With Defender turned off (another antivirus registered: Microsoft Learn
"Microsoft Defender Antivirus compatibility with other security products"),
the Defender WMI provider answers MSFT_MpComputerStatus with 0x800106BA and
Get-MpComputerStatus throws a CimException whose FullyQualifiedErrorId is
"HRESULT 0x800106ba,Get-MpComputerStatus", message "A general error occurred
that is not covered by a more specific error code.", category NotSpecified,
target MSFT_MpComputerStatus (public capture with CrowdStrike installed:
github.com/scipag/HardeningKitty/issues/52; the same HRESULT for
Get/Add-MpPreference: ScoopInstaller/Scoop#6583). Set-MpPreference fails the
same way (assumption: captured for Add-MpPreference only). The HResult of the
exception object is an assumption (the HRESULT itself).
"""
from __future__ import annotations

from winsim import causes

from . import WinError, handler

MP_E_SERVICE_OFF = 0x800106BA


def _off_error() -> WinError:
    return WinError("Microsoft.Management.Infrastructure.CimException",
                    "A general error occurred that is not covered by a more specific error code.",
                    "HRESULT 0x800106ba,Get-MpComputerStatus", "NotSpecified",
                    hresult=causes.signed(MP_E_SERVICE_OFF), target="MSFT_MpComputerStatus")


@handler("defender.status")
def status(session, args):
    host = session.host
    if not host.defender_enabled:
        raise _off_error()
    paused = bool(getattr(host, "defender_rtp_paused", False))
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Defender/MSFT_MpComputerStatus",
            "AMServiceEnabled": True, "AntivirusEnabled": True, "AntispywareEnabled": True,
            "RealTimeProtectionEnabled": not paused, "IsTamperProtected": False, "AMRunningMode": "Normal",
            "BehaviorMonitorEnabled": True, "OnAccessProtectionEnabled": not paused}


@handler("defender.set_realtime")
def set_realtime(session, args):
    host = session.host
    if not host.defender_enabled:
        raise _off_error()
    host.defender_rtp_paused = bool(args["disable"])
    return None
