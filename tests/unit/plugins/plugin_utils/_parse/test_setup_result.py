# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""setup.exe exit codes, /compat scanonly results, rollback phase/operation, Panther logs."""
from __future__ import annotations

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")


def _read(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.setup_result import (  # noqa: E402
    decode_exit_code, decode_rollback, parse_setup_log)


@pytest.mark.parametrize("code,outcome,ok", [
    (0, "success", True),
    (3, "continue", True),
    ("0x3", "continue", True),
    (5, "compat_issues", False),
    (7, "option_not_available", False),
])
def test_small_exit_codes(code, outcome, ok):
    result = decode_exit_code(code)
    assert result["outcome"] == outcome
    assert result["ok"] is ok
    assert result["rollback"] is None


@pytest.mark.parametrize("code,outcome,ok", [
    (0xC1900210, "no_issues", True),
    (-1047526896, "no_issues", True),        # signed form of 0xC1900210
    ("0xC1900208", "app_block", False),
    (-1047526904, "app_block", False),       # 0xC1900208
    ("0xC1900200", "requirements_not_met", False),
    ("0xC190020E", "not_enough_disk", False),
    ("0xC1900204", "migration_choice_block", False),
    ("0xC1900107", "cleanup_pending", False),
])
def test_compat_scanonly_results(code, outcome, ok):
    result = decode_exit_code(code)
    assert result["outcome"] == outcome
    assert result["ok"] is ok
    assert result["code"]["known"] is True


def test_unknown_exit_code():
    result = decode_exit_code("0xC19001FE")
    assert result["outcome"] == "failed"
    assert result["ok"] is False
    assert result["code"]["known"] is False
    assert result["code"]["category"] == "setup"


def test_rollback_with_extend_code_separately_and_as_pair():
    one = decode_exit_code(0xC1900101, extend=0x4000D)
    two = decode_exit_code("0xC1900101 - 0x4000D")
    for result in (one, two):
        assert result["outcome"] == "rollback"
        rollback = result["rollback"]
        assert rollback["phase"]["short"] == "SECOND_BOOT"
        assert rollback["operation"]["short"] == "MIGRATE_DATA"
        assert rollback["category"] == "driver_rollback"
        assert "MIGRATE_DATA" in rollback["summary"]
    assert decode_exit_code(0xC1900101)["rollback"]["phase"] is None


@pytest.mark.parametrize("result,extend,phase,operation", [
    ("0xC1900101", "0x20017", "SAFE_OS", "BOOT"),
    ("0xC1900101", "-0x30018", "FIRST_BOOT", "SYSPREP"),
    ("0x80070070 - 0x50011", None, "UNINSTALL", "ENABLE_FEATURE"),
])
def test_decode_rollback(result, extend, phase, operation):
    rollback = decode_rollback(result, extend)
    assert rollback["phase"]["short"] == phase
    assert rollback["operation"]["short"] == operation


def test_setupact_rollback_log():
    parsed = parse_setup_log(_read("setupact_rollback.log"))
    entries = parsed["entries"]
    messages = [e["message"] for e in entries]
    # The duplicated migrate failure is one entry counted twice.
    migrate = [e for e in entries if "Migrate data" in e["message"]]
    assert len(migrate) == 1 and migrate[0]["count"] == 2
    assert migrate[0]["level"] == "Error" and migrate[0]["component"] == "SP"
    assert parsed["first_error"]["line"] == 5
    assert parsed["codes"]["0x80070005"] == 2
    assert parsed["codes"]["0xC1900101"] == 3
    assert "0x00000000" not in parsed["codes"]
    assert parsed["decoded"]["0x80070005"]["name"] == "E_ACCESSDENIED"
    assert [p["summary"].split(":")[0] for p in parsed["result_pairs"]] == ["0xC1900101 - 0x4000D"]
    assert parsed["result_pairs"][0]["phase"]["short"] == "SECOND_BOOT"
    # Plain progress lines are not key lines.
    assert not any("Setup phase change" in m for m in messages)
    assert not any("Restoring your previous version" in m for m in messages)


def test_setuperr_diskspace_log_in_utf16():
    raw = _read("setuperr_diskspace.log").decode("ascii").encode("utf-16")
    parsed = parse_setup_log(raw)
    assert len(parsed["entries"]) == 3
    assert parsed["mosetup"] == ["MOSETUP_E_INSTALLDISKSPACE_BLOCK"]
    assert parsed["decoded"]["0xC190020E"]["category"] == "disk"
    assert parsed["decoded"]["0x80070070"]["name"] == "ERROR_DISK_FULL"


def test_max_entries_truncates():
    lines = "\n".join("2026-01-01 00:00:%02d, Error                 SP     failure number %s" % (i % 60, chr(65 + i % 26) * (i + 1))
                      for i in range(50))
    parsed = parse_setup_log(lines, max_entries=10)
    assert len(parsed["entries"]) == 10
    assert parsed["truncated"] is True


def test_empty_log():
    parsed = parse_setup_log("")
    assert parsed["entries"] == [] and parsed["first_error"] is None and parsed["codes"] == {}
