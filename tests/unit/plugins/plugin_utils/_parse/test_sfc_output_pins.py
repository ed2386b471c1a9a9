# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sfc_output's smaller decisions pinned (found by `make mutation`): the sentence kept as the
message, the fallback message, the [SR] summary of several lines, where one run's lines start,
and how an unreadable text is decided. Result sentences: KB 929833 (languages/sfc.py)."""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import sfc_output

REPAIRED = "Windows Resource Protection found corrupt files and successfully repaired them."


def test_the_message_is_the_deciding_sentence_alone():
    text = ("Beginning system scan.  This process will take some time. Verification 100% complete. "
            + REPAIRED + " For online repairs, details are included in the CBS log file.")
    out = sfc_output.parse_sfc(text)
    assert out["outcome"] == "repaired" and out["message"] == REPAIRED
    assert sfc_output.parse_sfc(REPAIRED)["message"] == REPAIRED  # at the very start of the text
    # A sentence ending in the ideographic full stop is cut there (zh-CN capture, languages/sfc.py).
    zh = "开始系统扫描。此过程将需要一些时间。Windows 资源保护找到了损坏文件并成功修复了它们。其他。"
    assert sfc_output.parse_sfc(zh)["message"] == "Windows 资源保护找到了损坏文件并成功修复了它们。"


def test_a_repair_that_needs_a_restart_says_so_and_one_that_does_not_does_not():
    assert sfc_output.parse_sfc(REPAIRED)["reboot_required"] is False
    assert sfc_output.parse_sfc(REPAIRED + " Restart the computer to finish.")["reboot_required"] is True


def test_an_unknown_text_keeps_its_last_three_lines_as_the_message():
    out = sfc_output.parse_sfc("one\r\ntwo\r\nthree\r\nfour\r\n")
    assert out["outcome"] == "unknown" and out["message"] == "two / three / four"
    assert out["elevation_required"] is False and out["language"] is None


def test_elevation_is_flagged_only_for_the_console_session_refusal():
    refused = sfc_output.parse_sfc("You must be an administrator running a console session in order to use the "
                                   "sfc utility.")
    assert refused["elevation_required"] is True
    other = sfc_output.parse_sfc("Windows Resource Protection could not perform the requested operation.")
    assert other["outcome"] == "could_not_perform" and other["elevation_required"] is False


def test_the_sr_summary_counts_every_line_and_names_each_unrepaired_file_once():
    lines = [
        "2026-01-05 10:11:12, Info CSI 00000001 [SR] Beginning Verify and Repair transaction",
        "2026-01-05 10:11:13, Info CSI 00000002 [SR] Cannot repair member file [l:9]'a.dll' of X, arch amd64",
        "2026-01-05 10:11:13, Info CSI 00000003 [SR] Cannot repair member file [l:9]'a.dll' of X, arch amd64",
        "2026-01-05 10:11:14, Info CSI 00000004 [SR] Cannot repair member file [l:9]'b.dll' of Y, arch amd64",
        "2026-01-05 10:11:15, Info CSI 00000005 [SR] Verify complete",
        "2026-01-05 10:11:16, Info CSI 00000006 [SR] Verify complete",
    ]
    out = sfc_output.summarize_cbs_sr(lines)
    assert (out["sr_lines"], out["cannot_repair_member_file"], out["verify_complete"]) == (6, 3, 2)
    assert out["unrepaired_files"] == ["a.dll", "b.dll"]
    # A line that names no file counts without adding a name.
    assert sfc_output.summarize_cbs_sr(["x [SR] Cannot repair member file of nothing"])["unrepaired_files"] == []


def test_a_run_starts_after_the_last_occurrence_of_the_line_seen_before():
    before = ["a", "b"]
    assert sfc_output.run_lines(before, ["a", "b", "c", "b", "d"]) == ["d"]
    assert sfc_output.run_lines(before, ["b", "c"]) == ["c"]  # the seen line is the first one after
    assert sfc_output.run_lines(before, ["c", "d"]) == ["c", "d"]  # gone: everything is new
    assert sfc_output.run_lines([], ["c"]) == ["c"]


def test_the_outcome_from_cbs_needs_sr_lines_and_either_an_unrepaired_count_or_name():
    assert sfc_output.outcome_from_cbs(None) == "unknown"
    assert sfc_output.outcome_from_cbs({"sr_lines": 0, "cannot_repair_member_file": 1}) == "unknown"
    assert sfc_output.outcome_from_cbs({"sr_lines": 2, "cannot_repair_member_file": 1}) == "unable_to_fix"
    assert sfc_output.outcome_from_cbs({"sr_lines": 2, "unrepaired_files": ["a.dll"]}) == "unable_to_fix"
    assert sfc_output.outcome_from_cbs({"sr_lines": 2, "repairing_corrupted_file": 1}) == "repaired"
    assert sfc_output.outcome_from_cbs({"sr_lines": 2, "verify_complete": 1}) == "no_violations"


def test_an_unknown_text_is_decided_from_cbs_else_from_the_pending_flag_only_without_sr_lines():
    unknown = sfc_output.parse_sfc("????")
    repaired = sfc_output.resolve(unknown, {"sr_lines": 3, "repairing_corrupted_file": 1}, reboot_pending=True)
    assert (repaired["outcome"], repaired["repaired"], repaired["evidence"]) == ("repaired", True, "cbs_log")
    clean = sfc_output.resolve(unknown, {"sr_lines": 1, "verify_complete": 1})
    assert (clean["outcome"], clean["repaired"]) == ("no_violations", False)
    pending = sfc_output.resolve(unknown, None, reboot_pending=True)
    assert (pending["outcome"], pending["evidence"]) == ("pending_reboot", "registry")
    wrote = sfc_output.resolve(unknown, {"sr_lines": 2}, reboot_pending=True)
    assert wrote["outcome"] == "unknown"
    read = sfc_output.parse_sfc(REPAIRED)
    assert sfc_output.resolve(read, {"sr_lines": 2, "verify_complete": 1}) is read


def test_only_a_repair_asks_for_a_restart_and_only_the_console_refusal_flags_elevation():
    clean = sfc_output.parse_sfc("Windows Resource Protection did not find any integrity violations. Restart later.")
    assert clean["outcome"] == "no_violations" and clean["reboot_required"] is False
    pending = sfc_output.parse_sfc("There is a system repair pending which requires reboot to complete.")
    assert pending["outcome"] == "pending_reboot" and pending["elevation_required"] is False


def test_a_text_starting_with_an_ideographic_full_stop_keeps_the_sentence_after_it():
    zh = "\u3002Windows 资源保护找到了损坏文件并成功修复了它们。"
    assert sfc_output.parse_sfc(zh)["message"] == "Windows 资源保护找到了损坏文件并成功修复了它们。"


def test_reproject_lines_name_their_file_only_when_they_say_which():
    named = "x [SR] Could not reproject corrupted file \\??\\C:\\Windows\\System32\\[l:9]'c.dll'; source file missing"
    assert sfc_output.summarize_cbs_sr([named])["unrepaired_files"] == ["c.dll"]
    assert sfc_output.summarize_cbs_sr(["x [SR] Could not reproject corrupted file somewhere"])["unrepaired_files"] == []


def test_a_run_is_found_by_equal_lines_not_by_their_order():
    assert sfc_output.run_lines(["m"], ["m", "a"]) == ["a"]
