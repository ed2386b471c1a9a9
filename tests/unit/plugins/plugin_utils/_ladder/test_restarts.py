# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A good install followed by a restart slower than the timeout is a fix, "installed, restart slow":
in the same run once the host answers, on the re-run otherwise - never only "already installed"."""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report, remediation

KB = "KB5043080"
TIMEOUT_MSG = "Timed out waiting for last boot time check (timeout=8.0)"


def _installed_by_reset():
    plan = remediation.plan({"causes": [{"name": "corrupt_download_cache"}]}, KB)
    rec = remediation.new_record("h", KB, plan_=plan)
    for rung in ("preflight", "reset"):
        rec = remediation.record_start(rec, rung)
        rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}))
    return remediation.record_verify(rec, "reset", {"outcome": "installed", "kb": KB})


def test_slow_restart_that_answers_in_the_same_run_is_fixed_and_says_so():
    rec = remediation.record_restart(_installed_by_reset(), "reset", TIMEOUT_MSG, answered=True)
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"]) == ("fixed", "reset")
    assert "installed, restart slow" in rec["reason"] and TIMEOUT_MSG in rec["reason"]
    assert rec["rungs_run"][-1]["restart"] == {"outcome": "slow", "message": TIMEOUT_MSG, "answered": True}


def test_slow_restart_that_did_not_answer_is_fixed_on_the_rerun_and_counts_in_the_fix_rate():
    # The journal holds the verification (written before the restart); the run ended there.
    entry = remediation.journal_entry(_installed_by_reset())
    assert entry["verdict"] is None and entry["fixed_by"] == "reset"
    diagnosis = {"causes": [], "installed_kbs": [KB]}
    plan = remediation.plan(diagnosis, KB, journal_entry=entry)
    rec = remediation.resume(remediation.new_record("h", KB, diagnosis, plan), entry, diagnosis)
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"], rec["resumed"]) == ("fixed", "reset", True)
    summary = fleet_report.build_summary([rec])
    assert summary["fleet"]["fix_rate"] == {"fixed": 1, "needing_repair": 1, "rate": 1.0}


def test_the_journal_fixed_by_is_not_believed_when_the_update_is_missing():
    entry = remediation.journal_entry(_installed_by_reset())
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": []}
    plan = remediation.plan(diagnosis, KB, journal_entry=entry)
    rec = remediation.resume(remediation.new_record("h", KB, diagnosis, plan), entry, diagnosis)
    assert rec["fixed_by"] is None and remediation.should_run(rec, "catalog_install")


def test_a_catalog_install_whose_restart_was_slow_is_installed():
    result = {"changed": True, "outcome": "reboot_required", "update": {"kb": KB}, "restart_failed": TIMEOUT_MSG}
    out = remediation.rung_outcome("catalog_install", result)
    assert (out["outcome"], out["installed"]) == ("done", True)


# ------------------------------------------------------------- Insider hosts

INSIDER_DIAG = {"causes": [{"name": "insider_build_conflict", "confidence": "high", "evidence": ["x"]}],
                "installed_kbs": [], "insider": {"enrolled": True, "branch_name": "Beta", "ring": "External"}}


def _insider_fixed(preflight_result):
    plan = remediation.plan(INSIDER_DIAG, KB)
    rec = remediation.new_record("h", KB, INSIDER_DIAG, plan)
    rec = remediation.record_start(rec, "preflight")
    rec = remediation.record_finish(rec, "preflight", remediation.rung_outcome("preflight", preflight_result))
    rec = remediation.record_start(rec, "catalog_install")
    result = {"changed": True, "outcome": "reboot_required", "update": {"kb": "KB5048667"}}
    rec = remediation.record_finish(rec, "catalog_install", remediation.rung_outcome("catalog_install", result))
    return remediation.verdict(rec)


def test_an_insider_host_still_enrolled_after_the_release_update_is_not_silently_fixed():
    rec = _insider_fixed({"changed": False})
    assert (rec["verdict"], rec["installed_kb"]) == ("fixed", "KB5048667")
    assert "stays enrolled in the Windows Insider Program (Beta)" in rec["reason"]
    assert any("wu_remediate_leave_insider" in step for step in rec["next_steps"])


def test_an_insider_host_that_left_says_nothing_more():
    left = {"changed": True, "remedied": True, "insider": {"removed_keys": [{"key": "HKLM\\...\\WindowsSelfHost"}],
                                                           "flightsigning_removed": True}}
    rec = _insider_fixed(left)
    assert rec["verdict"] == "fixed" and "enrolled" not in rec["reason"] and rec["next_steps"] == []
