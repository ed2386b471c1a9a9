# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dead ends (plugin_utils/_ladder/dead_ends.py): the ladder stops where a person must give
something, and the verdict, the next steps and the fleet report's JSON say what and with which variable."""
from __future__ import annotations

import json

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import dead_ends, fleet_report, remediation

KB = "KB5043080"
DIAG = {"causes": [{"name": "corrupt_component_store", "confidence": "high", "evidence": ["x"]}],
        "installed_kbs": [],
        "os": {"full_build": "26100.1742", "edition_id": "Professional", "architecture": "x64",
               "install_language": "en-US"}}


def _dism_failed(code_hex, outcome="source_missing", signed=None):
    return {"failed": True, "changed": False,
            "msg": "DISM /RestoreHealth could not find the repair files on Windows Update (%s)" % code_hex,
            "dism": {"outcome": outcome, "exit_code": signed, "hresult": {"hex": code_hex}},
            "hresult": {"hex": code_hex}}


def _run(record, rung, result, verify=None):
    record = remediation.record_start(record, rung)
    record = remediation.record_finish(record, rung, remediation.rung_outcome(rung, result, False, record))
    if verify:
        record = remediation.record_verify(record, rung, verify)
    return record


def _climb(settings=None, result=None):
    plan = remediation.plan(DIAG, KB)
    rec = remediation.new_record("h", KB, DIAG, plan, settings=settings or {})
    rec = _run(rec, "preflight", {"changed": False})
    rec = _run(rec, "sfc_dism", result or _dism_failed("0x800F081F", signed=-2146498529))
    return rec


# The source-missing family as hresult.decode() files it, and DISM's own sentence (outcome) without a code.
@pytest.mark.parametrize("result", [
    _dism_failed("0x800F081F", signed=-2146498529),
    _dism_failed("0x800F0906", outcome="failed"),
    _dism_failed("0x800F0907", outcome="failed"),
    _dism_failed(None, outcome="source_missing"),
])
def test_source_missing_without_a_source_stops_the_ladder(result):
    rec = _climb(result=result)
    assert not remediation.should_run(rec, "reset") and not remediation.should_run(rec, "catalog_install")
    # A repair install brings its own files: it is not ruled out.
    assert remediation.should_run(rec, "inplace_upgrade")
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "needs_person"
    assert rec["reason"].startswith("the ladder stopped at sfc_dism")
    assert "reset and the catalog install cannot help" in rec["reason"]
    step = rec["next_steps"][0]
    assert "set wu_remediate_sfc_dism_source" in step and "build 26100.1742" in step
    assert "Professional x64 en-US" in step
    assert "0x800F" in rec["reason"] or "source files could not be found" in rec["reason"]
    assert "wu_sfc_dism_" not in " ".join(rec["next_steps"]) + rec["reason"]  # never an inner role's variable
    assert rec["dead_ends"][0]["variable"] == "wu_remediate_sfc_dism_source"


def test_source_missing_with_a_source_says_the_source_does_not_match():
    rec = remediation.verdict(_climb(settings={"sfc_dism_source": "D:\\sources\\install.wim"}))
    assert "D:\\sources\\install.wim" in rec["reason"] and "does not match" in rec["reason"]
    assert "wu_remediate_sfc_dism_source" in rec["next_steps"][0]
    assert "wu_remediate_allow_inplace_upgrade" in rec["next_steps"][0]


def test_another_dism_failure_is_no_dead_end():
    rec = _climb(result=_dism_failed("0x800F0831", outcome="not_repairable", signed=-2146498511))
    assert remediation.should_run(rec, "reset")
    assert rec["rungs_run"][-1].get("dead_end") is None


@pytest.mark.parametrize("settings, result, variable, words", [
    ({"inplace_image": "C:\\iso\\arm.iso", "allow_inplace_upgrade": True},
     {"failed": True, "outcome": "media_mismatch",
      "msg": "the ISO does not fit the installed Windows: architecture arm64 is not x64"},
     "wu_remediate_inplace_image", "architecture arm64 is not x64"),
    ({"inplace_image": "", "allow_inplace_upgrade": True},
     {"failed": True, "msg": "set wu_inplace_upgrade_image to the path of a Windows ISO on the host"},
     "wu_remediate_inplace_image", "no installation media is set"),
    ({"inplace_image": "C:\\iso\\gone.iso", "allow_inplace_upgrade": True},
     {"failed": True, "outcome": "preflight_failed", "msg": "cannot start the repair install: C:\\iso\\gone.iso "
                                                            "does not exist"},
     "wu_remediate_inplace_image", "gone.iso does not exist"),
])
def test_a_refused_repair_install_names_its_reason_and_the_variable(settings, result, variable, words):
    plan = remediation.plan({"causes": [{"name": "forward_delta_hydration"}]}, KB, allow_inplace_upgrade=True)
    rec = remediation.new_record("h", KB, DIAG, plan, settings=settings)
    rec = _run(rec, "preflight", {"changed": False})
    rec = _run(rec, "inplace_upgrade", result)
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "needs_person" and words in rec["reason"]
    assert rec["dead_ends"][0]["variable"] == variable
    assert "wu_remediate_inplace_image" in rec["next_steps"][0] and "build 26100.1742" in rec["next_steps"][0]
    assert "wu_inplace_upgrade_image" not in rec["next_steps"][0]


def test_the_reason_reaches_the_fleet_reports_json():
    rec = remediation.verdict(_climb())
    summary = fleet_report.build_summary([{"host": "h", "wu_remediation": rec, "wu_diagnosis": None}])
    data = json.loads(fleet_report.render_json(summary))
    text = json.dumps(data)
    assert "wu_remediate_sfc_dism_source" in text and "cannot help" in text
    assert "wu_remediate_sfc_dism_source" in fleet_report.render_markdown(summary)


def test_classify_ignores_what_did_not_fail():
    assert dead_ends.classify("sfc_dism", {"changed": True, "dism": {"outcome": "repaired"}}) is None
