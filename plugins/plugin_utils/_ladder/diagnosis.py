# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Why does Windows Update fail on this host? Raw evidence in, likely causes out.

Two pure steps, both without a host:

1. ``normalise(raw)`` turns what powershell/wu_diagnose.ps1 gathered (its
   ``$Ansible.Result``: registry values, WMI objects, event records and log
   lines as Windows gives them) into the evidence win_wu_diagnose returns:
   plain names and numbers, every failure code decoded with hresult.decode(),
   CBS.log lines turned into signals with cbs_log.scan_lines() and
   sfc_output.summarize_cbs_sr().
2. ``diagnose(evidence, ...)`` names the likely causes, each
   ``{"name", "confidence": "low"|"medium"|"high", "evidence": [sentences]}``,
   strongest first. Thresholds are parameters.

Confidence: one kind of evidence gives "medium", two independent kinds that
agree (a failure code and a CBS.log line, a failure code and an oversized
folder) give "high", circumstantial evidence alone gives "low". Conditions
that break servicing by themselves (too little disk, a pending reboot, a disk
reporting errors, Insider enrolment) are reported even when no failure is
recorded; a third-party antivirus only when updates do fail.

Cause names are the keys of ladder.DEFAULT_CAUSE_MAP.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import baseline as baseline_mod
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import cbs_log, isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import summarize_cbs_sr

GB = 1024 ** 3

DEFAULT_MIN_FREE_GB = 20.0
# A SoftwareDistribution folder holding more than this is a download cache that
# kept failed or superseded content (a healthy one holds a few GB after a
# cumulative update).
DEFAULT_LARGE_DOWNLOAD_CACHE_GB = 10.0

CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}

# The services Windows Update needs: wuauserv, bits and cryptsvc are the ones
# Microsoft's support article "Additional resources for Windows Update" stops and
# restarts; trustedinstaller (Windows Modules Installer) applies the packages
# (KB 929833). A disabled one stops updates by itself.
REQUIRED_SERVICES = ("wuauserv", "bits", "cryptsvc", "trustedinstaller")

# Failure code -> cause, for the codes whose cause is specific. Names and
# meanings: hresult.py (wuerror.h, winerror.h, KB 947821 table).
CODE_CAUSES = {
    # Download cache (SoftwareDistribution) holds bad or stale content.
    0x80242016: "corrupt_download_cache",  # WU_E_UH_POSTREBOOTUNEXPECTEDSTATE
    0x8024200D: "corrupt_download_cache",  # WU_E_UH_NEEDANOTHERDOWNLOAD
    0x80242006: "corrupt_download_cache",  # WU_E_UH_INVALIDMETADATA
    0x80246002: "corrupt_download_cache",  # WU_E_DM_INCORRECTFILEHASH
    0x80246007: "corrupt_download_cache",  # WU_E_DM_NOTDOWNLOADED
    0x80240034: "corrupt_download_cache",  # WU_E_DOWNLOAD_FAILED
    0x80248007: "corrupt_download_cache",  # WU_E_DS_NODATA (DataStore)
    0x80070002: "corrupt_download_cache",  # ERROR_FILE_NOT_FOUND
    0x8007000D: "corrupt_download_cache",  # ERROR_INVALID_DATA
    # Catalog database (catroot2) of the Cryptographic service.
    0x800B0100: "inconsistent_catroot2",  # TRUST_E_NOSIGNATURE
    0x800B0109: "inconsistent_catroot2",  # CERT_E_UNTRUSTEDROOT
    0x80092003: "inconsistent_catroot2",  # CRYPT_E_FILE_ERROR
    # System files (what sfc repairs).
    0x80070570: "corrupt_system_files",  # ERROR_FILE_CORRUPT
    # Component store (what DISM /RestoreHealth repairs).
    0x80073712: "corrupt_component_store",  # ERROR_SXS_COMPONENT_STORE_CORRUPT
    0x800F0831: "corrupt_component_store",  # CBS_E_STORE_CORRUPTION
    0x800F081F: "corrupt_component_store",  # CBS_E_SOURCE_MISSING
    0x80073701: "corrupt_component_store",  # ERROR_SXS_ASSEMBLY_MISSING
    0x8007371B: "corrupt_component_store",  # ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE
    0x80092004: "corrupt_component_store",  # CRYPT_E_NOT_FOUND (KB 947821 table)
    # PSFX_E_INVALID_DELTA_COMBINATION is cured by DISM /StartComponentCleanup,
    # not by a repair install: component store, not forward_delta_hydration.
    0x800F0988: "corrupt_component_store",
    # Cumulative update could not rebuild files from deltas.
    0x80070306: "forward_delta_hydration",  # ERROR_ERRORS_ENCOUNTERED (never "invalid handle")
    0x800F0982: "forward_delta_hydration",  # PSFX_E_MATCHING_COMPONENT_NOT_FOUND
    0x800F0984: "forward_delta_hydration",  # PSFX_E_MATCHING_BINARY_MISSING
    0x800F0986: "forward_delta_hydration",  # PSFX_E_APPLY_FORWARD_DELTA_FAILED
    # Waiting for a restart.
    0x80242014: "pending_reboot",  # WU_E_UH_POSTREBOOTSTILLPENDING
    0x80240016: "pending_reboot",  # WU_E_INSTALL_NOT_ALLOWED (pending mandatory restart)
    0x8024D00E: "pending_reboot",  # WU_E_SETUP_REBOOTREQUIRED
    0xC1900107: "pending_reboot",  # MOSETUP_E_CLEANUP_PENDING
    # Storage.
    0x8007045D: "storage_fault",  # ERROR_IO_DEVICE
    0x80070017: "storage_fault",  # ERROR_CRC
}

