# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry keys the host scripts read and write, as a view of the HostModel.

The HostModel has no registry: each key below is computed from the fields it
stands for, and a write goes back to those fields. Keys and values nothing
else models (e.g. the preview-build policy) are kept in the host attribute
``registry`` ({lower-case key: {"path": display, "values": {name: value}}}),
which the script models write too. A key that is neither is absent.

Values and where they come from (Microsoft Learn pages named per key):
- ...\\Windows NT\\CurrentVersion: ProductName (still "Windows 10 ..." on
  Windows 11, Microsoft Q&A "Windows 11 shows Windows 10 in ProductName"),
  EditionID, DisplayVersion, ReleaseId (frozen at "2009" since 20H2, when
  DisplayVersion replaced it: Microsoft "Windows 10 release information";
  assumption for Server), CurrentBuild and CurrentBuildNumber (REG_SZ), UBR
  (REG_DWORD), InstallationType ("Client", "Server"), InstallDate (REG_DWORD,
  seconds since 1970 UTC).
- ...\\Component Based Servicing\\RebootPending and ...\\WindowsUpdate\\Auto
  Update\\RebootRequired exist while a restart is pending; Session Manager
  PendingFileRenameOperations (REG_MULTI_SZ) (Microsoft Learn
  "MoveFileExA", MOVEFILE_DELAY_UNTIL_REBOOT); ComputerName\\ActiveComputerName
  and ComputerName\\ComputerName differ after a rename until the restart.
- ...\\WindowsSelfHost\\Applicability: BranchName, Ring, ContentType,
  EnablePreviewBuilds, IsBuildFlightingEnabled as an enrolment writes them
  (abbodi1406/offlineinsiderenroll v2 :ADD_INSIDER_CONFIG: ContentType Mainline,
  EnablePreviewBuilds 2; its port realYulin/offlineinsiderenroll_zh-hans shows it).
- ...\\Services\\<name> DelayedAutostart (REG_DWORD 1) for delayed start
  (Microsoft Learn "Service configuration", SERVICE_CONFIG_DELAYED_AUTO_START_INFO).
- SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage OEMCP and ACP (REG_SZ; Microsoft
  Learn "OEMCP" registry reference), the host locale's (winsim/locales.py).
- SYSTEM\\Setup\\MoSetup\\Volatile SetupProgress / BoxResult (undocumented;
  tests/winsim/detached/setup_exe.py), present while Windows Setup runs.
