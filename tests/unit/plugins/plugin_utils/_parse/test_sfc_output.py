# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sfc /scannow output (str, UTF-8 bytes, UTF-16LE with and without BOM) and CBS.log [SR] lines."""
from __future__ import annotations

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")


def _read(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


import codecs  # noqa: E402

import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import (  # noqa: E402
    OUTCOMES, clean_lines, parse_sfc, resolve, run_lines, summarize_cbs_sr, to_text)

CASES = [
    ("sfc_no_violations.txt", "no_violations", False, False),
    ("sfc_repaired.txt", "repaired", True, False),
    ("sfc_unable_to_fix.txt", "unable_to_fix", False, False),
    ("sfc_could_not_perform.txt", "could_not_perform", False, False),
    ("sfc_service_not_started.txt", "service_not_started", False, False),
    ("sfc_pending_reboot.txt", "pending_reboot", False, True),
]


def _encodings(raw):
    text = raw.decode("ascii")
    return {
        "str": text,
        "utf8": raw,
        "utf16le_nobom": text.encode("utf-16-le"),
        "utf16le_bom": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        # PowerShell read the UTF-16 stream as 8-bit text: NULs left in a str.
        "str_with_nuls": text.encode("utf-16-le").decode("latin-1"),
    }


@pytest.mark.parametrize("name,outcome,repaired,reboot", CASES)
@pytest.mark.parametrize("form", ["str", "utf8", "utf16le_nobom", "utf16le_bom", "str_with_nuls"])
def test_outcomes_in_every_encoding(name, outcome, repaired, reboot, form):
    result = parse_sfc(_encodings(_read(name))[form])
    assert result["outcome"] == outcome
    assert result["outcome"] in OUTCOMES
    assert result["repaired"] is repaired
    assert result["reboot_required"] is reboot
    assert "\x00" not in result["message"]
    assert not any("complete." in line and "Verification" in line for line in result["lines"])


def test_capture_shaped_binary_fixture():
    raw = _read("sfc_repaired.utf16le.bin")
    assert not raw.startswith(codecs.BOM_UTF16_LE)
    result = parse_sfc(raw, exit_code=0)
    assert result["outcome"] == "repaired"
    assert result["message"] == "Windows Resource Protection found corrupt files and successfully repaired them."
    assert result["exit_code"] == 0


def test_not_elevated_is_could_not_perform_with_flag():
    result = parse_sfc(_read("sfc_not_admin.txt"))
    assert result["outcome"] == "could_not_perform"
    assert result["elevation_required"] is True
    assert parse_sfc(_read("sfc_could_not_perform.txt"))["elevation_required"] is False


@pytest.mark.parametrize("text", ["", b"", None, "Beginning system scan.\r\nVerification 12% complete.",
                                  "something else entirely", b"\xff\xfe"])
def test_unknown_or_partial_output(text):
    result = parse_sfc(text)
    assert result["outcome"] == "unknown"
    # What was printed is kept as the message (nothing printed: None), never a guessed sentence.
    assert result["message"] == (" / ".join(result["lines"][-3:]) or None)
    assert result["evidence"] is None
    assert result["repaired"] is False


def test_progress_lines_are_dropped_and_cr_redraws_split():
    lines = clean_lines("Verification 1% complete.\rVerification 45% complete.\rVerification 100% complete.\r\nDone")
    assert lines == ["Done"]


def test_to_text_rejects_other_types():
    with pytest.raises(TypeError):
        to_text(42)


def test_to_text_odd_length_utf16():
    data = "Windows Resource Protection".encode("utf-16-le") + b"W"
    assert to_text(data).startswith("Windows Resource Protection")


def test_cbs_sr_summary_from_fixture():
    summary = summarize_cbs_sr(_read("cbs_sfc_sr.log"))
    assert summary["verify_complete"] == 2
    assert summary["repairing_corrupted_file"] == 1
    assert summary["cannot_repair_member_file"] == 2
    assert summary["unrepaired_files"] == ["dxgmms2.sys", "win32kbase.sys"]
    assert summary["repaired_files"] == ["\\??\\C:\\Windows\\System32\\drivers\\en-US\\usbport.sys.mui"]
    assert summary["sr_lines"] == 13


def test_cbs_sr_summary_from_lines_and_from_utf16():
    lines = _read("cbs_sfc_sr.log").decode("ascii").splitlines()
    assert summarize_cbs_sr(lines) == summarize_cbs_sr(_read("cbs_sfc_sr.log").decode("ascii").encode("utf-16"))


def test_cbs_sr_summary_ignores_other_lines():
    summary = summarize_cbs_sr(_read("cbs_clean.log"))
    assert summary["sr_lines"] == 0
    assert summary["unrepaired_files"] == []


def test_result_sentence_wrapped_at_console_width_still_decides():
    # sfc writes its result at the console width, so a long sentence spans lines.
    result = parse_sfc(_read("sfc_unable_to_fix_wrapped.txt"))
    assert result["outcome"] == "unable_to_fix"
    assert result["message"].endswith("unable to fix some of them.")
    assert not result["repaired"]


def _sr(seq, text):
    return "2026-01-05 10:11:%02d, Info                  CSI    %08x [SR] %s" % (seq % 60, seq, text)


OLD_RUN = [_sr(1, "Verifying 100 components"), _sr(2, "Beginning Verify and Repair transaction"),
           _sr(3, "Verify complete")]


def test_run_lines_are_those_after_the_last_line_seen_before():
    new = [_sr(4, "Verifying 100 components"), _sr(5, "Beginning Verify and Repair transaction"),
           _sr(6, "Cannot repair member file [l:11]'wuaueng.dll' of X, hash mismatch"), _sr(7, "Verify complete")]
    assert run_lines(OLD_RUN, OLD_RUN + new) == new
    assert run_lines([], new) == new
    assert run_lines(OLD_RUN, OLD_RUN) == []  # sfc wrote nothing (it refused to scan)
    assert run_lines(OLD_RUN, new) == new  # the tail no longer holds the old lines: all are new


@pytest.mark.parametrize("lines,outcome", [
    ([_sr(4, "Beginning Verify and Repair transaction"), _sr(5, "Verify complete")], "no_violations"),
    ([_sr(4, "Repairing corrupted file \\??\\C:\\Windows\\System32\\wuaueng.dll from store"),
      _sr(5, "Verify complete")], "repaired"),
    ([_sr(4, "Cannot repair member file [l:11]'wuaueng.dll' of X, hash mismatch"), _sr(5, "Verify complete")],
     "unable_to_fix"),
])
def test_unreadable_sfc_text_is_decided_by_this_runs_cbs_lines(lines, outcome):
    parsed = parse_sfc("Lorem ipsum dolor sit amet.".encode("utf-16-le"))
    assert parsed["outcome"] == "unknown"
    resolved = resolve(parsed, summarize_cbs_sr(lines), reboot_pending=False)
    assert (resolved["outcome"], resolved["evidence"]) == (outcome, "cbs_log")
    assert resolved["repaired"] is (outcome == "repaired")
    assert resolved["message"] == parsed["message"]  # the text it printed is kept


def test_read_text_wins_over_cbs_and_pending_flag_needs_silence():
    read = parse_sfc(_read("sfc_no_violations.txt"))
    assert resolve(read, summarize_cbs_sr([_sr(4, "Cannot repair member file [l:1]'a' of X")]), True) is read
    unread = parse_sfc("Lorem ipsum.")
    pending = resolve(unread, summarize_cbs_sr([]), reboot_pending=True)
    assert (pending["outcome"], pending["evidence"], pending["reboot_required"]) == ("pending_reboot", "registry", True)
    assert resolve(unread, summarize_cbs_sr([]), reboot_pending=False)["outcome"] == "unknown"
