# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CBS.log signals and the causes the repair ladder gets from them."""
from __future__ import annotations

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")


def _read(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.cbs_log import (  # noqa: E402
    CAUSES, SIGNALS, causes_of, scan_file, scan_lines, scan_text)


def _by_name(signals):
    return {signal["name"]: signal for signal in signals}


def test_hydration_signature_of_0x80070306():
    signals = scan_text(_read("cbs_hydration_0x80070306.log"))
    found = _by_name(signals)
    assert set(found) == {"hydration_failed", "errors_encountered"}
    assert found["hydration_failed"]["count"] == 2
    assert found["hydration_failed"]["first_line"] == 2
    assert "Hydration failed" in found["hydration_failed"]["sample"]
    assert found["errors_encountered"]["count"] == 4
    assert causes_of(signals) == ["forward_delta_hydration"]


def test_store_corruption_log():
    signals = scan_text(_read("cbs_store_corruption.log"))
    found = _by_name(signals)
    expected = {
        "insider_flight": (1, 1),
        "store_corruption": (2, 1),
        "package_unresolved": (2, 1),
        "pin_deployment_failed": (3, 1),
        "assembly_missing": (3, 2),
        "store_corruption_flag": (4, 1),
        "payload_corrupt": (6, 1),
        "missing_replacement_payload": (7, 1),
        "corrupt_component": (8, 1),
        "source_missing": (11, 2),
        "disk_full": (16, 1),
    }
    assert {name: (s["first_line"], s["count"]) for name, s in found.items()} == expected
    assert [s["first_line"] for s in signals] == sorted(s["first_line"] for s in signals)
    assert causes_of(signals) == ["low_disk", "insider_flight", "unresolved_package",
                                  "corrupt_component_store", "missing_payload"]


def test_clean_log_has_no_signals():
    assert scan_text(_read("cbs_clean.log")) == []


def _top_level_alternatives(pattern):
    parts, depth, current = [], 0, ""
    for char in pattern:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def test_every_signal_pattern_needs_a_prefilter_keyword():
    # A signal whose pattern can match without any keyword would be skipped.
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import cbs_log
    for name, _cause, pattern in SIGNALS:
        for alternative in _top_level_alternatives(pattern):
            literal = alternative.lower()
            assert any(k in literal for k in cbs_log._KEYWORDS), (name, alternative)
            assert any(name == entry[0] for k in cbs_log._KEYWORDS if k in literal
                       for entry in cbs_log._BY_KEYWORD[k]), (name, alternative)


def test_every_signal_has_a_known_cause():
    assert {cause for _name, cause, _pattern in SIGNALS} <= set(CAUSES)
    assert len({name for name, _cause, _pattern in SIGNALS}) == len(SIGNALS)


@pytest.mark.parametrize("line,name", [
    ("2026-01-05 11:00:02, Info  CBS  Applying forward delta failed for file x.dll", "hydration_failed"),
    ("x PSFX_E_APPLY_FORWARD_DELTA_FAILED y", "hydration_failed"),
    ("There is not enough space on the disk.", "disk_full"),
    ("Info CBS  Failed to resolve package 'Package_x'", "package_unresolved"),
    ("[HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]", "store_corruption"),
])
def test_single_lines(line, name):
    assert name in _by_name(scan_lines([line]))


@pytest.mark.parametrize("line", [
    "Info CBS  Applying forward delta to component foo",  # no failure on the line
    "Info CBS  Corruption detection: none",
    "Info CBS  in-flight requests drained",
])
def test_lines_that_are_not_signals(line):
    assert scan_lines([line]) == []


def test_bytes_lines_and_utf16_text_and_file(tmp_path):
    raw = _read("cbs_hydration_0x80070306.log")
    expected = scan_text(raw)
    assert scan_lines(raw.splitlines()) == expected
    assert scan_text(raw.decode("ascii").encode("utf-16-le")) == expected
    path = tmp_path / "CBS.log"
    path.write_bytes(raw)
    assert scan_file(str(path)) == expected


def test_sample_is_truncated_and_count_grows_on_many_lines():
    long_line = "Hydration failed " + "x" * 2000
    signals = scan_lines([long_line] * 300)
    assert signals[0]["count"] == 300
    assert len(signals[0]["sample"]) == 400


# Composed lines in the layout of cbs_store_corruption.log: each names one code of the family.
@pytest.mark.parametrize("line", [
    "2026-01-05 10:11:12, Info  CBS  Failed to download repair content [HRESULT = 0x800f0906 - CBS_E_DOWNLOAD_FAILURE]",
    "2026-01-05 10:11:12, Info  CBS  Exec: repair source blocked by policy [HRESULT = 0x800f0907]",
    "2026-01-05 10:11:12, Error CBS  CheckSur: hrStatus: 0x800f0915",
    "2026-01-05 10:11:12, Info  CBS  Repair failed: CBS_E_GROUPPOLICY_DISALLOWED",
])
def test_the_whole_source_missing_family_is_one_signal(line):
    found = _by_name(scan_lines([line]))
    assert set(found) == {"source_missing"}
    assert found["source_missing"]["cause"] == "missing_payload"
