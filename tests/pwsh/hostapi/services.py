# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Services: Get-Service, ServiceController.Stop/Start/WaitForStatus, Stop-Process.

Behaviour as tests/winsim/scripts/wu_reset_apply.py models it (its sources):
- ServiceController.Stop/Start on a service the caller may not open throw
  InvalidOperationException "Cannot open NAME service on computer '.'." with an
  inner Win32Exception 5 "Access is denied" (Microsoft Learn "ServiceController.Stop",
  Exceptions: InvalidOperationException, "An error occurred when accessing a
  system API"); Start of a disabled service: "Cannot start service NAME on
  computer '.'." with inner Win32Exception 1058 (ERROR_SERVICE_DISABLED, winerror.h).
- WaitForStatus throws System.ServiceProcess.TimeoutException "Time out has
  expired and the operation has not been completed." when the status is not
  reached (Microsoft Learn "ServiceController.WaitForStatus").
- A service with stuck_stop_pending stays in StopPending until its process is
  ended (SERVICE_STOP_PENDING, Microsoft Learn "SERVICE_STATUS"); each
  service runs in its own process (Windows 10 1703+ "Changes to Service Host
  grouping in Windows 10"), so ending it stops that service only.
- Get-Service -Name of a missing service: non-terminating ServiceCommandException
  "Cannot find any service with service name 'x'." (NoServiceFoundForGivenName).
- Windows creates %windir%\\SoftwareDistribution again when wuauserv starts and
  System32\\catroot2 when cryptsvc starts (Microsoft "Additional resources for
  Windows Update"): the starting service makes its folder on the laid-out drive.
"""
from __future__ import annotations

import os

from winsim import winpath

from . import WinError, handler
from winsim.scripts.wu_reset_state import pid_of as _pid_of

_STATUS = {"running": "Running", "stopped": "Stopped", "stop_pending": "StopPending",
           "start_pending": "StartPending", "paused": "Paused"}
_START = {"auto": "Automatic", "delayed": "Automatic", "manual": "Manual", "disabled": "Disabled"}


def _svc(session, name):
    svc = session.host.services.get(str(name).lower())
    if svc is None:
        raise WinError("Microsoft.PowerShell.Commands.ServiceCommandException",
                       "Cannot find any service with service name '%s'." % name,
                       "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand",
                       "ObjectNotFound", target=name)
    return svc


def _info(svc) -> dict:
    return {"name": svc.name, "display_name": svc.display_name, "status": _STATUS.get(svc.state, svc.state),
            "start_type": _START.get(svc.start_mode, "Manual")}


def _win32(code: int, message: str) -> WinError:
    return WinError("System.ComponentModel.Win32Exception", message, "Win32Exception", native_error_code=code)


@handler("service.get")
def get(session, args):
    return _info(_svc(session, args["name"]))


@handler("service.stop")
def stop(session, args):
    svc = _svc(session, args["name"])
    if svc.access_denied:
        raise WinError("System.InvalidOperationException", "Cannot open %s service on computer '.'." % svc.name,
                       "InvalidOperationException", inner=_win32(5, "Access is denied"))
    if svc.state == "stopped":
        return None
    svc.state = "stop_pending" if svc.stuck_stop_pending else "stopped"
    return None


@handler("service.start")
def start(session, args):
    svc = _svc(session, args["name"])
    if svc.access_denied:
        raise WinError("System.InvalidOperationException", "Cannot open %s service on computer '.'." % svc.name,
                       "InvalidOperationException", inner=_win32(5, "Access is denied"))
    if svc.state == "running":
        return None
    if svc.start_mode == "disabled":
        raise WinError("System.InvalidOperationException", "Cannot start service %s on computer '.'." % svc.name,
                       "InvalidOperationException", inner=_win32(
                           1058, "The service cannot be started, either because it is disabled or because it has "
                                 "no enabled devices associated with it"))
    if svc.state == "stop_pending":
        raise WinError("System.InvalidOperationException", "Cannot start service %s on computer '.'." % svc.name,
                       "InvalidOperationException", inner=_win32(1056, "An instance of the service is already running"))
    _recreate_folder(session, svc.name)
    svc.state = "running"
    return None


def _recreate_folder(session, name: str) -> None:
    env = winpath.environment(session.host)
    folder = {"wuauserv": env["windir"] + "\\SoftwareDistribution",
              "cryptsvc": env["windir"] + "\\System32\\catroot2"}.get(name.lower())
    if folder:
        local = session.drive.to_local(folder)
        if not os.path.isdir(local):
            os.makedirs(local)
            if name.lower() == "wuauserv":
                for sub in ("DataStore", "Download"):
                    os.makedirs(os.path.join(local, sub), exist_ok=True)


@handler("service.wait")
def wait(session, args):
    svc = _svc(session, args["name"])
    want = str(args["status"])
    if _STATUS.get(svc.state) != want:
        raise WinError("System.ServiceProcess.TimeoutException",
                       "Time out has expired and the operation has not been completed.", "TimeoutException")
    return _info(svc)


@handler("process.stop")
def stop_process(session, args):
    pid = int(args["id"])
    for svc in session.host.services.values():
        if svc.state != "stopped" and _pid_of(svc) == pid:
            svc.state = "stopped"
            return None
    # Stop-Process -Id of no process: "Cannot find a process with the process identifier N." (ProcessCommandException).
    raise WinError("Microsoft.PowerShell.Commands.ProcessCommandException",
                   "Cannot find a process with the process identifier %d." % pid,
                   "NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.StopProcessCommand", "ObjectNotFound",
                   target=pid)
