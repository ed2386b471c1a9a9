# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ladder driver's decisions (plugin_utils/_ladder/remediation.py) and the journal text (journal.py)."""
from __future__ import annotations

import json

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import journal, remediation

KB = "KB5043080"


def diag(*names, installed=(), backups=()):
    return {"causes": [{"name": n, "confidence": "high", "evidence": ["x"]} for n in names],
            "installed_kbs": list(installed), "backups": [{"path": p} for p in backups],
            "antivirus": [{"name": "Fabrikam AV", "third_party": True}]}


def rungs(*names, **kw):
    return remediation.plan(diag(*names), KB, **kw)["rungs"]


def test_plan_installed_does_nothing():
    p = remediation.plan(diag("corrupt_download_cache", installed=[KB]), KB)
    assert p["installed"] is True and p["rungs"] == []


def test_plan_cheap_first_and_climbs():
    assert rungs("corrupt_download_cache") == ["preflight", "reset", "catalog_install"]
    assert rungs("corrupt_system_files") == ["preflight", "sfc_dism", "reset", "catalog_install"]
    assert rungs("corrupt_system_files", allow_inplace_upgrade=True)[-1] == "inplace_upgrade"


def test_plan_no_cause_tries_the_install_first():
    p = remediation.plan(diag(), KB)
    assert p["try_install_first"] is True and p["rungs"][0] == "preflight"


def test_plan_failing_disk_is_blocked():
    p = remediation.plan(diag("storage_fault", "corrupt_download_cache"), KB)
    assert p["blocked"] and p["rungs"] == []


def test_plan_forward_delta_needs_opt_in():
    p = remediation.plan(diag("forward_delta_hydration"), KB)
    assert p["rungs"] == ["preflight"] and p["stop_for_person"]
    assert p["person_reasons"][0]["note"] == "inplace_upgrade is disabled"
    assert rungs("forward_delta_hydration", allow_inplace_upgrade=True) == ["preflight", "inplace_upgrade"]


def test_plan_insider_caps_at_catalog_and_manual():
    p = remediation.plan(diag("insider_build_conflict"), KB, allow_inplace_upgrade=True)
    assert p["rungs"] == ["preflight", "catalog_install"] and p["stop_for_person"]


def test_plan_third_party_filter_is_manual():
    p = remediation.plan(diag("third_party_filter_driver"), KB)
    assert p["rungs"] == ["preflight"] and p["stop_for_person"]


def test_plan_cause_map_override_and_enabled():
    p = remediation.plan(diag("low_disk"), KB, cause_map={"low_disk": {"rungs": ("reset",)}})
    assert p["rungs"] == ["preflight", "reset", "catalog_install"]
    assert rungs("corrupt_download_cache", enabled=["preflight", "reset"]) == ["preflight", "reset"]
    with pytest.raises(ValueError):
        remediation.plan(diag(), KB, enabled=["resett"])


def test_plan_sfc_left_out_only_for_the_component_store_alone():
    # The store alone: DISM /RestoreHealth is the repair.
    assert remediation.plan(diag("corrupt_component_store"), KB)["sfc"] is False
    # Any cause that sfc may cure keeps it, alone or next to the store.
    assert remediation.plan(diag("corrupt_system_files"), KB)["sfc"] is True
    assert remediation.plan(diag("corrupt_component_store", "corrupt_system_files"), KB)["sfc"] is True
    assert remediation.plan(diag("unknown_update_failure"), KB)["sfc"] is True
    # No cause: the climb passes the rung with nothing known, so sfc stays.
    assert remediation.plan(diag(), KB)["sfc"] is True
    # A cause that reaches the rung only because its own rung is disabled keeps sfc.
    p = remediation.plan(diag("corrupt_component_store", "low_disk"), KB,
                         enabled=["sfc_dism", "reset", "catalog_install"])
    assert p["sfc"] is True