# hresult.decode() category -> cause, for codes not in CODE_CAUSES.
CATEGORY_CAUSES = {
    "component_store": "corrupt_component_store",
    "source_missing": "corrupt_component_store",
    "forward_delta_hydration": "forward_delta_hydration",
    "download": "corrupt_download_cache",
    "disk": "low_disk",
    "pending_operation": "pending_reboot",
    "service_disabled": "wu_services_disabled",
    # Access denied / sharing violation during an install: often an antivirus
    # holding the file (hresult.py hint for file_in_use).
    "access": "third_party_filter_driver",
    "file_in_use": "third_party_filter_driver",
}

# Failures a repair rung cannot address (not applicable, network): kept in
# update_failures but not counted as unexplained.
NEUTRAL_CATEGORIES = ("success", "reboot_required", "already_installed", "not_applicable", "network")

# The causes explained by a failure code: "unknown_update_failure" is raised
# only when none of these is.
FAILURE_CAUSES = (
    "corrupt_download_cache", "inconsistent_catroot2", "corrupt_system_files",
    "corrupt_component_store", "forward_delta_hydration", "third_party_filter_driver",
    "insider_build_conflict", "low_disk", "pending_reboot", "storage_fault", "wu_services_disabled",
)

# FSFilter Anti-Virus load order group: altitudes 320000-329999 (Microsoft Learn,
# "Load order groups and altitudes for minifilter drivers"). WdFilter is
# Microsoft Defender's own minifilter in that range.
AV_ALTITUDE_RANGE = (320000, 329999)
MICROSOFT_AV_FILTERS = ("wdfilter",)

# Event ids of the storage stack that mean data could not be read or written
# reliably: disk 7 (bad block), 11 (controller error), 51 (paging I/O error),
# 153 (I/O retried), 157 (disk surprise removed); Ntfs 55 (file system
# structure corrupt). Microsoft Learn / KB articles for each event id. 153 and
# 157 alone are weak (USB media does that).
STRONG_STORAGE_EVENTS = (7, 11, 51, 55)
UNHEALTHY_DISK_STATES = ("warning", "unhealthy")

_KB_RE = re.compile(r"\bKB(\d{6,8})\b", re.IGNORECASE)
_HEX_IN_TEXT_RE = re.compile(r"\b0x[0-9a-f]{8}\b", re.IGNORECASE)
# Names SecurityCenter2 gives Microsoft's own antivirus.
_MICROSOFT_AV_RE = re.compile(r"^(windows|microsoft) defender", re.IGNORECASE)
# Win32_Service.State strings -> the model's names.
_SERVICE_STATES = {
    "running": "running", "stopped": "stopped", "stop pending": "stop_pending",
    "start pending": "start_pending", "paused": "paused", "pause pending": "pause_pending",
    "continue pending": "continue_pending",
}


# ---------------------------------------------------------------- helpers

def _int(value, default=None):
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _gb(size_bytes):
    return round((size_bytes or 0) / GB, 2)


def kb_of(title):
    """'KB5043080' from an update title, or None."""
    match = _KB_RE.search(title or "")
    return ("KB" + match.group(1)) if match else None


def decode_code(value):
    """hresult.decode() trimmed to what the module returns; None when VALUE is no code."""
    try:
        info = decode(value)
    except (TypeError, ValueError):
        return None
    return {
        "hex": info["hex"],
        "signed": info["signed"],
        "facility": (info.get("facility") or {}).get("name"),
        "facility_number": (info.get("facility") or {}).get("number"),
        "name": info.get("name"),
        "meaning": info.get("meaning"),
        "category": info.get("category"),
        "hint": info.get("hint"),
    }


