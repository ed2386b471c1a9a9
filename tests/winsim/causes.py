# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Root causes that keep a Windows update from installing: the one table of
how each breaks the update, what evidence it leaves and what cures it.

A host's causes are dicts in ``HostModel.update_blockers`` (one per cause,
made by ``seed()``). Models that install updates ask ``try_install()``;
models that repair the host report what they did with ``apply(host, event)``.

Where the HostModel already has a knob for the damage, the cause reads that
knob, so a repair model that only changes the knob (the DISM model setting
``component_store.health``, the reset script renaming SoftwareDistribution,
the server's boot clearing the pending-reboot flags) cures the cause without
calling ``apply()``:

==========================  =============================================================
cause                       still active while
==========================  =============================================================
corrupt_download_cache      the corrupt download (a file under SoftwareDistribution\\Download) is still there
inconsistent_catroot2       the damaged catalog database file under System32\\catroot2 is still there
corrupt_system_files        ``component_store.system_files_corrupt``
corrupt_component_store     ``component_store.health != "healthy"``
third_party_filter_driver   the antivirus product that loads the filter is enabled
low_disk                    ``disk.free_bytes < blocker["needed_bytes"]``
pending_reboot              ``pending_reboot.cbs_reboot_pending or .wu_reboot_required``
storage_fault               ``disk.failing`` (nothing cures it)
insider_build_conflict      blocker state only: superseding KB installed, or Insider left + waited
forward_delta_hydration     blocker state only: cured by ``apply(host, "inplace_upgrade")``
==========================  =============================================================

Events for ``apply()``: wu_reset, wu_reset_aggressive, dism_restore,
dism_restore_with_source, sfc, reboot, catalog_install:<KB>, inplace_upgrade,
filter_driver_disabled, disk_cleaned, insider_left.

Install channels (``via``): "wu" = the Windows Update Agent (win_updates),
"offline" = DISM /Online /Add-Package of the catalog .msu (catalog_install rung).

Scenario hook: ``apply_scenario_causes(host, host_spec, clock)`` (keys in
tests/winsim/scenario_causes.md).

Public sources for the codes (each also next to its row):
- wuerror.h (Windows SDK; the table ansible.windows copies into
  plugins/action/win_updates.py ``_get_hresult_error``): WU_E_* / WU_S_* values.
- winerror.h: ERROR_DISK_FULL 112, ERROR_ERRORS_ENCOUNTERED 774,
  ERROR_FILE_CORRUPT 1392, ERROR_IO_DEVICE 1117, ERROR_SXS_COMPONENT_STORE_CORRUPT
  14098, CBS_E_* (0x800F08xx), CRYPT_E_FILE_ERROR.
- Microsoft Learn "Fix Windows Update corruption errors" (support article 947821):
  the table of servicing codes DISM / sfc cure (0x80070570, 0x800F0831, 0x80073712,
  0x800F081F, 0x80092003 ...).
- Microsoft Learn "Windows upgrade error codes"
  (windows/deployment/upgrade/upgrade-error-codes.md): 0xC1900101 (+ extend code,
  a driver rollback), 0xC190020E (not enough disk), 0xC1900204 (migration choice).
- 0x80070306 ERROR_ERRORS_ENCOUNTERED (winerror.h) + CBS.log "Hydration failed ...
  Forward Delta" on a 26100 cumulative update: public reports of 24H2/25H2
  cumulative updates failing with that code and CBS hydration failures (e.g.
  https://www.windowstechit.com/57966/fix-0x80070306-windows-11-update-error/).
  ASSUMPTION: only a repair install cures it (the reports' last resort).
- Event 19 / 20 of Microsoft-Windows-WindowsUpdateClient in the System log
  (installation successful / failure with the error code); message texts as
  Event Viewer shows them: "Installation Failure: Windows failed to install the
  following update with error 0x...: <title>."
"""
from __future__ import annotations

import copy
import datetime
import re
import uuid
from dataclasses import dataclass, field
from typing import Optional

from . import downloads, winpath
from .model import Antivirus, EventRecord, Folder, HostModel, NotModelled, PendingReboot, UpdateHistoryEntry

GB = 1024 ** 3
# The fleet clock's default start (model.Clock): used when no clock is given.
DEFAULT_NOW = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)

WU_PROVIDER = "Microsoft-Windows-WindowsUpdateClient"
# serviceGuid of Microsoft Update / Windows Update in event 19/20 EventData
# (the Windows Update service id, IUpdateServiceManager; 9482f4b4-... is "Windows Update").
WINDOWS_UPDATE_SERVICE = "{9482F4B4-E343-43B6-B170-9A65BC822C77}"

# --------------------------------------------------------------------- codes
# wuerror.h
WU_E_NOT_APPLICABLE = 0x80240017
WU_E_INSTALL_NOT_ALLOWED = 0x80240016  # "... or the system was pending a mandatory restart"
WU_E_DOWNLOAD_FAILED = 0x80240034
WU_E_UH_POSTREBOOTUNEXPECTEDSTATE = 0x80242016
WU_S_ALREADY_INSTALLED = 0x00240006
# winerror.h
ERROR_DISK_FULL = 0x80070070  # HRESULT_FROM_WIN32(112)
ERROR_ERRORS_ENCOUNTERED = 0x80070306  # HRESULT_FROM_WIN32(774), never "the handle is invalid"
ERROR_FILE_CORRUPT = 0x80070570  # HRESULT_FROM_WIN32(1392)
ERROR_IO_DEVICE = 0x8007045D  # HRESULT_FROM_WIN32(1117)
ERROR_SXS_COMPONENT_STORE_CORRUPT = 0x80073712
CRYPT_E_FILE_ERROR = 0x80092003
CBS_E_STORE_CORRUPTION = 0x800F0831
CBS_E_SOURCE_MISSING = 0x800F081F
CBS_E_NOT_APPLICABLE = 0x800F081E
CBS_E_PENDING = 0x800F082F  # servicing refuses new work while a reboot is pending
CBS_E_INSTALLERS_FAILED = 0x800F0922
# upgrade-error-codes.md
MOSETUP_E_SETUP_PLATFORM = 0xC1900101  # rollback, extend code names the phase (driver)
MOSETUP_E_COMPAT_MIGCHOICE_BLOCK = 0xC1900204
MOSETUP_E_INSTALLDISKSPACE_BLOCK = 0xC190020E

HRESULT_NAMES = {
    WU_E_NOT_APPLICABLE: "WU_E_NOT_APPLICABLE", WU_E_INSTALL_NOT_ALLOWED: "WU_E_INSTALL_NOT_ALLOWED",
    WU_E_DOWNLOAD_FAILED: "WU_E_DOWNLOAD_FAILED",
    WU_E_UH_POSTREBOOTUNEXPECTEDSTATE: "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE",
    ERROR_DISK_FULL: "ERROR_DISK_FULL", ERROR_ERRORS_ENCOUNTERED: "ERROR_ERRORS_ENCOUNTERED",
    ERROR_FILE_CORRUPT: "ERROR_FILE_CORRUPT", ERROR_IO_DEVICE: "ERROR_IO_DEVICE",
    ERROR_SXS_COMPONENT_STORE_CORRUPT: "ERROR_SXS_COMPONENT_STORE_CORRUPT", CRYPT_E_FILE_ERROR: "CRYPT_E_FILE_ERROR",
    CBS_E_STORE_CORRUPTION: "CBS_E_STORE_CORRUPTION", CBS_E_SOURCE_MISSING: "CBS_E_SOURCE_MISSING",
    CBS_E_NOT_APPLICABLE: "CBS_E_NOT_APPLICABLE", CBS_E_PENDING: "CBS_E_PENDING",
    CBS_E_INSTALLERS_FAILED: "CBS_E_INSTALLERS_FAILED",
}

EVENTS = ("wu_reset", "wu_reset_aggressive", "dism_restore", "dism_restore_with_source", "sfc", "reboot",
          "catalog_install", "inplace_upgrade", "filter_driver_disabled", "disk_cleaned", "insider_left")
# Rungs that read and write gigabytes: they must not run on a failing disk.
HEAVY_EVENTS = ("dism_restore", "dism_restore_with_source", "sfc", "inplace_upgrade", "catalog_install")


@dataclass(frozen=True)
class Cause:
    name: str
    summary: str
    wu_hresult: int  # IUpdateDownloadResult / IUpdateInstallationResult.HResult
    wu_phase: str  # "download" | "install": where win_updates sees it fail
    offline_hresult: Optional[int]  # DISM /Add-Package exit code; None = offline route not blocked
    setup_hresult: Optional[int]  # setup.exe /auto upgrade fails with it; None = repair install not blocked
    # Sequences of events after which the cause is gone ("+30d": that much time passes).
    fixed_by: tuple
    # Events that get the target installed while the cause stays.
    bypassed_by: tuple = ()
    scope: str = "host"  # "host": blocks every update; "kb": only blocker["kb"]
    variants: dict = field(default_factory=dict)  # variant -> {field: value} overrides


CAUSES = {c.name: c for c in (
    Cause("pending_reboot",
          "servicing waits for a restart and refuses new installs",
          # wuerror.h: WU_E_INSTALL_NOT_ALLOWED "Operation tried to install while another
          # installation was in progress or the system was pending a mandatory restart".
          # (0x80240030 is WU_E_INVALID_PROXY_SERVER, not a reboot code.) DISM refuses with
          # CBS_E_PENDING (winerror.h). win_updates itself stops earlier: its module throws
          # "A reboot is required before more updates can be installed" when
          # Microsoft.Update.SystemInfo.RebootRequired is set (ansible.windows win_updates.ps1).
          WU_E_INSTALL_NOT_ALLOWED, "install", CBS_E_PENDING, None,
          fixed_by=(("reboot",), ("inplace_upgrade",))),
    Cause("storage_fault",
          "the system disk reports bad blocks; nothing on the host fixes it",
          # ERROR_IO_DEVICE (winerror.h 1117) "The request could not be performed because of
          # an I/O device error"; disk event 7 "has a bad block" (Microsoft Learn "Event ID 7").
          ERROR_IO_DEVICE, "install", ERROR_IO_DEVICE, ERROR_IO_DEVICE,
          fixed_by=()),
    Cause("low_disk",
          "too little free space on the system drive to stage the update",
          # ERROR_DISK_FULL (winerror.h 112); setup's disk check MOSETUP_E_INSTALLDISKSPACE_BLOCK
          # 0xC190020E (upgrade-error-codes.md).
          ERROR_DISK_FULL, "download", ERROR_DISK_FULL, MOSETUP_E_INSTALLDISKSPACE_BLOCK,
          fixed_by=(("disk_cleaned",),)),
    Cause("corrupt_download_cache",
          "SoftwareDistribution holds a damaged download",
          # WU_E_DOWNLOAD_FAILED (wuerror.h); variant post_reboot: WU_E_UH_POSTREBOOTUNEXPECTEDSTATE.
          # Cure: Microsoft's "Reset Windows Update components" steps rename SoftwareDistribution
          # (Microsoft Learn "Additional resources for Windows Update"). The catalog .msu installed
          # with DISM never touches the WU download cache, so it goes around the cause.
          WU_E_DOWNLOAD_FAILED, "download", None, None,
          fixed_by=(("wu_reset",), ("wu_reset_aggressive",)),
          bypassed_by=("catalog_install",),
          variants={"post_reboot": {"wu_hresult": WU_E_UH_POSTREBOOTUNEXPECTEDSTATE, "wu_phase": "install"}}),
    Cause("inconsistent_catroot2",
          "the catalog database in System32\\catroot2 is inconsistent; signatures cannot be checked",
          # CRYPT_E_FILE_ERROR 0x80092003 (winerror.h; KB 947821 table). 0x80092004 CRYPT_E_NOT_FOUND
          # is deliberately not used: KB 947821 lists it among the component-store codes and
          # plugins/plugin_utils/_ladder/diagnosis.py maps it there. Cure: rename catroot2 (reset steps,
          # same Microsoft article). CryptSvc checks catalog signatures for DISM too (modelled:
          # the offline route is blocked as well; unverified).
          CRYPT_E_FILE_ERROR, "install", CRYPT_E_FILE_ERROR, None,
          fixed_by=(("wu_reset",), ("wu_reset_aggressive",))),
    Cause("insider_build_conflict",
          "the host runs an Insider build ahead of the release the target KB is for",
          # WU_E_NOT_APPLICABLE (wuerror.h); DISM: CBS_E_NOT_APPLICABLE 0x800F081E. A repair install
          # from release media older than the installed build cannot keep apps and files:
          # 0xC1900204 MOSETUP_E_COMPAT_MIGCHOICE_BLOCK (upgrade-error-codes.md; unverified for
          # this case). Leaving the program does not roll the build back (Ars Technica, "Now's the
          # time to get in or out of the Windows Insider Program": out only by reinstalling or
          # waiting for the release): the
          # host gets release updates again once the release catches up (blocker "catch_up_days").
          WU_E_NOT_APPLICABLE, "install", CBS_E_NOT_APPLICABLE, MOSETUP_E_COMPAT_MIGCHOICE_BLOCK,
          fixed_by=(("catalog_install:{superseding_kb}",), ("insider_left", "+{catch_up_days}d")),
          scope="kb"),
    Cause("third_party_filter_driver",
          "a third-party antivirus minifilter breaks the servicing operations",
          # CBS_E_INSTALLERS_FAILED 0x800F0922 (winerror.h); repair install rolls back with
          # 0xC1900101 - 0x30018 (upgrade-error-codes.md: a driver stopped responding; "uninstall
          # antivirus"). Neither a reset nor sfc/DISM removes the filter.
          CBS_E_INSTALLERS_FAILED, "install", CBS_E_INSTALLERS_FAILED, MOSETUP_E_SETUP_PLATFORM,
          fixed_by=(("filter_driver_disabled",),)),
    Cause("corrupt_component_store",
          "the component store (WinSxS) is corrupt",
          # CBS_E_STORE_CORRUPTION / ERROR_SXS_COMPONENT_STORE_CORRUPT, needs_source:
          # CBS_E_SOURCE_MISSING (KB 947821; DISM /RestoreHealth docs "Repair a Windows Image").
          CBS_E_STORE_CORRUPTION, "install", CBS_E_STORE_CORRUPTION, None,
          fixed_by=(("dism_restore",), ("dism_restore_with_source",), ("inplace_upgrade",)),
          variants={
              "sxs": {"wu_hresult": ERROR_SXS_COMPONENT_STORE_CORRUPT,
                      "offline_hresult": ERROR_SXS_COMPONENT_STORE_CORRUPT},
              "needs_source": {"wu_hresult": CBS_E_SOURCE_MISSING, "offline_hresult": CBS_E_SOURCE_MISSING,
                               "fixed_by": (("dism_restore_with_source",), ("inplace_upgrade",))},
          }),
    Cause("forward_delta_hydration",
          "the cumulative update cannot rebuild files from forward deltas",
          # 0x80070306 ERROR_ERRORS_ENCOUNTERED with CBS.log "Hydration failed ... Forward Delta"
          # on 26100 (public reports, see the module docstring); fixed only by a repair (in-place)
          # install (ASSUMPTION).
          ERROR_ERRORS_ENCOUNTERED, "install", ERROR_ERRORS_ENCOUNTERED, None,
          fixed_by=(("inplace_upgrade",),)),
    Cause("corrupt_system_files",
          "protected system files are corrupt and sfc alone cannot repair them",
          # ERROR_FILE_CORRUPT 0x80070570 (KB 947821 table). sfc repairs from the component store,
          # so DISM /RestoreHealth first, then sfc (KB 929833 "Use the System File Checker tool").
          ERROR_FILE_CORRUPT, "install", ERROR_FILE_CORRUPT, None,
          fixed_by=(("dism_restore", "sfc"), ("dism_restore_with_source", "sfc"), ("inplace_upgrade",))),
)}
# try_install reports the first active cause in this order (the one an install meets first).
ORDER = tuple(CAUSES)


# ------------------------------------------------------------------ updates
# Windows 11 24H2 cumulative updates named in the project (Microsoft "Windows 11,
# version 24H2 update history": KB5043080 2024-09-10 OS build 26100.1742,
# KB5044284 2024-10-08 26100.2033, KB5048667 2024-12-10 26100.2605).
KNOWN_UPDATES = {
    "KB5043080": {"month": "2024-09", "ubr": 1742},
    "KB5044284": {"month": "2024-10", "ubr": 2033},
    "KB5048667": {"month": "2024-12", "ubr": 2605},
}
NEXT_KNOWN = {"KB5043080": "KB5044284", "KB5044284": "KB5048667"}


def norm_kb(kb) -> str:
    text = str(kb or "").strip().upper()
    if not text:
        raise NotModelled("an update without a KB number")
    if not text.startswith("KB"):
        text = "KB" + text
    if not re.match(r"^KB\d{6,8}$", text):
        raise NotModelled("KB number %r" % kb)
    return text


def _now(clock=None) -> datetime.datetime:
    if clock is None:
        return DEFAULT_NOW
    if isinstance(clock, datetime.datetime):
        return clock if clock.tzinfo else clock.replace(tzinfo=datetime.timezone.utc)
    return clock.now()


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def signed(value: int) -> int:
    """A 32-bit HRESULT as the COM API hands it to PowerShell (signed Int32)."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def update_id(kb: str) -> str:
    """A stable update GUID per KB (WUA's Identity.UpdateID; the real ids are not modelled)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "winsim:update:" + norm_kb(kb)))


def _product(host: HostModel) -> str:
    # Product part of WU titles: "Windows 11 Version 24H2", and for servers
    # "Microsoft server operating system version 21H2" (titles in the Microsoft Update Catalog).
    o = host.os
    if o.product_type != "workstation":
        return "Microsoft server operating system version %s" % o.display_version
    return "Windows %s Version %s" % ("11" if o.build >= 22000 else "10", o.display_version)


def update_title(host: HostModel, kb: str, clock=None) -> str:
    """The WU title of a cumulative update, as the catalog and WU write it
    ("2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)")."""
    kb = norm_kb(kb)
    month = KNOWN_UPDATES.get(kb, {}).get("month") or _now(clock).strftime("%Y-%m")
    arch = {"x64": "x64-based", "arm64": "arm64-based", "x86": "x86-based"}[host.os.architecture]
    return "%s Cumulative Update for %s for %s Systems (%s)" % (month, _product(host), arch, kb)


def offer(host: HostModel, kb: str, clock=None, **fields) -> dict:
    """Make Windows Update offer KB to this host (an entry of host.available_updates); returns it.

    Fields: title, categories (WU category names: the classification and the
    product), size_bytes, browse_only, is_hidden, is_downloaded, download_seconds,
    install_seconds."""
    kb = norm_kb(kb)
    for entry in host.available_updates:
        if norm_kb(entry.get("kb")) == kb:
            entry.update(fields)
            return entry
    entry = {
        "id": update_id(kb),
        "kb": kb,
        "title": update_title(host, kb, clock),
        # A cumulative update is in the "Security Updates" classification and its product category.
        "categories": ["Security Updates", "Windows 11" if host.os.build >= 22000 else "Windows 10"],
        # What Windows Update downloads of it: the content the device misses (downloads.py).
        "size_bytes": downloads.wu_download_bytes(kb, host.os.architecture),
        "browse_only": False,
        "is_hidden": False,
        "is_downloaded": False,
    }
    entry.update(fields)
    host.available_updates.append(entry)
    return entry


# ---------------------------------------------------------------- evidence

def _cbs(moment: datetime.datetime, level: str, source: str, text: str) -> str:
    # CBS.log layout: "YYYY-MM-DD hh:mm:ss, Level<pad to 22> Source<pad to 7>text"
    # (the same layout tests/winsim/modules/win_command.py writes for sfc's [SR] lines).
    return "%s, %-22s%-7s%s" % (moment.strftime("%Y-%m-%d %H:%M:%S"), level, source, text)


def _hr_text(code: int) -> str:
    name = HRESULT_NAMES.get(code)
    return "[HRESULT = 0x%08x%s]" % (code, (" - " + name) if name else "")


def _package(kb: str) -> str:
    return "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.%s.1.4" % KNOWN_UPDATES.get(kb, {}).get("ubr", 1)


def record_failure(host: HostModel, kb: str, hresult: int, moment: datetime.datetime, title: str = "") -> None:
    """Update history entry (ResultCode 4 failed) + WindowsUpdateClient event 20, as WUA
    records a failed install (IUpdateHistoryEntry; event 20 EventData errorCode)."""
    title = title or _title_of(host, kb, moment)
    host.update_history.append(UpdateHistoryEntry(kb=kb, title=title, date=_iso(moment), result_code=4,
                                                  hresult=signed(hresult)))
    code = "0x%08X" % (hresult & 0xFFFFFFFF)
    host.events.append(EventRecord(
        log="System", provider=WU_PROVIDER, event_id=20, time=_iso(moment), level="Error",
        message="Installation Failure: Windows failed to install the following update with error %s: %s."
                % (code, title),
        data={"errorCode": code, "updateTitle": title, "updateGuid": "{%s}" % update_id(kb),
              "updateRevisionNumber": "1", "serviceGuid": WINDOWS_UPDATE_SERVICE}))


def record_success(host: HostModel, kb: str, moment: datetime.datetime, title: str = "") -> None:
    """History entry (ResultCode 2) + event 19 "Installation Successful"."""
    title = title or _title_of(host, kb, moment)
    host.update_history.append(UpdateHistoryEntry(kb=kb, title=title, date=_iso(moment), result_code=2, hresult=0))
    host.events.append(EventRecord(
        log="System", provider=WU_PROVIDER, event_id=19, time=_iso(moment), level="Information",
        message="Installation Successful: Windows successfully installed the following update: %s" % title,
        data={"updateTitle": title, "updateGuid": "{%s}" % update_id(kb), "updateRevisionNumber": "1",
              "serviceGuid": WINDOWS_UPDATE_SERVICE}))


def _title_of(host: HostModel, kb: str, moment) -> str:
    for entry in host.available_updates:
        if norm_kb(entry.get("kb")) == kb:
            return entry["title"]
    return update_title(host, kb, moment)


def _windir(host: HostModel) -> str:
    return winpath.environment(host)["windir"]


def _put_marker(host: HostModel, path: str, data: bytes) -> str:
    # Placed directly (not winpath.write_file): the damage is already on disk, its bytes
    # are part of the used space the scenario describes.
    k = winpath.key(path, host)
    host.files[k] = data
    return k


def _add_failure_evidence(host, cause, kb, hresult, now, attempts):
    # WU retries a failed install about once a day (automatic updates); the seed leaves
    # ATTEMPTS failures over the last days.
    for i in range(attempts, 0, -1):
        record_failure(host, kb, hresult, now - datetime.timedelta(days=i, hours=-3))


def seed(host: HostModel, cause: str, kb: Optional[str] = None, clock=None, **options) -> dict:
    """Give HOST the root cause CAUSE for update KB (default host.target_kb) and the
    evidence it leaves; returns the blocker dict appended to host.update_blockers.

    options: variant (corrupt_download_cache: post_reboot; corrupt_component_store:
    sxs | needs_source), attempts (failed installs recorded, default 3),
    needed_bytes / free_bytes / reclaimable_bytes (low_disk), superseding_kb and
    catch_up_days (insider_build_conflict), product / filter_driver (third_party_filter_driver).
    """
    if cause not in CAUSES:
        raise NotModelled("root cause %r (known: %s)" % (cause, ", ".join(CAUSES)))
    spec = CAUSES[cause]
    kb = norm_kb(kb or host.target_kb)
    if not host.target_kb:
        host.target_kb = kb
    variant = options.pop("variant", None)
    if variant is not None and variant not in spec.variants:
        raise NotModelled("variant %r of %s (known: %s)" % (variant, cause, ", ".join(spec.variants) or "none"))
    attempts = int(options.pop("attempts", 3))
    now = _now(clock)
    offer(host, kb, now)
    blocker = {"cause": cause, "kb": kb, "variant": variant, "seeded_at": _iso(now), "heavy_runs": []}
    windir = _windir(host)
    code = _field(blocker, "wu_hresult")
    cbs_at = now - datetime.timedelta(hours=20)
    pkg = _package(kb)

    if cause == "corrupt_download_cache":
        # A damaged express download of the KB in SoftwareDistribution\Download, and a cache
        # that grew large with failed and superseded content (diagnosis.py: > 10 GB).
        name = "%s\\SoftwareDistribution\\Download\\%s\\windows11.0-%s-x64.psf" % (
            windir, uuid.uuid5(uuid.NAMESPACE_URL, kb).hex, kb.lower())
        blocker["marker"] = _put_marker(host, name, b"\0" * 4096)
        dl = winpath.key(windir + "\\SoftwareDistribution\\Download", host)
        rec = host.folders.setdefault(dl, Folder(path=windir + "\\SoftwareDistribution\\Download"))
        rec.size_bytes = max(int(rec.size_bytes or 0), int(options.pop("cache_bytes", 14 * GB)))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "inconsistent_catroot2":
        # catdb of the system catalog database ({F750E6C3-...} is the database CryptSvc
        # keeps under catroot2; Microsoft "Additional resources for Windows Update").
        name = "%s\\System32\\catroot2\\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\\catdb" % windir
        blocker["marker"] = _put_marker(host, name, b"\0" * 8192)
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "corrupt_system_files":
        store = host.component_store
        store.system_files_corrupt = True
        store.sfc_can_fix = True
        if store.health == "healthy":
            store.health = "repairable"  # the store copy is damaged too: sfc needs DISM first
        for i, line in enumerate((
                "Beginning Verify and Repair transaction",
                "Cannot repair member file [l:11]'wuaueng.dll' of Microsoft-Windows-WindowsUpdateClient-Core, "
                "arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35}",
                "Cannot repair member file [l:12]'usocoreworker.exe' of Microsoft-Windows-UpdateOrchestrator, "
                "arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35}",
                "Verify complete")):
            host.cbs_log.append(_cbs(cbs_at, "Info", "CSI", "%08x [SR] %s" % (0x200 + i, line)))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "corrupt_component_store":
        store = host.component_store
        store.health = "repairable_from_source" if variant == "needs_source" else "repairable"
        host.cbs_log.append(_cbs(cbs_at, "Info", "CBS", "Failed to pin deployment while resolving Update: %s "
                                 "%s" % (pkg, _hr_text(ERROR_SXS_COMPONENT_STORE_CORRUPT))))
        host.cbs_log.append(_cbs(cbs_at, "Info", "CBS", "Mark store corruption flag because of package: %s. "
                                 "%s" % (pkg, _hr_text(ERROR_SXS_COMPONENT_STORE_CORRUPT))))
        host.cbs_log.append(_cbs(cbs_at, "Info", "CSI", "00000311 (p)\tCSI Payload Corrupt\t"
                                 "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.1742_none"
                                 "\\CbsCore.dll"))
        if variant == "needs_source":
            host.cbs_log.append(_cbs(cbs_at, "Info", "CBS", "Repair failed: Missing replacement payload."))
            host.cbs_log.append(_cbs(cbs_at, "Error", "CBS", "Failed to restore the component store "
                                     + _hr_text(CBS_E_SOURCE_MISSING)))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "insider_build_conflict":
        blocker["superseding_kb"] = norm_kb(options.pop("superseding_kb", None) or NEXT_KNOWN.get(kb)
                                            or "KB%d" % (int(kb[2:]) + 1))
        blocker["catch_up_days"] = int(options.pop("catch_up_days", 30))
        blocker["left_at"] = None
        # HKLM\SOFTWARE\Microsoft\WindowsSelfHost\Applicability BranchName / Ring, bcdedit
        # flightsigning (abbodi1406/offlineinsiderenroll sets them). Beta channel builds of 24H2 are 26120.x
        # (Windows Insider blog "Windows 11 Insider Preview Build 26120.xxxx (Beta Channel)").
        host.insider.enrolled = True
        host.insider.branch_name = options.pop("branch_name", "Beta")
        host.insider.ring = options.pop("ring", "External")
        host.insider.flightsigning = True
        if host.os.build == 26100:
            host.os.build, host.os.version = 26120, "10.0.26120"
            host.os.ubr = int(options.pop("insider_ubr", 2213))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "third_party_filter_driver":
        product = options.pop("product", "Fabrikam Endpoint Protection")  # made-up vendor
        driver = options.pop("filter_driver", "fbkfilter")
        av = next((a for a in host.antivirus if a.name == product), None)
        if av is None:
            av = Antivirus(name=product, vendor="Fabrikam", third_party=True, filter_driver=driver, enabled=True)
            host.antivirus.append(av)
        av.filter_driver, av.enabled, av.third_party = driver, True, True
        # With another antivirus registered, Defender turns its antivirus off (Microsoft Learn
        # "Microsoft Defender Antivirus compatibility with other security products").
        host.defender_enabled = False
        blocker["product"], blocker["filter_driver"] = product, driver
        host.cbs_log.append(_cbs(cbs_at, "Info", "CBS", "Exec: Processing complete, session(Corruption Repairing): "
                                 "%s %s" % (pkg, _hr_text(CBS_E_INSTALLERS_FAILED))))
        host.cbs_log.append(_cbs(cbs_at, "Error", "CBS", "Failed to execute advanced installer "
                                 "(access denied on a file held by a filter driver) %s" % _hr_text(0x80070005)))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "forward_delta_hydration":
        blocker["repaired"] = False
        # The reported signature (module docstring); layout of the line modelled on CSI lines.
        host.cbs_log.append(_cbs(cbs_at, "Error", "CSI", "00000a2f (F) Hydration failed for component "
                                 "Microsoft-Windows-Shell-Setup, version 10.0.26100.%s, arch amd64, nonSxS, "
                                 "pkt {l:8 b:31bf3856ad364e35} on Forward Delta %s"
                                 % (KNOWN_UPDATES.get(kb, {}).get("ubr", 1), _hr_text(ERROR_ERRORS_ENCOUNTERED))))
        host.cbs_log.append(_cbs(cbs_at, "Error", "CBS", "Failed to stage execution package: %s %s"
                                 % (pkg, _hr_text(ERROR_ERRORS_ENCOUNTERED))))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "low_disk":
        needed = int(options.pop("needed_bytes", 10 * GB))
        reclaim = int(options.pop("reclaimable_bytes", 12 * GB))
        host.disk.free_bytes = int(options.pop("free_bytes", min(host.disk.free_bytes, 3 * GB)))
        if host.disk.free_bytes >= needed:
            raise NotModelled("low_disk with free_bytes >= needed_bytes")
        blocker["needed_bytes"] = needed
        # Old SoftwareDistribution/catroot2 backups hold space a cleanup can free
        # (diagnosis.py counts them; the reset rung names backups like this).
        backups = []
        for name, part in (("SoftwareDistribution.bak-20260101T000000", reclaim * 2 // 3),
                           ("System32\\catroot2.bak-20260101T000000", reclaim - reclaim * 2 // 3)):
            path = "%s\\%s" % (windir, name)
            host.folders[winpath.key(path, host)] = Folder(path=path, size_bytes=part)
            backups.append(winpath.key(path, host))
        blocker["reclaimable"] = backups
        host.cbs_log.append(_cbs(cbs_at, "Error", "CBS", "Failed to stage package %s: There is not enough space "
                                 "on the disk. %s" % (pkg, _hr_text(ERROR_DISK_FULL))))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    elif cause == "pending_reboot":
        # ...\Component Based Servicing\RebootPending and ...\WindowsUpdate\Auto Update\RebootRequired
        # (bcwilhite/PendingReboot Test-PendingReboot.ps1 reads both) after an earlier servicing operation.
        host.pending_reboot.cbs_reboot_pending = True
        host.pending_reboot.wu_reboot_required = True
        _add_failure_evidence(host, cause, kb, code, now, min(attempts, 1))
    elif cause == "storage_fault":
        host.disk.failing = True
        # disk event 7 (Microsoft Learn "Event ID 7": "The device, \Device\Harddisk0\DR0, has a bad
        # block.") and Ntfs event 55 ("A corruption was discovered in the file system structure on volume").
        for hours in (30, 18, 6):
            host.events.append(EventRecord(log="System", provider="disk", event_id=7,
                                           time=_iso(now - datetime.timedelta(hours=hours)),
                                           message="The device, \\Device\\Harddisk0\\DR0, has a bad block."))
        host.events.append(EventRecord(log="System", provider="Ntfs", event_id=55,
                                       time=_iso(now - datetime.timedelta(hours=5)),
                                       message="A corruption was discovered in the file system structure on "
                                               "volume %s." % host.disk.system_drive))
        host.cbs_log.append(_cbs(cbs_at, "Error", "CSI", "00000b17 (F) Failed to read file: "
                                 "\\SystemRoot\\WinSxS\\Manifests\\amd64_microsoft-windows-kernel32.manifest %s"
                                 % _hr_text(ERROR_IO_DEVICE)))
        _add_failure_evidence(host, cause, kb, code, now, attempts)
    if options:
        raise NotModelled("options %s for root cause %s" % (sorted(options), cause))
    host.update_blockers = [b for b in host.update_blockers if b.get("cause") != cause]
    host.update_blockers.append(blocker)
    return blocker


def _field(blocker: dict, name: str):
    spec = CAUSES[blocker["cause"]]
    over = spec.variants.get(blocker.get("variant") or "", {})
    return over.get(name, getattr(spec, name))


def fixed_by(blocker: dict) -> tuple:
    """The event sequences that cure this blocker, with its own values filled in."""
    out = []
    for seq in _field(blocker, "fixed_by"):
        out.append(tuple(step.format(**{k: v for k, v in blocker.items() if isinstance(v, (str, int))})
                         for step in seq))
    return tuple(out)


# ------------------------------------------------------------------- state

def _still_active(host: HostModel, blocker: dict, now: datetime.datetime) -> bool:
    cause = blocker["cause"]
    if cause in ("corrupt_download_cache", "inconsistent_catroot2"):
        return blocker.get("marker") in host.files
    if cause == "corrupt_system_files":
        return bool(host.component_store.system_files_corrupt)
    if cause == "corrupt_component_store":
        return host.component_store.health != "healthy"
    if cause == "third_party_filter_driver":
        return any(a.enabled and a.third_party and a.filter_driver and a.name == blocker.get("product")
                   for a in host.antivirus)
    if cause == "low_disk":
        return host.disk.free_bytes < int(blocker["needed_bytes"])
    if cause == "pending_reboot":
        return bool(host.pending_reboot.cbs_reboot_pending or host.pending_reboot.wu_reboot_required)
    if cause == "storage_fault":
        return bool(host.disk.failing)
    if cause == "insider_build_conflict":
        if blocker["superseding_kb"] in host.installed_kbs:
            return False
        left = blocker.get("left_at")
        return not (left and not host.insider.enrolled
                    and now >= _parse(left) + datetime.timedelta(days=int(blocker["catch_up_days"])))
    if cause == "forward_delta_hydration":
        return not blocker.get("repaired")
    raise NotModelled("root cause %r" % cause)


def refresh(host: HostModel, clock=None) -> list:
    """Drop the blockers whose damage is gone; returns the names of those cured."""
    now = _now(clock)
    keep, cured = [], []
    for blocker in host.update_blockers:
        (keep if _still_active(host, blocker, now) else cured).append(blocker)
    host.update_blockers = keep
    return [b["cause"] for b in cured]


def active(host: HostModel, clock=None) -> list:
    """Names of the causes still blocking updates on HOST."""
    refresh(host, clock)
    return [b["cause"] for b in host.update_blockers]


def blocking(host: HostModel, kb: str, via: str = "wu", clock=None) -> Optional[dict]:
    """The first active cause that stops KB on channel VIA, or None:
    {"cause", "hresult", "phase"} (phase: where win_updates meets it)."""
    if via not in ("wu", "offline"):
        raise NotModelled("install channel %r" % via)
    kb = norm_kb(kb)
    refresh(host, clock)
    by_cause = {b["cause"]: b for b in host.update_blockers}
    for name in ORDER:
        blocker = by_cause.get(name)
        if blocker is None:
            continue
        if CAUSES[name].scope == "kb" and blocker["kb"] != kb:
            continue
        code = _field(blocker, "wu_hresult" if via == "wu" else "offline_hresult")
        if code is None:
            continue  # this channel goes around the cause
        return {"cause": name, "hresult": code, "phase": _field(blocker, "wu_phase") if via == "wu" else "install"}
    return None


def try_install(host: HostModel, kb: str, via: str = "wu", clock=None) -> tuple:
    """Install KB through channel VIA if no cause stops it.

    Returns (installed, hresult, reboot_required). On success the KB is in
    installed_kbs, a history entry and event 19 are written, and a restart is
    pending (a cumulative update always asks for one: RebootRequired). On failure
    the history entry, event 20 and nothing else. A KB already installed answers
    (True, WU_S_ALREADY_INSTALLED, False)."""
    kb = norm_kb(kb)
    now = _now(clock)
    if kb in host.installed_kbs:
        return True, WU_S_ALREADY_INSTALLED, False
    block = blocking(host, kb, via, now)
    if block is not None:
        record_failure(host, kb, block["hresult"], now)
        return False, block["hresult"], False
    host.installed_kbs.append(kb)
    record_success(host, kb, now)
    host.pending_reboot.wu_reboot_required = True
    host.pending_reboot.cbs_reboot_pending = True
    for entry in host.available_updates:
        if norm_kb(entry.get("kb")) == kb:
            entry["is_downloaded"] = True
    refresh(host, now)  # e.g. the superseding KB of an Insider conflict is now installed
    return True, 0, True


def upgrade_outcome(host: HostModel, clock=None) -> Optional[dict]:
    """What stops a repair install (setup.exe /auto upgrade) now, or None when it would
    succeed: {"cause", "hresult", "extend"} for the in-place upgrade model."""
    refresh(host, clock)
    for name in ORDER:
        blocker = next((b for b in host.update_blockers if b["cause"] == name), None)
        if blocker is None or _field(blocker, "setup_hresult") is None:
            continue
        extend = 0x30018 if name == "third_party_filter_driver" else 0
        return {"cause": name, "hresult": _field(blocker, "setup_hresult"), "extend": extend}
    return None


def heavy_rung_violations(host: HostModel) -> list:
    """Heavy repairs that ran while the disk was failing (must stay empty)."""
    return [run for b in host.update_blockers if b["cause"] == "storage_fault" for run in b.get("heavy_runs", [])]


# ------------------------------------------------------------------ events

def _move_marker(host: HostModel, marker: str, folder_leaf: str) -> None:
    """What renaming FOLDER_LEAF (softwaredistribution / catroot2) to a .bak does to the marker."""
    if marker not in host.files:
        return
    head, sep, tail = marker.partition("\\" + folder_leaf + "\\")
    if not sep:
        del host.files[marker]
        return
    host.files[head + "\\" + folder_leaf + ".bak-winsim\\" + tail] = host.files.pop(marker)


def apply(host: HostModel, event: str, clock=None) -> list:
    """Tell the causes that EVENT happened on HOST (a repair finished successfully);
    returns the names of the causes it cured. Unknown events are refused."""
    now = _now(clock)
    name, _colon, arg = str(event).partition(":")
    if name not in EVENTS:
        raise NotModelled("repair event %r (known: %s)" % (event, ", ".join(EVENTS)))
    if name in HEAVY_EVENTS:
        for b in host.update_blockers:
            if b["cause"] == "storage_fault" and _still_active(host, b, now):
                b.setdefault("heavy_runs", []).append(event)
    before = [b["cause"] for b in host.update_blockers]
    store = host.component_store
    if name in ("wu_reset", "wu_reset_aggressive"):
        for b in host.update_blockers:
            if b["cause"] == "corrupt_download_cache":
                _move_marker(host, b["marker"], "softwaredistribution")
            elif b["cause"] == "inconsistent_catroot2":
                _move_marker(host, b["marker"], "catroot2")
    elif name == "dism_restore":
        if store.health == "repairable":
            store.health = "healthy"
    elif name == "dism_restore_with_source":
        if store.health in ("repairable", "repairable_from_source"):
            store.health = "healthy"
    elif name == "sfc":
        # sfc repairs from the component store (KB 929833): only a sound store helps.
        if store.system_files_corrupt and store.sfc_can_fix and store.health == "healthy":
            store.system_files_corrupt = False
    elif name == "reboot":
        host.pending_reboot = PendingReboot()
    elif name == "catalog_install":
        if not arg:
            raise NotModelled("catalog_install event without a KB (catalog_install:KB...)")
        try_install(host, arg, via="offline", clock=now)
    elif name == "inplace_upgrade":
        # A repair install lays down a fresh OS image and component store and ends with restarts.
        store.health = "healthy"
        store.system_files_corrupt = False
        host.pending_reboot = PendingReboot()
        for b in host.update_blockers:
            if b["cause"] == "forward_delta_hydration":
                b["repaired"] = True
    elif name == "filter_driver_disabled":
        for av in host.antivirus:
            if av.third_party and av.filter_driver:
                av.enabled = False
    elif name == "disk_cleaned":
        for b in host.update_blockers:
            for k in b.get("reclaimable", []):
                rec = host.folders.get(k)
                if rec is not None and rec.exists:
                    winpath.delete_tree(host, rec.path)
    elif name == "insider_left":
        # Leaving: WindowsSelfHost keys deleted, flightsigning off (abbodi1406/offlineinsiderenroll).
        host.insider.enrolled = False
        host.insider.branch_name = host.insider.ring = ""
        host.insider.flightsigning = False
        for b in host.update_blockers:
            if b["cause"] == "insider_build_conflict" and not b.get("left_at"):
                b["left_at"] = _iso(now)
    refresh(host, now)
    after = {b["cause"] for b in host.update_blockers}
    return [c for c in before if c not in after]


# ----------------------------------------------------------------- scenario

SCENARIO_KEYS = ("root_cause", "root_causes", "target_kb")


def apply_scenario_causes(host: HostModel, host_spec: dict, clock=None) -> list:
    """Seed the causes a scenario host entry names; returns the blockers made.

    host_spec keys (see tests/winsim/scenario_causes.md):
      target_kb: KB5043080            the update the host should get (offered by WU)
      root_cause: forward_delta_hydration
      root_cause: {name: corrupt_component_store, variant: needs_source, ...options of seed()}
      root_causes: [low_disk, {name: pending_reboot}]   (several at once)
    A host with target_kb and no cause is healthy: WU offers the KB and it installs.
    """
    spec = dict(host_spec or {})
    target = spec.get("target_kb") or host.target_kb
    entries = []
    if spec.get("root_cause") is not None:
        entries.append(spec["root_cause"])
    entries.extend(spec.get("root_causes") or [])
    if entries and not target:
        raise NotModelled("host %s names a root cause but no target_kb" % host.name)
    made = []
    if target:
        host.target_kb = norm_kb(target)
        offer(host, host.target_kb, clock)
    for entry in entries:
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or "name" not in entry:
            raise NotModelled("root cause entry %r (a name, or a mapping with name)" % (entry,))
        options = copy.deepcopy({k: v for k, v in entry.items() if k not in ("name", "kb")})
        made.append(seed(host, entry["name"], entry.get("kb") or host.target_kb, clock, **options))
    return made
