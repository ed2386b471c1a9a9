# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""diagnosis: raw script evidence -> normalised evidence -> causes with confidence."""
from __future__ import annotations

import copy
import re


import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder  # noqa: E402

GB = 1024 ** 3
CU = "2026-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5066835)"

HEALTHY = {
    "collected_at": "2026-11-02T09:00:00Z",
    "os": {"caption": "Microsoft Windows 11 Pro", "product_name": "Windows 10 Pro", "edition_id": "Professional",
           "display_version": "24H2", "version": "10.0.26100", "current_build": "26100", "ubr": 2033,
           "product_type": 1, "processor_architecture": "AMD64", "install_language": "en-US",
           "hostname": "WIN11-01"},
    "system_drive": {"drive": "C:", "size_bytes": 256 * GB, "free_bytes": 80 * GB},
    "pending_reboot": {"cbs_reboot_pending": False, "wu_reboot_required": False,
                       "pending_file_rename": False, "computer_rename": False},
    "services": [
        {"name": "wuauserv", "exists": True, "display_name": "Windows Update", "state": "Running",
         "start_mode": "Manual", "delayed_auto_start": False},
        {"name": "cryptsvc", "exists": True, "display_name": "Cryptographic Services", "state": "Running",
         "start_mode": "Auto", "delayed_auto_start": False},
        {"name": "bits", "exists": True, "display_name": "Background Intelligent Transfer Service",
         "state": "Running", "start_mode": "Auto", "delayed_auto_start": True},
        {"name": "trustedinstaller", "exists": True, "display_name": "Windows Modules Installer",
         "state": "Stopped", "start_mode": "Manual", "delayed_auto_start": False},
    ],
    "folders": [
        {"name": "software_distribution", "path": "C:\\Windows\\SoftwareDistribution", "exists": True,
         "size_bytes": 2 * GB},
        {"name": "catroot2", "path": "C:\\Windows\\System32\\catroot2", "exists": True, "size_bytes": 40 * 1024 ** 2},
    ],
    "backups": [],
    "insider": {"flightsigning_line": ""},
    "antivirus": [{"display_name": "Windows Defender", "product_state": 0x61100, "path": "windowsdefender://"}],
    "defender": {"available": True, "am_service_enabled": True, "antivirus_enabled": True,
                 "real_time_protection_enabled": True, "am_running_mode": "Normal"},
    "filter_drivers": [
        "",
        "Filter Name                     Num Instances    Altitude    Frame",
        "------------------------------  -------------  ------------  -----",
        "bindflt                                 1       409800         0",
        "WdFilter                                5       328010         0",
        "UCPD                                    4       385250.5       0",
        "FileInfo                                5        40500         0",
    ],
    "update_history": [
        {"date": "2026-10-15T03:00:00Z", "title": CU, "operation": 1, "result_code": 2, "hresult": 0},
    ],
    "update_events": [],
    "installed_kbs": ["KB5066835"],
    "cbs_log": {"path": "C:\\Windows\\Logs\\CBS\\CBS.log", "exists": True, "size_bytes": 1000,
                "tail": ["2026-10-15 03:00:00, Info CBS Exec: Processing complete."], "matches": []},
    "storage_events": [],
    "physical_disks": [{"friendly_name": "NVMe Disk 0", "health_status": "Healthy", "operational_status": "OK",
                        "media_type": "SSD"}],
    "probe_errors": [],
}


def raw(**changes):
    data = copy.deepcopy(HEALTHY)
    for key, value in changes.items():
        data[key] = value
    return data


def failure(code, title=CU, when="2026-10-30T03:00:00Z", result_code=4):
    signed = code - 0x100000000 if code & 0x80000000 else code
    return {"date": when, "title": title, "operation": 1, "result_code": result_code, "hresult": signed}


def causes_of(data, **kw):
    return {c["name"]: c for c in diagnosis.diagnose(diagnosis.normalise(data), **kw)}


def failing(*codes, installed=()):
    return dict(update_history=[failure(c, title="Update (KB50%05d)" % i) for i, c in enumerate(codes)],
                installed_kbs=list(installed))


# ----------------------------------------------------------------- normalise

