# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System Restore: Get-ComputerRestorePoint and Checkpoint-Computer.

Restore points are the runtime list host.restore_points ({"time", "sequence",
"description"}), as tests/winsim/scripts/wu_restore_point.py keeps them.
Get-ComputerRestorePoint returns SystemRestore WMI objects whose CreationTime
is a CIM DATETIME string ("yyyymmddHHMMSS.mmmmmmsUUU", Microsoft Learn
"SystemRestore class"; ConvertToDateTime turns it into a DateTime).
Checkpoint-Computer within SystemRestorePointCreationFrequency (1440 minutes
when unset) of the newest point creates nothing and writes a warning
(Microsoft Learn "Checkpoint-Computer", "CreateRestorePoint method"); Server
has no System Restore (the cmdlets are missing: not modelled here).
"""
from __future__ import annotations

import datetime

from winsim.model import NotModelled

from . import handler

FREQUENCY_MINUTES = 1440


def _points(host):
    points = getattr(host, "restore_points", None)
    if points is None:
        points = []
        host.restore_points = points
    return points


def _cim_datetime(moment: datetime.datetime) -> str:
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y%m%d%H%M%S") + ".%06d+000" % moment.microsecond


@handler("restore.list")
def list_points(session, args):
    if not session.host.os.supports_restore_points:
        raise NotModelled("Get-ComputerRestorePoint on a host without System Restore")
    return [{"__type__": "System.Management.ManagementObject#root\\default\\SystemRestore",
             "CreationTime": _cim_datetime(p["time"]), "SequenceNumber": int(p["sequence"]),
             "Description": p.get("description", ""), "RestorePointType": 12, "EventType": 100}
            for p in _points(session.host)]


@handler("restore.create")
def create(session, args):
    host = session.host
    if not host.os.supports_restore_points:
        raise NotModelled("Checkpoint-Computer on a host without System Restore")
    points = _points(host)
    now = session.now
    if points and (now - points[-1]["time"]).total_seconds() / 60.0 < FREQUENCY_MINUTES:
        return {"warning": "A new system restore point cannot be created because one has already been created "
                           "within the past %d minutes. The frequency of restore point creation can be changed by "
                           "creating the DWORD value 'SystemRestorePointCreationFrequency' under the registry key "
                           "'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\SystemRestore'. The value of this "
                           "registry key indicates the necessary time interval (in minutes) between two restore "
                           "point creation. The default value is 1440 minutes (24 hours)." % FREQUENCY_MINUTES}
    seq = (points[-1]["sequence"] + 1) if points else 1
    points.append({"time": now, "sequence": seq, "description": str(args.get("description") or "")})
    return {"warning": None}
