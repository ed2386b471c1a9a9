# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hresult.decode: every spelling of a code, the table, unknown codes, setup pairs."""
from __future__ import annotations

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")

import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import hresult  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode  # noqa: E402


@pytest.mark.parametrize("value", [
    0x80070306, 2147943174, -2147024122, "0x80070306", "0X80070306", "80070306", "  0x80070306 ",
    "2147943174", "-2147024122", "0x80070306L",
])
def test_every_spelling_of_0x80070306_is_errors_encountered(value):
    info = decode(value)
    assert info["hex"] == "0x80070306"
    assert info["unsigned"] == 2147943174
    assert info["signed"] == -2147024122
    assert info["severity"] == "failure"
    assert info["facility"] == {"number": 7, "name": "WIN32"}
    assert info["code"] == 774
    assert info["name"] == "ERROR_ERRORS_ENCOUNTERED"
    assert info["win32"] == {"code": 774, "name": "ERROR_ERRORS_ENCOUNTERED"}
    assert info["meaning"] == "One or more errors occurred while processing the request."
    assert "handle" not in info["meaning"].lower()
    assert info["known"] is True


def test_invalid_handle_is_a_different_code():
    info = decode("0x80070006")
    assert info["win32"]["code"] == 6
    assert info["win32"]["name"] == "ERROR_INVALID_HANDLE"
    assert decode(6)["name"] == "ERROR_INVALID_HANDLE"
    assert decode(6)["meaning"] == "The handle is invalid."


@pytest.mark.parametrize("value,name,category", [
    ("0x80070005", "E_ACCESSDENIED", "access"),
    ("0x80070002", "ERROR_FILE_NOT_FOUND", None),
    ("0x80070003", "ERROR_PATH_NOT_FOUND", None),
    ("0x8007000D", "ERROR_INVALID_DATA", None),
    ("0x80070020", "ERROR_SHARING_VIOLATION", "file_in_use"),
    ("0x80070070", "ERROR_DISK_FULL", "disk"),
    ("0x800705B4", "ERROR_TIMEOUT", "timeout"),
    ("0x80070422", "ERROR_SERVICE_DISABLED", "service_disabled"),
    ("0x80070BC2", "ERROR_SUCCESS_REBOOT_REQUIRED", "reboot_required"),
    ("0x80070BC9", "ERROR_FAIL_REBOOT_REQUIRED", None),
    ("0x800F081F", "CBS_E_SOURCE_MISSING", "source_missing"),
    ("0x800F0906", "CBS_E_DOWNLOAD_FAILURE", None),
    ("0x800F0922", "CBS_E_INSTALLERS_FAILED", None),
    ("0x800F0831", "CBS_E_STORE_CORRUPTION", "component_store"),
    ("0x800F0988", "PSFX_E_INVALID_DELTA_COMBINATION", None),
    ("0x800F0823", "CBS_E_NEW_SERVICING_STACK_REQUIRED", "servicing_stack"),
    ("0x800F0920", "CBS_E_HANG_DETECTED", None),
    ("0x80073712", "ERROR_SXS_COMPONENT_STORE_CORRUPT", "component_store"),
    ("0x80073701", "ERROR_SXS_ASSEMBLY_MISSING", "component_store"),
    ("0x8007371B", "ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE", "component_store"),
    ("0x80071A91", "ERROR_RM_NOT_ACTIVE", None),
    ("0x80092004", "CRYPT_E_NOT_FOUND", None),
    ("0x80240017", "WU_E_NOT_APPLICABLE", "not_applicable"),
    ("0x00240006", "WU_S_ALREADY_INSTALLED", "already_installed"),
    ("0x80240022", "WU_E_ALL_UPDATES_FAILED", None),
    ("0x8024402C", "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", "network"),
    ("0x8024401C", "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT", "network"),
    ("0x80244022", "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL", "network"),
    ("0x80244019", "WU_E_PT_HTTP_STATUS_NOT_FOUND", "network"),
    ("0x80240034", "WU_E_DOWNLOAD_FAILED", "download"),
    ("0x8024200D", "WU_E_UH_NEEDANOTHERDOWNLOAD", "download"),
    ("0x80242016", "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE", None),
    ("0x80246017", "WU_E_DM_UNAUTHORIZED_LOCAL_USER", "access"),
    ("0x80240FFF", "WU_E_UNEXPECTED", None),
    ("0x8024001E", "WU_E_SERVICE_STOP", None),
    ("0xC1900101", "MOSETUP_E_SETUP_PLATFORM", "driver_rollback"),
    ("0xC1900200", "MOSETUP_E_COMPAT_SYSREQ_BLOCK", "requirements"),
    ("0xC1900208", "MOSETUP_E_COMPAT_INSTALLREQ_BLOCK", "compat_block"),
    ("0xC190020E", "MOSETUP_E_INSTALLDISKSPACE_BLOCK", "disk"),
    ("0xC1900210", "MOSETUP_E_COMPAT_SCANONLY", "setup_scan_clean"),
    ("0xC1900204", "MOSETUP_E_COMPAT_MIGCHOICE_BLOCK", "compat_block"),
    ("0xC1900107", "MOSETUP_E_CLEANUP_PENDING", "pending_operation"),
    ("0xC190012F", "MOSETUP_E_FINALIZE_ALREADY_REQUESTED", None),
])
def test_table_names_and_categories(value, name, category):
    info = decode(value)
    assert info["name"] == name
    assert info["known"] is True
    assert info["meaning"]
    assert info["category"] in hresult.CATEGORIES
    assert info["hint"]
    if category is not None:
        assert info["category"] == category