def test_normalise_healthy_host():
    ev = diagnosis.normalise(HEALTHY)
    assert ev["os"]["product_name"] == "Windows 11 Pro"  # Caption, not the registry's "Windows 10 Pro"
    assert ev["os"]["architecture"] == "x64" and ev["os"]["product_type"] == "workstation"
    assert ev["os"]["full_build"] == "26100.2033" and ev["os"]["is_server"] is False
    assert ev["system_drive"]["free_gb"] == 80.0
    assert ev["pending_reboot"]["any"] is False
    bits = [s for s in ev["services"] if s["name"] == "bits"][0]
    assert bits["state"] == "running" and bits["start_mode"] == "delayed"
    assert ev["folders"]["software_distribution"]["size_gb"] == 2.0
    assert ev["insider"] == {"enrolled": False, "branch_name": None, "ring": None, "content_type": None,
                             "preview_builds_enabled": None, "flightsigning": False}
    assert ev["antivirus"][0]["third_party"] is False and ev["antivirus"][0]["enabled"] is True
    assert [f["name"] for f in ev["filter_drivers"]] == ["bindflt", "WdFilter", "UCPD", "FileInfo"]
    assert [f["name"] for f in ev["filter_drivers"] if f["antivirus_range"]] == ["WdFilter"]
    assert not any(f["third_party_antivirus"] for f in ev["filter_drivers"])
    assert ev["update_failures"] == []
    assert ev["disk_health"]["healthy"] is True


def test_healthy_host_has_no_cause():
    assert diagnosis.diagnose(diagnosis.normalise(HEALTHY)) == []


def test_normalise_tolerates_an_empty_result():
    ev = diagnosis.normalise({})
    assert ev["os"]["build"] is None and ev["system_drive"]["free_bytes"] is None
    assert ev["folders"]["software_distribution"]["exists"] is False
    assert diagnosis.diagnose(ev) == []


@pytest.mark.parametrize("product_type, arch, name, want_type, want_arch", [
    (3, "AMD64", "Microsoft Windows Server 2022 Datacenter", "server", "x64"),
    (2, "AMD64", "Microsoft Windows Server 2025 Standard", "domain_controller", "x64"),
    (1, "ARM64", "Microsoft Windows 11 Pro", "workstation", "arm64"),
])
def test_normalise_os_variants(product_type, arch, name, want_type, want_arch):
    os_raw = dict(HEALTHY["os"], product_type=product_type, processor_architecture=arch, caption=name)
    ev = diagnosis.normalise(raw(os=os_raw))
    assert ev["os"]["product_type"] == want_type and ev["os"]["architecture"] == want_arch
    assert ev["os"]["product_name"] == name[len("Microsoft "):]
    assert ev["os"]["is_server"] is (want_type != "workstation")


def test_history_and_event_of_the_same_failure_merge_and_decode():
    events = [{"time": "2026-10-31T03:00:00Z", "event_id": 20, "provider": "Microsoft-Windows-WindowsUpdateClient",
               "message": "Installation Failure: Windows failed to install the following update with error "
                          "0x80070306: %s." % CU, "update_title": None, "error_code": None}]
    ev = diagnosis.normalise(raw(update_history=[failure(0x80070306)], update_events=events, installed_kbs=[]))
    assert len(ev["update_failures"]) == 1
    f = ev["update_failures"][0]
    assert f["kb"] == "KB5066835" and f["count"] == 2 and f["sources"] == ["history", "event"]
    assert f["first_seen"] == "2026-10-30T03:00:00Z" and f["last_seen"] == "2026-10-31T03:00:00Z"
    assert f["hresult"]["hex"] == "0x80070306" and f["hresult"]["name"] == "ERROR_ERRORS_ENCOUNTERED"
    assert f["hresult"]["facility"] == "WIN32" and f["hresult"]["signed"] == -2147024122
    assert "handle" not in (f["hresult"]["meaning"] or "").lower()
    assert f["cause_hint"] == "forward_delta_hydration" and f["resolved"] is False


def test_event_error_code_field_wins_over_the_message():
    events = [{"time": "2026-10-31T03:00:00Z", "event_id": 20, "message": "failed with error 0x80070002",
               "update_title": CU, "error_code": "0x80242016"}]
    ev = diagnosis.normalise(raw(update_events=events, update_history=[], installed_kbs=[]))
    assert ev["update_failures"][0]["hresult"]["name"] == "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE"