def test_plan_sfc_always_and_cause_map():
    assert remediation.plan(diag("corrupt_component_store"), KB, sfc="always")["sfc"] is True
    # An override of the store's entry without "sfc" keeps sfc (the default is to run it).
    p = remediation.plan(diag("corrupt_component_store"), KB, cause_map={"corrupt_component_store": {"rungs": ["sfc_dism"]}})
    assert p["sfc"] is True
    p = remediation.plan(diag("corrupt_system_files"), KB,
                         cause_map={"corrupt_system_files": {"rungs": ["sfc_dism"], "sfc": False}})
    assert p["sfc"] is False
    with pytest.raises(ValueError, match="sfc must be one of auto, always"):
        remediation.plan(diag("corrupt_component_store"), KB, sfc="never")


def test_plan_fork_priority_puts_the_longest_expected_climb_first():
    def priority(*names, **kw):
        return remediation.plan(diag(*names), KB, **kw)["fork_priority"]
    repair_install = priority("forward_delta_hydration", allow_inplace_upgrade=True)
    dism_sfc = priority("corrupt_system_files", allow_inplace_upgrade=True)
    catalog = priority("insider_build_conflict")
    plain_install = priority()
    reset = priority("corrupt_download_cache")
    assert repair_install > dism_sfc > catalog > reset > priority("low_disk") > plain_install > 0
    # The plain install first counts only the install; a climb counts up to its first repair rung and
    # the install after it (the pre-flight, the reset and the install here; not the catalog rung above);
    # the pre-flight alone (it cures a full disk) and its install; a hand-over to a person, no install.
    assert plain_install == 28 and reset == 1 + 1 + 28 and priority("low_disk") == 1 + 28
    assert priority("third_party_filter_driver") == 1
    assert remediation.plan(diag("corrupt_download_cache", installed=[KB]), KB)["fork_priority"] == 0
    assert priority("storage_fault", "corrupt_download_cache") == 0


def test_plan_superseding_update_from_an_earlier_run_counts():
    entry = {"verdict": "fixed", "installed_kb": "KB5048667"}
    p = remediation.plan(diag("insider_build_conflict", installed=["KB5048667"]), KB, journal_entry=entry)
    assert p["installed"] and p["satisfied_by"] == "KB5048667"
    rec = remediation.verdict(remediation.new_record("h", KB, plan_=p))
    assert rec["verdict"] == "already_installed" and "supersedes" in rec["reason"]


def _climb(record, rung, result, verify=None):
    record = remediation.record_start(record, rung)
    record = remediation.record_finish(record, rung, remediation.rung_outcome(rung, result))
    if verify is not None:
        record = remediation.record_verify(record, rung, verify)
    return record


def test_record_fixed_by_the_rung_whose_verification_installed():
    p = remediation.plan(diag("corrupt_download_cache"), KB)
    rec = remediation.new_record("h", KB, diag("corrupt_download_cache"), p)
    rec = _climb(rec, "preflight", {"changed": True, "remedied": False})
    rec = _climb(rec, "reset", {"changed": True}, {"outcome": "installed", "kb": KB})
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"]) == ("fixed", "reset")
    assert rec["rungs_run"][0]["verify"] is None and rec["rungs_run"][1]["verify"]["outcome"] == "installed"


def test_record_catalog_rung_installs_itself():
    rec = remediation.new_record("h", KB, plan_={"rungs": ["catalog_install"]})
    rec = _climb(rec, "catalog_install", {"outcome": "installed", "update": {"kb": "KB5048667"}})
    assert rec["fixed_by"] == "catalog_install" and rec["installed_kb"] == "KB5048667"


def test_verdict_exhausted_names_last_resorts():
    p = remediation.plan(diag("corrupt_download_cache"), KB)
    rec = remediation.new_record("h", KB, plan_=p)
    rec = _climb(rec, "reset", {"changed": True}, {"outcome": "failed"})
    rec = _climb(rec, "catalog_install", {"failed": True, "msg": "boom"})
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "needs_person" and "every automated rung" in rec["reason"]
    assert [r["name"] for r in rec["last_resorts"]] == ["reset_this_pc_keep_files", "clean_install",
                                                        "wait_next_cumulative"]


def test_verdict_third_party_names_the_product():
    d = diag("third_party_filter_driver")
    rec = remediation.verdict(remediation.new_record("h", KB, d, remediation.plan(d, KB)))
    assert rec["verdict"] == "needs_person" and "Fabrikam AV" in rec["next_steps"][0]