def test_codes_without_public_name_are_known_but_unnamed():
    for value in ("0x8024A105", "0xC1900223"):
        info = decode(value)
        assert info["known"] is True
        assert info["name"] is None
        assert info["meaning"]


# The seven codes diagnosis.CODE_CAUSES maps that once had no name here. Names
# checked in microsoft/win32metadata winerror.h / wuerror.h; 0xC1900223 has no
# public symbolic name (see hresult.py). The signed forms are what DISM, .NET and
# the update history print.
SEVEN = [
    ("0x80070017", -2147024873, "ERROR_CRC", "generic"),
    ("0x8007045D", -2147023779, "ERROR_IO_DEVICE", "generic"),
    ("0x800B0109", -2146762487, "CERT_E_UNTRUSTEDROOT", "download"),
    ("0x80246002", -2145099774, "WU_E_DM_INCORRECTFILEHASH", "download"),
    ("0x80248007", -2145091577, "WU_E_DS_NODATA", "download"),
    ("0x8024D00E", -2145071090, "WU_E_SETUP_REBOOTREQUIRED", "pending_operation"),
    ("0xC1900223", -1047526877, None, "download"),
]


@pytest.mark.parametrize("hex_text,signed,name,category", SEVEN, ids=[s[0] for s in SEVEN])
def test_codes_the_diagnosis_maps_decode_by_name(hex_text, signed, name, category):
    for value in (hex_text, signed, str(signed)):
        info = decode(value)
        assert info["hex"] == hex_text
        assert info["signed"] == signed
        assert info["severity"] == "failure"
        assert info["name"] == name
        assert info["category"] == category
        assert info["known"] is True
        assert info["meaning"]


@pytest.mark.parametrize("win32,name", [(23, "ERROR_CRC"), (1117, "ERROR_IO_DEVICE")])
def test_storage_codes_share_the_win32_table(win32, name):
    # The HRESULT form takes its name from WIN32, as a plain exit code does.
    info = decode(hresult.hresult_from_win32(win32))
    assert info["win32"] == {"code": win32, "name": name}
    plain = decode(win32)
    assert plain["input_kind"] == "win32"
    assert plain["name"] == name
    assert plain["category"] == info["category"]
    assert plain["meaning"] == info["meaning"]


def test_facilities():
    assert decode("0x80240017")["facility"] == {"number": 36, "name": "WINDOWSUPDATE"}
    assert decode("0x800F081F")["facility"] == {"number": 15, "name": "SETUPAPI"}
    assert decode("0x80092004")["facility"] == {"number": 9, "name": "SECURITY"}
    assert decode("0x80073712")["facility"]["name"] == "WIN32"


def test_signed_exit_code_of_dism_is_source_missing():
    info = decode(-2146498529)
    assert info["hex"] == "0x800F081F"
    assert info["signed"] == -2146498529
    assert info["unsigned"] == 0x800F081F


def test_success_hresult_of_windows_update():
    info = decode(2359302)
    assert info["hex"] == "0x00240006"
    assert info["severity"] == "success"
    assert info["win32"] is None
    assert decode(-2145124329)["name"] == "WU_E_NOT_APPLICABLE"


@pytest.mark.parametrize("value,name,severity", [
    (3010, "ERROR_SUCCESS_REBOOT_REQUIRED", "success"),
    ("3010", "ERROR_SUCCESS_REBOOT_REQUIRED", "success"),
    (774, "ERROR_ERRORS_ENCOUNTERED", "failure"),
    (5, "ERROR_ACCESS_DENIED", "failure"),
    ("0x5", "ERROR_ACCESS_DENIED", "failure"),
    (0, "ERROR_SUCCESS", "success"),
    (3017, "ERROR_FAIL_REBOOT_REQUIRED", "failure"),
    (112, "ERROR_DISK_FULL", "failure"),
])
def test_plain_win32_codes(value, name, severity):
    info = decode(value)
    assert info["input_kind"] == "win32"
    assert info["name"] == name
    assert info["severity"] == severity
    assert info["win32"]["name"] == name
    assert info["hresult"] == "0x%08X" % hresult.hresult_from_win32(info["unsigned"])