def cause_of_code(hex_code):
    """The cause a failure code points at, or None (see CODE_CAUSES, CATEGORY_CAUSES)."""
    info = decode_code(hex_code)
    if info is None:
        return None
    unsigned = info["signed"] & 0xFFFFFFFF
    if unsigned in CODE_CAUSES:
        return CODE_CAUSES[unsigned]
    return CATEGORY_CAUSES.get(info["category"])


def cbs_pattern():
    """The regex the script selects CBS.log lines with: every cbs_log signal plus sfc's [SR] verdicts.

    Only .NET-compatible syntax (alternation, \\b, \\s, classes); Select-String is case-insensitive.
    """
    parts = ["(?:%s)" % signal[2] for signal in cbs_log.SIGNALS]
    parts.append(r"(?:\[SR\] (?:Cannot repair member file|Could not reproject|Repairing corrupted file))")
    return "|".join(parts)


# ------------------------------------------------------------ normalise

def _normalise_os(raw):
    raw = raw or {}
    caption = (raw.get("caption") or "").strip()
    name = re.sub(r"^Microsoft\s+", "", caption) or (raw.get("product_name") or "")
    arch = (raw.get("processor_architecture") or "").upper()
    architecture = {"AMD64": "x64", "ARM64": "arm64", "X86": "x86"}.get(arch, arch.lower() or None)
    product_type = {1: "workstation", 2: "domain_controller", 3: "server"}.get(_int(raw.get("product_type")))
    build = _int(raw.get("current_build"))
    ubr = _int(raw.get("ubr"))
    return {
        "product_name": name or None,
        "edition_id": raw.get("edition_id") or None,
        "display_version": raw.get("display_version") or None,
        "version": raw.get("version") or None,
        "build": build,
        "ubr": ubr,
        "full_build": ("%s.%s" % (build, ubr)) if build is not None and ubr is not None else None,
        "architecture": architecture,
        "product_type": product_type,
        "is_server": product_type in ("server", "domain_controller"),
        "install_language": raw.get("install_language") or None,
        "hostname": raw.get("hostname") or None,
    }


def _normalise_drive(raw, backups):
    raw = raw or {}
    free = _int(raw.get("free_bytes"))
    size = _int(raw.get("size_bytes"))
    backup_bytes = sum(b["size_bytes"] for b in backups)
    return {
        "drive": raw.get("drive") or None,
        "size_bytes": size,
        "free_bytes": free,
        "free_gb": _gb(free) if free is not None else None,
        "backups_bytes": backup_bytes,
    }


def _normalise_pending(raw):
    raw = raw or {}
    flags = {key: _bool(raw.get(key)) for key in
             ("cbs_reboot_pending", "wu_reboot_required", "pending_file_rename", "computer_rename")}
    flags["any"] = any(flags.values())
    return flags


def _normalise_services(raw):
    services = []
    for item in _list(raw):
        item = item or {}
        exists = _bool(item.get("exists", True))
        state = (item.get("state") or "").strip().lower()
        mode = (item.get("start_mode") or "").strip().lower()
        if mode == "auto" and _bool(item.get("delayed_auto_start")):
            mode = "delayed"
        services.append({
            "name": (item.get("name") or "").lower(),
            "display_name": item.get("display_name") or None,
            "exists": exists,
            "state": _SERVICE_STATES.get(state, state or None) if exists else None,
            "start_mode": (mode or None) if exists else None,
        })
    return services


def _normalise_folder(item):
    item = item or {}
    size = _int(item.get("size_bytes"), 0)
    return {
        "path": item.get("path") or None,
        "exists": _bool(item.get("exists")),
        "size_bytes": size,
        "size_gb": _gb(size),
    }


def _normalise_backups(raw):
    backups = []
    for item in _list(raw):
        item = item or {}
        path = item.get("path") or ""
        leaf = path.split("\\")[-1]
        size = _int(item.get("size_bytes"), 0)
        backups.append({
            "path": path,
            "of": "catroot2" if leaf.lower().startswith("catroot2") else "software_distribution",
            "size_bytes": size,
            "size_gb": _gb(size),
            "last_write_time": item.get("last_write_time") or None,
        })
    return backups


def _normalise_insider(raw):
    raw = raw or {}
    branch = raw.get("branch_name") or None
    ring = raw.get("ring") or None
    line = (raw.get("flightsigning_line") or "").strip()
    # bcdedit lists flightsigning only once set; the value word is localised
    # ("Yes"), so anything but an explicit "No" counts as on.
    flightsigning = bool(line) and line.split()[-1].lower() not in ("no", "nein", "non", "nee", "nej")
    preview = _int(raw.get("enable_preview_builds"))
    enrolled = bool(branch or ring or raw.get("content_type") or preview)
    return {
        "enrolled": enrolled,
        "branch_name": branch,
        "ring": ring,
        "content_type": raw.get("content_type") or None,
        "preview_builds_enabled": preview,
        "flightsigning": flightsigning,
    }