def test_verdict_failing_disk():
    d = diag("storage_fault")
    rec = remediation.verdict(remediation.new_record("h", KB, d, remediation.plan(d, KB)))
    assert rec["verdict"] == "skipped_failing_disk" and "back up" in rec["reason"]


def test_verify_outcome_reads_win_updates():
    uid = "u1"
    ok = {"updates": {uid: {"kb": ["5043080"], "installed": True}}, "reboot_required": True}
    assert remediation.verify_outcome(ok, KB)["outcome"] == "installed"
    bad = {"failed": True, "updates": {uid: {"kb": ["KB5043080"], "installed": False,
                                             "failure_hresult_code": -2145124300}}}
    out = remediation.verify_outcome(bad, KB)
    assert out["outcome"] == "failed" and out["hresult"] == "0x80240034"
    assert remediation.verify_outcome({"updates": {}}, KB)["outcome"] == "not_offered"
    pending = {"failed": True, "msg": "A reboot is required before more updates can be installed"}
    assert remediation.verify_outcome(pending, KB)["outcome"] == "reboot_pending"


def _interrupted(rung, backups_before):
    rec = remediation.new_record("h", KB, plan_={"rungs": ["preflight", rung]})
    rec = _climb(rec, "preflight", {"changed": False})
    return remediation.record_start(rec, rung, diagnosis=diag(backups=backups_before))


def test_resume_does_not_repeat_a_reset_that_ran():
    entry = _interrupted("reset", ["C:\\Windows\\SoftwareDistribution.bak-1"])
    now = diag(backups=["C:\\Windows\\SoftwareDistribution.bak-1", "C:\\Windows\\SoftwareDistribution.bak-2"])
    rec = remediation.resume(remediation.new_record("h", KB), entry, now)
    assert rec["resumed"] and rec["run_id"] == entry["run_id"]
    assert set(rec["done_rungs"]) == {"preflight", "reset"} and rec["verify_pending"]
    assert remediation.pending_verify_rung(rec) == "reset"
    assert not remediation.should_run(rec, "reset")


def test_resume_runs_a_reset_that_did_not_run():
    entry = _interrupted("reset", ["C:\\Windows\\SoftwareDistribution.bak-1"])
    rec = remediation.resume(remediation.new_record("h", KB), entry, diag(backups=["C:\\Windows\\SoftwareDistribution.bak-1"]))
    assert rec["done_rungs"] == ["preflight"] and not rec["verify_pending"]
    assert remediation.should_run(rec, "reset")


def test_resume_reruns_detached_rungs():
    entry = _interrupted("sfc_dism", [])
    rec = remediation.resume(remediation.new_record("h", KB), entry, diag())
    assert remediation.should_run(rec, "sfc_dism") and "sfc_dism" not in rec["done_rungs"]


def test_finished_run_is_not_resumed_and_needs_person_settles():
    d = diag("third_party_filter_driver")
    p = remediation.plan(d, KB)
    done = remediation.verdict(remediation.new_record("h", KB, d, p))
    again = remediation.resume(remediation.new_record("h", KB, d, p), done, d)
    assert again.get("settled") and not remediation.should_run(again, "preflight")
    assert remediation.verdict(again) == again
    fixed = dict(done, verdict="fixed")
    fresh = remediation.resume(remediation.new_record("h", KB, d, p), fixed, d)
    assert not fresh["resumed"] and fresh["previous"]["verdict"] == "fixed"


def test_check_mode_plans_preflight_and_the_first_repair_rung():
    rec = remediation.new_record("h", KB, check_mode=True)
    for rung in ("preflight", "reset"):
        assert remediation.should_run(rec, rung, check_mode=True)
        rec = remediation.record_start(rec, rung)
        rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}, True))
    assert not remediation.should_run(rec, "catalog_install", check_mode=True)
    assert remediation.verdict(rec, check_mode=True)["verdict"] == "check_mode"


def test_catalog_product():
    os_info = {"product_name": "Windows 11 Pro", "display_version": "24H2", "build": 26100,
               "architecture": "x64", "product_type": "workstation"}
    assert remediation.catalog_product(os_info) == {"product": "Windows 11 Version 24H2", "architecture": "x64"}
    with pytest.raises(ValueError):
        remediation.catalog_product({"product_name": "OS/2", "architecture": "x64"})


