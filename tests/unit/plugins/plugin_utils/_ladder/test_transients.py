# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A verification that got no answer (WinRM HTTP 500, a dropped connection) is not evidence:
never "not offered", never a reason to climb or to hand over."""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report, remediation

KB = "KB5043080"
# What ansible.windows.win_updates leaves in the registered result when WinRM answers 500 (pywinrm's
# WinRMTransportError with the WS-Management fault) or drops the connection (requests' ConnectionError).
HTTP500 = {"failed": True, "changed": False,
           "msg": "Illegal operation attempted on a registry key that has been marked for deletion. (extended fault "
                  "data: {'transport_message': 'Bad HTTP response returned from server. Code 500', "
                  "'http_status_code': 500, 'wsmanfault_code': 2147943418, 'fault_code': 's:Receiver'})"}
DROPPED = {"failed": True, "changed": False,
           "msg": "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"}
UNREACHABLE = {"unreachable": True, "changed": False, "msg": "Failed to connect to the host via winrm"}


@pytest.mark.parametrize("result", [HTTP500, DROPPED, UNREACHABLE,
                                    # failed_when: false used to turn the 500 into a result that did not fail
                                    dict(HTTP500, failed=False, failed_when_result=False)])
def test_no_answer_is_never_not_offered(result):
    assert remediation.verify_transient(result)
    out = remediation.verify_outcome(dict(result, attempts=4), KB)
    assert out["outcome"] == "unverified" and out["attempts"] == 4


@pytest.mark.parametrize("result, outcome", [
    ({"changed": False, "updates": {}, "failed": False}, "not_offered"),
    ({"failed": True, "msg": "A reboot is required before more updates can be installed"}, "reboot_pending"),
    ({"failed": True, "updates": {"u": {"kb": ["5043080"], "installed": False, "failure_hresult_code": -2145124300}},
      "msg": "Bad HTTP response returned from server. Code 500"}, "failed"),  # it answered about the update
    ({"updates": {"u": {"kb": ["5043080"], "installed": True}}}, "installed"),
])
def test_an_answer_is_read_as_before(result, outcome):
    assert remediation.verify_outcome(result, KB)["outcome"] == outcome


def _after_reset(verify_result):
    plan = remediation.plan({"causes": [{"name": "corrupt_download_cache"}]}, KB)
    rec = remediation.new_record("h", KB, plan_=plan)
    for rung in ("preflight", "reset"):
        rec = remediation.record_start(rec, rung)
        rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}))
    return remediation.record_verify(rec, "reset", remediation.verify_outcome(verify_result, KB))


def test_could_not_verify_stops_the_climb_without_handing_over():
    rec = _after_reset(dict(HTTP500, attempts=4))
    assert rec["rungs_run"][-1]["verify"]["outcome"] == "unverified"
    assert not remediation.should_run(rec, "catalog_install")
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "unverified" and rec["last_resorts"] == []
    assert "could not be checked" in rec["reason"] and "4 attempt" in rec["reason"]
    assert "not offered" not in rec["reason"]
    summary = fleet_report.build_summary([rec])
    assert summary["fleet"]["left_for_person"]["count"] == 0
    assert summary["hosts"][0]["needs_person"] is False


def test_a_rerun_verifies_the_unverified_rung_first():
    entry = _after_reset(DROPPED)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=entry["plan"]), entry)
    assert rec["verify_pending"] and remediation.pending_verify_rung(rec) == "reset"
    assert not remediation.should_run(rec, "reset")
    rec = remediation.record_verify(rec, "reset", {"outcome": "installed", "kb": KB})
    assert remediation.verdict(rec)["verdict"] == "fixed"


# What win_wu_verify answers when it could not write the journal before the install (nothing installed).
JOURNAL_FAILED = {"failed": True, "changed": False, "journal_failed": True, "attempts": 0, "transient": False,
                  "msg": "Nothing was installed: the journal could not be written first (Could not write the "
                         "journal C:\\ProgramData\\winrepair\\journal.json: There is not enough space on the disk.)"}


def test_a_journal_that_could_not_be_written_is_no_answer_and_says_so():
    out = remediation.verify_outcome(JOURNAL_FAILED, KB)
    assert out["outcome"] == "unverified" and out["journal_failed"]
    rec = _after_reset(JOURNAL_FAILED)
    assert rec["rungs_run"][-1]["verify"]["journal_failed"]
    assert not remediation.should_run(rec, "catalog_install")  # no climb on what was never asked
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "unverified" and "journal could not be written" in rec["reason"]
    assert "not enough space" in rec["reason"] and "did not answer over WinRM" not in rec["reason"]
    assert "free space" in rec["next_steps"][0]
    # A run after it verifies that rung first.
    again = remediation.resume(remediation.new_record("h", KB, plan_=rec["plan"]), _after_reset(JOURNAL_FAILED))
    assert remediation.pending_verify_rung(again) == "reset"


def test_a_run_that_ended_unverified_is_taken_up_with_that_verification():
    """The verdict unverified says the next run resumes with the verification: it does, and the reset
    that ran is not run a second time."""
    ended = remediation.verdict(_after_reset(dict(HTTP500, attempts=4)))
    assert ended["verdict"] == "unverified" and "resumes with this verification" in ended["next_steps"][0]
    entry = remediation.journal_entry(ended)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=entry["plan"]), entry)
    assert rec["resumed"] and rec["run_id"] == entry["run_id"] and "previous" not in rec
    assert remediation.pending_verify_rung(rec) == "reset" and not remediation.should_run(rec, "reset")
    rec = remediation.record_verify(rec, "reset", {"outcome": "installed", "kb": KB})
    assert remediation.verdict(rec)["verdict"] == "fixed"