def _product_enabled(state):
    # WSC productState: the second byte's high nibble is 1 when real-time
    # protection is on (0x41000 on, 0x40000 off). Undocumented by Microsoft;
    # the layout is the one widely reported for SecurityCenter2.
    if state is None:
        return None
    return ((state >> 12) & 0xF) in (1, 3)


def _normalise_antivirus(raw):
    products = []
    for item in _list(raw):
        item = item or {}
        name = item.get("display_name") or ""
        state = _int(item.get("product_state"))
        products.append({
            "name": name,
            "product_state": state,
            "product_state_hex": ("0x%X" % state) if state is not None else None,
            "enabled": _product_enabled(state),
            "third_party": not _MICROSOFT_AV_RE.match(name),
            "path": item.get("path") or None,
        })
    return products


def _normalise_defender(raw):
    raw = raw or {}
    available = _bool(raw.get("available"))
    return {
        "available": available,
        "am_service_enabled": _bool(raw.get("am_service_enabled")) if available else None,
        "antivirus_enabled": _bool(raw.get("antivirus_enabled")) if available else None,
        "real_time_protection_enabled": _bool(raw.get("real_time_protection_enabled")) if available else None,
        "am_running_mode": raw.get("am_running_mode") or None,
    }


def parse_fltmc(lines):
    """`fltmc filters` text lines -> [{name, instances, altitude, frame, antivirus_range, microsoft}].

    Columns: Filter Name, Num Instances, Altitude, Frame (Microsoft Learn, "fltmc").
    The header and its dashes are skipped: only rows whose last three fields are numbers count.
    """
    filters = []
    for line in _list(lines):
        parts = (line or "").split()
        if len(parts) < 4:
            continue
        name, rest = parts[0], parts[1:]
        try:
            instances, altitude, frame = int(rest[-3]), int(float(rest[-2])), int(rest[-1])
        except ValueError:
            continue
        in_range = AV_ALTITUDE_RANGE[0] <= altitude <= AV_ALTITUDE_RANGE[1]
        filters.append({
            "name": name,
            "instances": instances,
            "altitude": altitude,
            "frame": frame,
            "antivirus_range": in_range,
            "third_party_antivirus": in_range and name.lower() not in MICROSOFT_AV_FILTERS,
        })
    return filters


def _failure_key(kb, title, hex_code):
    return ((kb or title or "").lower(), hex_code)


def _collect_failures(history, events, installed_kbs, since=None):
    """Failed installs from update history and event 20, merged per (update, code); those last seen
    before SINCE (the baseline, baseline.py) are resolved."""
    merged = {}
    successes = {}
    for entry in _list(history):
        entry = entry or {}
        title = entry.get("title") or ""
        kb = kb_of(title)
        when = isotime.parse(entry.get("date"))
        result_code = _int(entry.get("result_code"))
        # OperationResultCode: 2 succeeded, 3 succeeded with errors, 4 failed, 5 aborted
        # (Microsoft Learn, "OperationResultCode enumeration").
        if result_code in (2, 3):
            key = (kb or title).lower()
            if when:
                successes[key] = max(when, successes.get(key, when))
            continue
        if result_code not in (4, 5):
            continue
        code = decode_code(_int(entry.get("hresult"), 0))
        _add_failure(merged, kb, title, code, when, "history",
                     "failed" if result_code == 4 else "aborted")
    for event in _list(events):
        event = event or {}
        title = event.get("update_title") or ""
        message = event.get("message") or ""
        kb = kb_of(title) or kb_of(message)
        raw_code = event.get("error_code")
        code = decode_code(raw_code) if raw_code not in (None, "") else None
        if code is None:
            found = _HEX_IN_TEXT_RE.search(message)
            code = decode_code(found.group(0)) if found else None
        _add_failure(merged, kb, title or message, code, isotime.parse(event.get("time")), "event", "failed")

    installed = {(kb or "").upper() for kb in _list(installed_kbs)}
    failures = []
    for item in merged.values():
        key = (item["kb"] or item["title"]).lower()
        later_success = successes.get(key)
        last = isotime.parse(item["last_seen"])
        item["resolved"] = bool(
            (item["kb"] and item["kb"].upper() in installed)
            or (later_success and last and later_success > last)
            or baseline_mod.before(last, since))
        del item["_attempts"]
        item["cause_hint"] = cause_of_code(item["hresult"]["hex"]) if item["hresult"] else None
        failures.append(item)
    failures.sort(key=lambda f: f["last_seen"] or "", reverse=True)
    return failures