def test_journal_roundtrip_and_fallback():
    j = journal.merge(journal.empty(), "kb5043080", {"verdict": None}, now="2026-11-02T09:00:00Z")
    text = journal.dump(j)
    assert journal.parse(text)["entries"][KB] == {"verdict": None}
    assert journal.same_entry(journal.parse(text), KB, {"verdict": None})
    loaded, warning = journal.load("{not json", text)
    assert loaded["entries"][KB] == {"verdict": None} and "backup" in warning
    loaded, warning = journal.load(None, None)
    assert loaded == journal.empty() and warning is None
    with pytest.raises(ValueError):
        journal.parse(json.dumps({"version": 99, "entries": {}}))


@pytest.mark.parametrize("msg", [
    "win_kb_catalog_install: ('Connection aborted.', RemoteDisconnected('Remote end closed connection'))",
    "HTTPConnectionPool(host='10.0.0.5', port=5985): Max retries exceeded with url: /wsman",
])
def test_a_rung_cut_off_by_a_lost_connection_is_interrupted_not_failed(msg):
    out = remediation.rung_outcome("catalog_install", {"failed": True, "msg": msg})
    assert out["outcome"] == "interrupted"
    failed = remediation.rung_outcome("catalog_install", {"failed": True, "msg": "hash mismatch"})
    assert failed["outcome"] == "failed"


@pytest.mark.parametrize("rung, msg", [
    ("sfc_dism", "the host restarted during DISM /RestoreHealth twice (the runs started 2026-11-02T09:00:00Z and "
                 "2026-11-02T09:10:00Z were both ended by a restart, the last boot at 2026-11-02T09:12:00Z); "
                 "nothing was completed: run the task again once the host is stable"),
    ("catalog_install", "the host restarted during DISM /Add-Package KB5048667 twice (...); nothing was completed: "
                        "run the task again once the host is stable"),
])
def test_a_rung_cut_off_by_two_restarts_is_interrupted_and_run_again_on_resume(rung, msg):
    out = remediation.rung_outcome(rung, {"failed": True, "msg": msg})
    assert out["outcome"] == "interrupted" and out["details"]["msg"] == msg
    assert rung in remediation.REPEAT_SAFE
    # A run lost without a restart (the task's time limit, someone ended it) stays a failure.
    lost = remediation.rung_outcome(rung, {"failed": True, "msg": "DISM /RestoreHealth ended without an exit code "
                                           "(the host restarted or the task was stopped); run the task again"})
    assert lost["outcome"] == "failed"


def test_needs_person_after_an_interrupted_rung_resumes_that_rung():
    d = diag("insider_build_conflict")
    p = remediation.plan(d, KB)
    rec = remediation.new_record("h", KB, d, p)
    rec["rungs_run"] = [{"rung": "preflight", "outcome": "done", "details": {}},
                        {"rung": "catalog_install", "outcome": "interrupted", "details": {}}]
    ended = remediation.verdict(rec)
    assert ended["verdict"] == "needs_person"
    again = remediation.resume(remediation.new_record("h", KB, d, p), ended, d)
    assert not again.get("settled") and again["resumed"]
    assert remediation.should_run(again, "catalog_install")
    assert not remediation.should_run(again, "preflight")


@pytest.mark.parametrize("rung, result, retry", [
    # Failures before the repair did its work, or rolled back: worth another try.
    ("catalog_install", {"failed": True, "outcome": None, "msg": "catalog error 8DDD0024"}, True),
    ("catalog_install", {"failed": True, "outcome": None, "msg": "SHA256 checksum mismatch"}, True),
    ("reset", {"failed": True, "msg": "cryptsvc: access is denied; rolled back"}, True),
    ("inplace_upgrade", {"failed": True, "outcome": "preflight_failed", "msg": "image does not exist"}, True),
    ("inplace_upgrade", {"failed": True, "outcome": "rolled_back", "msg": "0xC1900101: remove the driver"}, True),
    ("sfc_dism", {"failed": True, "msg": "could not start DISM", "dism": None}, True),
    # The repair ran to its end and failed: the same run would fail again.
    ("catalog_install", {"failed": True, "outcome": "failed", "msg": "DISM 0x80070306"}, False),
    ("sfc_dism", {"failed": True, "msg": "source not found", "dism": {"exit_code": -2146498529}}, False),
])
def test_a_failed_rung_is_marked_for_retry_only_when_the_host_is_as_it_was(rung, result, retry):
    out = remediation.rung_outcome(rung, result)
    assert out["outcome"] == "failed"
    assert bool(out["details"].get("retry")) is retry
    assert remediation.retryable(rung, result) is retry


