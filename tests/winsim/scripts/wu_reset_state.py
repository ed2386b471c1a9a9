# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_reset_state.ps1 (read-only).

Also holds the helpers wu_reset_apply.py shares (paths, service views, pids).

Sources of the imitated behaviour:
- Win32_Service State values ("Running", "Stopped", "Stop Pending", ...) and
  StartMode ("Auto", "Manual", "Disabled"); DelayedAutostart=1 in the service key
  marks "Automatic (Delayed Start)" (Microsoft docs: Win32_Service class).
- BITS queue: qmgr0.dat/qmgr1.dat up to Windows 8.1, the ESE database qmgr.db
  (+ qmgr.jfm, edb.chk, edb*.log) from Windows 10 (BITS documentation; public
  forensic write-ups of the BITS database), in %ALLUSERSPROFILE%\\Microsoft\\Network\\Downloader.
- Folder paths: %SystemRoot%\\SoftwareDistribution and %SystemRoot%\\System32\\catroot2
  (Microsoft support article "Additional resources for Windows Update").
"""
from __future__ import annotations

import zlib

from .. import winpath
from ..model import HostModel, NotModelled, RunContext
from . import error_record

PARAMETERS = {"ServiceNames", "DllNames"}
RESULT_KEYS = {"now_utc", "paths", "services", "folders", "backups", "queue_files", "dlls_present"}

# The DLLs of the Microsoft article's list that ship in System32 of Windows 10/11
# and Server 2016+ (the rest, e.g. wuaueng1.dll, wucltui.dll, wuweb.dll, muweb.dll,
# wucltux.dll, wups2.dll, gpkcsp.dll, sccbase.dll, slbcsp.dll, msxml.dll, are
# XP/Vista/7 era and absent). A scenario adds others by listing the file in host.files.
MODERN_SYSTEM32_DLLS = frozenset((
    "atl.dll", "urlmon.dll", "mshtml.dll", "shdocvw.dll", "browseui.dll", "jscript.dll",
    "vbscript.dll", "scrrun.dll", "msxml3.dll", "msxml6.dll", "actxprxy.dll", "softpub.dll",
    "wintrust.dll", "dssenh.dll", "rsaenh.dll", "cryptdlg.dll", "oleaut32.dll", "ole32.dll",
    "shell32.dll", "initpki.dll", "wuapi.dll", "wuaueng.dll", "wups.dll", "qmgr.dll",
    "qmgrprxy.dll",
))


def paths(host: HostModel) -> dict:
    env = winpath.environment(host)
    windir = env["windir"]
    return {
        "windir": windir,
        "system32": winpath.join(windir, "System32"),
        "downloader": winpath.join(env["allusersprofile"], "Microsoft\\Network\\Downloader"),
    }


def folder_paths(host: HostModel) -> list:
    p = paths(host)
    return [("SoftwareDistribution", winpath.join(p["windir"], "SoftwareDistribution")),
            ("catroot2", winpath.join(p["system32"], "catroot2")),
            ("Downloader", p["downloader"])]


def pid_of(service) -> int:
    """A stable made-up process id while the service has a process (0 when stopped,
    as Win32_Service.ProcessId reports)."""
    if service.state in ("stopped",):
        return 0
    return 1000 + zlib.crc32(service.name.encode()) % 30000 // 4 * 4


def service_entry(host: HostModel, name: str) -> dict:
    svc = host.services.get(name.lower())
    if svc is None:
        return {"name": name, "exists": False}
    return {
        "name": name,
        "exists": True,
        "display_name": svc.display_name,
        "state": svc.state,
        "start_mode": svc.start_mode,
        "pid": pid_of(svc),
    }


def backups_of(host: HostModel, name: str, path: str) -> list:
    parent = winpath.parent(path)
    prefix = (winpath.leaf(path) + ".bak-").lower()
    out = []
    for child in winpath.children(host, parent):
        if winpath.leaf(child).lower().startswith(prefix) and winpath.is_dir(host, child):
            out.append({"name": name, "path": child})
    return out


def dll_present(host: HostModel, system32: str, dll: str) -> bool:
    full = winpath.join(system32, dll)
    if winpath.is_file(host, full):
        return True
    return host.os.build >= 10240 and dll.lower() in MODERN_SYSTEM32_DLLS


def run(host: HostModel, parameters: dict, ctx: RunContext) -> dict:
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise NotModelled("wu_reset_state parameters %s" % sorted(unknown))
    if winpath.fault_fires(host, "access_denied_on", "wu_reset_state"):
        # Get-CimInstance without rights: WBEM_E_ACCESS_DENIED (0x80041003), message "Access denied "
        # (Microsoft docs: WMI Error Constants); terminating under ErrorActionPreference Stop.
        msg = "Access denied "
        return {"result": {}, "changed": False, "failed": True,
                "error": [error_record(msg, category="PermissionDenied", category_id=18,
                                       activity="Get-CimInstance", reason="CimException",
                                       fqid="HRESULT 0x80041003,Microsoft.Management.Infrastructure."
                                            "CimCmdlets.GetCimInstanceCommand",
                                       exception_type="Microsoft.Management.Infrastructure.CimException",
                                       hresult=-2146233088)]}
    p = paths(host)
    services = [service_entry(host, n) for n in parameters.get("ServiceNames") or []]
    folders = []
    backups = []
    for name, path in folder_paths(host):
        exists = winpath.is_dir(host, path)
        folders.append({"name": name, "path": path, "exists": exists,
                        "size_bytes": winpath.folder_size(host, path) if exists else 0})
        backups.extend(backups_of(host, name, path))
    queue = []
    if winpath.is_dir(host, p["downloader"]):
        for child in winpath.children(host, p["downloader"]):
            if winpath.is_file(host, child):
                queue.append({"path": child, "size_bytes": len(winpath.read(host, child))})
    dlls = [winpath.join(p["system32"], d) for d in parameters.get("DllNames") or []
            if dll_present(host, p["system32"], d)]
    ctx.spend(2.0 + 0.1 * len(services))
    return {
        "changed": False,
        "result": {
            "now_utc": ctx.clock.now().strftime("%Y%m%dT%H%M%S"),
            "paths": p,
            "services": services,
            "folders": folders,
            "backups": backups,
            "queue_files": queue,
            "dlls_present": dlls,
        },
    }