# One failed attempt is written twice: as an update history entry and as
# WindowsUpdateClient event 20, both by the Windows Update Agent when the
# installation ends (Microsoft Learn, "IUpdateHistoryEntry" Date; event 20
# "Installation Failure"). A history entry and an event of the same update and
# code this close in time are one attempt. The window is an assumption: the two
# are written at the end of the same operation, seconds apart.
SAME_ATTEMPT_SECONDS = 600


def _same_attempt(item, when, source):
    """The attempt of ITEM that a record from SOURCE at WHEN belongs to (one from the other source), or None."""
    for attempt in item["_attempts"]:
        if source in attempt["sources"] or when is None or attempt["when"] is None:
            continue
        if abs((attempt["when"] - when).total_seconds()) <= SAME_ATTEMPT_SECONDS:
            return attempt
    return None


def _add_failure(merged, kb, title, code, when, source, result):
    hex_code = code["hex"] if code else None
    key = _failure_key(kb, title, hex_code)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None
    item = merged.get(key)
    if item is None:
        merged[key] = item = {
            "kb": kb, "title": title, "hresult": code, "result": result,
            "count": 0, "first_seen": stamp, "last_seen": stamp, "sources": [], "_attempts": [],
        }
    attempt = _same_attempt(item, when, source)
    if attempt is None:
        item["_attempts"].append({"when": when, "sources": {source}})
        item["count"] += 1
    else:
        attempt["sources"].add(source)
    if source not in item["sources"]:
        item["sources"].append(source)
    if stamp:
        if not item["first_seen"] or stamp < item["first_seen"]:
            item["first_seen"] = stamp
        if not item["last_seen"] or stamp > item["last_seen"]:
            item["last_seen"] = stamp


def _normalise_cbs(raw, since=None):
    raw = raw or {}
    matched = [line for line in _list(raw.get("matches")) if isinstance(line, str)]
    tail = [line for line in _list(raw.get("tail")) if isinstance(line, str)]
    seen = set(matched)
    lines = matched + [line for line in tail if line not in seen]
    read = len(lines)
    lines = [line for line in lines if not baseline_mod.cbs_line_before(line, since)]
    signals = cbs_log.scan_lines(lines)
    sr = summarize_cbs_sr(lines)
    forward_delta_lines = [line.strip() for line in lines
                           if re.search(r"hydration failed", line, re.I) and re.search(r"forward delta", line, re.I)]
    return {
        "path": raw.get("path") or None,
        "exists": _bool(raw.get("exists")),
        "size_bytes": _int(raw.get("size_bytes"), 0),
        "lines_read": read,
        "signals": signals,
        "causes": cbs_log.causes_of(signals),
        "sfc": {
            "cannot_repair_member_file": sr["cannot_repair_member_file"],
            "repairing_corrupted_file": sr["repairing_corrupted_file"],
            "unrepaired_files": sr["unrepaired_files"],
        },
        "forward_delta_lines": forward_delta_lines[:10],
    }


def _normalise_disk_health(events, disks):
    storage_events = []
    seen = set()
    for event in _list(events):
        event = event or {}
        # Ntfs and Microsoft-Windows-Ntfs can name the same provider: one record once.
        ident = (event.get("time"), _int(event.get("event_id")), (event.get("message") or "").strip())
        if ident in seen:
            continue
        seen.add(ident)
        storage_events.append({
            "time": event.get("time") or None,
            "provider": event.get("provider") or None,
            "event_id": _int(event.get("event_id")),
            "level": event.get("level") or None,
            "message": (event.get("message") or "").strip() or None,
        })
    storage_events.sort(key=lambda e: e["time"] or "", reverse=True)
    physical = []
    for disk in _list(disks):
        disk = disk or {}
        physical.append({
            "friendly_name": disk.get("friendly_name") or None,
            "health_status": disk.get("health_status") or None,
            "operational_status": disk.get("operational_status") or None,
            "media_type": disk.get("media_type") or None,
        })
    unhealthy = [d for d in physical if (d["health_status"] or "").lower() in UNHEALTHY_DISK_STATES]
    return {
        "storage_events": storage_events,
        "physical_disks": physical,
        "healthy": not unhealthy and not storage_events,
    }


