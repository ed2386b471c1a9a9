# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Get-CimInstance (and Get-HotFix) for the classes the host scripts query.

Values as the classes document them (Microsoft Learn "Win32_OperatingSystem
class", "Win32_QuickFixEngineering class", "Win32_LogicalDisk class",
"Win32_Service class"; root\\SecurityCenter2 AntiVirusProduct is undocumented,
its productState values are those tests/winsim/scripts/wu_diagnose.py cites):
- Win32_OperatingSystem: Caption "Microsoft Windows 11 Pro" (localized on a
  non-English host: not modelled), Version, BuildNumber, ProductType
  (1 workstation, 2 domain controller, 3 server), OSArchitecture ("64-bit"),
  OSLanguage (LCID), LastBootUpTime (a DateTime).
- Win32_Service: State "Running", "Stopped", "Stop Pending", "Start Pending",
  "Paused"; StartMode "Auto", "Manual", "Disabled" (delayed start is "Auto"
  with DelayedAutoStart true); ProcessId (0 when stopped).
- A class the host has not got: Get-CimInstance fails with CimException
  "Invalid class" (HRESULT 0x80041010 WBEM_E_INVALID_CLASS, wbemcli.h); a
  namespace it has not got (root\\SecurityCenter2 on Server) "Invalid namespace"
  (0x8004100E WBEM_E_INVALID_NAMESPACE).
- A filter is WQL (Microsoft Learn "WQL Operators"): here Name='x', comparisons
  with = on strings and numbers, joined with OR / AND.
"""
from __future__ import annotations

import re
from winsim import causes
from winsim.model import NotModelled
from winsim.scripts.wu_reset_state import pid_of

from . import WinError, handler

_STATE = {"running": "Running", "stopped": "Stopped", "stop_pending": "Stop Pending",
          "start_pending": "Start Pending", "paused": "Paused"}
_MODE = {"auto": "Auto", "delayed": "Auto", "manual": "Manual", "disabled": "Disabled"}
_PRODUCT_TYPE = {"workstation": 1, "domain_controller": 2, "server": 3}
# LCIDs (Microsoft Learn [MS-LCID]).
LCID = {"en-US": 1033, "de-DE": 1031, "fr-FR": 1036, "en-GB": 2057, "ja-JP": 1041, "it-IT": 1040,
        "ru-RU": 1049, "fi-FI": 1035, "th-TH": 1054, "ar-SA": 1025}
WBEM_E_INVALID_NAMESPACE = 0x8004100E
WBEM_E_INVALID_CLASS = 0x80041010


def _dt(moment) -> dict:
    return {"__datetime__": moment.isoformat()}


def _operating_system(session) -> list:
    o = session.host.os
    return [{"Caption": "Microsoft " + o.product_name, "Version": o.version, "BuildNumber": str(o.build),
             "ProductType": _PRODUCT_TYPE[o.product_type],
             "OSArchitecture": {"x64": "64-bit", "arm64": "ARM 64-bit Processor", "x86": "32-bit"}[o.architecture],
             "OSLanguage": LCID.get(o.install_language, 1033), "CSName": o.hostname,
             "LastBootUpTime": _dt(session.host.boot_time)}]


def _hotfixes(session) -> list:
    return [{"HotFixID": kb, "Description": "Security Update", "CSName": session.host.os.hostname}
            for kb in session.host.installed_kbs]


def _logical_disks(session) -> list:
    d = session.host.disk
    # Live: what the script deleted or wrote on the laid-out drive so far counts.
    free = int(d.free_bytes) + session.drive.freed()
    return [{"DeviceID": d.system_drive, "DriveType": 3, "Size": int(d.size_bytes), "FreeSpace": free,
             "FileSystem": "NTFS"}]


def services(session) -> list:
    out = []
    for svc in session.host.services.values():
        out.append({"Name": svc.name, "DisplayName": svc.display_name, "State": _STATE.get(svc.state, svc.state),
                    "StartMode": _MODE.get(svc.start_mode, svc.start_mode),
                    "DelayedAutoStart": svc.start_mode == "delayed",
                    "ProcessId": pid_of(svc)})
    return out


def _antivirus(session) -> list:
    host = session.host
    if host.os.product_type != "workstation":
        raise WinError("Microsoft.Management.Infrastructure.CimException", "Invalid namespace ",
                       "HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
                       "MetadataError", hresult=causes.signed(WBEM_E_INVALID_NAMESPACE), target="root/SecurityCenter2")
    out = []
    for av in host.antivirus:
        out.append({"displayName": av.name, "productState": 0x41000 if av.enabled else 0x40000,
                    "pathToSignedProductExe": "%s\\Program Files\\%s\\%s.exe" % (
                        host.disk.system_drive, av.vendor or av.name, av.name.replace(" ", ""))})
    if host.defender_enabled:
        out.append({"displayName": "Windows Defender", "productState": 0x61100, "pathToSignedProductExe": "windowsdefender://"})
    return out


CLASSES = {
    ("root/cimv2", "win32_operatingsystem"): _operating_system,
    ("root/cimv2", "win32_quickfixengineering"): _hotfixes,
    ("root/cimv2", "win32_logicaldisk"): _logical_disks,
    ("root/cimv2", "win32_service"): services,
    ("root/securitycenter2", "antivirusproduct"): _antivirus,
}

_TERM = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|(-?\d+))\s*")


def matches(row: dict, wql: str) -> bool:
    """Evaluate a WQL WHERE clause of `Prop = 'text'` / `Prop = 123` terms joined by OR / AND."""
    if not wql:
        return True
    ors = re.split(r"\s+OR\s+", wql, flags=re.IGNORECASE)
    for alternative in ors:
        ok = True
        for term in re.split(r"\s+AND\s+", alternative, flags=re.IGNORECASE):
            m = _TERM.fullmatch(term)
            if not m:
                raise NotModelled("WQL filter %r" % wql)
            prop = next((k for k in row if k.lower() == m.group(1).lower()), None)
            if prop is None:
                # WQL names a property the class lacks: "Invalid query" (WBEM_E_INVALID_QUERY).
                raise NotModelled("WQL filter on property %s the model lacks" % m.group(1))
            value = row[prop]
            if m.group(2) is not None:
                ok = ok and str(value).lower() == m.group(2).lower()
            else:
                ok = ok and value == int(m.group(3))
        if ok:
            return True
    return False


@handler("cim.query")
def query(session, args):
    namespace = str(args.get("namespace") or "root/cimv2").replace("\\", "/").lower()
    name = str(args["class"])
    fn = CLASSES.get((namespace, name.lower()))
    if fn is None:
        raise NotModelled("CIM class %s in %s" % (name, namespace))
    # A filter built from $env:SystemDrive names the laid-out folder: back to "C:".
    rows = [r for r in fn(session) if matches(r, session.drive.windows_text(args.get("filter") or ""))]
    wanted = [p.lower() for p in (args.get("property") or [])]
    out = []
    for row in rows:
        if wanted:
            # -Property: the other properties are present but $null (CimInstance keeps the class shape).
            row = {k: (v if k.lower() in wanted else None) for k, v in row.items()}
        out.append(dict(row, __type__="Microsoft.Management.Infrastructure.CimInstance#%s/%s" % (namespace, name)))
    return out