def _ended_with(step):
    d = diag("insider_build_conflict")
    p = remediation.plan(d, KB)
    rec = remediation.new_record("h", KB, d, p)
    rec["rungs_run"] = [{"rung": "preflight", "outcome": "done", "details": {}}, step]
    ended = remediation.verdict(rec)
    assert ended["verdict"] == "needs_person"
    return d, p, ended


def test_needs_person_after_a_retryable_failure_runs_that_rung_again_and_keeps_the_rest():
    failed = remediation.rung_outcome("catalog_install", {"failed": True, "outcome": None, "msg": "HTTP 500"})
    d, p, ended = _ended_with(dict(failed, rung="catalog_install"))
    again = remediation.resume(remediation.new_record("h", KB, d, p), ended, d)
    assert not again.get("settled") and again["resumed"]
    assert remediation.should_run(again, "catalog_install")
    assert not remediation.should_run(again, "preflight")
    step = [s for s in again["rungs_run"] if s["rung"] == "catalog_install"][0]
    assert step["outcome"] == "failed" and "run again" in step["details"]["note"]


def test_needs_person_after_a_repair_that_ran_and_failed_stays_settled():
    failed = remediation.rung_outcome("catalog_install", {"failed": True, "outcome": "failed", "msg": "0x80070306"})
    d, p, ended = _ended_with(dict(failed, rung="catalog_install"))
    again = remediation.resume(remediation.new_record("h", KB, d, p), ended, d)
    assert again.get("settled") and not remediation.should_run(again, "catalog_install")


def test_next_rung_climbs_the_plan_in_the_ladders_order_and_stops_once_fixed():
    planned = ["reset", "preflight", "catalog_install"]  # any order: the ladder's order decides
    rec = remediation.new_record("h", KB)
    assert remediation.next_rung(rec, planned) == "preflight"
    rec = _climb(rec, "preflight", {"changed": True, "remedied": False})
    assert remediation.next_rung(rec, planned, "preflight") == "reset"
    fixed = _climb(rec, "reset", {"changed": True}, {"outcome": "installed", "kb": KB})
    assert remediation.next_rung(fixed, planned, "reset") is None
    still_broken = _climb(rec, "reset", {"changed": True}, {"outcome": "failed", "kb": KB, "hresult": "0x80070306"})
    assert remediation.next_rung(still_broken, planned, "reset") == "catalog_install"
    assert remediation.next_rung(still_broken, planned, "inplace_upgrade") is None
    assert remediation.next_rung(rec, []) is None


def test_next_rung_never_names_a_rung_at_or_below_the_last_one():
    # A rung that failed would run again by should_run alone: only the ones above it are named.
    planned = ["preflight", "sfc_dism", "reset"]
    failed = _climb(remediation.new_record("h", KB), "sfc_dism", {"failed": True, "msg": "DISM failed: 0x800f081f"})
    assert remediation.should_run(failed, "sfc_dism")
    assert remediation.next_rung(failed, planned, "sfc_dism") == "reset"
    assert remediation.next_rung(failed, ["preflight", "sfc_dism"], "sfc_dism") is None


def test_next_rung_in_check_mode_plans_the_first_repair_rung_only():
    rec = remediation.new_record("h", KB, check_mode=True)
    planned = ["preflight", "reset", "catalog_install"]
    assert remediation.next_rung(rec, planned, None, True) == "preflight"
    for rung in ("preflight", "reset"):
        rec = remediation.record_start(rec, rung)
        rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}, True))
    assert remediation.next_rung(rec, planned, "reset", True) is None