def test_win32_3010_and_its_hresult_share_the_category():
    assert decode(3010)["hresult"] == "0x80070BC2"
    assert decode(3010)["category"] == decode("0x80070BC2")["category"] == "reboot_required"
    assert decode(3017)["hresult"] == "0x80070BC9"


def test_unknown_codes_still_decode():
    info = decode("0x8024FFF0")
    assert info["known"] is False
    assert info["name"] is None
    assert info["hex"] == "0x8024FFF0"
    assert info["facility"] == {"number": 36, "name": "WINDOWSUPDATE"}
    assert info["code"] == 0xFFF0
    assert info["category"] == "update_agent"
    odd = decode("0x87650001")
    assert odd["known"] is False
    assert odd["facility"] == {"number": 0x765, "name": None}
    assert odd["category"] == "generic"
    unknown_win32 = decode(4242)
    assert unknown_win32["known"] is False
    assert unknown_win32["win32"] == {"code": 4242, "name": None}
    unknown_in_win32_facility = decode("0x80071092")
    assert unknown_in_win32_facility["known"] is False
    assert unknown_in_win32_facility["win32"] == {"code": 0x1092, "name": None}


@pytest.mark.parametrize("bad", ["", "   ", "hello", "0x", "0x1FFFFFFFF", "12.5", "0xZZ", 2 ** 32, -(2 ** 31) - 1,
                                 None, 1.5, True, [1]])
def test_unparsable_inputs_raise(bad):
    with pytest.raises((ValueError, TypeError)):
        decode(bad)


def test_setup_result_pair_has_phase_and_operation():
    info = decode("0xC1900101 - 0x4000D")
    assert info["name"] == "MOSETUP_E_SETUP_PLATFORM"
    extend = info["extend"]
    assert extend["phase"]["number"] == 4
    assert extend["phase"]["name"] == "SP_EXECUTION_OOBE_BOOT"
    assert extend["phase"]["short"] == "SECOND_BOOT"
    assert extend["operation"]["number"] == 0x0D
    assert extend["operation"]["name"] == "SP_EXECUTION_OP_MIGRATE_DATA"
    assert extend["known"] is True


@pytest.mark.parametrize("text,phase,operation", [
    ("0xC1900101 - 0x20017", "SAFE_OS", "BOOT"),
    ("0xC1900101-0x30018", "FIRST_BOOT", "SYSPREP"),
    ("0xC1900101 -0x2000c", "SAFE_OS", "APPLY_IMAGE"),
    ("0x80070070 - 0x50011", "UNINSTALL", "ENABLE_FEATURE"),
    ("0xC1900101 - 0x4001E", "SECOND_BOOT", "PRE_OOBE"),
])
def test_more_extend_codes(text, phase, operation):
    extend = decode(text)["extend"]
    assert extend["phase"]["short"] == phase
    assert extend["operation"]["short"] == operation


def test_unknown_extend_code():
    extend = hresult.decode_extend("0x9007F")
    assert extend["known"] is False
    assert extend["phase"]["number"] == 9
    assert extend["phase"]["name"] is None


def test_signed_and_unsigned_helpers_roundtrip():
    for value in (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x800F081F):
        assert hresult.to_unsigned(hresult.to_signed(value)) == value
    assert hresult.to_signed(0xFFFFFFFF) == -1
    assert hresult.hresult_from_win32(774) == 0x80070306


@pytest.mark.parametrize("value,name,category", [
    ("0x800F081F", "CBS_E_SOURCE_MISSING", "source_missing"),
    ("0x800F0906", "CBS_E_DOWNLOAD_FAILURE", "source_missing"),
    ("0x800F0907", "CBS_E_GROUPPOLICY_DISALLOWED", "source_missing"),
    ("0x800F0915", None, "source_missing"),
    ("0x800F0830", "CBS_E_IMAGE_UNSERVICEABLE", "component_store"),
    ("0x8007007F", "ERROR_PROC_NOT_FOUND", "generic"),
    ("127", "ERROR_PROC_NOT_FOUND", "generic"),
])
def test_codes_that_came_back_unnamed(value, name, category):
    info = decode(value)
    assert (info["name"], info["category"]) == (name, category)
    assert info["known"] is True and info["meaning"]


def test_wu_endpoint_unreachable_is_a_network_error():
    info = decode(-2145123272)  # 0x80240438 as a signed exit code
    assert info["hex"] == "0x80240438"
    assert (info["name"], info["category"]) == ("WU_E_PT_ENDPOINT_UNREACHABLE", "network")


def test_source_missing_family_is_one_class():
    family = hresult.source_missing_codes()
    assert {0x800F081F, 0x800F0906, 0x800F0907, 0x800F0915} <= family
    assert all(decode(code)["category"] == "source_missing" for code in family)
    assert 0x800F0831 not in family and 0x800F0830 not in family
