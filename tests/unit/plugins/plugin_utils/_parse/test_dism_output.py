# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DISM /Cleanup-Image output and exit codes: outcomes, progress, versions, signed HRESULTs."""
from __future__ import annotations

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")


def _read(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import (  # noqa: E402
    OUTCOMES, decode_exit_code, parse_dism, progress_values)


@pytest.mark.parametrize("name,exit_code,outcome,ok", [
    ("dism_checkhealth_clean.txt", 0, "no_corruption", True),
    ("dism_checkhealth_repairable.txt", 0, "repairable", True),
    ("dism_scanhealth_repairable.txt", 0, "repairable", True),
    ("dism_scanhealth_not_repairable.txt", 0, "not_repairable", False),
    ("dism_restorehealth_repaired.txt", 0, "repaired", True),
    ("dism_restorehealth_source_missing.txt", -2146498529, "source_missing", False),
    ("dism_error_87.txt", 87, "failed", False),
    ("dism_error_740.txt", 740, "failed", False),
])
def test_outcomes(name, exit_code, outcome, ok):
    result = parse_dism(_read(name), exit_code)
    assert result["outcome"] == outcome
    assert result["outcome"] in OUTCOMES
    assert result["ok"] is ok


def test_versions_and_final_sentence_sharing_the_bar_line():
    result = parse_dism(_read("dism_restorehealth_repaired.txt"), 0, "RestoreHealth")
    assert result["dism_version"] == "10.0.26100.1150"
    assert result["image_version"] == "10.0.26100.2605"
    assert result["message"] == "The restore operation completed successfully."
    assert result["progress"] == 100.0
    assert result["operation"] == "RestoreHealth"
    assert result["error"] is None
    assert result["reboot_required"] is False


def test_source_missing_from_signed_exit_code_and_error_line():
    result = parse_dism(_read("dism_restorehealth_source_missing.txt"), -2146498529)
    assert result["error"]["hex"] == "0x800F081F"
    assert result["error"]["name"] == "CBS_E_SOURCE_MISSING"
    assert result["exit"]["signed"] == -2146498529
    assert result["message"] == "The source files could not be found."
    assert result["log_path"] == "C:\\Windows\\Logs\\DISM\\dism.log"
    assert result["progress"] == 84.9


def test_source_missing_from_exit_code_alone_unsigned_too():
    for code in (-2146498529, 0x800F081F, "0x800f081f"):
        result = parse_dism("", code)
        assert result["outcome"] == "source_missing"
        assert result["message"]  # the table meaning stands in for missing text


def test_other_signed_hresult_exit_is_failed_and_decoded():
    result = parse_dism("Error: 0x80073712\r\n\r\nThe component store has been corrupted.\r\n", -2147010798)
    assert result["outcome"] == "failed"
    assert result["error"]["name"] == "ERROR_SXS_COMPONENT_STORE_CORRUPT"
    assert result["error"]["category"] == "component_store"
    assert result["message"] == "The component store has been corrupted."


def test_error_87_and_740_are_win32_codes():
    bad = parse_dism(_read("dism_error_87.txt"), 87)
    assert bad["error"]["name"] == "ERROR_INVALID_PARAMETER"
    assert bad["message"] == "The restorehealth option is unknown."
    elev = parse_dism(_read("dism_error_740.txt"), 740)
    assert elev["error"]["name"] == "ERROR_ELEVATION_REQUIRED"
    assert elev["error"]["category"] == "access"


def test_3010_is_success_with_reboot():
    result = parse_dism(_read("dism_restorehealth_repaired.txt"), 3010)
    assert result["outcome"] == "repaired"
    assert result["reboot_required"] is True
    info, ok, reboot = decode_exit_code(3010)
    assert ok is True and reboot is True and info["name"] == "ERROR_SUCCESS_REBOOT_REQUIRED"
    assert decode_exit_code(0)[1:] == (True, False)
    assert decode_exit_code(None) == (None, None, False)


def test_running_output_gives_progress_for_a_poller():
    raw = _read("dism_restorehealth_running.txt")
    result = parse_dism(raw)
    assert result["outcome"] == "running"
    assert result["progress"] == 10.0
    assert progress_values(raw) == [0.0, 4.7, 10.0]


def test_progress_bar_forms():
    assert progress_values("[=====                      10.0%                          ]") == [10.0]
    assert progress_values("[==========================100.0%==========================]") == [100.0]
    assert progress_values("no bar 45% here") == []


def test_utf16le_output_is_read():
    text = _read("dism_scanhealth_repairable.txt").decode("ascii")
    result = parse_dism(text.encode("utf-16-le"), 0)
    assert result["outcome"] == "repairable"
    assert result["progress"] == 100.0
    assert result["corruption_detected"] is True


def test_failure_exit_overrides_an_earlier_health_sentence():
    text = _read("dism_checkhealth_repairable.txt").decode("ascii")
    result = parse_dism(text, -2147467259)  # 0x80004005 E_FAIL
    assert result["outcome"] == "failed"
    assert result["error"]["hex"] == "0x80004005"
    assert result["error"]["name"] == "E_FAIL"
    odd = parse_dism(text, -2023423999)  # 0x87654001: in no table
    assert odd["outcome"] == "failed"
    assert odd["error"]["known"] is False


def test_completed_without_health_sentence_and_unknown():
    assert parse_dism("The operation completed successfully.\r\n", 0)["outcome"] == "completed"
    assert parse_dism("garbage", 0)["outcome"] == "unknown"
    assert parse_dism("", None)["outcome"] == "unknown"
    assert parse_dism("garbage", 1)["outcome"] == "failed"