def test_a_failure_followed_by_success_or_installed_kb_is_resolved():
    later = {"date": "2026-10-31T03:00:00Z", "title": CU, "operation": 1, "result_code": 2, "hresult": 0}
    ev = diagnosis.normalise(raw(update_history=[later, failure(0x80242016)], installed_kbs=[]))
    assert ev["update_failures"][0]["resolved"] is True
    ev = diagnosis.normalise(raw(update_history=[failure(0x80242016)], installed_kbs=["kb5066835"]))
    assert ev["update_failures"][0]["resolved"] is True
    assert causes_of(raw(update_history=[failure(0x80242016)])) == {}


def test_cbs_pattern_selects_what_the_python_side_looks_for():
    pattern = re.compile(diagnosis.cbs_pattern(), re.IGNORECASE)
    for line in ("2026-10-30 03:00:00, Error CBS Hydration failed for component X from Forward Delta",
                 "2026-10-30 03:00:00, Info CSI 00000008 [SR] Cannot repair member file [l:10]\"x.dll\"",
                 "Info CSI (p)\tCSI Payload Corrupt amd64_x",
                 "Error CBS Failed to ... [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]"):
        assert pattern.search(line), line
    assert not pattern.search("2026-10-15 03:00:00, Info CBS Exec: Processing complete.")


# ----------------------------------------------------------------- diagnose

def test_download_cache_code_and_big_folder_is_high():
    folders = copy.deepcopy(HEALTHY["folders"])
    folders[0]["size_bytes"] = 18 * GB
    got = causes_of(raw(folders=folders, **failing(0x80242016)))
    assert got["corrupt_download_cache"]["confidence"] == "high"
    text = " ".join(got["corrupt_download_cache"]["evidence"])
    assert "0x80242016 WU_E_UH_POSTREBOOTUNEXPECTEDSTATE" in text and "18.0 GB" in text
    # Code alone: medium. Threshold is a parameter.
    assert causes_of(raw(**failing(0x80242016)))["corrupt_download_cache"]["confidence"] == "medium"
    assert causes_of(raw(folders=folders, **failing(0x80242016)),
                     large_download_cache_gb=20)["corrupt_download_cache"]["confidence"] == "medium"


def test_big_download_cache_without_failures_is_no_cause():
    folders = copy.deepcopy(HEALTHY["folders"])
    folders[0]["size_bytes"] = 30 * GB
    assert causes_of(raw(folders=folders)) == {}


def test_forward_delta_needs_code_and_cbs_line_for_high():
    cbs = dict(HEALTHY["cbs_log"], matches=[
        "2026-10-30 03:10:00, Error CBS Hydration failed for component amd64_x from Forward Delta "
        "[HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]"])
    got = causes_of(raw(cbs_log=cbs, **failing(0x80070306)))
    assert got["forward_delta_hydration"]["confidence"] == "high"
    assert any("Hydration failed" in e for e in got["forward_delta_hydration"]["evidence"])
    assert causes_of(raw(**failing(0x80070306)))["forward_delta_hydration"]["confidence"] == "medium"
    assert causes_of(raw(cbs_log=cbs))["forward_delta_hydration"]["confidence"] == "medium"
    # 0x80070306 in CBS.log without a hydration line is not the signature.
    plain = dict(HEALTHY["cbs_log"], matches=["Error CBS Failed [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]"])
    assert "forward_delta_hydration" not in causes_of(raw(cbs_log=plain))
    # And the ladder sends it to the repair install.
    rungs = ladder.recommended_rungs(list(got.values()))
    assert "inplace_upgrade" in [r["rung"] for r in rungs]


def test_component_store_and_system_files():
    cbs = dict(HEALTHY["cbs_log"], matches=[
        "2026-10-30 03:10:00, Info CSI 00000009 [SR] Cannot repair member file [l:12]\"ntdll.dll\" of x",
        "2026-10-30 03:11:00, Info CSI (p)\tCSI Payload Corrupt amd64_microsoft-windows-x"])
    got = causes_of(raw(cbs_log=cbs))
    assert got["corrupt_system_files"]["confidence"] == "medium"
    assert "ntdll.dll" in got["corrupt_system_files"]["evidence"][0]
    assert got["corrupt_component_store"]["confidence"] == "medium"
    got = causes_of(raw(cbs_log=cbs, **failing(0x80073712)))
    assert got["corrupt_component_store"]["confidence"] == "high"