def normalise(raw, target_kb=None):
    """The script's raw result -> the evidence the module returns (pure; tolerant of missing keys).

    TARGET_KB: the update the host should have; failures and CBS.log lines older than its
    successful install (else than the last successful cumulative update) no longer count
    (``baseline``, see baseline.py), and ``target`` says whether it is installed."""
    raw = raw or {}
    line = baseline_mod.baseline(_list(raw.get("update_history")), target_kb)
    installed = sorted({(kb or "").upper() for kb in _list(raw.get("installed_kbs")) if kb})
    target = str(target_kb or "").strip().upper() or None
    folders = {}
    for item in _list(raw.get("folders")):
        item = item or {}
        key = item.get("name")
        if key:
            folders[key] = _normalise_folder(item)
    for key in ("software_distribution", "catroot2"):
        folders.setdefault(key, _normalise_folder({"exists": False}))
    backups = _normalise_backups(raw.get("backups"))
    return {
        "collected_at": raw.get("collected_at") or None,
        "os": _normalise_os(raw.get("os")),
        "system_drive": _normalise_drive(raw.get("system_drive"), backups),
        "pending_reboot": _normalise_pending(raw.get("pending_reboot")),
        "services": _normalise_services(raw.get("services")),
        "folders": folders,
        "backups": backups,
        "insider": _normalise_insider(raw.get("insider")),
        "antivirus": _normalise_antivirus(raw.get("antivirus")),
        "defender": _normalise_defender(raw.get("defender")),
        "filter_drivers": parse_fltmc(raw.get("filter_drivers")),
        "installed_kbs": installed,
        "baseline": line,
        "target": {"kb": target, "installed": target in installed} if target else None,
        "update_failures": _collect_failures(raw.get("update_history"), raw.get("update_events"),
                                             raw.get("installed_kbs"), line["at"]),
        "cbs": _normalise_cbs(raw.get("cbs_log"), line["at"]),
        "disk_health": _normalise_disk_health(raw.get("storage_events"), raw.get("physical_disks")),
        "probe_errors": [dict(item) for item in _list(raw.get("probe_errors")) if isinstance(item, dict)],
    }


# ------------------------------------------------------------- diagnose

def describe_failure(failure):
    """One sentence for a merged failure, for the evidence lists."""
    code = failure.get("hresult") or {}
    what = failure.get("kb") or failure.get("title") or "an update"
    text = "%s %s %d time%s" % (what, failure.get("result", "failed"), failure.get("count", 1),
                                "" if failure.get("count", 1) == 1 else "s")
    if code:
        text += " with %s" % code["hex"]
        if code.get("name"):
            text += " %s" % code["name"]
    if failure.get("last_seen"):
        text += ", last %s" % failure["last_seen"]
    text += " (%s)" % ", ".join("update history" if s == "history" else "System event 20"
                                for s in failure.get("sources", []))
    return text


class _Causes(object):
    """Collects evidence per cause; confidence is decided at the end from the kinds of evidence."""

    def __init__(self):
        self._items = {}

    def add(self, name, kind, sentence):
        item = self._items.setdefault(name, {"kinds": [], "evidence": []})
        if kind not in item["kinds"]:
            item["kinds"].append(kind)
        if sentence not in item["evidence"]:
            item["evidence"].append(sentence)

    def has(self, name):
        return name in self._items

    def kinds(self, name):
        return self._items.get(name, {}).get("kinds", [])

    def result(self, confidence):
        causes = []
        for name, item in self._items.items():
            level = confidence(name, item["kinds"])
            if level is None:
                continue
            causes.append({"name": name, "confidence": level, "evidence": list(item["evidence"])})
        # sorted() is stable, reverse=True included: equal levels keep the order they were found in.
        return sorted(causes, key=lambda cause: CONFIDENCE_RANK[cause["confidence"]], reverse=True)


def _level_from_kinds(kinds, strong=(), weak_only="low"):
    """'high' for two independent kinds (or one strong kind), 'medium' for one, WEAK_ONLY for circumstantial."""
    solid = [k for k in kinds if not k.startswith("weak")]
    if any(k in strong for k in solid) or len(solid) >= 2:
        return "high"
    if solid:
        return "medium"
    return weak_only if kinds else None


def diagnose(evidence, min_free_gb=DEFAULT_MIN_FREE_GB,
             large_download_cache_gb=DEFAULT_LARGE_DOWNLOAD_CACHE_GB):
    """Evidence (normalise()) -> likely causes, strongest first.

    min_free_gb: below this much free space on the system drive -> low_disk.
    large_download_cache_gb: a SoftwareDistribution folder above this size
        supports corrupt_download_cache (when updates fail).
    """
    found = _Causes()
    failures = [f for f in evidence.get("update_failures", []) if not f.get("resolved")]
    failing = [f for f in failures
               if not f.get("hresult") or f["hresult"].get("category") not in NEUTRAL_CATEGORIES]

    # Failure codes: each names its cause (kind "code").
    for failure in failing:
        cause = failure.get("cause_hint")
        if cause:
            found.add(cause, "code", describe_failure(failure))

    _download_cache(found, evidence, failing, large_download_cache_gb)
    _catroot2(found, evidence, failing)
    _cbs(found, evidence)
    _low_disk(found, evidence, min_free_gb)
    _pending(found, evidence)
    _services(found, evidence)
    _insider(found, evidence, failing)
    _antivirus(found, evidence, failing)
    _storage(found, evidence)

    explained = [f for f in failing if f.get("cause_hint") in FAILURE_CAUSES]
    unexplained = [f for f in failing if f not in explained]
    # Conditions found without a failure code (space, reboot, disk) do not
    # explain a failure by themselves; an Insider build does (it is the
    # "failures" evidence of insider_build_conflict).
    if unexplained and not any(found.has(c) for c in FAILURE_CAUSES if c not in
                               ("low_disk", "pending_reboot", "storage_fault")):
        for failure in unexplained:
            found.add("unknown_update_failure", "weak:code", describe_failure(failure))

    return found.result(_confidence)