"""
from __future__ import annotations

import datetime

from winsim import causes, locales
from winsim.detached import setup_exe
from winsim.model import NotModelled

from . import WinError, handler

CURRENT_VERSION = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
REBOOT_PENDING = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"
REBOOT_REQUIRED = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"
SESSION_MANAGER = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager"
ACTIVE_NAME = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName"
NEXT_NAME = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
SELFHOST = "HKLM\\SOFTWARE\\Microsoft\\WindowsSelfHost"
APPLICABILITY = SELFHOST + "\\Applicability"
SERVICES = "HKLM\\SYSTEM\\CurrentControlSet\\Services"
VOLATILE = "HKLM\\SYSTEM\\Setup\\MoSetup\\Volatile"

_HIVES = {"hklm": "HKLM", "hkey_local_machine": "HKLM", "hkcu": "HKCU", "hkey_current_user": "HKCU"}


def norm_key(path: str) -> str:
    """'HKLM:\\X', 'Registry::HKEY_LOCAL_MACHINE\\X', 'HKLM\\X' -> 'HKLM\\X' (display case kept)."""
    text = str(path).replace("/", "\\")
    if text.lower().startswith("registry::"):
        text = text[len("registry::"):]
    hive, _sep, rest = text.partition("\\")
    hive = hive.rstrip(":")
    if hive.lower() not in _HIVES:
        raise NotModelled("registry path %r" % path)
    rest = rest.strip("\\")
    return _HIVES[hive.lower()] + ("\\" + rest if rest else "")


def provider_path(key: str) -> str:
    """The PSPath-style name Windows uses in messages: HKEY_LOCAL_MACHINE\\..."""
    hive, _sep, rest = key.partition("\\")
    return {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER"}[hive] + ("\\" + rest if rest else "")


def extra(host) -> dict:
    table = getattr(host, "registry", None)
    if table is None:
        table = {}
        host.registry = table
    return table


def _unix(text) -> int:
    moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def view(host, now=None) -> dict:
    """lower-case key -> (display key, {value name: value}) of the keys that exist."""
    o = host.os
    keys = {}

    def put(key, values=None):
        keys[key.lower()] = (key, dict(values or {}))

    registry_name = o.product_name.replace("Windows 11", "Windows 10") if o.build >= 22000 else o.product_name
    put(CURRENT_VERSION, {
        "ProductName": registry_name, "EditionID": o.edition_id, "DisplayVersion": o.display_version,
        "ReleaseId": "2009" if o.build >= 19042 else o.display_version,
        "CurrentBuild": str(o.build), "CurrentBuildNumber": str(o.build), "UBR": int(o.ubr),
        "InstallationType": "Client" if o.product_type == "workstation" else "Server",
        "CurrentVersion": "6.3", "CurrentMajorVersionNumber": 10, "CurrentMinorVersionNumber": 0,
        "InstallDate": _unix(setup_exe.install_date(host)),
    })
    put("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing")
    put("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update")
    if host.pending_reboot.cbs_reboot_pending:
        put(REBOOT_PENDING)
    if host.pending_reboot.wu_reboot_required:
        put(REBOOT_REQUIRED)
    session = {}
    if host.pending_reboot.pending_file_rename:
        # A pair per file: source, then "" (delete) - MoveFileEx MOVEFILE_DELAY_UNTIL_REBOOT.
        session["PendingFileRenameOperations"] = ["\\??\\C:\\Windows\\Temp\\winsim.tmp", ""]
    put(SESSION_MANAGER, session)
    # InstallLanguage: the LCID in hex, REG_SZ ("0409" en-US; Microsoft Learn "Language packs", [MS-LCID]).
    lcid = {"en-US": 0x409, "de-DE": 0x407, "fr-FR": 0x40C, "en-GB": 0x809, "ja-JP": 0x411}.get(o.install_language)
    if lcid is None:
        raise NotModelled("install language %s" % o.install_language)
    put("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\Language",
        {"InstallLanguage": "%04X" % lcid, "Default": "%04X" % lcid})
    # OEMCP / ACP (REG_SZ) of the host's locale (tests/winsim/locales.py has the sources).
    code_pages = locales.of(host)
    put("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage",
        {"OEMCP": str(code_pages.oem_code_page), "ACP": str(code_pages.ansi_code_page)})
    put(ACTIVE_NAME, {"ComputerName": o.hostname})
    put(NEXT_NAME, {"ComputerName": (o.hostname + "-NEW") if host.pending_reboot.computer_rename else o.hostname})
    if host.insider.enrolled:
        put(SELFHOST)
        put(APPLICABILITY, {"BranchName": host.insider.branch_name, "Ring": host.insider.ring, "ContentType": "Mainline",
                            "EnablePreviewBuilds": 2, "IsBuildFlightingEnabled": 1})
    for name, svc in host.services.items():
        values = {"DisplayName": svc.display_name,
                  "Start": {"auto": 2, "delayed": 2, "manual": 3, "disabled": 4}.get(svc.start_mode, 3)}
        if svc.start_mode == "delayed":
            values["DelayedAutostart"] = 1
        put(SERVICES + "\\" + svc.name, values)
    if now is not None:
        state = setup_exe.setup_state(host)
        volatile = {}
        progress, _label = setup_exe.running_progress(host, _FixedClock(now))
        if progress is not None:
            volatile["SetupProgress"] = progress
        if state.get("box_result") is not None:
            volatile["BoxResult"] = causes.signed(int(state["box_result"]))  # a REG_DWORD arrives as Int32
        if volatile:
            put(VOLATILE, volatile)
    for k, entry in extra(host).items():
        keys[k] = (entry["path"], dict(entry["values"]))
    return keys


class _FixedClock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


def _exists(keys: dict, key: str) -> bool:
    low = key.lower()
    return low in keys or any(k.startswith(low + "\\") for k in keys)


def _not_found(path: str) -> WinError:
    # ItemNotFoundException "Cannot find path '...' because it does not exist." (PathNotFound),
    # as the registry provider raises it for a missing key.
    return WinError("System.Management.Automation.ItemNotFoundException",
                    "Cannot find path '%s' because it does not exist." % path,
                    "PathNotFound", "ObjectNotFound", target=path)


@handler("registry.test")
def test_key(session, args):
    keys = view(session.host, session.now)
    key = norm_key(args["path"])
    if args.get("value"):
        entry = keys.get(key.lower())
        return bool(entry and args["value"] in entry[1])
    return _exists(keys, key)


@handler("registry.get")
def get_key(session, args):
    """The values of a key ({"__type__"...} object as Get-ItemProperty returns it)."""
    keys = view(session.host, session.now)
    key = norm_key(args["path"])
    entry = keys.get(key.lower())
    if entry is None:
        if _exists(keys, key):
            entry = (key, {})
        else:
            raise _not_found(args["path"])
    display, values = entry
    names = args.get("names") or []
    out = {"__type__": "System.Management.Automation.PSCustomObject"}
    for name in names:
        if name not in values:
            # Get-ItemProperty -Name of a value the key lacks: PSArgumentException,
            # "Property X does not exist at path HKEY_LOCAL_MACHINE\...".
            raise WinError("System.Management.Automation.PSArgumentException",
                           "Property %s does not exist at path %s." % (name, provider_path(display)),
                           "System.Management.Automation.PSArgumentException,"
                           "Microsoft.PowerShell.Commands.GetItemPropertyCommand",
                           "InvalidArgument", target=name)
    for name, value in values.items():
        if names and name not in names:
            continue
        out[name] = value
    parent, _sep, leaf = display.rpartition("\\")
    out.update({"PSPath": "Microsoft.PowerShell.Core\\Registry::" + provider_path(display),
                "PSParentPath": "Microsoft.PowerShell.Core\\Registry::" + provider_path(parent),
                "PSChildName": leaf, "PSProvider": "Microsoft.PowerShell.Core\\Registry"})
    return out


@handler("registry.remove")
def remove_key(session, args):
    host = session.host
    keys = view(host, session.now)
    key = norm_key(args["path"])
    if not _exists(keys, key):
        raise _not_found(args["path"])
    low = key.lower()
    gone = [k for k in keys if k == low or k.startswith(low + "\\")]
    if any(k.startswith(low + "\\") for k in gone) and not args.get("recurse"):
        raise NotModelled("Remove-Item of a registry key with subkeys without -Recurse (Windows asks to confirm)")
    for k in gone:
        _remove_one(host, k)
    return None


def _remove_one(host, low: str) -> None:
    if low in extra(host):
        del extra(host)[low]
    elif low in (SELFHOST.lower(), APPLICABILITY.lower()):
        # Leaving the Insider programme deletes WindowsSelfHost (abbodi1406/offlineinsiderenroll).
        host.insider.enrolled = False
        host.insider.branch_name = host.insider.ring = ""
    elif low == REBOOT_PENDING.lower():
        host.pending_reboot.cbs_reboot_pending = False
    elif low == REBOOT_REQUIRED.lower():
        host.pending_reboot.wu_reboot_required = False
    else:
        raise NotModelled("deleting the registry key %s" % low)


@handler("registry.new_key")
def new_key(session, args):
    keys = view(session.host, session.now)
    key = norm_key(args["path"])
    if key.lower() in keys:
        if not args.get("force"):
            # New-Item on an existing key without -Force: "A key at this path already exists." (IOException).
            raise WinError("System.IO.IOException", "A key at this path already exists.",
                           "System.IO.IOException,Microsoft.PowerShell.Commands.NewItemCommand", "ResourceExists",
                           target=args["path"])
        return None
    extra(session.host)[key.lower()] = {"path": key, "values": {}}
    return None


@handler("registry.set_value")
def set_value(session, args):
    host = session.host
    keys = view(host, session.now)
    key = norm_key(args["path"])
    if key.lower() not in keys:
        raise _not_found(args["path"])
    table = extra(host)
    if key.lower() not in table:
        if key.lower() in (CURRENT_VERSION.lower(),) or key.lower().startswith(SERVICES.lower()):
            raise NotModelled("writing %s\\%s" % (key, args.get("name")))
        table[key.lower()] = {"path": key, "values": dict(keys[key.lower()][1])}
    value = args.get("value")
    kind = str(args.get("kind") or "String").lower()
    if kind == "dword":
        value = causes.signed(int(value))
    elif kind in ("string", "expandstring"):
        value = str(value)
    elif kind != "multistring":
        raise NotModelled("registry value kind %s" % kind)
    table[key.lower()]["values"][str(args["name"])] = value
    return None
