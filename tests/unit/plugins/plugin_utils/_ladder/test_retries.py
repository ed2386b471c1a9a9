# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A re-run repeats a failed step only when something it depends on changed (a setting - media,
repair source -, free space, the host's state, a fault outside the host that the retry itself checks);
otherwise the verdict stands and says why the step was not repeated."""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

KB = "KB5043080"


def _diag(causes, free_gb=60.0):
    return {"causes": [{"name": c, "confidence": "high", "evidence": ["x"]} for c in causes], "installed_kbs": [],
            "system_drive": {"free_gb": free_gb}, "os": {"full_build": "26100.2033"}}


def _ended(causes, rung, result, settings=None, free_gb=60.0, **plan_kw):
    d = _diag(causes, free_gb)
    p = remediation.plan(d, KB, **plan_kw)
    rec = remediation.new_record("h", KB, d, p, settings=settings)
    rec = remediation.record_start(rec, "preflight")
    rec = remediation.record_finish(rec, "preflight", remediation.rung_outcome("preflight", {"changed": False}))
    rec = remediation.record_start(rec, rung)
    rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, result, False, rec))
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "needs_person"
    return remediation.journal_entry(rec)


def _rerun(entry, causes, settings=None, free_gb=60.0, **plan_kw):
    d = _diag(causes, free_gb)
    p = remediation.plan(d, KB, **plan_kw)
    return remediation.resume(remediation.new_record("h", KB, d, p, settings=settings), entry, d)


DENIED = {"failed": True, "msg": "the reset failed at step start:wuauserv; the host was put back as it was",
          "steps": [{"id": "stop:wuauserv", "status": "ok"}, {"id": "start:wuauserv", "status": "failed"}]}
STOP_DENIED = {"failed": True, "msg": "the reset failed at step stop:cryptsvc (access is denied); rolled back",
               "steps": [{"id": "stop:cryptsvc", "status": "failed", "detail": "Access is denied"}]}
NO_SPACE = {"failed": True, "msg": "renaming SoftwareDistribution failed: there is not enough space on the disk; "
                                   "rolled back"}


def test_nothing_changed_the_failed_step_is_not_repeated_and_the_verdict_says_why():
    entry = _ended(["corrupt_download_cache"], "reset", DENIED)
    again = _rerun(entry, ["corrupt_download_cache"])
    assert again.get("settled") and not remediation.should_run(again, "reset")
    assert "not repeated" in again["reason"] and "nothing it depends on changed" in again["reason"]
    assert "wu_remediate_retry" in again["reason"]


def test_a_reset_stopped_by_a_service_or_a_folder_is_repeated_once_then_stands():
    entry = _ended(["corrupt_download_cache"], "reset", STOP_DENIED)
    assert entry["rungs_run"][-1]["details"]["retry_when"] == "once"
    again = _rerun(entry, ["corrupt_download_cache"])
    assert not again.get("settled") and remediation.should_run(again, "reset")
    again = remediation.record_start(again, "reset")
    again = remediation.record_finish(again, "reset", remediation.rung_outcome("reset", STOP_DENIED, False, again))
    third = _rerun(remediation.journal_entry(remediation.verdict(again)), ["corrupt_download_cache"])
    assert third.get("settled") and not remediation.should_run(third, "reset") and "not repeated" in third["reason"]


def test_asked_to_retry_the_failed_step_is_repeated():
    entry = _ended(["corrupt_download_cache"], "reset", DENIED)
    again = _rerun(entry, ["corrupt_download_cache"], settings={"retry": True})
    assert not again.get("settled") and remediation.should_run(again, "reset")


@pytest.mark.parametrize("free_gb, repeated", [(2.4, False), (2.9, False), (31.0, True)])
def test_a_step_that_ran_out_of_space_is_repeated_once_there_is_room(free_gb, repeated):
    entry = _ended(["corrupt_download_cache"], "reset", NO_SPACE, free_gb=2.5)
    again = _rerun(entry, ["corrupt_download_cache"], free_gb=free_gb)
    assert remediation.should_run(again, "reset") is repeated


def test_missing_media_is_repeated_once_the_media_setting_changed():
    result = {"failed": True, "outcome": "preflight_failed", "msg": "cannot start the repair install: "
              "C:\\iso\\w.iso does not exist"}
    settings = {"inplace_image": "C:\\iso\\w.iso", "allow_inplace_upgrade": True}
    entry = _ended(["forward_delta_hydration"], "inplace_upgrade", result, settings, allow_inplace_upgrade=True)
    same = _rerun(entry, ["forward_delta_hydration"], settings, allow_inplace_upgrade=True)
    assert not remediation.should_run(same, "inplace_upgrade") and "not repeated" in same["reason"]
    moved = dict(settings, inplace_image="D:\\media\\Win11_24H2_x64.iso")
    again = _rerun(entry, ["forward_delta_hydration"], moved, allow_inplace_upgrade=True)
    assert remediation.should_run(again, "inplace_upgrade")


def test_a_dead_end_is_passed_once_the_variable_it_named_is_set():
    result = {"failed": True, "msg": "source missing", "dism": {"outcome": "source_missing", "exit_code": -2146498529},
              "hresult": {"hex": "0x800F081F", "name": "CBS_E_SOURCE_MISSING"}}
    entry = _ended(["corrupt_component_store"], "sfc_dism", result)
    same = _rerun(entry, ["corrupt_component_store"])
    assert same.get("settled") and not remediation.should_run(same, "sfc_dism")
    given = _rerun(entry, ["corrupt_component_store"], settings={"sfc_dism_source": "D:\\sources\\install.wim"})
    assert remediation.should_run(given, "sfc_dism")
    # The rungs the dead end ruled out stay ruled out only while it stands.
    assert given["rungs_run"][-1].get("dead_end") is None


def test_a_fault_outside_the_host_is_retried_the_retry_checks_whether_it_cleared():
    result = {"failed": True, "outcome": None, "msg": "catalog lookup of KB5043080 failed: HTTP 503 from "
                                                      "www.catalog.update.microsoft.com"}
    entry = _ended(["insider_build_conflict"], "catalog_install", result)
    again = _rerun(entry, ["insider_build_conflict"])
    assert remediation.should_run(again, "catalog_install")
