# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""diagnosis: exact outcomes of the decisions test_diagnosis.py checks only roughly.

Every field normalise() returns, every sentence diagnose() writes, and the edges of
each threshold, so that a changed comparison, constant or word shows.
"""
from __future__ import annotations

import copy
import math

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis

GB = 1024 ** 3
CU = "2026-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5066835)"
# Microsoft Defender's security intelligence updates all carry KB2267602 and install
# many times ("Security intelligence updates for Microsoft Defender Antivirus",
# https://www.microsoft.com/en-us/wdsi/defenderupdates): one update, failing and succeeding.
DEFENDER = "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.421.%d.0)"
# Windows Update titles of driver updates carry no KB number.
DRIVER = "Intel Corporation - Display - 31.0.101.4502"
WU = "Microsoft-Windows-WindowsUpdateClient"

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
    data.update(changes)
    return data


def entry(title, when, result_code, code=0):
    """An update history entry as wu_diagnose.ps1 reports IUpdateHistoryEntry (HResult signed)."""
    signed = code - 0x100000000 if code & 0x80000000 else code
    return {"date": when, "title": title, "operation": 1, "result_code": result_code, "hresult": signed}


def event20(when, code, title=CU):
    return {"time": when, "event_id": 20, "provider": WU,
            "message": "Installation Failure: Windows failed to install the following update with error "
                       "0x%08X: %s." % (code, title), "update_title": title, "error_code": "0x%08X" % code}


def failures_of(**changes):
    return diagnosis.normalise(raw(**changes))["update_failures"]


def diagnosed(data, **kw):
    return diagnosis.diagnose(diagnosis.normalise(data), **kw)


def by_name(data, **kw):
    return {c["name"]: c for c in diagnosed(data, **kw)}


def service(name, display, state="Running", start_mode="Manual", delayed=False, **extra):
    item = {"name": name, "exists": True, "display_name": display, "state": state, "start_mode": start_mode,
            "delayed_auto_start": delayed}
    item.update(extra)
    return item


# ------------------------------------------------------------ failure codes

# The codes whose cause is specific (diagnosis.CODE_CAUSES), written out: names and
# meanings in wuerror.h / winerror.h (microsoft/win32metadata) and the KB 947821 table.
SPECIFIC_CODES = {
    0x80242016: "corrupt_download_cache", 0x8024200D: "corrupt_download_cache",
    0x80242006: "corrupt_download_cache", 0x80246002: "corrupt_download_cache",
    0x80246007: "corrupt_download_cache", 0x80240034: "corrupt_download_cache",
    0x80248007: "corrupt_download_cache", 0x80070002: "corrupt_download_cache",
    0x8007000D: "corrupt_download_cache",
    0x800B0100: "inconsistent_catroot2", 0x800B0109: "inconsistent_catroot2", 0x80092003: "inconsistent_catroot2",
    0x80070570: "corrupt_system_files",
    0x80073712: "corrupt_component_store", 0x800F0831: "corrupt_component_store",
    0x800F081F: "corrupt_component_store", 0x80073701: "corrupt_component_store",
    0x8007371B: "corrupt_component_store", 0x80092004: "corrupt_component_store",
    0x800F0988: "corrupt_component_store",
    0x80070306: "forward_delta_hydration", 0x800F0982: "forward_delta_hydration",
    0x800F0984: "forward_delta_hydration", 0x800F0986: "forward_delta_hydration",
    0x80242014: "pending_reboot", 0x80240016: "pending_reboot", 0x8024D00E: "pending_reboot",
    0xC1900107: "pending_reboot",
    0x8007045D: "storage_fault", 0x80070017: "storage_fault",
}


@pytest.mark.parametrize("code", sorted(SPECIFIC_CODES))
def test_each_specific_code_names_its_cause_in_every_spelling(code):
    signed = code - 0x100000000
    for spelling in (code, signed, "0x%08X" % code, "0x%08x" % code, str(signed)):
        assert diagnosis.cause_of_code(spelling) == SPECIFIC_CODES[code], spelling


@pytest.mark.parametrize("code", sorted(SPECIFIC_CODES))
def test_the_codes_beside_a_specific_one_go_by_their_category(code):
    # A code one above or below is another error: only its hresult.py category may name a cause.
    for other in (code - 1, code + 1):
        if other in SPECIFIC_CODES:
            continue
        category = diagnosis.decode_code(other)["category"]
        assert diagnosis.cause_of_code(other) == diagnosis.CATEGORY_CAUSES.get(category), hex(other)


def test_what_is_no_code_has_no_cause():
    for value in (None, "n/a", "", ["0x80070002"], {"code": 2}):
        assert diagnosis.decode_code(value) is None
        assert diagnosis.cause_of_code(value) is None


def test_decode_code_fields():
    assert diagnosis.decode_code("0x80070306") == {
        "hex": "0x80070306", "signed": -2147024122, "facility": "WIN32", "facility_number": 7,
        "name": "ERROR_ERRORS_ENCOUNTERED", "meaning": diagnosis.decode_code(0x80070306)["meaning"],
        "category": "errors_encountered", "hint": diagnosis.decode_code(0x80070306)["hint"]}
    assert diagnosis.decode_code(0)["hex"] == "0x00000000" and diagnosis.decode_code(0)["category"] == "success"


# ------------------------------------------------------------ normalise: every field

SICK = raw(
    os={"caption": "", "product_name": "Windows Server 2008 R2 Datacenter", "edition_id": "ServerDatacenter",
        "display_version": "", "version": "6.1.7601", "current_build": "7601", "ubr": None, "product_type": "3",
        "processor_architecture": "IA64", "install_language": "de-DE", "hostname": "SRV-IA64"},
    system_drive={"drive": "D:", "size_bytes": "107374182400", "free_bytes": 5 * GB + 512 * 1024 ** 2},
    pending_reboot={"cbs_reboot_pending": "True", "wu_reboot_required": 0, "pending_file_rename": "no",
                    "computer_rename": 1},
    services=[
        # Win32_Service.State and StartMode strings (Microsoft Learn, "Win32_Service class").
        service("wuauserv", "Windows Update", state="Stop Pending", start_mode="Disabled", delayed=True),
        service("cryptsvc", None, state="Start Pending", start_mode="Auto"),
        {"name": "BITS", "display_name": "Background Intelligent Transfer Service", "state": "",
         "start_mode": "Manual", "delayed_auto_start": "False"},
        {"name": "TrustedInstaller", "exists": False, "display_name": None, "state": "Stopped", "start_mode": "Manual"},
    ],
    folders=[
        {"name": "software_distribution", "path": "C:\\Windows\\SoftwareDistribution", "exists": "True",
         "size_bytes": 14 * GB + 256 * 1024 ** 2},
        {"name": "catroot2", "path": "C:\\Windows\\System32\\catroot2", "exists": False},
        {"name": None, "path": "C:\\Windows\\Temp", "exists": True, "size_bytes": 1},
    ],
    backups=[
        {"path": "C:\\Windows\\System32\\catroot2.bak-20260101T000000", "size_bytes": 30 * 1024 ** 2,
         "last_write_time": "2026-01-01T00:00:00Z"},
        {"path": "C:\\Windows\\SoftwareDistribution.bak-20260101T000000", "size_bytes": None},
    ],
    insider={"branch_name": "", "ring": "External", "content_type": "", "enable_preview_builds": None,
             "flightsigning_line": "flightsigning           Yes"},
    antivirus=[
        {"display_name": "Microsoft Defender Antivirus", "product_state": 0x60100, "path": "windowsdefender://"},
        {"display_name": "Contoso Endpoint", "product_state": "266240", "path": ""},
        {"display_name": "", "product_state": None},
    ],
    defender={"available": True, "am_service_enabled": "True", "antivirus_enabled": 0,
              "real_time_protection_enabled": "false", "am_running_mode": "Passive Mode"},
)


def test_normalise_a_sick_host_field_by_field():
    ev = diagnosis.normalise(SICK)
    assert ev["collected_at"] == "2026-11-02T09:00:00Z"
    # No Caption (WMI failed): the registry's ProductName; PROCESSOR_ARCHITECTURE values AMD64, IA64, ARM64, x86
    # (Microsoft Learn, "WOW64 Implementation Details"); an unknown one is kept, lower-case.
    assert ev["os"] == {
        "product_name": "Windows Server 2008 R2 Datacenter", "edition_id": "ServerDatacenter",
        "display_version": None, "version": "6.1.7601", "build": 7601, "ubr": None, "full_build": None,
        "architecture": "ia64", "product_type": "server", "is_server": True, "install_language": "de-DE",
        "hostname": "SRV-IA64"}
    assert ev["system_drive"] == {
        "drive": "D:", "size_bytes": 100 * GB, "free_bytes": 5 * GB + 512 * 1024 ** 2, "free_gb": 5.5,
        "backups_bytes": 30 * 1024 ** 2}
    assert ev["pending_reboot"] == {"cbs_reboot_pending": True, "wu_reboot_required": False,
                                    "pending_file_rename": False, "computer_rename": True, "any": True}
    assert ev["services"] == [
        # A disabled service keeps "disabled" whatever DelayedAutoStart still says.
        {"name": "wuauserv", "display_name": "Windows Update", "exists": True, "state": "stop_pending",
         "start_mode": "disabled"},
        {"name": "cryptsvc", "display_name": None, "exists": True, "state": "start_pending", "start_mode": "auto"},
        # No "exists" reported: the service exists (the script lists what Win32_Service returned).
        {"name": "bits", "display_name": "Background Intelligent Transfer Service", "exists": True, "state": None,
         "start_mode": "manual"},
        {"name": "trustedinstaller", "display_name": None, "exists": False, "state": None, "start_mode": None},
    ]
    assert ev["folders"] == {
        "software_distribution": {"path": "C:\\Windows\\SoftwareDistribution", "exists": True,
                                  "size_bytes": 14 * GB + 256 * 1024 ** 2, "size_gb": 14.25},
        "catroot2": {"path": "C:\\Windows\\System32\\catroot2", "exists": False, "size_bytes": 0, "size_gb": 0.0},
    }
    assert math.copysign(1, ev["folders"]["catroot2"]["size_gb"]) == 1  # 0.0, not -0.0
    assert ev["backups"] == [
        {"path": "C:\\Windows\\System32\\catroot2.bak-20260101T000000", "of": "catroot2",
         "size_bytes": 30 * 1024 ** 2, "size_gb": 0.03, "last_write_time": "2026-01-01T00:00:00Z"},
        {"path": "C:\\Windows\\SoftwareDistribution.bak-20260101T000000", "of": "software_distribution",
         "size_bytes": 0, "size_gb": 0.0, "last_write_time": None},
    ]
    assert ev["insider"] == {"enrolled": True, "branch_name": None, "ring": "External", "content_type": None,
                             "preview_builds_enabled": None, "flightsigning": True}
    # productState 0x60100: Windows Defender, off; 0x41000 (266240): a third-party product, on.
    assert ev["antivirus"] == [
        {"name": "Microsoft Defender Antivirus", "product_state": 0x60100, "product_state_hex": "0x60100",
         "enabled": False, "third_party": False, "path": "windowsdefender://"},
        {"name": "Contoso Endpoint", "product_state": 266240, "product_state_hex": "0x41000", "enabled": True,
         "third_party": True, "path": None},
        {"name": "", "product_state": None, "product_state_hex": None, "enabled": None, "third_party": True,
         "path": None},
    ]
    assert ev["defender"] == {"available": True, "am_service_enabled": True, "antivirus_enabled": False,
                              "real_time_protection_enabled": False, "am_running_mode": "Passive Mode"}


def test_defender_fields_are_unknown_when_defender_is_not_available():
    ev = diagnosis.normalise(raw(defender={"available": False, "am_service_enabled": True, "antivirus_enabled": True,
                                           "real_time_protection_enabled": True, "am_running_mode": None}))
    assert ev["defender"] == {"available": False, "am_service_enabled": None, "antivirus_enabled": None,
                              "real_time_protection_enabled": None, "am_running_mode": None}


def test_values_of_the_wrong_type_are_unknown_not_numbers():
    # A REG_MULTI_SZ read comes back as a list, a flag as a boolean: neither is a build number.
    ev = diagnosis.normalise(raw(os=dict(HEALTHY["os"], current_build=["26100"], ubr=True, product_type="n/a")))
    assert (ev["os"]["build"], ev["os"]["ubr"], ev["os"]["product_type"]) == (None, None, None)
    assert ev["os"]["full_build"] is None and ev["os"]["is_server"] is False


def test_a_service_set_to_delayed_start_is_delayed_only_when_automatic():
    # Win32_Service.DelayedAutoStart (Microsoft Learn, "Win32_Service class") applies to automatic services;
    # assumption: the flag can stay set after the start type changed to manual.
    ev = diagnosis.normalise(raw(services=[service("bits", "BITS", start_mode="Auto", delayed="True"),
                                           service("wuauserv", "Windows Update", start_mode="Manual", delayed=True)]))
    assert [(s["name"], s["start_mode"]) for s in ev["services"]] == [("bits", "delayed"), ("wuauserv", "manual")]


@pytest.mark.parametrize("insider, enrolled", [
    ({"branch_name": "ge_release"}, True),
    ({"ring": "External"}, True),
    ({"content_type": "Mainline"}, True),
    ({"enable_preview_builds": 1}, True),
    ({"enable_preview_builds": 0, "flightsigning_line": "flightsigning           Yes"}, False),
    ({}, False),
])
def test_any_one_applicability_value_means_enrolled(insider, enrolled):
    assert diagnosis.normalise(raw(insider=insider))["insider"]["enrolled"] is enrolled


# WSC productState, second byte's high nibble: 0x1000 on, 0x2000 snoozed, 0x3000 expired, 0x0000 off
# (productState is undocumented by Microsoft; the layout as published in "Identifying Antivirus Engine State",
# https://community.idera.com/database-tools/powershell/powertips/b/tips/posts/identifying-antivirus-engine-state).
@pytest.mark.parametrize("state, enabled", [
    (0x40000, False), (0x41000, True), (0x42000, False), (0x43000, True), (0x41010, True), (0x44000, False),
])
def test_product_state_nibble(state, enabled):
    av = [{"display_name": "Contoso Endpoint", "product_state": state, "path": "x"}]
    got = diagnosis.normalise(raw(antivirus=av))["antivirus"][0]
    assert got["enabled"] is enabled and got["product_state_hex"] == "0x%X" % state


# ------------------------------------------------------------ fltmc

def test_fltmc_rows_and_the_antivirus_altitude_range():
    # FSFilter Anti-Virus load order group: 320000-329999 (Microsoft Learn, "Load order groups and
    # altitudes for minifilter drivers"); fltmc columns: name, instances, altitude, frame.
    lines = [
        "Access is denied.",
        "Filter Name                     Num Instances    Altitude    Frame",
        "------------------------------  -------------  ------------  -----",
        "below                                   3       319999         1",
        "lowest                                  2       320000         0",
        "highest                                 4       329999.5       1",
        "above                                   6       330000         0",
        "WdFilter                                5       328010         0",
    ]
    assert diagnosis.parse_fltmc(lines) == [
        {"name": "below", "instances": 3, "altitude": 319999, "frame": 1, "antivirus_range": False,
         "third_party_antivirus": False},
        {"name": "lowest", "instances": 2, "altitude": 320000, "frame": 0, "antivirus_range": True,
         "third_party_antivirus": True},
        {"name": "highest", "instances": 4, "altitude": 329999, "frame": 1, "antivirus_range": True,
         "third_party_antivirus": True},
        {"name": "above", "instances": 6, "altitude": 330000, "frame": 0, "antivirus_range": False,
         "third_party_antivirus": False},
        {"name": "WdFilter", "instances": 5, "altitude": 328010, "frame": 0, "antivirus_range": True,
         "third_party_antivirus": False},
    ]
    assert diagnosis.parse_fltmc(None) == [] and diagnosis.parse_fltmc("x 1 2") == []


# ------------------------------------------------------------ update history and event 20

def test_failures_keep_their_result_and_code_and_are_newest_first():
    # OperationResultCode: 0 not started, 1 in progress, 2 succeeded, 3 succeeded with errors, 4 failed,
    # 5 aborted (Microsoft Learn, "OperationResultCode enumeration").
    history = [
        entry(DRIVER, "2026-10-20T03:00:00Z", 5, 0x80240016),
        entry("Update (KB5000001)", "2026-10-21T03:00:00Z", 1),
        entry("Update (KB5000002)", "2026-10-22T03:00:00Z", 0),
        {"date": "2026-10-25T03:00:00Z", "title": "Update (KB5000003)", "operation": 1, "result_code": 4},
        entry("Update (KB5000004)", "2026-10-23T03:00:00Z", 4, 0x80070002),
    ]
    got = failures_of(update_history=history, installed_kbs=[])
    assert [(f["kb"], f["title"], f["result"], f["hresult"]["hex"], f["count"], f["first_seen"], f["last_seen"],
             f["sources"], f["resolved"], f["cause_hint"]) for f in got] == [
        ("KB5000003", "Update (KB5000003)", "failed", "0x00000000", 1, "2026-10-25T03:00:00Z",
         "2026-10-25T03:00:00Z", ["history"], False, None),
        ("KB5000004", "Update (KB5000004)", "failed", "0x80070002", 1, "2026-10-23T03:00:00Z",
         "2026-10-23T03:00:00Z", ["history"], False, "corrupt_download_cache"),
        (None, DRIVER, "aborted", "0x80240016", 1, "2026-10-20T03:00:00Z", "2026-10-20T03:00:00Z",
         ["history"], False, "pending_reboot"),
    ]


def test_two_updates_without_a_kb_are_two_failures():
    history = [entry(DRIVER, "2026-10-20T03:00:00Z", 4, 0x80070002),
               entry("Realtek Semiconductor Corp. - Net - 10.68.815.2023", "2026-10-21T03:00:00Z", 4, 0x80070002)]
    got = failures_of(update_history=history, installed_kbs=[])
    assert sorted(f["title"] for f in got) == sorted([DRIVER, "Realtek Semiconductor Corp. - Net - 10.68.815.2023"])


@pytest.mark.parametrize("success_code", [2, 3])
def test_a_later_success_of_the_same_update_resolves_its_failure(success_code):
    # Not a cumulative update, not installed as a hotfix: only the later success resolves it.
    history = [entry(DEFENDER % 2000, "2026-10-31T03:00:00Z", success_code),
               entry(DEFENDER % 1000, "2026-10-30T03:00:00Z", 4, 0x80070002)]
    assert [f["resolved"] for f in failures_of(update_history=history, installed_kbs=[])] == [True]


@pytest.mark.parametrize("order", [1, -1])
def test_the_latest_success_counts_whatever_the_order_of_the_history(order):
    history = [entry(DEFENDER % 3000, "2026-10-31T03:00:00Z", 2),
               entry(DEFENDER % 2000, "2026-10-30T03:00:00Z", 4, 0x80070002),
               entry(DEFENDER % 1000, "2026-10-29T03:00:00Z", 2)][::order]
    assert [f["resolved"] for f in failures_of(update_history=history, installed_kbs=[])] == [True]


@pytest.mark.parametrize("success_at", ["2026-10-29T03:00:00Z", "2026-10-30T03:00:00Z"])
def test_a_success_before_or_with_the_failure_does_not_resolve_it(success_at):
    history = [entry(DEFENDER % 2000, "2026-10-30T03:00:00Z", 4, 0x80070002),
               entry(DEFENDER % 1000, success_at, 2)]
    got = failures_of(update_history=history, installed_kbs=[])
    assert [(f["kb"], f["resolved"], f["cause_hint"]) for f in got] == [("KB2267602", False, "corrupt_download_cache")]
    assert [c["name"] for c in diagnosis.diagnose(diagnosis.normalise(raw(update_history=history, installed_kbs=[])))
            ] == ["corrupt_download_cache"]


def test_a_failure_older_than_the_last_cumulative_update_is_resolved():
    # The baseline (baseline.py): the last successful cumulative update, 2026-10-15 in HEALTHY.
    history = HEALTHY["update_history"] + [entry(DEFENDER % 1000, "2026-10-10T03:00:00Z", 4, 0x80070002),
                                           entry(DEFENDER % 2000, "2026-10-16T03:00:00Z", 4, 0x80070002)]
    got = failures_of(update_history=history, installed_kbs=[])
    assert [(f["last_seen"], f["resolved"], f["count"]) for f in got] == [("2026-10-16T03:00:00Z", False, 2)]
    got = failures_of(update_history=history[:2], installed_kbs=[])
    assert [(f["last_seen"], f["resolved"]) for f in got] == [("2026-10-10T03:00:00Z", True)]


def test_event_20_fields_the_title_and_the_code_come_from():
    events = [
        # No update title: the message is the title and the KB and code are read from it.
        {"time": "2026-10-30T03:00:00Z", "event_id": 20, "provider": WU, "update_title": None, "error_code": None,
         "message": "Installation Failure: Windows failed to install the following update with error "
                    "0x80070002: %s." % CU},
        # An unreadable errorCode field: the code in the message.
        dict(event20("2026-10-29T03:00:00Z", 0x80070570, title=DRIVER), error_code="n/a"),
    ]
    got = failures_of(update_events=events, update_history=[], installed_kbs=[])
    assert [(f["kb"], f["title"], f["hresult"]["hex"], f["sources"]) for f in got] == [
        ("KB5066835", events[0]["message"], "0x80070002", ["event"]),
        (None, DRIVER, "0x80070570", ["event"]),
    ]


@pytest.mark.parametrize("seconds, counts", [(600, [1]), (601, [2])])
def test_history_and_event_20_ten_minutes_apart_are_one_attempt(seconds, counts):
    history = [entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070306)]
    events = [event20("2026-10-30T03:%02d:%02dZ" % divmod(seconds, 60), 0x80070306)]
    got = failures_of(update_history=history, update_events=events, installed_kbs=[])
    assert [f["count"] for f in got] == counts and got[0]["sources"] == ["history", "event"]


def test_two_history_entries_minutes_apart_are_two_attempts():
    # WUA retries: each history entry is an attempt of its own, however close.
    history = [entry(CU, "2026-10-30T03:05:00Z", 4, 0x80070306), entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070306)]
    got = failures_of(update_history=history, installed_kbs=[])
    assert [(f["count"], f["first_seen"], f["last_seen"]) for f in got] == [
        (2, "2026-10-30T03:00:00Z", "2026-10-30T03:05:00Z")]


def test_a_record_without_a_time_is_an_attempt_of_its_own():
    history = [entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070306)]
    events = [dict(event20(None, 0x80070306))]
    got = failures_of(update_history=history, update_events=events, installed_kbs=[])
    assert [(f["count"], f["first_seen"], f["last_seen"], f["sources"]) for f in got] == [
        (2, "2026-10-30T03:00:00Z", "2026-10-30T03:00:00Z", ["history", "event"])]
    got = failures_of(update_history=[], update_events=events, installed_kbs=[])
    assert [(f["count"], f["first_seen"], f["last_seen"]) for f in got] == [(1, None, None)]


def test_first_and_last_seen_whatever_the_order_of_the_records():
    days = ["2026-10-%02dT03:00:00Z" % d for d in (27, 30, 25, 28)]
    got = failures_of(update_history=[entry(CU, day, 4, 0x80070306) for day in days], installed_kbs=[])
    assert [(f["count"], f["first_seen"], f["last_seen"]) for f in got] == [
        (4, "2026-10-25T03:00:00Z", "2026-10-30T03:00:00Z")]


# ------------------------------------------------------------ CBS.log, storage

def test_cbs_evidence_fields():
    hydration = ["2026-10-30 03:%02d:00, Error CBS Hydration failed for component amd64_x%d from Forward Delta "
                 "[HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]" % (i, i) for i in range(11)]
    other = "2026-10-30 04:00:00, Error CBS Hydration failed for component amd64_y from the base [HRESULT = 0x8]"
    ev = diagnosis.normalise(raw(cbs_log={"exists": False, "matches": [other] + hydration, "tail": None}))
    assert ev["cbs"]["path"] is None and ev["cbs"]["exists"] is False and ev["cbs"]["size_bytes"] == 0
    assert ev["cbs"]["lines_read"] == 12
    # Only lines that say both "hydration failed" and "forward delta", at most ten.
    assert ev["cbs"]["forward_delta_lines"] == [line.strip() for line in hydration[:10]]
    ev = diagnosis.normalise(raw())
    assert (ev["cbs"]["path"], ev["cbs"]["exists"], ev["cbs"]["size_bytes"]) == (
        "C:\\Windows\\Logs\\CBS\\CBS.log", True, 1000)


def test_storage_events_and_disks_fields():
    events = [
        # disk 7 on two disks in the same second: two records, not one.
        {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": "7", "level": "Error",
         "message": " The device, \\Device\\Harddisk0\\DR0, has a bad block. "},
        {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 7, "level": "Error",
         "message": "The device, \\Device\\Harddisk0\\DR0, has a bad block."},
        {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 7, "level": "Error",
         "message": "The device, \\Device\\Harddisk1\\DR1, has a bad block."},
        {"time": "2026-10-29T12:00:00Z", "provider": None, "event_id": 153, "level": None, "message": "  "},
    ]
    disks = [{"friendly_name": None, "health_status": "Warning", "operational_status": None, "media_type": None}]
    health = diagnosis.normalise(raw(storage_events=events, physical_disks=disks))["disk_health"]
    assert health == {
        "storage_events": [
            {"time": "2026-10-29T12:00:00Z", "provider": None, "event_id": 153, "level": None, "message": None},
            {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 7, "level": "Error",
             "message": "The device, \\Device\\Harddisk0\\DR0, has a bad block."},
            {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 7, "level": "Error",
             "message": "The device, \\Device\\Harddisk1\\DR1, has a bad block."},
        ],
        "physical_disks": [{"friendly_name": None, "health_status": "Warning", "operational_status": None,
                            "media_type": None}],
        "healthy": False,
    }
    # A disk that warns, with no event: not healthy either.
    assert diagnosis.normalise(raw(physical_disks=disks))["disk_health"]["healthy"] is False
    ssd = diagnosis.normalise(raw())["disk_health"]["physical_disks"]
    assert ssd == [{"friendly_name": "NVMe Disk 0", "health_status": "Healthy", "operational_status": "OK",
                    "media_type": "SSD"}]


@pytest.mark.parametrize("event_id", [7, 11, 51, 55])
def test_each_strong_storage_event_alone_is_medium(event_id):
    event = {"time": "2026-10-28T12:00:00Z", "provider": "Ntfs" if event_id == 55 else "disk", "event_id": event_id,
             "level": "Error", "message": "event %d" % event_id}
    got = by_name(raw(storage_events=[event]))
    assert got == {"storage_fault": {"name": "storage_fault", "confidence": "medium", "evidence": [
        "1 storage error event in the System log (%s %d), last 2026-10-28T12:00:00Z" % (event["provider"], event_id)]}}


# ------------------------------------------------------------ diagnose: thresholds

@pytest.mark.parametrize("free, low", [(20 * GB, False), (20 * GB - 1, True), (int(19.5 * GB), True),
                                       (int(20.5 * GB), False)])
def test_default_free_space_threshold_is_20_gb(free, low):
    drive = dict(HEALTHY["system_drive"], free_bytes=free)
    assert ("low_disk" in by_name(raw(system_drive=drive))) is low


@pytest.mark.parametrize("size, large", [(10 * GB, False), (10 * GB + 1, True), (int(10.5 * GB), True),
                                         (int(9.5 * GB), False)])
def test_default_download_cache_threshold_is_10_gb(size, large):
    folders = copy.deepcopy(HEALTHY["folders"])
    folders[0]["size_bytes"] = size
    got = by_name(raw(folders=folders, update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070002)],
                      installed_kbs=[]))
    assert got["corrupt_download_cache"]["confidence"] == ("high" if large else "medium")


def test_an_empty_download_cache_is_not_large_even_with_a_zero_threshold():
    folders = copy.deepcopy(HEALTHY["folders"])
    folders[0]["size_bytes"] = 0
    got = by_name(raw(folders=folders, update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070002)],
                      installed_kbs=[]), large_download_cache_gb=0)
    assert got["corrupt_download_cache"]["confidence"] == "medium"


def test_causes_of_equal_strength_keep_the_order_they_were_found_in():
    # Found in this order: component store (CBS.log, medium), pending reboot (rename, low),
    # disabled service (high), Insider enrolment (medium), storage warning (low).
    data = raw(
        cbs_log=dict(HEALTHY["cbs_log"], matches=["2026-10-30 03:11:00, Info CSI (p)\tCSI Payload Corrupt amd64_x"]),
        pending_reboot=dict(HEALTHY["pending_reboot"], pending_file_rename=True),
        services=[service("wuauserv", "Windows Update", state="Stopped", start_mode="Disabled")],
        insider={"branch_name": "ge_release"},
        storage_events=[{"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 153, "level": "Warning",
                         "message": "The IO operation at logical block address 0x1 was retried."}])
    assert [(c["name"], c["confidence"]) for c in diagnosed(data)] == [
        ("wu_services_disabled", "high"), ("corrupt_component_store", "medium"), ("insider_build_conflict", "medium"),
        ("pending_reboot", "low"), ("storage_fault", "low")]


# ------------------------------------------------------------ diagnose: every sentence

def test_every_sentence_of_a_host_with_many_faults():
    folders = copy.deepcopy(HEALTHY["folders"])
    folders[0]["size_bytes"] = int(18.5 * GB)
    data = raw(
        system_drive=dict(HEALTHY["system_drive"], free_bytes=int(12.5 * GB)),
        backups=[{"path": "C:\\Windows\\SoftwareDistribution.bak-20260101T000000", "size_bytes": int(2.5 * GB)}],
        folders=folders,
        pending_reboot=dict(HEALTHY["pending_reboot"], cbs_reboot_pending=True, computer_rename=True),
        services=[service("spooler", "Print Spooler", start_mode="Disabled"),
                  service("wuauserv", "Windows Update", state="Stopped", start_mode="Disabled"),
                  service("cryptsvc", "Cryptographic Services", state="Stopped", start_mode="Manual"),
                  {"name": "trustedinstaller", "exists": False}],
        insider={"branch_name": "ge_release", "ring": "External"},
        antivirus=HEALTHY["antivirus"] + [{"display_name": "Contoso Endpoint", "product_state": 0x41000,
                                           "path": "x"}],
        cbs_log=dict(HEALTHY["cbs_log"], matches=[
            "2026-10-30 03:11:00, Info CSI 00000311 (p)\tCSI Payload Corrupt\tamd64_x\\CbsCore.dll",
            "2026-10-30 03:12:00, Info CSI 00000009 [SR] Cannot repair member file [l:12]\"ntdll.dll\" of x"]),
        storage_events=[
            {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 153, "level": "Warning",
             "message": "The IO operation at logical block address 0x1 was retried."},
            {"time": "2026-10-27T12:00:00Z", "provider": "Ntfs", "event_id": 55, "level": "Error",
             "message": "A corruption was discovered in the file system structure on volume C:."}],
        physical_disks=[{"friendly_name": None, "health_status": "Unhealthy", "operational_status": None}],
        update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070002)],
        update_events=[event20("2026-10-30T03:00:30Z", 0x80070002)],
        installed_kbs=[])
    assert diagnosed(data) == [
        {"name": "corrupt_download_cache", "confidence": "high", "evidence": [
            "KB5066835 failed 1 time with 0x80070002 ERROR_FILE_NOT_FOUND, last 2026-10-30T03:00:30Z "
            "(update history, System event 20)",
            "C:\\Windows\\SoftwareDistribution holds 18.5 GB (more than 10 GB) while updates fail"]},
        {"name": "low_disk", "confidence": "high", "evidence": [
            "C: has 12.5 GB free (less than 20 GB)",
            "1 old SoftwareDistribution/catroot2 backup holds 2.5 GB that can be freed"]},
        {"name": "pending_reboot", "confidence": "high", "evidence": [
            "Component Based Servicing\\RebootPending is set",
            "the computer was renamed and not restarted since"]},
        {"name": "wu_services_disabled", "confidence": "high", "evidence": [
            "service wuauserv (Windows Update) is disabled",
            "service trustedinstaller is not registered"]},
        {"name": "insider_build_conflict", "confidence": "high", "evidence": [
            "enrolled in the Windows Insider Program (WindowsSelfHost\\Applicability: branch_name=ge_release, "
            "ring=External)",
            "1 update failure on an Insider build 26100.2033"]},
        {"name": "storage_fault", "confidence": "high", "evidence": [
            "physical disk ? reports HealthStatus Unhealthy (no operational status)",
            "1 storage error event in the System log (Ntfs 55), last 2026-10-27T12:00:00Z",
            "1 storage warning event in the System log (disk 153)"]},
        {"name": "corrupt_component_store", "confidence": "medium", "evidence": [
            "CBS.log: 1 line like '2026-10-30 03:11:00, Info CSI 00000311 (p)\\tCSI Payload Corrupt"
            "\\tamd64_x\\\\CbsCore.dll'"]},
        {"name": "corrupt_system_files", "confidence": "medium", "evidence": [
            "CBS.log: sfc could not repair 1 file (ntdll.dll)"]},
        {"name": "third_party_filter_driver", "confidence": "medium", "evidence": [
            "third-party antivirus registered: Contoso Endpoint (productState 0x41000)"]},
        {"name": "inconsistent_catroot2", "confidence": "low", "evidence": [
            "Cryptographic Services (cryptsvc, owner of catroot2) is stopped"]},
    ]


def test_every_sentence_when_things_come_in_twos():
    folders = copy.deepcopy(HEALTHY["folders"])
    del folders[0]["path"]
    folders[0]["size_bytes"] = 12 * GB
    data = raw(
        system_drive={"size_bytes": 256 * GB, "free_bytes": 3 * GB},
        backups=[{"path": "C:\\Windows\\SoftwareDistribution.bak-20260101T000000", "size_bytes": 1 * GB},
                 {"path": "C:\\Windows\\System32\\catroot2.bak-20260101T000000", "size_bytes": GB // 2}],
        folders=folders,
        insider={"content_type": "Mainline", "flightsigning_line": "flightsigning           Yes"},
        cbs_log=dict(HEALTHY["cbs_log"], matches=[
            "2026-10-30 03:10:00, Info CSI 00000009 [SR] Cannot repair member file [l:12]\"a%d.dll\" of x" % i
            for i in range(6)] + [
            "2026-10-30 03:11:00, Info CBS Repair failed: Missing replacement payload.",
            "2026-10-30 03:12:00, Info CBS Repair failed: Missing replacement payload."]),
        storage_events=[
            {"time": "2026-10-28T12:00:00Z", "provider": "disk", "event_id": 7, "level": "Error", "message": "a"},
            {"time": "2026-10-27T12:00:00Z", "provider": "disk", "event_id": 11, "level": "Error", "message": "b"},
            {"time": "2026-10-26T12:00:00Z", "provider": "disk", "event_id": 153, "level": "Warning", "message": "c"},
            {"time": "2026-10-25T12:00:00Z", "provider": "disk", "event_id": 157, "level": "Warning", "message": "d"}],
        physical_disks=[{"friendly_name": "ST1000DM010", "health_status": "Warning",
                         "operational_status": "Predictive Failure"}],
        update_history=[entry(DRIVER, "2026-10-30T03:00:00Z", 4, 0x80004005),
                        entry(DRIVER, "2026-10-29T03:00:00Z", 4, 0x80004005),
                        entry("Update (KB5000001)", "2026-10-28T03:00:00Z", 5, 0x80070005)],
        installed_kbs=[])
    assert diagnosed(data) == [
        {"name": "low_disk", "confidence": "high", "evidence": [
            "system drive has 3.0 GB free (less than 20 GB)",
            "2 old SoftwareDistribution/catroot2 backups hold 1.5 GB that can be freed"]},
        {"name": "insider_build_conflict", "confidence": "high", "evidence": [
            "enrolled in the Windows Insider Program (WindowsSelfHost\\Applicability: content_type=Mainline)",
            "flightsigning is on in the boot configuration",
            "2 update failures on an Insider build 26100.2033"]},
        {"name": "storage_fault", "confidence": "high", "evidence": [
            "physical disk ST1000DM010 reports HealthStatus Warning (Predictive Failure)",
            "2 storage error events in the System log (disk 11, disk 7), last 2026-10-28T12:00:00Z",
            "2 storage warning events in the System log (disk 153, disk 157)"]},
        {"name": "corrupt_download_cache", "confidence": "medium", "evidence": [
            "SoftwareDistribution holds 12.0 GB (more than 10 GB) while updates fail"]},
        {"name": "corrupt_component_store", "confidence": "medium", "evidence": [
            "CBS.log: 2 lines like '2026-10-30 03:11:00, Info CBS Repair failed: Missing replacement payload.'"]},
        {"name": "corrupt_system_files", "confidence": "medium", "evidence": [
            "CBS.log: sfc could not repair 6 files (a0.dll, a1.dll, a2.dll, a3.dll, a4.dll)"]},
        {"name": "third_party_filter_driver", "confidence": "low", "evidence": [
            "KB5000001 aborted 1 time with 0x80070005 E_ACCESSDENIED, last 2026-10-28T03:00:00Z (update history)",
            "no third-party antivirus or minifilter was found"]},
    ]


def test_sentences_of_an_insider_host_that_is_enrolled_without_names_or_failures():
    got = by_name(raw(insider={"enable_preview_builds": 1}))
    assert got == {"insider_build_conflict": {"name": "insider_build_conflict", "confidence": "medium", "evidence": [
        "enrolled in the Windows Insider Program (WindowsSelfHost\\Applicability: present)"]}}


def test_sentences_of_a_disk_full_code_when_there_is_room_now():
    got = by_name(raw(update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070070)], installed_kbs=[]))
    assert got["low_disk"] == {"name": "low_disk", "confidence": "low", "evidence": [
        "KB5066835 failed 1 time with 0x80070070 ERROR_DISK_FULL, last 2026-10-30T03:00:00Z (update history)",
        "C: now has 80.0 GB free"]}
    drive = {"size_bytes": 256 * GB, "free_bytes": int(33.3 * GB)}
    got = by_name(raw(system_drive=drive, update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070070)],
                      installed_kbs=[]))
    assert got["low_disk"]["evidence"][1] == "system drive now has 33.3 GB free"


def test_a_disk_full_code_when_the_free_space_could_not_be_read():
    # Unknown is not "now has 0.0 GB free" nor "room now": the code stands alone, as strong as it is.
    drive = {"drive": "C:", "size_bytes": 256 * GB, "free_bytes": None}
    got = by_name(raw(system_drive=drive, update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070070)],
                      installed_kbs=[]))
    assert got["low_disk"]["confidence"] == "medium"
    assert got["low_disk"]["evidence"][1:] == ["the free space of C: could not be read"]


def test_describe_failure_of_a_failure_with_fewer_fields():
    assert diagnosis.describe_failure({"title": DRIVER, "sources": ["event"]}) == "%s failed 1 time (System event 20)" % DRIVER
    assert diagnosis.describe_failure({"sources": ["history"], "count": 2, "result": "aborted"}) == (
        "an update aborted 2 times (update history)")


def test_antivirus_evidence_by_what_was_found():
    failing = dict(update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x80070020)], installed_kbs=[])
    flt = HEALTHY["filter_drivers"] + ["csagent                                 4       321410         0"]
    got = by_name(raw(filter_drivers=flt, **failing))["third_party_filter_driver"]
    assert got == {"name": "third_party_filter_driver", "confidence": "high", "evidence": [
        "KB5066835 failed 1 time with 0x80070020 ERROR_SHARING_VIOLATION, last 2026-10-30T03:00:00Z (update history)",
        "third-party minifilter csagent loaded at altitude 321410 (anti-virus load order group)"]}
    # A product whose productState could not be read counts: it may be on.
    unknown = HEALTHY["antivirus"] + [{"display_name": "Contoso Endpoint", "path": "x"}]
    got = by_name(raw(antivirus=unknown, **failing))["third_party_filter_driver"]
    assert got["confidence"] == "high" and got["evidence"][1:] == [
        "third-party antivirus registered: Contoso Endpoint (productState None)"]


@pytest.mark.parametrize("state, stopped", [("Running", False), ("Stopped", True), ("Start Pending", True),
                                            ("Stop Pending", True), ("Paused", True), ("Unknown", True)])
def test_catroot2_service_evidence_when_cryptsvc_is_not_running(state, stopped):
    services = [service("cryptsvc", "Cryptographic Services", state=state, start_mode="Auto")]
    got = by_name(raw(services=services, update_history=[entry(CU, "2026-10-30T03:00:00Z", 4, 0x800B0100)],
                      installed_kbs=[]))
    evidence = got["inconsistent_catroot2"]["evidence"]
    assert (len(evidence) == 2) is stopped
    if stopped:
        assert evidence[1] == "Cryptographic Services (cryptsvc, owner of catroot2) is %s" % (
            state.lower().replace(" ", "_"))


def test_cbs_errors_encountered_alone_is_skipped_but_not_what_follows():
    cbs = dict(HEALTHY["cbs_log"], matches=[
        "2026-10-30 03:10:00, Error CBS Failed to process [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]",
        "2026-10-30 03:11:00, Error CSI Failed [HRESULT = 0x80073701 - ERROR_SXS_ASSEMBLY_MISSING]"])
    got = diagnosed(raw(cbs_log=cbs))
    assert got == [{"name": "corrupt_component_store", "confidence": "medium", "evidence": [
        "CBS.log: 1 line like '2026-10-30 03:11:00, Error CSI Failed [HRESULT = 0x80073701 - "
        "ERROR_SXS_ASSEMBLY_MISSING]'"]}]


def test_cbs_signals_of_other_causes_are_not_component_store_evidence():
    cbs = dict(HEALTHY["cbs_log"], matches=[
        "2026-10-30 03:10:00, Info CBS Failed to resolve package 'Package_for_KB5066835'",
        "2026-10-30 03:11:00, Info CBS Applicability: WindowsSelfHost flighting ring External"])
    assert diagnosed(raw(cbs_log=cbs)) == []