def test_catroot2_code_with_cryptsvc_stopped():
    services = copy.deepcopy(HEALTHY["services"])
    services[1]["state"] = "Stopped"
    got = causes_of(raw(services=services, **failing(0x800B0100)))
    assert got["inconsistent_catroot2"]["confidence"] == "medium"
    assert any("cryptsvc" in e for e in got["inconsistent_catroot2"]["evidence"])
    # cryptsvc stopped without failures is no cause.
    assert "inconsistent_catroot2" not in causes_of(raw(services=services))


def test_insider():
    insider = {"branch_name": "ge_release", "ring": "External", "content_type": "Mainline",
               "enable_preview_builds": 1, "flightsigning_line": "flightsigning           Yes"}
    got = causes_of(raw(insider=insider))
    assert got["insider_build_conflict"]["confidence"] == "medium"
    assert "ge_release" in got["insider_build_conflict"]["evidence"][0]
    got = causes_of(raw(insider=insider, **failing(0x80004005)))
    assert got["insider_build_conflict"]["confidence"] == "high"
    assert "unknown_update_failure" not in got
    got = causes_of(raw(insider={"flightsigning_line": "flightsigning           Yes"}))
    assert got["insider_build_conflict"]["confidence"] == "low"
    assert causes_of(raw(insider={"flightsigning_line": "flightsigning           No"})) == {}


def test_third_party_antivirus_only_matters_when_updates_fail():
    av = HEALTHY["antivirus"] + [{"display_name": "Contoso Endpoint", "product_state": 0x41000, "path": "x"}]
    flt = HEALTHY["filter_drivers"] + ["csagent                                 4       321410         0"]
    assert causes_of(raw(antivirus=av, filter_drivers=flt)) == {}
    got = causes_of(raw(antivirus=av, filter_drivers=flt, **failing(0x80004005)))
    assert got["third_party_filter_driver"]["confidence"] == "medium"
    assert any("csagent" in e and "321410" in e for e in got["third_party_filter_driver"]["evidence"])
    got = causes_of(raw(antivirus=av, **failing(0x80070020)))  # sharing violation beside the product
    assert got["third_party_filter_driver"]["confidence"] == "high"
    # Access denied with no third-party product anywhere: weak.
    got = causes_of(raw(**failing(0x80070005)))
    assert got["third_party_filter_driver"]["confidence"] == "low"
    # A disabled third-party product (productState off) is not blamed.
    off = HEALTHY["antivirus"] + [{"display_name": "Old AV", "product_state": 0x40000, "path": "x"}]
    assert "third_party_filter_driver" not in causes_of(raw(antivirus=off, **failing(0x80004005)))


@pytest.mark.parametrize("free_gb, threshold, expected", [
    (12, 20.0, "high"), (25, 20.0, None), (12, 10.0, None), (35, 40.0, "high"),
])
def test_low_disk_threshold(free_gb, threshold, expected):
    drive = dict(HEALTHY["system_drive"], free_bytes=free_gb * GB)
    got = causes_of(raw(system_drive=drive), min_free_gb=threshold)
    assert (got.get("low_disk") or {}).get("confidence") == expected


def test_low_disk_names_backups_that_can_go():
    drive = dict(HEALTHY["system_drive"], free_bytes=5 * GB)
    backups = [{"path": "C:\\Windows\\SoftwareDistribution.bak-20260101T000000", "size_bytes": 6 * GB}]
    got = causes_of(raw(system_drive=drive, backups=backups))
    assert any("6.0 GB" in e for e in got["low_disk"]["evidence"])
    # A disk-full code from the past while there is room now: low.
    got = causes_of(raw(**failing(0x80070070)))
    assert got["low_disk"]["confidence"] == "low"


@pytest.mark.parametrize("flags, expected", [
    ({"cbs_reboot_pending": True}, "high"),
    ({"wu_reboot_required": True}, "high"),
    ({"pending_file_rename": True}, "low"),
    ({"computer_rename": True}, "low"),
])
def test_pending_reboot(flags, expected):
    pending = dict(HEALTHY["pending_reboot"], **flags)
    assert causes_of(raw(pending_reboot=pending))["pending_reboot"]["confidence"] == expected


