# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/wu_diagnose.ps1 (read-only evidence gathering).

Builds, from the HostModel, the raw values the script reads on Windows: no
decisions (those are plugins/plugin_utils/_ladder/diagnosis.py). Sources of what is
imitated, probe by probe:
- OS: HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion (ProductName,
  EditionID, DisplayVersion, CurrentBuild, UBR) and Win32_OperatingSystem
  (Caption "Microsoft Windows 11 Pro", Version, ProductType 1 workstation /
  2 domain controller / 3 server, OSLanguage LCID) - Microsoft Learn
  "Win32_OperatingSystem class". On Windows 11 the registry ProductName still
  reads "Windows 10 ..." (Microsoft Q&A "Windows 11 shows Windows 10 in
  ProductName"); Caption has the right name.
- Free space: Win32_LogicalDisk Size / FreeSpace (Microsoft Learn "Win32_LogicalDisk class").
- Pending reboot: ...\\Component Based Servicing\\RebootPending,
  ...\\WindowsUpdate\\Auto Update\\RebootRequired, Session Manager
  PendingFileRenameOperations, ActiveComputerName vs ComputerName
  (the four checks of bcwilhite/PendingReboot, Test-PendingReboot.ps1).
- Services: Win32_Service State ("Running", "Stopped", "Stop Pending", ...),
  StartMode ("Auto", "Manual", "Disabled"), DelayedAutoStart (Microsoft Learn
  "Win32_Service class").
- Folders: %windir%\\SoftwareDistribution, %windir%\\System32\\catroot2 (Microsoft
  support "Additional resources for Windows Update").
- Insider: HKLM\\SOFTWARE\\Microsoft\\WindowsSelfHost\\Applicability (BranchName,
  Ring, ContentType, EnablePreviewBuilds); `bcdedit /enum {current}` lists
  "flightsigning Yes" only once it is set (abbodi1406/offlineinsiderenroll; Microsoft Learn "BCDEdit /set").
- Antivirus: root\\SecurityCenter2 AntiVirusProduct (displayName, productState,
  pathToSignedProductExe); the namespace exists on client SKUs only. productState
  is undocumented; 0x41000 (on) / 0x40000 (off) for third-party products and
  0x61100 for Defender are the values widely reported for it.
- Defender: Get-MpComputerStatus AMServiceEnabled, AntivirusEnabled,
  RealTimeProtectionEnabled, AMRunningMode ("Normal") - Microsoft Learn
  "Get-MpComputerStatus". With another antivirus active a client turns
  Defender's antivirus off (Microsoft Learn "Microsoft Defender Antivirus
  compatibility with other security products"); the AMRunningMode text then
  is modelled as "Not running".
- Minifilters: `fltmc filters` columns Filter Name / Num Instances / Altitude /
  Frame (Microsoft Learn "fltmc"); altitudes of the Microsoft filters from
  Microsoft Learn "Allocated filter altitudes"; a third-party antivirus filter
  gets a stand-in altitude in the FSFilter Anti-Virus range 320000-329999.
- Update history: IUpdateSearcher.QueryHistory, IUpdateHistoryEntry Date, Title,
  Operation (1 installation), ResultCode (OperationResultCode: 2 succeeded,
  4 failed, 5 aborted), HResult (signed) - Microsoft Learn "IUpdateHistoryEntry".
  Remote COM can be denied over WinRM (PowerShell/PowerShell#15207; the network-logon
  limit of the Windows Update API, ansible-collections/ansible.windows#327): fault access_denied_on
  "Microsoft.Update.Session" makes that probe fail with E_ACCESSDENIED.
- Event 20 of Microsoft-Windows-WindowsUpdateClient (installation failure) with
  EventData updateTitle, updateGuid, updateRevisionNumber, serviceGuid, errorCode
  (the provider's manifest, `wevtutil gp Microsoft-Windows-WindowsUpdateClient /ge /gm`).
- CBS.log: %windir%\\Logs\\CBS\\CBS.log; Get-Content -Tail, Select-String (regex,
  case-insensitive by default - Microsoft Learn "Select-String").
- Storage: System log events of disk (7 bad block, 11 controller error, 51 paging
  error, 153 I/O retried, 157 surprise removal), Ntfs 55 (corrupt file system),
  storahci/stornvme; event 7's text "The device, \\Device\\Harddisk0\\DR0, has a bad
  block." (Microsoft Learn "Event ID 7"). Get-PhysicalDisk HealthStatus Healthy /
  Warning / Unhealthy and OperationalStatus "OK" / "Predictive Failure" (Microsoft
  Learn "MSFT_PhysicalDisk class").
"""
from __future__ import annotations

import datetime
import re
import zlib

from .. import winpath
from ..model import HostModel, NotModelled, RunContext

PARAMETERS = {"MaxHistory", "MaxEvents", "CbsTailLines", "SinceDays", "CbsPattern", "CbsMaxMatches"}
RESULT_KEYS = {
    "collected_at", "os", "system_drive", "pending_reboot", "services", "folders", "backups",
    "insider", "antivirus", "defender", "filter_drivers", "update_history", "update_events",
    "installed_kbs", "cbs_log", "storage_events", "physical_disks", "probe_errors",
}
DEFAULTS = {"MaxHistory": 50, "MaxEvents": 50, "CbsTailLines": 5000, "SinceDays": 30,
            "CbsPattern": "", "CbsMaxMatches": 200}
# [ValidateRange] of each int parameter in the script's param() block.
RANGES = {"MaxHistory": (0, 1000), "MaxEvents": (0, 1000), "CbsTailLines": (0, 100000),
          "SinceDays": (1, 3650), "CbsMaxMatches": (0, 10000)}

SERVICE_NAMES = ("wuauserv", "cryptsvc", "bits", "msiserver", "appidsvc", "trustedinstaller")
_STATE_TEXT = {"running": "Running", "stopped": "Stopped", "stop_pending": "Stop Pending",
               "start_pending": "Start Pending", "paused": "Paused"}
_MODE_TEXT = {"auto": "Auto", "delayed": "Auto", "manual": "Manual", "disabled": "Disabled"}
_ARCH = {"x64": "AMD64", "arm64": "ARM64", "x86": "x86"}
_PRODUCT_TYPE = {"workstation": 1, "domain_controller": 2, "server": 3}
_LCID = {"en-US": 1033, "de-DE": 1031, "fr-FR": 1036, "en-GB": 2057, "ja-JP": 1041}

STORAGE_PROVIDERS = ("disk", "Ntfs", "Microsoft-Windows-Ntfs", "storahci", "stornvme")
STORAGE_EVENT_IDS = (7, 11, 51, 55, 153, 157)
WU_PROVIDER = "Microsoft-Windows-WindowsUpdateClient"

# (name, altitude) of Microsoft minifilters loaded on a Windows 11 / Server 2022 install.
MICROSOFT_FILTERS = (
    ("bindflt", "409800"), ("storqosflt", "244000"), ("wcifs", "189900"), ("CldFlt", "180451"),
    ("FileCrypt", "141100"), ("luafv", "135000"), ("npsvctrig", "46000"), ("Wof", "40700"),
    ("FileInfo", "40500"),
)
_BACKUP_RE = re.compile(r"^(SoftwareDistribution|catroot2)\.(bak(-.*)?|old.*)$", re.IGNORECASE)
_E_ACCESSDENIED = "0x80070005"


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _signed(value: int) -> int:
    value = int(value) & 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _parameters(parameters: dict) -> dict:
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise NotModelled("wu_diagnose parameters %s" % sorted(unknown))
    values = dict(DEFAULTS)
    values.update({k: v for k, v in parameters.items() if v is not None})
    for name, (low, high) in RANGES.items():
        value = int(values[name])
        if not low <= value <= high:
            # PowerShell refuses the call before the script runs (ValidateRange).
            raise NotModelled("wu_diagnose %s=%s outside ValidateRange(%d, %d)" % (name, value, low, high))
        values[name] = value
    values["CbsPattern"] = str(values["CbsPattern"] or "")
    return values


def _os(host: HostModel) -> dict:
    o = host.os
    registry_name = o.product_name
    if o.build >= 22000:
        registry_name = registry_name.replace("Windows 11", "Windows 10")
    return {
        "caption": "Microsoft " + o.product_name,
        "product_name": registry_name,
        "edition_id": o.edition_id,
        "display_version": o.display_version,
        "version": o.version,
        "current_build": str(o.build),
        "ubr": o.ubr,
        "product_type": _PRODUCT_TYPE[o.product_type],
        "processor_architecture": _ARCH[o.architecture],
        "install_language": o.install_language if o.install_language in _LCID else None,
        "hostname": o.hostname,
    }


def _services(host: HostModel) -> list:
    out = []
    for name in SERVICE_NAMES:
        svc = host.services.get(name)
        if svc is None:
            out.append({"name": name, "exists": False, "display_name": None, "state": None,
                        "start_mode": None, "delayed_auto_start": False})
            continue
        out.append({
            "name": name,
            "exists": True,
            "display_name": svc.display_name,
            "state": _STATE_TEXT.get(svc.state, svc.state),
            "start_mode": _MODE_TEXT.get(svc.start_mode, svc.start_mode),
            "delayed_auto_start": svc.start_mode == "delayed",
        })
    return out


def _folders(host: HostModel, windir: str) -> tuple:
    scanned = 0
    folders = []
    for name, rel in (("software_distribution", "SoftwareDistribution"), ("catroot2", "System32\\catroot2")):
        path = winpath.join(windir, rel)
        exists = winpath.is_dir(host, path)
        size = winpath.folder_size(host, path) if exists else 0
        scanned += size
        folders.append({"name": name, "path": path, "exists": exists, "size_bytes": size})
    backups = []
    for parent in (windir, winpath.join(windir, "System32")):
        for child in winpath.children(host, parent):
            if _BACKUP_RE.match(winpath.leaf(child)) and winpath.is_dir(host, child):
                size = winpath.folder_size(host, child)
                scanned += size
                # LastWriteTime, as the script's ConvertTo-IsoTime writes it.
                when = winpath.write_time(host, child).astimezone(datetime.timezone.utc)
                backups.append({"path": child, "size_bytes": size, "last_write_time": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return folders, backups, scanned


def _insider(host: HostModel) -> dict:
    ins = host.insider
    out = {}
    if ins.enrolled:
        # The values an enrolment writes (abbodi1406/offlineinsiderenroll v2 :ADD_INSIDER_CONFIG,
        # as its port realYulin/offlineinsiderenroll_zh-hans shows it): ContentType Mainline,
        # EnablePreviewBuilds 2, IsBuildFlightingEnabled 1.
        out.update({"branch_name": ins.branch_name, "ring": ins.ring, "content_type": "Mainline",
                    "enable_preview_builds": 2, "is_build_flighting_enabled": 1})
    # No flightsigning line: the script's [string](... | Select-Object -First 1) casts an empty
    # pipeline (AutomationNull) to [string], which gives $null, not '': PowerShell's convert
    # binder returns default(T) for AutomationNull (PowerShell/PowerShell
    # src/System.Management.Automation/engine/runtime/Binding/Binders.cs, PSConvertBinder.FallbackConvert,
    # unchanged since the Windows PowerShell sources were imported in 2016; issue PowerShell/PowerShell#21250).
    out["flightsigning_line"] = "flightsigning           Yes" if ins.flightsigning else None
    return out


def _antivirus(host: HostModel) -> list:
    if host.os.product_type != "workstation":
        return []
    products = []
    for av in host.antivirus:
        products.append({"display_name": av.name,
                         "product_state": 0x41000 if av.enabled else 0x40000,
                         "path": "%s\\Program Files\\%s\\%s.exe" % (
                             winpath.system_drive(host), av.vendor or av.name, av.name.replace(" ", ""))})
    if host.defender_enabled:
        products.append({"display_name": "Windows Defender", "product_state": 0x61100,
                         "path": "windowsdefender://"})
    return products


def _defender(host: HostModel) -> dict:
    # Defender off: Get-MpComputerStatus throws "HRESULT 0x800106ba" (scipag/HardeningKitty#52,
    # microsoft/CSS-Exchange#1703); the script answers the service as not running (no probe error).
    if host.defender_enabled:
        return {"available": True, "am_service_enabled": True, "antivirus_enabled": True,
                "real_time_protection_enabled": True, "am_running_mode": "Normal"}
    return {"available": True, "am_service_enabled": False, "antivirus_enabled": False,
            "real_time_protection_enabled": False, "am_running_mode": "Not running"}


def _fltmc(host: HostModel) -> list:
    rows = list(MICROSOFT_FILTERS)
    if host.defender_enabled:
        rows.append(("WdFilter", "328010"))
    for av in host.antivirus:
        if av.filter_driver and av.enabled:
            rows.append((av.filter_driver, str(320000 + zlib.crc32(av.filter_driver.encode()) % 9000)))
    rows.sort(key=lambda r: -float(r[1]))
    lines = ["", "%-32s%-17s%-12s%s" % ("Filter Name", "Num Instances", "Altitude", "Frame"),
             "------------------------------  -------------  ------------  -----"]
    for name, altitude in rows:
        lines.append("%-32s%13d%14s%7d" % (name, 4, altitude, 0))
    return lines


def _history(host: HostModel, since, limit: int) -> list:
    entries = sorted(host.update_history, key=lambda e: _time(e.date), reverse=True)[:limit]
    out = []
    for entry in entries:
        when = _time(entry.date)
        if when < since:
            continue
        out.append({"date": _iso(when), "title": entry.title, "operation": 1,
                    "result_code": int(entry.result_code), "hresult": _signed(entry.hresult)})
    return out


def _events(host: HostModel, since, limit: int, providers, ids) -> list:
    wanted = {p.lower() for p in providers}
    found = [e for e in host.events
             if (e.log or "System").lower() == "system" and e.provider.lower() in wanted
             and e.event_id in ids and _time(e.time) >= since]
    found.sort(key=lambda e: _time(e.time), reverse=True)
    return found[:limit] if limit else []


def _storage_events(host: HostModel, since, limit: int, now) -> list:
    records = []
    for provider in STORAGE_PROVIDERS:  # one Get-WinEvent per provider, MaxEvents each
        records.extend(_events(host, since, limit, (provider,), STORAGE_EVENT_IDS))
    out = [{"time": _iso(_time(e.time)), "provider": e.provider, "event_id": e.event_id,
            "level": e.level, "message": e.message} for e in records]
    if host.disk.failing and not out and limit:
        # A failing disk logs bad blocks (DESIGN: Disk.failing = storage errors in the event log).
        out.append({"time": _iso(now - datetime.timedelta(hours=6)), "provider": "disk", "event_id": 7,
                    "level": "Error", "message": "The device, \\Device\\Harddisk0\\DR0, has a bad block."})
    return out


def _cbs(host: HostModel, windir: str, tail_lines: int, pattern: str, max_matches: int, probe_errors: list) -> dict:
    path = winpath.join(windir, "Logs\\CBS\\CBS.log")
    lines = list(host.cbs_log)
    if not lines and winpath.is_file(host, path):
        lines = winpath.read(host, path).decode("utf-8", "replace").splitlines()
    # CBS.log exists on every Windows install (the servicing stack writes it), empty or not.
    exists = True
    out = {"path": path, "exists": exists, "size_bytes": sum(len(line) + 2 for line in lines),
           "tail": [], "matches": []}
    if not exists:
        return out
    if tail_lines > 0:
        out["tail"] = lines[-tail_lines:]
    if pattern and max_matches > 0:
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as e:
            # Select-String: "The string ... is not a valid regular expression" (ArgumentException).
            probe_errors.append({"probe": "cbs_log", "hresult": "0x80070057",
                                 "message": "The string %s is not a valid regular expression: %s" % (pattern, e)})
            return out
        out["matches"] = [line for line in lines if regex.search(line)][-max_matches:]
    return out


def _physical_disks(host: HostModel) -> list:
    failing = host.disk.failing
    return [{"friendly_name": "NVMe Disk 0",
             "health_status": "Warning" if failing else "Healthy",
             "operational_status": "Predictive Failure" if failing else "OK",
             "media_type": "SSD"}]


def run(host: HostModel, parameters: dict, ctx: RunContext) -> dict:
    p = _parameters(parameters or {})
    now = ctx.clock.now()
    since = now - datetime.timedelta(days=p["SinceDays"])
    windir = winpath.environment(host)["windir"]
    probe_errors = []

    folders, backups, scanned = _folders(host, windir)

    history = []
    if p["MaxHistory"] > 0:
        if winpath.fault_fires(host, "access_denied_on", "Microsoft.Update.Session"):
            # New-Object -ComObject over a denied DCOM launch: E_ACCESSDENIED.
            probe_errors.append({"probe": "update_history", "hresult": _E_ACCESSDENIED,
                                 "message": "Retrieving the COM class factory for component with CLSID "
                                            "{4CB43D7F-7EEE-4906-8698-60DA1C38F2FE} failed due to the following "
                                            "error: 80070005 Access is denied."})
        else:
            history = _history(host, since, p["MaxHistory"])

    update_events = []
    for e in _events(host, since, p["MaxEvents"], (WU_PROVIDER,), (20,)):
        data = e.data or {}
        update_events.append({"time": _iso(_time(e.time)), "event_id": e.event_id, "provider": e.provider,
                              "message": e.message, "update_title": data.get("updateTitle"),
                              "error_code": data.get("errorCode")})

    cbs = _cbs(host, windir, p["CbsTailLines"], p["CbsPattern"], p["CbsMaxMatches"], probe_errors)
    drive = winpath.system_drive(host)
    result = {
        "collected_at": _iso(now),
        "os": _os(host),
        "system_drive": {"drive": drive, "size_bytes": host.disk.size_bytes, "free_bytes": host.disk.free_bytes},
        "pending_reboot": {
            "cbs_reboot_pending": host.pending_reboot.cbs_reboot_pending,
            "wu_reboot_required": host.pending_reboot.wu_reboot_required,
            "pending_file_rename": host.pending_reboot.pending_file_rename,
            "computer_rename": host.pending_reboot.computer_rename,
        },
        "services": _services(host),
        "folders": folders,
        "backups": backups,
        "insider": _insider(host),
        "antivirus": _antivirus(host),
        "defender": _defender(host),
        "filter_drivers": _fltmc(host),
        "update_history": history,
        "update_events": update_events,
        "installed_kbs": list(host.installed_kbs),
        "cbs_log": cbs,
        "storage_events": _storage_events(host, since, p["MaxEvents"], now),
        "physical_disks": _physical_disks(host),
        "probe_errors": probe_errors,
    }
    # CIM/registry queries and the event log take a few seconds; walking the
    # folders costs about a second per 4 GB; Select-String reads all of CBS.log.
    ctx.spend(4.0 + scanned / (4 * 1024 ** 3) + cbs["size_bytes"] / (50 * 1024 ** 2))
    return {"result": result, "changed": False}
