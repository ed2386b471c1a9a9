# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_service: start_mode and state of existing services.

Behaviour after ansible.windows 3.3.0 plugins/modules/win_service.ps1:
- the service is found by ServiceName or DisplayName (case-insensitive);
  a missing one with no `path` fails "Service 'X' is not installed, need to set
  'path' to create a new service" (creating services is not modelled);
- it is opened with QueryConfig|QueryStatus|EnumerateDependents|ChangeConfig;
  access denied there is an unhandled New-Object exception (SCManager.cs
  ServiceManagerException message format, module_wrapper.ps1 "Unhandled exception
  while executing module: ...");
- start_mode is set before state; state uses Start-/Stop-/Restart-Service
  with -WhatIf in check mode, so check mode changes nothing but still reports
  changed and the requested state;
- returned `state` is the requested one (started/restarted -> running) or,
  without `state`, the service's status with '_' removed (stop_pending ->
  stoppending);
- Stop-Service without -Force refuses a service whose dependents are running
  ("Cannot stop service '...' because it has dependent services. It can only be
  stopped if the Force flag is set.", PowerShell ServiceResources);
- Stop-Service waits for STOP_PENDING with no time limit (PowerShell Service.cs
  DoWaitForStatus loops every 2 s while the status is the pending one). A
  service stuck in stop_pending therefore never lets the module answer: the
  model raises ProtocolFault('operation_timeout') - on the wire a WinRM Receive
  that never completes - after leaving the service in stop_pending.
"""
from __future__ import annotations

from ..model import HostModel, NotModelled, ProtocolFault, RunContext, Service
from .. import winpath

OPTIONS = {"name", "state", "start_mode", "force_dependent_services"}
STATES = {"started", "stopped", "restarted"}
START_MODES = {"auto", "delayed", "manual", "disabled"}

# Configuration the HostModel's Service does not carry, as `sc qc` / `sc qdescription`
# show it on Windows 11 24H2 (services.msc properties; unverified for every build).
# name -> (path, username, dependencies, description)
CONFIG = {
    "wuauserv": ("C:\\WINDOWS\\system32\\svchost.exe -k netsvcs -p", "LocalSystem", ["rpcss"],
                 "Enables the detection, download, and installation of updates for Windows and other programs."),
    "cryptsvc": ("C:\\WINDOWS\\system32\\svchost.exe -k NetworkService -p", "NT Authority\\NetworkService",
                 ["RpcSs"], "Provides three management services: Catalog Database Service, Protected Root "
                 "Service and Automatic Root Certificate Update Service."),
    "bits": ("C:\\WINDOWS\\System32\\svchost.exe -k netsvcs -p", "LocalSystem", ["RpcSs"],
             "Transfers files in the background using idle network bandwidth."),
    "msiserver": ("C:\\WINDOWS\\system32\\msiexec.exe /V", "LocalSystem", ["rpcss"],
                  "Adds, modifies, and removes applications provided as a Windows Installer (*.msi, *.msp) "
                  "package."),
    "appidsvc": ("C:\\WINDOWS\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
                 "NT Authority\\LocalService", ["RpcSs", "CryptSvc", "AppID"],
                 "Determines and verifies the identity of an application."),
    "trustedinstaller": ("C:\\WINDOWS\\servicing\\TrustedInstaller.exe", "LocalSystem", [],
                         "Enables installation, modification, and removal of Windows updates and optional "
                         "components."),
}


def _config(svc: Service):
    return CONFIG.get(svc.name.lower(), ("", "LocalSystem", [], ""))


def _find(host: HostModel, name: str):
    low = name.lower()
    for svc in host.services.values():
        if svc.name.lower() == low or svc.display_name.lower() == low:
            return svc
    return None


def _dependents(host: HostModel, svc: Service) -> list:
    """Services whose dependencies name svc (what EnumDependentServices returns)."""
    out = []
    for other in host.services.values():
        deps = [d.lower() for d in _config(other)[2]]
        if svc.name.lower() in deps:
            out.append(other)
    return out


def _unhandled(message: str) -> dict:
    # module_wrapper.ps1 of ansible-core: ErrorActionPreference Stop turns the
    # cmdlet error into an exception the wrapper reports.
    return {"changed": False, "failed": True,
            "msg": "Unhandled exception while executing module: %s" % message,
            "exception": message}


def _label(svc: Service) -> str:
    return "%s (%s)" % (svc.display_name, svc.name)


def _stop(host: HostModel, svc: Service, force: bool, ctx: RunContext) -> list:
    """Stop-Service semantics; returns the services stopped (dependents first).
    Raises _Fail or ProtocolFault."""
    if ctx.check_mode:
        # -WhatIf: ShouldProcess declines before any dependent check or stop.
        return [svc] if svc.state != "stopped" else []
    running = [d for d in _dependents(host, svc) if d.state != "stopped"]
    if running and not force:
        raise _Fail("Cannot stop service '%s' because it has dependent services. It can only be stopped "
                    "if the Force flag is set." % _label(svc))
    stopped = []
    for dep in running:
        stopped += _stop(host, dep, True, ctx)
    if svc.state == "stopped":
        return stopped
    if svc.stuck_stop_pending:
        svc.state = "stop_pending"
        ctx.spend(120.0)
        raise ProtocolFault("operation_timeout",
                            "win_service: Stop-Service waits forever while %s is STOP_PENDING" % svc.name)
    svc.state = "stopped"
    ctx.spend(2.0)
    return stopped + [svc]


def _start(svc: Service, ctx: RunContext) -> None:
    if svc.state == "running" or ctx.check_mode:
        return  # -WhatIf: nothing is tried
    if svc.state in ("stop_pending", "start_pending", "paused"):
        raise NotModelled("win_service start of a service in state %s" % svc.state)
    if svc.start_mode == "disabled":
        # Start-Service: ServiceResources.CouldNotStartService wrapping ERROR_SERVICE_DISABLED.
        raise _Fail("Service '%s' cannot be started due to the following error: Cannot start service %s "
                    "on computer '.'." % (_label(svc), svc.name))
    svc.state = "running"
    ctx.spend(2.0)


class _Fail(Exception):
    pass


def _state_word(state: str) -> str:
    # ConvertTo-ServiceStateDiff (running -> started) then .Replace('_', '')
    # and started -> running: the returned value is the status without '_'.
    return state.replace("_", "")


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_service options %s" % ", ".join(sorted(unknown)))
    name = args.get("name")
    if not name:
        return {"changed": False, "failed": True, "msg": "missing required arguments: name"}
    state = args.get("state")
    start_mode = args.get("start_mode")
    force = bool(args.get("force_dependent_services", False))
    if state is not None and state not in STATES:
        raise NotModelled("win_service state=%s" % state)
    if start_mode is not None and start_mode not in START_MODES:
        raise NotModelled("win_service start_mode=%s" % start_mode)

    result = {"changed": False, "exists": False}
    svc = _find(host, str(name))
    if svc is None:
        if state is None and start_mode is None:
            return result
        result.update(failed=True,
                      msg="Service '%s' is not installed, need to set 'path' to create a new service" % name)
        return result

    if svc.access_denied or winpath.fault_fires(host, "access_denied_on", ctx.step):
        return _unhandled('Exception calling ".ctor" with "2" argument(s): "Failed to open service \'%s\' '
                          '(Access is denied, Win32ErrorCode 5 - 0x00000005)"' % svc.name)

    changed = False
    if start_mode is not None and start_mode != svc.start_mode:
        if not ctx.check_mode:
            svc.start_mode = start_mode
        changed = True

    try:
        if state == "started" and svc.state != "running":
            _start(svc, ctx)
            changed = True
        elif state == "stopped" and svc.state != "stopped":
            _stop(host, svc, force, ctx)
            changed = True
        elif state == "restarted":
            stopped = _stop(host, svc, force, ctx)
            # Restart-Service starts the service again, then the dependents it stopped.
            _start(svc, ctx)
            for dep in reversed([s for s in stopped if s is not svc]):
                _start(dep, ctx)
            changed = True
    except _Fail as err:
        out = _unhandled(str(err))
        out["changed"] = changed
        return out

    path, username, deps, description = _config(svc)
    if state is None:
        shown = _state_word(svc.state)
    else:
        shown = "running" if state in ("started", "restarted") else "stopped"
    result.update(
        changed=changed,
        exists=True,
        name=svc.name,
        display_name=svc.display_name,
        state=shown,
        # Diff.after.start_mode: the requested mode (also in check mode), else the current one.
        start_mode=start_mode or svc.start_mode,
        path=path,
        description=description,
        username=username,
        desktop_interact=False,
        dependencies=list(deps),
        depended_by=[d.name for d in _dependents(host, svc)],
        # None of the Windows Update services accept pause/continue (SERVICE_ACCEPT_PAUSE_CONTINUE).
        can_pause_and_continue=False,
    )
    return result
