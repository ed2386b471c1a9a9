# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_restore_point.ps1.

- host.os.supports_restore_points: client SKUs have System Restore, Server has
  not (Win32_OperatingSystem ProductType 1 = workstation).
- The host's restore points are kept on the host object as ``restore_points``
  (a list of {"time", "sequence"}; the HostModel has no field for them, so the
  model adds the attribute the first time).
- One restore point per SystemRestorePointCreationFrequency minutes (Microsoft
  Learn "Calling SRSetRestorePoint": default 1440 when the value is missing);
  a newer one than MaxAgeMinutes makes the script report "recent", a newer
  one than the frequency "frequency_limit" (Windows would create nothing).
- Creating one takes about half a minute (a volume shadow copy; unverified).
"""
from __future__ import annotations

import datetime

from ..detached import refuse_unknown

PARAMETERS = {"Description", "MaxAgeMinutes"}
RESULT_KEYS = {"supported", "created", "reason", "latest", "sequence_number", "creation_frequency_minutes", "warning"}
SR_KEY = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SystemRestore"


def creation_frequency(host) -> int:
    """SystemRestorePointCreationFrequency in minutes: 1440 when the value is missing (Microsoft Learn
    "Calling SRSetRestorePoint"). Kept with the registry values nothing else models (host.registry)."""
    entry = (getattr(host, "registry", None) or {}).get(SR_KEY.lower()) or {}
    value = (entry.get("values") or {}).get("SystemRestorePointCreationFrequency")
    return 1440 if value is None else int(value) & 0xFFFFFFFF


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "wu_restore_point")
    ctx.spend(2.0)
    points = getattr(host, "restore_points", None)
    if points is None:
        points = []
        host.restore_points = points
    now = ctx.clock.now()  # the host's clock when the request runs (the script reads it once)
    frequency = creation_frequency(host)
    result = {"supported": bool(host.os.supports_restore_points), "created": False, "reason": None,
              "latest": None, "sequence_number": None, "creation_frequency_minutes": frequency, "warning": None}
    changed = False
    if not host.os.supports_restore_points:
        result["reason"] = "not_supported"
        return {"result": result, "changed": False}
    if points:
        result["latest"] = _iso(points[-1]["time"])
        result["sequence_number"] = points[-1]["sequence"]
    max_age = int(parameters.get("MaxAgeMinutes", 1440))
    age = (now - points[-1]["time"]).total_seconds() / 60.0 if points else None
    if age is not None and age < max_age:
        result["reason"] = "recent"
    elif age is not None and age < frequency:
        # Within SystemRestorePointCreationFrequency Windows creates nothing and only warns.
        result["reason"] = "frequency_limit"
    elif ctx.check_mode:
        result["reason"] = "check_mode"
        changed = True
    else:
        ctx.spend(30.0)
        seq = (points[-1]["sequence"] + 1) if points else 1
        points.append({"time": now, "sequence": seq, "description": str(parameters.get("Description") or "")})
        result.update(created=True, latest=_iso(now), sequence_number=seq)
        changed = True
    return {"result": result, "changed": changed}