def test_storage_fault_levels():
    disks = [dict(HEALTHY["physical_disks"][0], health_status="Warning", operational_status="Predictive Failure")]
    got = causes_of(raw(physical_disks=disks))
    assert got["storage_fault"]["confidence"] == "high"
    assert "Predictive Failure" in got["storage_fault"]["evidence"][0]
    bad_block = [{"time": "2026-10-30T01:00:00Z", "provider": "disk", "event_id": 7, "level": "Error",
                  "message": "The device, \\Device\\Harddisk0\\DR0, has a bad block."}]
    assert causes_of(raw(storage_events=bad_block))["storage_fault"]["confidence"] == "medium"
    surprise = [dict(bad_block[0], event_id=157, level="Warning")]
    assert causes_of(raw(storage_events=surprise))["storage_fault"]["confidence"] == "low"


def test_disabled_update_service():
    services = copy.deepcopy(HEALTHY["services"])
    services[0]["start_mode"] = "Disabled"
    got = causes_of(raw(services=services))
    assert got["wu_services_disabled"]["confidence"] == "high"
    assert "wuauserv" in got["wu_services_disabled"]["evidence"][0]


def test_unknown_failure_only_when_nothing_explains_it():
    got = causes_of(raw(**failing(0x80004005)))
    assert list(got) == ["unknown_update_failure"] and got["unknown_update_failure"]["confidence"] == "low"
    assert "unknown_update_failure" not in causes_of(raw(**failing(0x80004005, 0x80242016)))
    # Network failures are not a repair matter: no cause.
    assert causes_of(raw(**failing(0x80072EFD))) == {}


def test_causes_are_sorted_strongest_first():
    drive = dict(HEALTHY["system_drive"], free_bytes=3 * GB)
    got = diagnosis.diagnose(diagnosis.normalise(raw(
        system_drive=drive, pending_reboot=dict(HEALTHY["pending_reboot"], pending_file_rename=True),
        **failing(0x80242016))))
    levels = [diagnosis.CONFIDENCE_RANK[c["confidence"]] for c in got]
    assert levels == sorted(levels, reverse=True)
    assert got[0]["name"] == "low_disk" and got[-1]["name"] == "pending_reboot"
    for c in got:
        assert c["evidence"] and all(isinstance(e, str) for e in c["evidence"])
        assert c["name"] in ladder.DEFAULT_CAUSE_MAP


def test_storage_events_read_twice_under_two_provider_names_count_once():
    event = {"time": "2026-10-28T12:00:00Z", "provider": "Ntfs", "event_id": 55, "level": "Error",
             "message": "A corruption was discovered in the file system structure on volume C:."}
    older = dict(event, time="2026-10-01T12:00:00Z")
    ev = diagnosis.normalise(raw(storage_events=[older, event, dict(event, provider="Microsoft-Windows-Ntfs")]))
    assert [e["time"] for e in ev["disk_health"]["storage_events"]] == ["2026-10-28T12:00:00Z", "2026-10-01T12:00:00Z"]
    got = causes_of(raw(storage_events=[older, event, dict(event, provider="Microsoft-Windows-Ntfs")]))
    assert got["storage_fault"]["evidence"][0].startswith("2 storage error events")
    assert "last 2026-10-28T12:00:00Z" in got["storage_fault"]["evidence"][0]


def _event20(when, code=0x80070306, title=CU):
    return {"time": when, "event_id": 20, "provider": "Microsoft-Windows-WindowsUpdateClient",
            "message": "Installation Failure: Windows failed to install the following update with error "
                       "0x%08X: %s." % (code, title), "update_title": title, "error_code": "0x%08X" % code}


def test_one_failed_attempt_in_history_and_event_20_counts_once():
    # WUA writes the history entry and WindowsUpdateClient event 20 for the same attempt: 3 attempts, not 6.
    days = ("2026-10-28", "2026-10-29", "2026-10-30")
    history = [failure(0x80070306, when="%sT03:00:00Z" % d) for d in days]
    events = [_event20("%sT03:00:%02dZ" % (d, 5 * i)) for i, d in enumerate(days)]  # logged seconds apart
    ev = diagnosis.normalise(raw(update_history=history, update_events=events, installed_kbs=[]))
    assert len(ev["update_failures"]) == 1
    f = ev["update_failures"][0]
    assert f["count"] == 3 and f["sources"] == ["history", "event"]
    cause = causes_of(raw(update_history=history, update_events=events, installed_kbs=[]))["forward_delta_hydration"]
    assert any("failed 3 times" in sentence for sentence in cause["evidence"])