# The kinds of evidence that make a cause "high" by themselves: a measurement,
# a servicing flag, a service's own setting.
STRONG_KINDS = {
    "low_disk": ("measure", "disk_health"),
    "storage_fault": ("measure", "disk_health"),
    "pending_reboot": ("servicing_flag",),
    "wu_services_disabled": ("service",),
}


def _confidence(name, kinds):
    if name == "forward_delta_hydration":
        # The 26100 runbook signature is the code AND the CBS.log line.
        return "high" if ("code" in kinds and "cbs" in kinds) else ("medium" if kinds else None)
    if "weak:now_enough" in kinds:
        return "low"  # low_disk: a disk-full code from the past, but there is room now
    if name == "third_party_filter_driver":
        # The product and its minifilter are one witness; an access-denied or
        # sharing-violation failure beside them is the second.
        present = "product" in kinds or "filter" in kinds
        if present and "code" in kinds:
            return "high"
        return "medium" if present else "low"
    # unknown_update_failure has only circumstantial ("weak:code") evidence: "low".
    return _level_from_kinds(kinds, strong=STRONG_KINDS.get(name, ()))


def _download_cache(found, evidence, failing, large_gb):
    folder = evidence.get("folders", {}).get("software_distribution") or {}
    if not failing:
        return
    size = folder.get("size_bytes") or 0
    # Size is circumstantial: it counts fully only when some failure is not
    # already explained by a code pointing elsewhere.
    open_failures = any(f.get("cause_hint") in (None, "corrupt_download_cache") for f in failing)
    if folder.get("exists") and size > large_gb * GB:
        found.add("corrupt_download_cache", "size" if open_failures else "weak:size",
                  "%s holds %.1f GB (more than %g GB) while updates fail"
                  % (folder.get("path") or "SoftwareDistribution", size / GB, large_gb))


def _catroot2(found, evidence, failing):
    if not failing:
        return
    for service in evidence.get("services", []):
        if service["name"] == "cryptsvc" and service.get("exists") and service.get("state") != "running":
            found.add("inconsistent_catroot2", "weak:service",
                      "Cryptographic Services (cryptsvc, owner of catroot2) is %s" % service.get("state"))


def _cbs(found, evidence):
    cbs = evidence.get("cbs") or {}
    for signal in cbs.get("signals", []):
        cause = signal.get("cause")
        if signal["name"] == "errors_encountered":
            continue  # 0x80070306 in CBS.log alone is not the hydration signature
        if cause == "missing_payload":
            cause = "corrupt_component_store"
        if cause in ("corrupt_component_store", "forward_delta_hydration"):
            found.add(cause, "cbs", "CBS.log: %d line%s like %r" % (
                signal["count"], "" if signal["count"] == 1 else "s", signal["sample"]))
    sfc = cbs.get("sfc") or {}
    if sfc.get("cannot_repair_member_file"):
        files = ", ".join(sfc.get("unrepaired_files", [])[:5])
        found.add("corrupt_system_files", "cbs",
                  "CBS.log: sfc could not repair %d file%s%s" % (
                      sfc["cannot_repair_member_file"], "" if sfc["cannot_repair_member_file"] == 1 else "s",
                      (" (%s)" % files) if files else ""))


def _low_disk(found, evidence, min_free_gb):
    drive = evidence.get("system_drive") or {}
    free = drive.get("free_bytes")
    if free is None:
        if found.has("low_disk"):
            # A disk-full failure code, and no measure to weaken or confirm it.
            found.add("low_disk", "weak:space_unknown",
                      "the free space of %s could not be read" % (drive.get("drive") or "the system drive"))
        return
    if free >= min_free_gb * GB:
        if found.has("low_disk"):
            # A disk-full failure code with enough space now: kept, weaker.
            found.add("low_disk", "weak:now_enough",
                      "%s now has %.1f GB free" % (drive.get("drive") or "system drive", free / GB))
        return
    found.add("low_disk", "measure", "%s has %.1f GB free (less than %g GB)"
              % (drive.get("drive") or "system drive", free / GB, min_free_gb))
    backups = evidence.get("backups") or []
    if backups:
        found.add("low_disk", "measure", "%d old SoftwareDistribution/catroot2 %s %.1f GB that can be freed"
                  % (len(backups), "backup holds" if len(backups) == 1 else "backups hold",
                     sum(b["size_bytes"] for b in backups) / GB))


