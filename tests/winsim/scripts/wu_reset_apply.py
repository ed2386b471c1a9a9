# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_reset_apply.ps1.

Follows the script step by step (same step ids, same journal and rollback
entries) and changes the HostModel as the script would.

Imitated Windows behaviour and its sources:
- `sc.exe config NAME start= auto|delayed-auto|demand|disabled` and `sc.exe sdset`
  (Microsoft docs: sc.exe config, sc.exe sdset); on a service the caller may not
  open, sc.exe prints "[SC] OpenService FAILED 5:" / "Access is denied." and exits 5
  (ERROR_ACCESS_DENIED, winerror.h).
- ServiceController.Stop/Start throw InvalidOperationException ("Cannot open NAME
  service on computer '.'.", "Cannot start service NAME on computer '.'.") wrapping
  a Win32Exception; WaitForStatus throws System.ServiceProcess.TimeoutException
  (Microsoft docs: ServiceController class). A service that does not finish
  stopping stays in STOP_PENDING until its process ends (SERVICE_STOP_PENDING,
  Microsoft docs: SERVICE_STATUS).
- Starting a disabled service fails with ERROR_SERVICE_DISABLED (1058): "The
  service cannot be started, either because it is disabled or because it has no
  enabled devices associated with it." (winerror.h / FormatMessage text).
- Windows creates %windir%\\SoftwareDistribution again when wuauserv starts and
  System32\\catroot2 when cryptsvc starts; BITS on Windows 10+ creates a new
  qmgr.db when there is none (Microsoft support article "Additional resources for
  Windows Update": renaming the folders is safe because they are recreated).
- Rename-Item on a folder a process holds: "Access to the path '...' is denied."
  (IOException / ERROR_ACCESS_DENIED); onto an existing name: "Cannot create a
  file when that file already exists." (ERROR_ALREADY_EXISTS 183).
- UsoSvc, DoSvc and TrustedInstaller (Microsoft Learn "Guidance on disabling system
  services on Windows Server 2016 with Desktop Experience", https://learn.microsoft.com/
  windows-server/security/windows-services/security-guidelines-for-disabling-system-
  services-in-windows-server: Update Orchestrator
  Service, Delivery Optimization, Windows Modules Installer) work in
  SoftwareDistribution: while one holds it, the rename of that folder is refused
  (ERROR_ACCESS_DENIED). Which of them holds a handle at a given moment is not
  public, so a scenario says it (Folder.held_by: refused until that service is
  stopped). The script retries a refused rename 5 times a second apart; a lock
  the model keeps (Folder.held_by, Folder.locked) outlasts the retries.
- Only wuauserv and bits are ended when stuck in STOP_PENDING: ending msiserver or
  TrustedInstaller aborts an install (Microsoft Learn "Windows Installer Service":
  the service runs installations; an assumption for TrustedInstaller's servicing).
- `netsh winhttp reset proxy` removes the machine proxy, the binary value
  HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections
  WinHttpSettings (Microsoft Learn "Netsh Commands for Windows Hypertext Transfer
  Protocol (WINHTTP)"; KB900935: the Windows Update client finds its proxy through
  WinHTTP, set with netsh, https://support.microsoft.com/kb/900935; the value as
  public write-ups describe it, e.g. the Microsoft Tech Community post "Proxies,
  proxies everywhere but still no Internet", https://techcommunity.microsoft.com/
  t5/core-infrastructure-and-security/proxies-proxies-everywhere-but-still-no-
  internet-overview-of-the/ba-p/4108939; its byte layout is not relied on): the
  script reads it first, reports it (base64) and writes it back on rollback.
  Modelled as HostModel.winhttp_proxy (bytes or None).
- `sc.exe sdshow` of a service the caller may not open exits 5 and prints the
  error text (sc.exe docs; winerror.h): the script refuses to keep that text.
- `netsh winsock reset` asks for a restart (netsh winsock docs: "You must restart
  the computer in order to complete the reset."); `netsh winhttp reset proxy`
  prints "Current WinHTTP proxy settings: Direct access (no proxy server)."
- regsvr32 exit codes 0/3/4/5 (Raymond Chen, "What do the various regsvr32 exit
  codes mean?"); the DLLs present on a modern host are modelled as registrable (0).

Faults: host.faults.access_denied_on / disk_full_on entries
  "wu_reset_apply"            -> the script's first change fails (access denied:
                                 not an elevated administrator) / wuauserv cannot
                                 create its new data store when it starts (disk full);
  "wu_reset_apply:<step id>"  -> that step fails (e.g. "wu_reset_apply:rename:catroot2").
Service.access_denied, Service.stuck_stop_pending and Folder.locked are honoured.
"""
from __future__ import annotations

import base64

from .. import winpath
from ..modules import win_command
from ..model import Folder, HostModel, NotModelled, RunContext
from .wu_reset_state import paths as host_paths, pid_of

PARAMETERS = {
    "StopServices", "StartServices", "StartModes", "RunningBefore", "StopTimeoutSeconds",
    "KillStuck", "Renames", "QueueFiles", "QueueBackup", "Prune", "ResetWinHttpProxy",
    "ResetWinsock", "RegisterDlls", "SecurityDescriptors", "StopOnly",
}
RESULT_KEYS = {
    "journal", "failed_step", "error", "rollback", "services_after", "pruned", "reboot_required",
    "previous_security_descriptors", "dll_results", "warnings", "changed", "previous_winhttp_proxy",
}

STEP = "wu_reset_apply"
_SC_MODES = {"auto": "auto", "delayed": "delayed-auto", "manual": "demand", "disabled": "disabled"}
_DENIED_SC = "[SC] OpenService FAILED 5:  Access is denied."
_KILLABLE = ("wuauserv", "bits")
_RENAME_ATTEMPTS = 5
_DISABLED = ("The service cannot be started, either because it is disabled or because it has "
             "no enabled devices associated with it")


class StepFailed(Exception):
    """What the script's catch block receives (Get-ErrorText of the exception)."""


def _fault(host, listname, step_id=None):
    return winpath.fault_fires(host, listname, "%s:%s" % (STEP, step_id) if step_id else STEP)


class _Run:
    def __init__(self, host: HostModel, p: dict, ctx: RunContext):
        self.host, self.p, self.ctx = host, p, ctx
        self.journal, self.rollback, self.warnings = [], [], []
        self.held, self.renamed, self.moved_queue = [], [], []
        self.previous_sd, self.irreversible, self.dll_results, self.pruned = {}, [], [], []
        self.previous_proxy, self.proxy_reset = None, False
        self.changed = False
        self.reboot_required = False
        self.first_change_done = False
        self.timeout = int(p.get("StopTimeoutSeconds") or 60)

    # ------------------------------------------------------------ host ops
    def svc(self, name):
        s = self.host.services.get(name.lower())
        if s is None:
            # Get-Service -Name on a missing service: Cannot find any service with service name 'x'.
            raise StepFailed("Cannot find any service with service name '%s'." % name)
        return s

    def check_first_change(self):
        # Not an elevated administrator: the very first change is refused.
        if not self.first_change_done and _fault(self.host, "access_denied_on"):
            raise StepFailed(_DENIED_SC)
        self.first_change_done = True

    def set_start_mode(self, name, mode, step_id):
        if mode not in _SC_MODES:
            raise StepFailed("unknown start mode '%s' for %s" % (mode, name))
        s = self.svc(name)
        self.check_first_change()
        if s.access_denied or _fault(self.host, "access_denied_on", step_id):
            raise StepFailed("sc.exe config %s start= %s failed (5): %s" % (name, _SC_MODES[mode], _DENIED_SC))
        self.ctx.spend(0.2)
        s.start_mode = mode

    def stop_service(self, name):
        s = self.svc(name)
        if s.state == "stopped":
            return "already stopped"
        if s.access_denied:
            raise StepFailed("Cannot open %s service on computer '.'.: Access is denied" % name)
        if s.stuck_stop_pending:
            s.state = "stop_pending"
            self.ctx.spend(self.timeout)
            if not self.p.get("KillStuck", True):
                raise StepFailed("service %s is still StopPending (STOP_PENDING) after %d s and "
                                 "kill_stuck_services is false" % (name, self.timeout))
            if name.lower() not in _KILLABLE:
                raise StepFailed("service %s is still StopPending (STOP_PENDING) after %d s; it is not ended "
                                 "(an install may be running), retry later" % (name, self.timeout))
            pid = pid_of(s)
            # Modelled hosts run each service in its own svchost (Windows 10 1703+ with
            # 3.5 GB RAM or more: "Changes to Service Host grouping in Windows 10").
            self.ctx.spend(2)
            s.state = "stopped"
            return "stuck in STOP_PENDING after %d s; ended process %d" % (self.timeout, pid)
        self.ctx.spend(3)
        s.state = "stopped"
        return "stopped"

    def start_service(self, name, step_id=None):
        s = self.svc(name)
        if s.state == "running":
            return
        if s.access_denied:
            raise StepFailed("Cannot open %s service on computer '.'.: Access is denied" % name)
        if s.start_mode == "disabled":
            raise StepFailed("Cannot start service %s on computer '.'.: %s" % (name, _DISABLED))
        if s.state == "stop_pending":
            # ServiceController.Start on a service still stopping: ERROR_SERVICE_ALREADY_RUNNING (1056).
            raise StepFailed("Cannot start service %s on computer '.'.: An instance of the service is "
                             "already running" % name)
        if step_id and _fault(self.host, "access_denied_on", step_id):
            raise StepFailed("Cannot open %s service on computer '.'.: Access is denied" % name)
        self.ctx.spend(3)
        p = host_paths(self.host)
        if name == "wuauserv":
            sd = winpath.join(p["windir"], "SoftwareDistribution")
            if not winpath.is_dir(self.host, sd):
                winpath.make_dirs(self.host, sd)
                if _fault(self.host, "disk_full_on") or (step_id and _fault(self.host, "disk_full_on", step_id)):
                    # The folder is made, its DataStore database is not: the service stops again.
                    raise StepFailed("Cannot start service wuauserv on computer '.'.: There is not enough "
                                     "space on the disk")
                for sub in ("DataStore", "Download"):
                    winpath.make_dirs(self.host, winpath.join(sd, sub))
        elif name == "cryptsvc":
            cr = winpath.join(p["system32"], "catroot2")
            if not winpath.is_dir(self.host, cr):
                winpath.make_dirs(self.host, cr)
        elif name == "bits" and self.host.os.build >= 10240:
            # Only when this run moved the database away: a scenario that lists no qmgr.db
            # does not model the BITS database at all.
            db = winpath.join(p["downloader"], "qmgr.db")
            moved_db = any(winpath.same_path(m["from"], db) for m in self.moved_queue)
            if moved_db and not winpath.is_file(self.host, db):
                winpath.write_file(self.host, db, b"\0" * 64)
        s.state = "running"

    def rename(self, src, dst, step_id):
        host = self.host
        if not winpath.is_dir(host, src):
            raise StepFailed("Cannot rename because item at '%s' does not exist." % src)
        if winpath.exists(host, dst):
            raise StepFailed("Cannot create a file when that file already exists.")
        k = winpath.key(src, host)
        held = False
        for fk, rec in host.folders.items():
            if rec.exists and (fk == k or winpath.is_under(fk, k)):
                holder = host.services.get(rec.held_by) if rec.held_by else None
                held = held or rec.locked or (holder is not None and holder.state != "stopped")
        if held or _fault(host, "access_denied_on", step_id):
            self.ctx.spend(_RENAME_ATTEMPTS - 1)  # the retries, a second apart
            raise StepFailed(str(winpath.access_denied(src)))
        rename_tree(host, src, dst)
        self.ctx.spend(1)

    # ------------------------------------------------------------ the script
    def add(self, step_id, status, detail=""):
        self.journal.append({"id": step_id, "status": status, "detail": detail})

    def run(self):
        p = self.p
        current = ""
        failed_step = error = None
        start_modes = dict(p.get("StartModes") or {})
        try:
            for name in p.get("StopOnly") or []:
                current = "stop:%s" % name
                detail = self.stop_service(name)
                if detail != "already stopped":
                    self.changed = True
                self.add(current, "ok", detail)
            for name in p.get("StopServices") or []:
                current = "stop:%s" % name
                if start_modes.get(name) != "disabled":
                    self.set_start_mode(name, "disabled", current)
                    self.held.append(name)
                    self.changed = True
                detail = self.stop_service(name)
                if detail != "already stopped":
                    self.changed = True
                self.add(current, "ok", detail)

            queue = list(p.get("QueueFiles") or [])
            if queue:
                current = "move_queue"
                backup = p["QueueBackup"]
                self.check_first_change()
                if _fault(self.host, "access_denied_on", current):
                    raise StepFailed(str(winpath.access_denied(queue[0])))
                winpath.make_dirs(self.host, backup)
                self.changed = True
                for f in queue:
                    target = winpath.join(backup, winpath.leaf(f))
                    move_file(self.host, f, target)
                    self.moved_queue.append({"from": f, "to": target})
                self.add(current, "ok", "%d files moved to %s" % (len(queue), backup))

            for r in p.get("Renames") or []:
                current = "rename:%s" % r["name"]
                self.check_first_change()
                self.rename(r["path"], r["backup"], current)
                self.renamed.append(r)
                self.changed = True
                self.add(current, "ok", "renamed to %s" % r["backup"])

            sds = dict(p.get("SecurityDescriptors") or {})
            for name in sorted(sds):
                current = "sdset:%s" % name
                s = self.svc(name)
                self.check_first_change()
                if s.access_denied or _fault(self.host, "access_denied_on", current):
                    raise StepFailed("sc.exe sdset %s failed (5): %s" % (name, _DENIED_SC))
                # What sc.exe sdshow prints (the shipped default when the scenario sets none).
                self.previous_sd[name] = s.security_descriptor or win_command.DEFAULT_SDDL.get(name.lower(), "")
                s.security_descriptor = sds[name]
                self.changed = True
                self.add(current, "ok", "default security descriptor set")

            if p.get("ResetWinHttpProxy"):
                current = "winhttp_reset_proxy"
                self.previous_proxy = self.host.winhttp_proxy
                self._netsh(current, irreversible=False)
                self.host.winhttp_proxy = None
                self.proxy_reset = True
                if self.previous_proxy is not None:
                    self.warnings.append("netsh winhttp reset proxy removed the machine WinHTTP proxy; its previous "
                                         "WinHttpSettings value (base64) is in previous_winhttp_proxy")
                self.add(current, "ok", "Current WinHTTP proxy settings: Direct access (no proxy server).")
            if p.get("ResetWinsock"):
                current = "winsock_reset"
                self._netsh(current)
                self.reboot_required = True
                self.add(current, "ok", "a restart completes the reset")

            dlls = list(p.get("RegisterDlls") or [])
            if dlls:
                current = "register_dlls"
                self.check_first_change()
                for dll in dlls:
                    if not winpath.is_file(self.host, dll) and not _modern(self.host, dll):
                        rc, status = 3, "failed"  # LoadLibrary failed
                        self.warnings.append("regsvr32 %s returned 3" % dll)
                    else:
                        rc, status = 0, "registered"
                    self.dll_results.append({"path": dll, "rc": rc, "status": status})
                    self.ctx.spend(0.5)
                self.irreversible.append(current)
                self.changed = True
                self.add(current, "ok", "%d DLLs" % len(dlls))

            for name in list(self.held):
                current = "restore_start_mode:%s" % name
                self.set_start_mode(name, start_modes[name], current)
                self.held.remove(name)
                self.add(current, "ok", start_modes[name])

            for name in p.get("StartServices") or []:
                current = "start:%s" % name
                self.start_service(name, current)
                self.changed = True
                self.add(current, "ok", "running")
        except StepFailed as exc:
            failed_step, error = current, str(exc)
            self.add(current, "failed", error)
            self.do_rollback(start_modes)

        if not failed_step:
            for path in p.get("Prune") or []:
                sid = "prune:%s" % path
                try:
                    if _fault(self.host, "access_denied_on", sid):
                        raise winpath.access_denied(path)
                    winpath.delete_tree(self.host, path)
                    self.ctx.spend(1)
                    self.pruned.append(path)
                    self.add(sid, "ok", "deleted")
                except winpath.WinIOError as exc:
                    self.warnings.append("could not delete old backup %s: %s" % (path, exc.message))
                    self.add(sid, "warning", exc.message)

        return {
            "journal": self.journal,
            "failed_step": failed_step,
            "error": error,
            "rollback": self.rollback,
            "services_after": [self.summary(n, start_modes)
                               for n in list(p.get("StopServices") or []) + list(p.get("StopOnly") or [])],
            "previous_winhttp_proxy": (base64.b64encode(self.previous_proxy).decode("ascii")
                                       if self.previous_proxy is not None else None),
            "pruned": self.pruned,
            "reboot_required": self.reboot_required,
            "previous_security_descriptors": self.previous_sd,
            "dll_results": self.dll_results,
            "warnings": self.warnings,
            "changed": self.changed,
        }

    def _netsh(self, step_id, irreversible=True):
        self.check_first_change()
        if _fault(self.host, "access_denied_on", step_id):
            # netsh without elevation: "The requested operation requires elevation (Run as administrator)."
            raise StepFailed("netsh failed (1): The requested operation requires elevation (Run as administrator).")
        self.ctx.spend(2)
        if irreversible:
            self.irreversible.append(step_id)
        self.changed = True

    def summary(self, name, start_modes):
        s = self.host.services.get(name.lower())
        return {"name": name, "state": s.state, "start_mode": s.start_mode, "pid": pid_of(s)}

    def rb(self, step_id, status, detail="", **extra):
        entry = {"id": step_id, "status": status, "detail": detail}
        entry.update(extra)
        self.rollback.append(entry)

    def do_rollback(self, start_modes):
        if self.proxy_reset:
            self.host.winhttp_proxy = self.previous_proxy
            self.rb("winhttp_reset_proxy", "ok", "previous WinHTTP proxy set back")
        for name in (self.p.get("SecurityDescriptors") or {}):
            if name in self.previous_sd:
                self.svc(name).security_descriptor = self.previous_sd[name]
                self.rb("sdset:%s" % name, "ok", "previous security descriptor set back")
        for step_id in self.irreversible:
            self.rb(step_id, "not_reverted", "cannot be undone")
        for r in reversed(self.renamed):
            if winpath.exists(self.host, r["path"]):
                self.rb("rename:%s" % r["name"], "kept", "%s was created again; the old folder stays at %s"
                        % (r["path"], r["backup"]), name=r["name"], backup=r["backup"])
                continue
            rename_tree(self.host, r["backup"], r["path"])
            self.rb("rename:%s" % r["name"], "ok", "renamed back from %s" % r["backup"])
        if self.moved_queue:
            kept = []
            for m in self.moved_queue:
                if winpath.exists(self.host, m["from"]):
                    kept.append(m["from"])
                    continue
                move_file(self.host, m["to"], m["from"])
            backup = self.p["QueueBackup"]
            if kept:
                self.rb("move_queue", "kept", "%s created again; the old files stay in %s"
                        % (", ".join(kept), backup), name="Downloader", backup=backup)
            else:
                winpath.delete_tree(self.host, backup)  # empty: Remove-Item without -Recurse
                self.rb("move_queue", "ok", "BITS queue files moved back")
        for name in self.held:
            try:
                self.set_start_mode(name, start_modes[name], None)
                self.rb("restore_start_mode:%s" % name, "ok", start_modes[name])
            except StepFailed as exc:
                self.rb("restore_start_mode:%s" % name, "failed", str(exc))
        running_before = set(self.p.get("RunningBefore") or [])
        for name in list(self.p.get("StopServices") or []) + list(self.p.get("StopOnly") or []):
            s = self.host.services.get(name.lower())
            try:
                if name in running_before:
                    if s.state != "running":
                        self.start_service(name)
                        self.rb("start:%s" % name, "ok", "running as before")
                elif s.state == "running":
                    self.stop_service(name)
                    self.rb("stop:%s" % name, "ok", "stopped as before")
            except StepFailed as exc:
                self.rb("service:%s" % name, "failed", str(exc))


def _modern(host, dll_path):
    from .wu_reset_state import dll_present
    p = host_paths(host)
    return winpath.parent(winpath.norm(dll_path)).lower() == p["system32"].lower() and \
        dll_present(host, p["system32"], winpath.leaf(dll_path))


def move_file(host: HostModel, src: str, dst: str) -> None:
    """Move-Item of a file within one volume: no space needed."""
    k = winpath.key(src, host)
    if k not in host.files:
        raise StepFailed(str(winpath.file_not_found(src)))
    host.files[winpath.key(dst, host)] = host.files.pop(k)


def rename_tree(host: HostModel, src: str, dst: str) -> None:
    """Rename a folder with everything in it (same volume: nothing is copied)."""
    src_n, dst_n = winpath.norm(src, host), winpath.norm(dst, host)
    sk, dk = src_n.lower(), dst_n.lower()

    def moved(key_):
        return dk + key_[len(sk):]

    defaults = winpath.default_folders(host)
    for f in [f for f in host.files if winpath.is_under(f, sk)]:
        host.files[moved(f)] = host.files.pop(f)
    new_records = {}
    for fk, rec in list(host.folders.items()):
        if rec.exists and (fk == sk or winpath.is_under(fk, sk)):
            new_records[moved(fk)] = Folder(path=dst_n + rec.path[len(src_n):], size_bytes=rec.size_bytes,
                                            exists=True, locked=rec.locked)
            rec.exists = False
            rec.size_bytes = 0
            rec.locked = False
    # Default sub-folders (present without a record) move too.
    for key_, display in defaults.items():
        if (key_ == sk or winpath.is_under(key_, sk)) and key_ not in host.folders:
            new_records.setdefault(moved(key_), Folder(path=dst_n + display[len(src_n):]))
            host.folders[key_] = Folder(path=display, exists=False)
    host.folders.setdefault(sk, Folder(path=src_n, exists=False)).exists = False
    new_records.setdefault(dk, Folder(path=dst_n))
    host.folders.update(new_records)


def run(host: HostModel, parameters: dict, ctx: RunContext) -> dict:
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise NotModelled("wu_reset_apply parameters %s" % sorted(unknown))
    if ctx.check_mode:
        raise NotModelled("wu_reset_apply in check mode (win_wu_reset never runs it then)")
    result = _Run(host, parameters, ctx).run()
    return {"result": result, "changed": result["changed"]}