def test_attempts_hours_apart_or_with_other_codes_stay_apart():
    history = [failure(0x80070306, when="2026-10-30T03:00:00Z")]
    events = [_event20("2026-10-30T09:00:00Z"), _event20("2026-10-30T03:00:10Z", code=0x80242016)]
    ev = diagnosis.normalise(raw(update_history=history, update_events=events, installed_kbs=[]))
    counts = sorted((f["hresult"]["hex"], f["count"]) for f in ev["update_failures"])
    assert counts == [("0x80070306", 2), ("0x80242016", 1)]


# --------------------------------------------- the survey after a fix agrees with it

TARGET = "KB5043080"
TARGET_CU = "2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)"
STORE_LINES = [
    "2026-10-30 03:10:00, Info                  CBS    Mark store corruption flag because of package: "
    "Package_for_RollupFix [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
    "2026-10-30 03:10:00, Info                  CSI    00000311 (p)\tCSI Payload Corrupt\tamd64_x\\CbsCore.dll",
    "2026-10-30 03:11:00, Info                  CSI    00000009 [SR] Cannot repair member file [l:12]\"ntdll.dll\" of x",
]


def _fixed_host(**changes):
    """Three failed installs of the target, the store corruption lines they left, then the fix installed it."""
    history = [failure(0x80073712, title=TARGET_CU, when="2026-10-%02dT03:00:00Z" % d) for d in (28, 29, 30)]
    history.append({"date": "2026-10-31T05:00:00Z", "title": TARGET_CU, "operation": 1, "result_code": 2,
                    "hresult": 0})
    data = raw(update_history=history, installed_kbs=["KB5066835", TARGET],
               cbs_log=dict(HEALTHY["cbs_log"], matches=list(STORE_LINES)))
    data.update(changes)
    return data


@pytest.mark.parametrize("target_kb", [TARGET, None])  # None: the last successful cumulative update is the line
def test_evidence_older_than_the_targets_install_no_longer_marks_the_host_broken(target_kb):
    evidence = diagnosis.normalise(_fixed_host(), target_kb=target_kb)
    assert evidence["baseline"]["at"] == "2026-10-31T05:00:00Z" and evidence["baseline"]["kb"] == TARGET
    assert diagnosis.diagnose(evidence) == []


def test_evidence_after_the_targets_install_still_counts():
    later = ["2026-11-01 20:00:00, Info                  CBS    Mark store corruption flag because of package: "
             "Package_for_RollupFix [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]"]
    data = _fixed_host(cbs_log=dict(HEALTHY["cbs_log"], matches=STORE_LINES + later))
    names = [c["name"] for c in diagnosis.diagnose(diagnosis.normalise(data, target_kb=TARGET))]
    assert names == ["corrupt_component_store"]


def test_cbs_lines_within_half_a_day_of_the_install_count_whatever_the_time_zone():
    # CBS.log writes local time and the history UTC: only a line more than 12 h (the widest offset west of
    # UTC) before the install is known to be older than it.
    close = ["2026-10-30 18:00:00, Info                  CSI    00000311 (p)\tCSI Payload Corrupt\tamd64_y"]
    data = _fixed_host(cbs_log=dict(HEALTHY["cbs_log"], matches=close))
    names = [c["name"] for c in diagnosis.diagnose(diagnosis.normalise(data, target_kb=TARGET))]
    assert names == ["corrupt_component_store"]


def test_an_insider_host_whose_target_installed_is_not_broken_by_the_enrolment_alone():
    insider = {"branch_name": "Beta", "ring": "External", "flightsigning_line": "flightsigning           Yes"}
    fixed = diagnosis.normalise(_fixed_host(insider=insider), target_kb=TARGET)
    assert diagnosis.diagnose(fixed) == []
    # Without the target, enrolment is reported as before (it breaks release updates by itself).
    assert "insider_build_conflict" in causes_of(raw(insider=insider))