def _pending(found, evidence):
    flags = evidence.get("pending_reboot") or {}
    if flags.get("cbs_reboot_pending"):
        found.add("pending_reboot", "servicing_flag",
                  "Component Based Servicing\\RebootPending is set")
    if flags.get("wu_reboot_required"):
        found.add("pending_reboot", "servicing_flag",
                  "WindowsUpdate\\Auto Update\\RebootRequired is set")
    # Many installers set these two; alone they rarely block servicing.
    if flags.get("pending_file_rename"):
        found.add("pending_reboot", "weak:rename", "Session Manager PendingFileRenameOperations is set")
    if flags.get("computer_rename"):
        found.add("pending_reboot", "weak:rename", "the computer was renamed and not restarted since")


def _services(found, evidence):
    for service in evidence.get("services", []):
        if service["name"] not in REQUIRED_SERVICES:
            continue
        if not service.get("exists"):
            found.add("wu_services_disabled", "service", "service %s is not registered" % service["name"])
        elif service.get("start_mode") == "disabled":
            found.add("wu_services_disabled", "service", "service %s (%s) is disabled"
                      % (service["name"], service.get("display_name") or service["name"]))


def _insider(found, evidence, failing):
    insider = evidence.get("insider") or {}
    if not failing and (evidence.get("target") or {}).get("installed"):
        return  # the release update the host should have installed: the enrolment broke nothing (yet)
    if insider.get("enrolled"):
        what = ", ".join("%s=%s" % (k, insider[k]) for k in ("branch_name", "ring", "content_type")
                         if insider.get(k))
        found.add("insider_build_conflict", "registry",
                  "enrolled in the Windows Insider Program (WindowsSelfHost\\Applicability: %s)" % (what or "present"))
        if insider.get("flightsigning"):
            found.add("insider_build_conflict", "registry", "flightsigning is on in the boot configuration")
        if failing:
            found.add("insider_build_conflict", "failures",
                      "%d update failure%s on an Insider build %s"
                      % (len(failing), "" if len(failing) == 1 else "s",
                         (evidence.get("os") or {}).get("full_build") or ""))
    elif insider.get("flightsigning"):
        found.add("insider_build_conflict", "weak:flightsigning",
                  "flightsigning is on in the boot configuration (left over from the Insider Program?)")


def _antivirus(found, evidence, failing):
    if not failing:
        return
    products = [p for p in evidence.get("antivirus", []) if p.get("third_party") and p.get("enabled") is not False]
    filters = [f for f in evidence.get("filter_drivers", []) if f.get("third_party_antivirus")]
    for product in products:
        found.add("third_party_filter_driver", "product",
                  "third-party antivirus registered: %s (productState %s)"
                  % (product["name"], product.get("product_state_hex")))
    for flt in filters:
        found.add("third_party_filter_driver", "filter",
                  "third-party minifilter %s loaded at altitude %d (anti-virus load order group)"
                  % (flt["name"], flt["altitude"]))
    if not products and not filters and found.has("third_party_filter_driver"):
        # Only an access-denied / sharing-violation code: no antivirus to blame.
        found.add("third_party_filter_driver", "weak:none_found",
                  "no third-party antivirus or minifilter was found")


def _storage(found, evidence):
    health = evidence.get("disk_health") or {}
    for disk in health.get("physical_disks", []):
        if (disk.get("health_status") or "").lower() in UNHEALTHY_DISK_STATES:
            found.add("storage_fault", "disk_health", "physical disk %s reports HealthStatus %s (%s)"
                      % (disk.get("friendly_name") or "?", disk["health_status"],
                         disk.get("operational_status") or "no operational status"))
    events = health.get("storage_events", [])
    strong = [e for e in events if e.get("event_id") in STRONG_STORAGE_EVENTS]
    weak = [e for e in events if e.get("event_id") not in STRONG_STORAGE_EVENTS]
    if strong:
        ids = sorted({"%s %s" % (e.get("provider"), e.get("event_id")) for e in strong})
        found.add("storage_fault", "events", "%d storage error event%s in the System log (%s), last %s"
                  % (len(strong), "" if len(strong) == 1 else "s", ", ".join(ids), strong[0].get("time")))
    if weak:
        ids = sorted({"%s %s" % (e.get("provider"), e.get("event_id")) for e in weak})
        found.add("storage_fault", "weak:events", "%d storage warning event%s in the System log (%s)"
                  % (len(weak), "" if len(weak) == 1 else "s", ", ".join(ids)))
