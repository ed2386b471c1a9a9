# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No parser says "running" or a success for text it cannot read; the text is kept.

The texts here are deliberately not Windows output: words in no table,
bytes in a code page nobody reported, a progress bar under an unknown header.
"""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import cbs_log, setup_result, wim_info
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import parse_sfc, resolve

BAR = "[==========================100.0%==========================]"
UNREADABLE = [
    "Lorem ipsum dolor sit amet.\r\nConsectetur adipiscing elit.\r\n",
    "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\r\n".encode("cp949"),  # bytes in a code page nobody reported
    bytes(range(0x80, 0x100)),
    "Xyzzy 10.0.26100.1\r\n\r\n" + BAR + "\r\nPlugh.\r\n",  # a bar, a version, no known header
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_sfc_unreadable_is_unknown_with_the_text_kept(text):
    result = parse_sfc(text, exit_code=0)
    assert result["outcome"] == "unknown"
    assert result["repaired"] is False and result["reboot_required"] is False
    assert result["evidence"] is None
    assert result["lines"] == [line for line in result["lines"] if line]  # what was printed, cleaned
    # Without language-neutral evidence it stays unknown.
    assert resolve(result, None, None)["outcome"] == "unknown"
    assert resolve(result, {"sr_lines": 0}, False)["outcome"] == "unknown"


@pytest.mark.parametrize("text", UNREADABLE)
@pytest.mark.parametrize("exit_code,operation", [(None, None), (None, "RestoreHealth"), (0, "CheckHealth"),
                                                 (0, "ScanHealth"), (0, None)])
def test_dism_unreadable_is_never_running_nor_a_health_verdict(text, exit_code, operation):
    result = parse_dism(text, exit_code, operation)
    assert result["outcome"] == "unknown"
    assert result["ok"] is False and result["corruption_detected"] is False
    assert result["raw"]  # the decoded text is kept
    assert result["message"]  # ... and its last lines are the message


def test_dism_unreadable_restorehealth_exit_zero_is_told_by_the_exit_code():
    # /RestoreHealth's exit code 0 is its success in any language; the text is still kept.
    result = parse_dism(UNREADABLE[3], 0, "RestoreHealth")
    assert (result["outcome"], result["evidence"]) == ("repaired", "exit_code")
    failed = parse_dism(UNREADABLE[3], 1726, "RestoreHealth")
    assert failed["outcome"] == "failed" and failed["ok"] is False


def test_dism_partial_english_output_still_reads_as_running():
    partial = ("Deployment Image Servicing and Management tool\r\nVersion: 10.0.26100.1150\r\n\r\n"
               "[=====                      10.0%                          ]")
    assert parse_dism(partial)["outcome"] == "running"
    assert parse_dism(partial.replace("Deployment Image Servicing and Management tool", "Xyzzy"))["outcome"] == "unknown"


@pytest.mark.parametrize("text", UNREADABLE)
def test_cbs_setup_and_wim_readers_claim_nothing(text):
    assert cbs_log.scan_text(text) == []
    parsed = setup_result.parse_setup_log(text)
    assert parsed["first_error"] is None and parsed["result_pairs"] == []
    with pytest.raises(wim_info.WimInfoError):
        wim_info.parse_wim_info(text if isinstance(text, str) else text.decode("latin-1"))
