# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""remediation's smaller decisions pinned (found by `make mutation`): the KB number's form, the ladder
the role loops over, reading the in-place upgrade's and win_updates' answers, which step a finish or a
restart belongs to, what a resume keeps and verifies, what counts as a change, and the verdict texts."""
from __future__ import annotations

import json

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

KB = "KB5043080"
T0, T1 = "2026-11-02T10:00:00Z", "2026-11-02T10:05:00Z"


def _journaled(record):
    """RECORD as the next run reads it back from the host journal (JSON)."""
    return json.loads(json.dumps(remediation.journal_entry(record)))


def _climb(rec, rung, result):
    rec = remediation.record_start(rec, rung, now=T0)
    return remediation.record_finish(rec, rung, remediation.rung_outcome(rung, result, record=rec), now=T1)


def _plan(*causes, installed=()):
    return remediation.plan({"causes": [{"name": c, "confidence": "high"} for c in causes],
                             "installed_kbs": list(installed)}, KB)


# ------------------------------------------------------------------ KB numbers

def test_a_kb_number_is_kb_and_6_to_8_digits():
    # Six-digit KB numbers are still in use, e.g. KB890830, the Malicious Software Removal Tool
    # (https://support.microsoft.com/help/890830).
    assert remediation.norm_kb("kb890830") == "KB890830"
    assert remediation.norm_kb(" 5043080 ") == KB
    assert remediation.norm_kb("KB12345678") == "KB12345678"
    for bad in ("KB12345", "12345", "KB123456789", "", None, "KB50430８0", "KB 5043080", "KBB043080"):
        with pytest.raises(ValueError, match=r"^not a KB number: .* \(expected KB followed by 6 to 8 digits\)$"):
            remediation.norm_kb(bad)
    with pytest.raises(ValueError) as err:
        remediation.norm_kb("KB12345")
    assert str(err.value) == "not a KB number: 'KB12345' (expected KB followed by 6 to 8 digits)"


# ------------------------------------------------------------------------ plan

def test_the_ladder_the_role_loops_over_is_every_automated_rung_in_climbing_order():
    # The role loops over plan.ladder on every host, whatever its plan (roles/wu_remediate/tasks/main.yml).
    want = ["preflight", "sfc_dism", "reset", "catalog_install", "inplace_upgrade"]
    assert list(remediation.AUTOMATED_RUNGS) == want
    for p in (_plan(), _plan("corrupt_download_cache"), _plan("storage_fault"), _plan(installed=[KB])):
        assert p["ladder"] == want


def test_a_futile_first_rung_with_a_higher_rung_left_climbs_on_without_a_person():
    # With sfc_dism and reset disabled, the component store cause climbs to catalog_install, which the
    # forward-delta failure makes futile; the repair install above it remains, so nothing hands over yet.
    diagnosis = {"causes": [{"name": "corrupt_component_store", "confidence": "high"},
                            {"name": "forward_delta_hydration", "confidence": "high"}], "installed_kbs": []}
    p = remediation.plan(diagnosis, KB, enabled=["preflight", "catalog_install"], allow_inplace_upgrade=True)
    assert p["rungs"] == ["preflight", "inplace_upgrade"]
    assert p["left_out"] == [{"rung": "catalog_install", "causes": ["forward_delta_hydration"]}]
    assert p["stop_for_person"] is False and p["person_reasons"] == []


# ------------------------------------------------------------- module results

def _inplace(outcome, **more):
    # win_inplace_upgrade's answer as the controller gets it: JSON from the module (plugins/modules/win_inplace_upgrade.py RETURN).
    result = dict({"changed": outcome == "completed", "outcome": outcome, "msg": "repair install: %s" % outcome,
                   "before": {"build": 26100, "ubr": 2033}, "commands": ["setup.exe /auto upgrade"],
                   "elapsed_seconds": 5400.5, "rebooted": True}, **more)
    return json.loads(json.dumps(result))


def test_a_completed_repair_install_is_done_and_keeps_its_before_and_after():
    out = remediation.rung_outcome("inplace_upgrade", _inplace("completed", after={"build": 26100, "ubr": 1742}))
    assert out == {"outcome": "done", "changed": True, "reboot_required": False, "host_seconds": 5400.5,
                   "details": {"msg": "repair install: completed", "outcome": "completed",
                               "before": {"build": 26100, "ubr": 2033}, "after": {"build": 26100, "ubr": 1742},
                               "commands": ["setup.exe /auto upgrade"]},
                   "installed": False, "installed_kb": None}


@pytest.mark.parametrize("outcome, step", [("refused", "skipped"), ("check_mode", "planned"), ("rolled_back", "failed"),
                                           ("not_back", "interrupted"), ("unknown", "failed")])
def test_every_other_repair_install_outcome_is_not_done(outcome, step):
    out = remediation.rung_outcome("inplace_upgrade", _inplace(outcome))
    assert (out["outcome"], out["reboot_required"], out["host_seconds"]) == (step, False, 5400.5)


def test_a_rung_without_a_reading_of_its_own_keeps_the_message_and_the_modules_flags():
    out = remediation.rung_outcome("manual", {"changed": False, "reboot_required": True, "msg": "handed over",
                                              "outcome": "whatever"})
    assert out == {"outcome": "done", "changed": False, "reboot_required": True, "host_seconds": None,
                   "details": {"msg": "handed over"}, "installed": False, "installed_kb": None}


def test_the_update_that_carries_the_kb_decides_whatever_else_win_updates_lists():
    # ansible.windows.win_updates answers with "updates" keyed by update id, each with its "kb" list
    # (https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_updates_module.html);
    # a driver update has no KB at all.
    result = {"changed": True, "updates": {
        "d1": {"title": "Contoso - Display - 31.0.101.4502", "kb": [], "installed": False},
        "u2": {"title": "Security Intelligence Update (KB2267602)", "kb": ["2267602"], "installed": False,
               "failure_hresult_code": -2145124300},
        "u3": {"title": "2024-09 Cumulative Update (KB5043080)", "kb": ["5043080"], "installed": True}}}
    out = remediation.verify_outcome(result, KB)
    assert (out["outcome"], out["kb"], out["hresult"]) == ("installed", KB, None)


# ---------------------------------------------------------------------- record

def test_a_finish_or_a_restart_belongs_to_its_own_rung_only():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    preflight = dict(rec["rungs_run"][0])
    # A restart noted for a rung that has no step changes nothing.
    assert remediation.record_restart(rec, "sfc_dism", "timed out")["rungs_run"] == [preflight]
    # A finish without a start adds that rung's step; the pre-flight's stays as it was.
    rec = remediation.record_finish(rec, "reset", remediation.rung_outcome("reset", {"changed": True, "level": "full"}), now=T1)
    assert [s["rung"] for s in rec["rungs_run"]] == ["preflight", "reset"]
    assert rec["rungs_run"][0] == preflight
    # (record_start, called for it, noted the backups before the reset: none known here)
    assert (rec["rungs_run"][1]["outcome"], rec["rungs_run"][1]["details"]) == (
        "done", {"backups_before": [], "level": "full", "steps": 0})


# ---------------------------------------------------------------------- resume

def test_an_interrupted_reset_run_again_keeps_the_backups_it_found():
    backups = ["C:\\Windows\\SoftwareDistribution.bak-1"]
    diagnosis = {"causes": [], "installed_kbs": [], "backups": [{"path": p} for p in backups]}
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    entry = _journaled(remediation.record_start(rec, "reset", now=T0, diagnosis=diagnosis))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), entry, diagnosis)
    assert rec["rungs_run"][-1]["details"] == {"backups_before": backups, "note": "interrupted; run again on resume"}
    assert remediation.should_run(rec, "reset")


def test_a_cut_off_rung_run_again_keeps_the_message_it_ended_with():
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"))
    msg = "winrm connection error: Connection aborted."
    entry = _journaled(_climb(rec, "sfc_dism", {"failed": True, "msg": msg}))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files")), entry)
    assert rec["rungs_run"][-1]["details"] == {"msg": msg, "dism": None, "sfc": None, "note": "interrupted; run again on resume"}


def test_a_failed_repair_that_is_not_repeated_has_nothing_to_verify():
    # DISM ran to its end and failed: not repeated (retryable), and no repair to verify.
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"))
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "sfc_dism", {"failed": True, "msg": "DISM failed", "dism": {"exit_code": 14, "outcome": "failed"}})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files")), _journaled(rec))
    assert rec["resumed"] and rec["done_rungs"] == ["preflight", "sfc_dism"]
    assert rec["verify_pending"] is False and remediation.pending_verify_rung(rec) is None


def test_a_finished_repair_install_whose_verification_was_lost_is_verified_first():
    rec = remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"))
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "inplace_upgrade", _inplace("completed"))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration")), _journaled(rec))
    assert rec["verify_pending"] is True and remediation.pending_verify_rung(rec) == "inplace_upgrade"
    assert not remediation.should_run(rec, "inplace_upgrade")


def test_a_skipped_rung_is_not_credited_with_an_update_that_is_there_now():
    rec = remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"))
    rec = _climb(rec, "preflight", {"changed": False})
    rec = remediation.record_verify(rec, "preflight", {"outcome": "failed", "kb": KB})
    rec = _climb(rec, "inplace_upgrade", _inplace("refused"))
    assert rec["rungs_run"][-1]["outcome"] == "skipped"
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    assert rec["resumed"] and rec["fixed_by"] is None
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"], rec["reason"]) == ("already_installed", None, "%s is installed: nothing to do" % KB)


@pytest.mark.parametrize("plain_install", [False, True])
def test_a_run_cut_off_before_any_rung_resumes_as_already_installed(plain_install):
    rec = remediation.new_record("h", KB, plan_=_plan())
    if plain_install:
        rec = remediation.record_verify(rec, None, {"outcome": "not_offered", "kb": KB})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    assert rec["resumed"] is True and rec["fixed_by"] is None and rec["verify_pending"] is False
    assert remediation.verdict(rec)["verdict"] == "already_installed"


@pytest.mark.parametrize("before, after", [(True, False), (False, True)])
def test_joining_or_leaving_the_insider_programme_is_a_change(before, after):
    def record(enrolled):
        return remediation.new_record("h", KB, {"insider": {"enrolled": enrolled, "ring": "External"}})
    assert remediation.conditions_changed(_journaled(record(before)), record(after)) == ["the Insider enrolment"]
    assert remediation.conditions_changed(_journaled(record(before)), record(before)) == []


# --------------------------------------------------------------------- verdict

def test_the_target_itself_installed_is_named_as_such():
    rec = remediation.new_record("h", "5043080", plan_=remediation.plan({"causes": [], "installed_kbs": ["kb5043080"]}, "5043080"))
    rec = remediation.verdict(_journaled(rec))
    assert (rec["verdict"], rec["reason"], rec["installed_kb"]) == ("already_installed", "%s is installed: nothing to do" % KB, None)


def test_an_unanswered_verification_without_a_count_says_one_attempt():
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache"))
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", remediation.verify_outcome({"unreachable": True, "msg": "ssl: timed out"}, KB))
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "unverified"
    assert rec["reason"] == ("the reset rung ran, but whether %s now installs could not be checked: Windows Update did not "
                             "answer over WinRM after 1 attempt(s) (ssl: timed out); nothing climbed past it" % KB)


# ------------------------------------------------------ record, resume, evidence

def test_only_the_reset_notes_the_backups_it_starts_with():
    # (and only the repair install its attempt: test_decisions.py)
    diagnosis = {"backups": [{"path": "C:\\Windows\\SoftwareDistribution.bak-1"}, {"path": None}]}
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"))
    expected = {"reset": {"backups_before": ["C:\\Windows\\SoftwareDistribution.bak-1"]},
                "inplace_upgrade": {"attempt": T0}}
    for rung in remediation.AUTOMATED_RUNGS:
        details = remediation.record_start(rec, rung, now=T0, diagnosis=diagnosis)["rungs_run"][-1]["details"]
        assert details == expected.get(rung, {}), rung


def test_a_rung_name_read_from_the_role_is_read_by_its_value():
    # The role passes the rung name from its loop over plan.ladder (templated), not this module's own string.
    reset = json.loads('"reset"')
    out = remediation.rung_outcome(reset, {"changed": True, "msg": "reset", "level": "full", "steps": [{}, {}]})
    assert out["details"] == {"msg": "reset", "level": "full", "steps": 2}


def test_a_plain_install_whose_verdict_was_lost_is_installed_on_the_rerun():
    rec = remediation.new_record("h", KB, plan_=_plan())
    rec = remediation.record_verify(rec, None, {"outcome": "installed", "kb": KB})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"]) == ("installed", "install")
    assert rec["reason"] == "%s installed through Windows Update; no repair was needed" % KB


@pytest.mark.parametrize("other", ["KB5044284", "KB5040000"])
def test_an_unfinished_run_for_another_update_is_not_resumed(other):
    entry = _climb(remediation.new_record("h", other, plan_={"rungs": ["preflight"]}), "preflight", {"changed": False})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), _journaled(entry))
    assert (rec["resumed"], rec["rungs_run"], rec["done_rungs"], rec["target_kb"]) == (False, [], [], KB)
    assert "previous" not in rec


def test_the_rungs_that_ran_leave_out_the_plain_install_also_after_a_resume():
    rec = remediation.new_record("h", KB, plan_=_plan())
    rec = remediation.record_verify(rec, None, {"outcome": "not_offered", "kb": KB})
    rec = _climb(rec, "preflight", {"changed": False})
    rec = remediation.record_verify(rec, "preflight", {"outcome": "not_offered", "kb": KB})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan()), _journaled(rec))
    rec = remediation.verdict(rec)
    assert rec["verdict"] == "needs_person"
    assert rec["reason"].startswith("every automated rung ran (preflight) and %s still does not install" % KB)


def test_a_credited_rung_leaves_nothing_to_verify():
    rec = remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"))
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "inplace_upgrade", _inplace("completed"))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    assert (rec["fixed_by"], rec["installed_kb"], rec["verify_pending"]) == ("inplace_upgrade", KB, False)
    assert remediation.pending_verify_rung(rec) is None


def test_the_evidence_keeps_the_first_ten_failures_and_three_forward_delta_lines():
    diagnosis = {"update_failures": [{"kb": "KB50%05d" % i, "hresult": {"hex": "0x80070306", "name": "ERROR_X"},
                                      "count": i} for i in range(12)],
                 "cbs": {"forward_delta_lines": ["line %d" % i for i in range(5)], "signals": [{"name": "hydration"}]}}
    ev = remediation.evidence_summary(diagnosis)
    assert [f["kb"] for f in ev["update_failures"]] == ["KB50%05d" % i for i in range(10)]
    assert ev["forward_delta_lines"] == ["line 0", "line 1", "line 2"]
    assert ev["cbs_signals"] == ["hydration"]


@pytest.mark.parametrize("key, before, after, what", [
    ("pending_reboot", {"any": True}, {"any": False}, "a pending restart"),
    ("antivirus", [{"name": "Fabrikam AV", "third_party": True}], [], "the third-party antivirus"),
    ("disk_health", {"healthy": False}, {"healthy": True}, "the disk's health"),
    ("os", {"full_build": "26100.1742"}, {"full_build": "26100.2033"}, "the build"),
])
def test_each_change_of_the_host_is_named(key, before, after, what):
    old, new = remediation.new_record("h", KB, {key: before}), remediation.new_record("h", KB, {key: after})
    assert remediation.conditions_changed(_journaled(old), new) == [what]
    assert remediation.conditions_changed(_journaled(old), old) == []


def test_a_changed_setting_is_a_change_but_asking_to_retry_is_not():
    old = remediation.new_record("h", KB, settings={"retry": False})
    assert remediation.conditions_changed(_journaled(old), remediation.new_record("h", KB, settings={"retry": True})) == []
    new = remediation.new_record("h", KB, settings={"sfc_dism_source": "wim:D:\\sources\\install.wim:6", "retry": True})
    assert remediation.conditions_changed(_journaled(old), new) == ["wu_remediate_sfc_dism_source"]


# ------------------------------------------------ settings and plans given as data

def test_the_enabled_rungs_keep_climbing_order_and_the_repair_install_only_when_allowed():
    assert remediation.enabled_rungs() == ["preflight", "sfc_dism", "reset", "catalog_install", "manual"]
    assert remediation.enabled_rungs(allow_inplace_upgrade=True) == list(remediation.AUTOMATED_RUNGS) + ["manual"]
    # The role's wu_remediate_enabled_rungs arrives as data (YAML/JSON), in whatever order a person wrote it.
    wanted = json.loads('["inplace_upgrade", "reset", "preflight", "manual"]')
    assert remediation.enabled_rungs(wanted) == ["preflight", "reset", "manual"]
    assert remediation.enabled_rungs(wanted, allow_inplace_upgrade=True) == ["preflight", "reset", "inplace_upgrade", "manual"]
    assert remediation.enabled_rungs([], allow_inplace_upgrade=True) == ["inplace_upgrade", "manual"]
    with pytest.raises(ValueError, match="unknown rung 'prefilght'"):
        remediation.enabled_rungs(["prefilght"])


def test_the_catalog_product_of_a_workstation_read_from_the_diagnosis():
    # win_wu_diagnose's "os" value as the controller gets it (JSON).
    os_info = json.loads('{"product_name": "Windows 11 Pro", "display_version": "24H2", "build": 26100, '
                         '"architecture": "x64", "product_type": "workstation"}')
    assert remediation.catalog_product(os_info) == {"product": "Windows 11 Version 24H2", "architecture": "x64"}


def test_a_superseding_update_from_the_journal_counts_while_it_is_installed():
    entry = json.loads('{"verdict": "fixed", "installed_kb": "kb5048667", "target_kb": "KB5043080"}')
    p = remediation.plan({"causes": [], "installed_kbs": ["KB5048667"]}, KB, journal_entry=entry)
    assert (p["installed"], p["satisfied_by"], p["rungs"]) == (True, "KB5048667", [])


def test_the_plan_names_the_enabled_automated_rungs_and_keeps_sfc_by_default():
    p = _plan("corrupt_download_cache")
    assert p["enabled"] == ["preflight", "sfc_dism", "reset", "catalog_install"]
    assert (p["sfc"], p["restore_point"]) == (True, True)


def _json_map(text):
    # wu_remediate_cause_map arrives as data (YAML/JSON) from the inventory or the play.
    return json.loads(text)


def test_a_cause_sent_to_a_person_by_the_cause_map_hands_over_after_the_preflight():
    cause_map = _json_map('{"low_disk": {"rungs": ["manual"], "why": "the storage team frees space"}}')
    p = remediation.plan({"causes": [{"name": "low_disk", "confidence": "high"}], "installed_kbs": []}, KB, cause_map=cause_map)
    assert (p["rungs"], p["stop_for_person"]) == (["preflight"], True)
    assert p["person_reasons"] == [{"cause": "low_disk", "why": "the storage team frees space", "note": None}]


def test_a_cause_the_cause_map_sends_to_the_preflight_climbs_no_further():
    cause_map = _json_map('{"corrupt_download_cache": {"rungs": ["preflight"], "why": "a restart clears it"}}')
    p = remediation.plan({"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": []}, KB, cause_map=cause_map)
    assert (p["rungs"], p["stop_for_person"]) == (["preflight"], False)


def test_a_futile_first_rung_with_nothing_above_it_hands_over():
    # An override: no install of any kind while the disk is this full. The download cache cause climbs to
    # catalog_install (reset is disabled), which that makes futile; nothing above it is enabled.
    cause_map = _json_map('{"low_disk": {"rungs": ["preflight"], "futile": ["catalog_install"], "why": "free space"}}')
    diagnosis = {"causes": [{"name": "low_disk"}, {"name": "corrupt_download_cache"}], "installed_kbs": []}
    p = remediation.plan(diagnosis, KB, enabled=["preflight", "catalog_install"], cause_map=cause_map)
    assert (p["rungs"], p["stop_for_person"]) == (["preflight"], True)
    assert p["left_out"] == [{"rung": "catalog_install", "causes": ["low_disk"]}]


def test_sfc_is_left_out_for_the_component_store_also_with_a_cause_map_from_data():
    cause_map = _json_map('{"corrupt_component_store": {"rungs": ["sfc_dism"], "sfc": false, "why": "DISM"}}')
    p = remediation.plan({"causes": [{"name": "corrupt_component_store"}], "installed_kbs": []}, KB, cause_map=cause_map)
    assert (p["rungs"], p["sfc"]) == (["preflight", "sfc_dism", "reset", "catalog_install"], False)
    assert remediation.plan({"causes": [{"name": "corrupt_component_store"}], "installed_kbs": []}, KB,
                            cause_map=cause_map, sfc=json.loads('"always"'))["sfc"] is True


def test_a_new_record_and_a_started_step_have_these_defaults():
    rec = remediation.new_record("h", KB, now=T0)
    assert (rec["started"], rec["check_mode"], rec["resumed"], rec["version"]) == (T0, False, False, 1)
    assert len(rec["run_id"]) == 12 and int(rec["run_id"], 16) >= 0
    assert remediation.new_record("h", KB)["started"].endswith("Z")
    step = remediation.record_start(rec, "sfc_dism", now=T0)["rungs_run"][-1]
    assert step == {"rung": "sfc_dism", "started": T0, "finished": None, "outcome": "started", "changed": None,
                    "reboot_required": False, "elapsed_seconds": None, "host_seconds": None, "details": {},
                    "verify": None, "resumed": False}


def test_the_evidence_keeps_each_failures_code():
    f = {"kb": "KB5043080", "hresult": {"hex": "0x80073712", "name": "ERROR_SXS_COMPONENT_STORE_CORRUPT"}, "count": 3,
         "last_seen": "2026-11-01T10:00:00Z", "resolved": False}
    assert remediation.evidence_summary({"update_failures": [f, {"kb": "KB5044284"}]})["update_failures"] == [
        {"kb": "KB5043080", "hresult": "0x80073712", "name": "ERROR_SXS_COMPONENT_STORE_CORRUPT", "count": 3,
         "last_seen": "2026-11-01T10:00:00Z", "resolved": False},
        {"kb": "KB5044284", "hresult": None, "name": None, "count": None, "last_seen": None, "resolved": None}]


def test_a_finish_without_a_start_finds_no_other_rungs_step():
    rec = _climb(remediation.new_record("h", KB), "preflight", {"changed": False})
    preflight = dict(rec["rungs_run"][0])
    for rung in ("catalog_install", json.loads('"reset"')):
        done = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}), now=T1)
        assert [s["rung"] for s in done["rungs_run"]] == ["preflight", rung] and done["rungs_run"][0] == preflight


def test_the_time_a_rung_took_is_kept_to_a_tenth_of_a_second():
    rec = remediation.record_start(remediation.new_record("h", KB), "reset", now="2026-11-02T10:00:00Z")
    step = remediation.record_finish(rec, "reset", {"outcome": "done"}, now="2026-11-02T10:00:12.34Z")["rungs_run"][-1]
    assert step["elapsed_seconds"] == 12.3
    # A start time the journal holds in a form that is no time: no duration rather than a wrong one.
    rec["rungs_run"][-1]["started"] = "unknown"
    assert remediation.record_finish(rec, "reset", {"outcome": "done"}, now=T1)["rungs_run"][-1]["elapsed_seconds"] is None


def test_the_plain_install_gets_its_own_step_after_the_steps_before_it():
    rec = _climb(remediation.new_record("h", KB), "preflight", {"changed": False})
    preflight = dict(rec["rungs_run"][0])
    for outcome, changed in (("installed", True), ("not_offered", False)):
        verify = json.loads(json.dumps({"outcome": outcome, "kb": KB}))  # as the journal holds it
        out = remediation.record_verify(rec, None, verify)
        assert out["rungs_run"][0] == preflight
        step = out["rungs_run"][1]
        assert (step["rung"], step["outcome"], step["changed"], step["reboot_required"], step["resumed"]) == (
            "install", "done", changed, False, False)
        assert step["verify"]["outcome"] == outcome
        assert out["fixed_by"] == ("install" if changed else None)


def test_a_verification_that_installed_a_superseding_update_names_it():
    rec = _climb(remediation.new_record("h", KB), "catalog_install", {"failed": True, "outcome": "failed", "msg": "x"})
    out = remediation.record_verify(rec, "catalog_install", {"outcome": "installed", "kb": "KB5048667"})
    assert (out["fixed_by"], out["installed_kb"]) == ("catalog_install", "KB5048667")
    out = remediation.record_verify(rec, "catalog_install", {"outcome": "installed", "kb": None})
    assert (out["fixed_by"], out["installed_kb"]) == ("catalog_install", KB)


def test_an_interrupted_reset_without_a_diagnosis_now_is_not_repeated():
    backups = {"backups": [{"path": "C:\\Windows\\SoftwareDistribution.bak-1"}]}
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    entry = _journaled(remediation.record_start(rec, "reset", now=T0, diagnosis=backups))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), entry, None)
    assert rec["done_rungs"] == ["preflight", "reset"] and rec["verify_pending"] is True
    assert rec["rungs_run"][-1]["details"] == {"backups_before": ["C:\\Windows\\SoftwareDistribution.bak-1"],
                                               "note": "interrupted; not repeated on resume (it changed the host)"}


def test_a_fresh_run_has_nothing_to_verify():
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), None)
    assert (rec["resumed"], rec["verify_pending"], rec["done_rungs"]) == (False, False, [])


def _needs_person(last_rung, result):
    rec = remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"), settings={})
    rec = _climb(rec, "preflight", {"changed": False})
    rec = remediation.record_verify(rec, "preflight", {"outcome": "failed", "kb": KB})
    rec = _climb(rec, last_rung, result)
    return _journaled(remediation.verdict(rec))


def test_needs_person_from_the_journal_after_a_cut_off_rung_resumes_that_rung():
    entry = _needs_person("inplace_upgrade", _inplace("unknown", failed=True, msg="winrm: Connection aborted."))
    assert (entry["verdict"], entry["rungs_run"][-1]["outcome"]) == ("needs_person", "interrupted")
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"), settings={}), entry)
    assert rec["resumed"] is True and "settled" not in rec and rec["run_id"] == entry["run_id"]
    assert remediation.should_run(rec, "inplace_upgrade")


def test_needs_person_from_the_journal_after_a_refused_rung_stands_while_nothing_changed():
    entry = _needs_person("inplace_upgrade", _inplace("refused"))
    assert (entry["verdict"], entry["rungs_run"][-1]["outcome"]) == ("needs_person", "skipped")
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"), settings={}), entry)
    assert (rec["settled"], rec["verify_pending"], rec["verdict"], rec["reason"]) == (
        True, False, "needs_person", entry["reason"])


def test_a_settled_verdict_without_a_reason_still_says_why_the_failed_step_was_not_repeated():
    entry = _needs_person("catalog_install", {"failed": True, "msg": "not enough space on the disk"})
    assert entry["rungs_run"][-1]["details"]["retry"] is True
    entry["reason"] = None
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("forward_delta_hydration"), settings={}), entry)
    assert rec["settled"] and rec["reason"] == (
        "needs a person; the failed catalog_install step was not repeated: nothing it depends on changed since (settings, "
        "free space, the host's state); change what its message names first, or set wu_remediate_retry: true to repeat "
        "it anyway")


def test_a_resumed_run_keeps_its_start_and_every_step_after_one_run_again():
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), now=T0)
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "sfc_dism", {"failed": True, "msg": "winrm: Connection aborted."})
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", {"outcome": "failed", "kb": KB})
    entry = _journaled(rec)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), now=T1), entry)
    assert (rec["resumed"], rec["started"], rec["run_id"]) == (True, T0, entry["run_id"])
    assert [(s["rung"], s["outcome"]) for s in rec["rungs_run"]] == [("preflight", "done"), ("sfc_dism", "interrupted"),
                                                                     ("reset", "done")]
    assert rec["done_rungs"] == ["preflight", "reset"] and remediation.should_run(rec, "sfc_dism")


# A failure the reset does not retry by itself on a re-run (a service that would not start again).
NOT_STARTED = {"failed": True, "msg": "the reset failed at step start:wuauserv; rolled back",
               "steps": [{"id": "start:wuauserv", "status": "failed"}]}
DENIED = {"failed": True, "msg": "could not stop cryptsvc: access is denied; the reset was rolled back",
          "steps": [{"id": "stop:cryptsvc", "status": "failed", "detail": "Access is denied"}]}


def _denied_then_catalog(free_gb):
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": [], "system_drive": {"free_gb": free_gb}}
    rec = remediation.new_record("h", KB, diagnosis, _plan("corrupt_download_cache"), settings={"retry": False})
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "reset", DENIED)
    rec = _climb(rec, "catalog_install", {"failed": True, "outcome": "failed", "msg": "DISM /Add-Package failed"})
    return _journaled(remediation.verdict(rec))


@pytest.mark.parametrize("settings, free_gb, why", [({"retry": True}, 2.0, "asked to"),
                                                    ({"retry": False}, 20.0, "free space 2.0 GB -> 20.0 GB")])
def test_a_failed_step_run_again_says_why_and_keeps_the_steps_after_it(settings, free_gb, why):
    entry = _denied_then_catalog(2.0)
    assert entry["verdict"] == "needs_person"
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": [], "system_drive": {"free_gb": free_gb}}
    rec = remediation.resume(remediation.new_record("h", KB, diagnosis, _plan("corrupt_download_cache"), settings=settings),
                             entry, diagnosis)
    reset = rec["rungs_run"][1]
    assert reset["details"] == {"backups_before": [], "msg": DENIED["msg"], "steps": 1, "failed_step": "stop:cryptsvc",
                                "retry": True, "retry_when": "once",
                                "note": "failed; run again on resume (%s)" % why}
    assert [s["rung"] for s in rec["rungs_run"]] == ["preflight", "reset", "catalog_install"]
    assert rec["done_rungs"] == ["preflight", "catalog_install"] and remediation.should_run(rec, "reset")


def test_a_failed_reset_is_run_once_more_and_the_catalog_failure_after_it_is_judged_again_once_it_is_done():
    # Chaos seed 3, c110: a denial stopped the reset (rolled back), and the catalog install after it
    # failed on the catroot2 the reset would have renamed. Nothing changed on the host, so nothing was
    # ever tried again. The re-run now runs the reset once more, and the catalog install after it.
    entry = _denied_then_catalog(2.0)
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": [], "system_drive": {"free_gb": 2.0}}
    rec = remediation.resume(remediation.new_record("h", KB, diagnosis, _plan("corrupt_download_cache"),
                                                    settings={"retry": False}), entry, diagnosis)
    assert "settled" not in rec and rec["rungs_run"][1]["details"]["note"] == \
        "failed; run again on resume (once more: what stopped it may have cleared)"
    assert remediation.should_run(rec, "reset") and not remediation.should_run(rec, "catalog_install")
    done = _climb(rec, "reset", {"changed": True})
    done = remediation.record_verify(done, "reset", {"outcome": "failed", "kb": KB})
    assert remediation.should_run(done, "catalog_install")
    assert not remediation.should_run(_climb(done, "catalog_install", {"failed": True, "outcome": "failed",
                                                                       "msg": "DISM /Add-Package failed"}),
                                      "catalog_install")
    assert "reopen" not in remediation.journal_entry(done)


def test_a_rung_after_the_repeated_reset_that_met_a_dead_end_waits_for_its_setting():
    entry = _denied_then_catalog(2.0)
    entry["rungs_run"][-1]["dead_end"] = {"variable": "wu_remediate_inplace_image", "skip": []}
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": [], "system_drive": {"free_gb": 2.0}}
    rec = remediation.resume(remediation.new_record("h", KB, diagnosis, _plan("corrupt_download_cache"),
                                                    settings={"retry": False}), entry, diagnosis)
    done = remediation.record_verify(_climb(rec, "reset", {"changed": True}), "reset", {"outcome": "failed", "kb": KB})
    assert rec["reopen"] == {} and not remediation.should_run(done, "catalog_install")


def test_a_cut_off_reset_that_left_no_backup_keeps_its_note_and_the_failures_after_it_are_judged_again():
    # Chaos seed 3, c049 in the 200-host fleet: access to wuauserv and bits denied, the reset's answer
    # lost (it rolled back: no backup). The run caught the lost connection and finished the step as
    # cut off; that finish dropped the backups noted at its start, so a re-run could not see the
    # reset had left no trace. Its verdict (after the catalog install failed on the catroot2, and a
    # repair install that did not cure it) stood for ever.
    diagnosis = {"causes": [{"name": "inconsistent_catroot2"}], "installed_kbs": [], "backups": []}
    rec = _climb(remediation.new_record("h", KB, diagnosis, _plan("inconsistent_catroot2"), settings={}),
                 "preflight", {"changed": False})
    rec = remediation.record_start(rec, "reset", diagnosis=diagnosis)
    rec = remediation.record_finish(rec, "reset", remediation.rung_outcome(
        "reset", {"failed": True, "msg": "Task failed: ('Connection aborted.', RemoteDisconnected('Remote end "
                                         "closed connection without response'))"}))
    assert rec["rungs_run"][-1]["outcome"] == "interrupted"
    assert rec["rungs_run"][-1]["details"]["backups_before"] == []
    rec = remediation.record_verify(rec, "reset", {"outcome": "failed", "kb": KB})
    rec = _climb(rec, "catalog_install", {"failed": True, "outcome": "failed", "msg": "DISM 0x80092003"})
    entry = _journaled(remediation.verdict(rec))
    assert entry["verdict"] == "needs_person"
    again = remediation.resume(remediation.new_record("h", KB, diagnosis, _plan("inconsistent_catroot2"),
                                                      settings={}), entry, diagnosis)
    assert "settled" not in again and remediation.should_run(again, "reset")
    assert not remediation.should_run(again, "catalog_install")
    done = remediation.record_verify(_climb(again, "reset", {"changed": True}), "reset", {"outcome": "failed", "kb": KB})
    assert remediation.should_run(done, "catalog_install")


def test_a_reset_that_fails_again_is_not_run_a_third_time_nor_the_catalog_install_after_it():
    entry = _denied_then_catalog(2.0)
    diagnosis = {"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": [], "system_drive": {"free_gb": 2.0}}

    def rerun(entry):
        return remediation.resume(remediation.new_record("h", KB, diagnosis, _plan("corrupt_download_cache"),
                                                         settings={"retry": False}), entry, diagnosis)
    again = _climb(rerun(entry), "reset", DENIED)
    assert not remediation.should_run(again, "catalog_install")
    third = rerun(_journaled(remediation.verdict(again)))
    assert third.get("settled") and not remediation.should_run(third, "reset")
    assert "the failed reset step was not repeated" in third["reason"]


def test_an_unanswered_verification_in_the_journal_is_asked_again_first():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", remediation.verify_outcome({"unreachable": True, "msg": "x"}, KB))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), _journaled(rec))
    assert (rec["verify_pending"], rec["rungs_run"][-1]["verify"]) == (True, None)
    assert remediation.pending_verify_rung(rec) == "reset"


def test_a_preflight_that_remedied_something_is_verified_first_on_resume():
    rec = remediation.new_record("h", KB, plan_=_plan("pending_reboot"))
    rec = _climb(rec, "preflight", {"changed": True, "remedied": True, "rebooted": True})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("pending_reboot")), _journaled(rec))
    assert rec["verify_pending"] is True and remediation.pending_verify_rung(rec) == "preflight"


def test_a_rung_that_ran_twice_is_done_once():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    rec = _climb(rec, "reset", DENIED)
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", {"outcome": "failed", "kb": KB})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), _journaled(rec))
    assert rec["done_rungs"] == ["preflight", "reset"]


def test_a_verified_rung_is_not_credited_with_an_update_that_is_there_now():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", {"outcome": "failed", "kb": KB})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    assert (rec["fixed_by"], remediation.verdict(rec)["verdict"]) == (None, "already_installed")


def test_a_cut_off_rung_credited_with_the_update_is_done_and_says_how_it_was_seen():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files")), "preflight", {"changed": False})
    rec = _climb(rec, "sfc_dism", {"failed": True, "msg": "winrm: Connection aborted."})
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan(installed=[KB])), _journaled(rec))
    step = rec["rungs_run"][-1]
    assert (rec["fixed_by"], step["rung"], step["outcome"]) == ("sfc_dism", "sfc_dism", "done")
    assert step["verify"] == {"outcome": "installed", "kb": KB, "hresult": None, "via": "installed_updates",
                              "message": "%s is among the host's installed updates when the run resumed" % KB}


@pytest.mark.parametrize("before, now, changed", [(2.0, 3.0, True), (2.0, 2.9, False), (3.0, 2.0, False)])
def test_free_space_counts_as_a_change_from_one_more_gigabyte(before, now, changed):
    def record(free_gb):
        return remediation.new_record("h", KB, {"system_drive": {"free_gb": free_gb}})
    want = ["free space %.1f GB -> %.1f GB" % (before, now)] if changed else []
    assert remediation.conditions_changed(_journaled(record(before)), record(now)) == want


def test_the_same_setting_read_back_from_the_journal_is_no_change():
    source = "wim:D:\\sources\\install.wim:6"
    old = _journaled(remediation.new_record("h", KB, settings={"sfc_dism_source": source, "inplace_image": ""}))
    new = remediation.new_record("h", KB, settings={"sfc_dism_source": "wim:D:\\sources\\" + "install.wim:6"})
    assert remediation.conditions_changed(old, new) == []


def test_a_fault_outside_the_host_read_back_from_the_journal_is_tried_again():
    result = {"failed": True, "outcome": None, "msg": "catalog lookup of KB5043080 failed: HTTP 503 from the catalog"}
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("insider_build_conflict"), settings={}), "preflight",
                 {"changed": False})
    rec = _climb(rec, "catalog_install", result)
    entry = _journaled(remediation.verdict(rec))
    assert entry["rungs_run"][-1]["details"]["retry_when"] == "always"
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("insider_build_conflict"), settings={}), entry)
    assert "settled" not in rec and remediation.should_run(rec, "catalog_install")


def test_a_repair_that_ran_to_its_end_and_failed_is_not_named_as_held_back():
    dism = {"failed": True, "msg": "DISM /RestoreHealth failed", "dism": {"exit_code": 14, "outcome": "failed"}}
    assert "retry" not in remediation.rung_outcome(json.loads('"sfc_dism"'), dism)["details"]
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), settings={}), "preflight",
                 {"changed": False})
    rec = _climb(rec, "sfc_dism", dism)
    entry = _journaled(remediation.verdict(rec))
    rec = remediation.resume(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), settings={}), entry)
    assert (rec["settled"], rec["reason"]) == (True, entry["reason"])


@pytest.mark.parametrize("causes, allow", [(["corrupt_download_cache", "low_disk"], False),
                                           (["forward_delta_hydration"], True)])
def test_a_settled_verdict_gives_way_to_a_different_plan(causes, allow):
    entry = _needs_person("inplace_upgrade", _inplace("refused"))
    p = remediation.plan({"causes": [{"name": c} for c in causes], "installed_kbs": []}, KB, allow_inplace_upgrade=allow)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=p, settings={}), entry)
    assert "settled" not in rec and rec["verdict"] is None and rec["previous"]["verdict"] == "needs_person"


CACHE, BOTH = ["corrupt_download_cache"], ["corrupt_download_cache", "low_disk"]
NO_CATALOG = ["preflight", "sfc_dism", "reset"]


@pytest.mark.parametrize("old, new", [((BOTH, None), (CACHE, None)), ((CACHE, None), (BOTH, None)),
                                      ((CACHE, None), (CACHE, NO_CATALOG)), ((CACHE, NO_CATALOG), (CACHE, None))])
def test_a_settled_verdict_gives_way_when_a_cause_or_a_rung_changed(old, new):
    def plan(causes, enabled):
        return remediation.plan({"causes": [{"name": c} for c in causes], "installed_kbs": []}, KB, enabled=enabled)
    rec = remediation.new_record("h", KB, plan_=plan(*old), settings={})
    rec = _climb(rec, "preflight", {"changed": False})
    rec = _climb(rec, "reset", NOT_STARTED)
    entry = _journaled(remediation.verdict(rec))
    assert entry["verdict"] == "needs_person"
    assert "settled" not in remediation.resume(remediation.new_record("h", KB, plan_=plan(*new), settings={}), entry)
    assert remediation.resume(remediation.new_record("h", KB, plan_=plan(*old), settings={}), entry)["settled"] is True


def test_a_decided_or_fixed_run_runs_no_more_rungs_and_check_mode_is_asked_for():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files")), "preflight", {"changed": False})
    planned = remediation.record_finish(remediation.record_start(rec, "sfc_dism", now=T0), "sfc_dism",
                                        remediation.rung_outcome("sfc_dism", {"changed": True}, check_mode=True), now=T1)
    assert planned["rungs_run"][-1]["outcome"] == "planned"
    assert remediation.should_run(planned, "reset") is True
    assert remediation.should_run(planned, "reset", check_mode=True) is False
    fixed = remediation.record_verify(rec, "preflight", {"outcome": "installed", "kb": KB})
    assert remediation.should_run(fixed, "sfc_dism") is False
    decided = remediation.verdict(rec)
    assert decided["verdict"] == "needs_person" and decided["fixed_by"] is None
    assert remediation.should_run(decided, "sfc_dism") is False


def _role(text):
    """A value as the role passes it to the filters: data, not this module's own strings."""
    return json.loads(text)


def test_each_rung_reads_its_own_module_result_when_the_role_names_it():
    preflight = remediation.rung_outcome(_role('"preflight"'), {"changed": True, "reboot_required": True, "remedied": True,
                                                                "rebooted": True, "msg": "restarted"})
    assert (preflight["reboot_required"], preflight["details"]) == (False, {"rebooted": True, "msg": "restarted",
                                                                            "remedied": True})
    sfc = remediation.rung_outcome(_role('"sfc_dism"'), {"changed": True, "msg": "repaired", "dism": {"outcome": "repaired"},
                                                         "sfc": {"outcome": "no_violations"}, "durations": {"total": 812.5}})
    assert (sfc["host_seconds"], sfc["details"]) == (812.5, {"msg": "repaired", "dism": "repaired", "sfc": "no_violations"})
    update = {"kb": "KB5048667", "title": "2024-12 Cumulative Update (KB5048667)", "superseded": False, "size": 1}
    catalog = remediation.rung_outcome(_role('"catalog_install"'), _role(json.dumps(
        {"changed": True, "outcome": "installed", "msg": "installed", "update": update})))
    assert (catalog["outcome"], catalog["installed"], catalog["installed_kb"]) == ("done", True, "KB5048667")
    assert catalog["details"]["update"] == {"kb": "KB5048667", "title": "2024-12 Cumulative Update (KB5048667)",
                                            "superseded": False}
    planned = remediation.rung_outcome(_role('"catalog_install"'), _role('{"changed": true, "outcome": "would_install"}'))
    assert (planned["outcome"], planned["installed"]) == ("planned", False)
    upgrade = remediation.rung_outcome(_role('"inplace_upgrade"'), _inplace("completed"))
    assert (upgrade["outcome"], upgrade["host_seconds"]) == ("done", 5400.5)


def test_a_catalog_install_whose_host_restarted_under_dism_is_interrupted():
    result = _role('{"failed": true, "outcome": "lost", "msg": "DISM ended without an exit code"}')
    out = remediation.rung_outcome(_role('"catalog_install"'), result)
    assert out["outcome"] == "interrupted" and "retry" not in out["details"]


def test_a_refused_repair_install_is_skipped_not_marked_for_a_retry():
    # win_inplace_upgrade refuses (a failure, outcome "refused") before any host call when reboots are not accepted.
    result = _inplace("refused", failed=True, msg="refusing to start: hours and several restarts")
    out = remediation.rung_outcome("inplace_upgrade", result)
    assert out["outcome"] == "skipped" and "retry" not in out["details"]


def test_an_unanswered_verification_is_found_in_the_record_the_role_passes_on():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", remediation.verify_outcome({"unreachable": True}, KB))
    assert remediation.unverified_rung(_journaled(rec)) == "reset"
    assert remediation.should_run(_journaled(rec), "catalog_install") is False


def test_the_update_that_installed_is_named_among_the_accepted_ones():
    result = {"updates": {"u1": {"kb": ["5048667"], "installed": True}}}
    out = remediation.verify_outcome(result, KB, accepted=[KB, "KB5048667"])
    assert (out["outcome"], out["kb"]) == ("installed", "KB5048667")


def test_a_failure_code_is_written_as_eight_hex_digits():
    # 0x80070003 ERROR_PATH_NOT_FOUND as a failed HRESULT (winerror.h, microsoft/win32metadata); win_updates gives it signed.
    result = {"failed": True, "updates": {"u1": {"kb": ["5043080"], "installed": False,
                                                 "failure_hresult_code": 0x80070003 - 2 ** 32}}}
    assert remediation.verify_outcome(result, KB)["hresult"] == "0x80070003"


def test_the_reset_notes_its_backups_also_when_the_role_names_it():
    diagnosis = {"backups": [{"path": "C:\\Windows\\SoftwareDistribution.bak-1"}]}
    step = remediation.record_start(remediation.new_record("h", KB), _role('"reset"'), now=T0, diagnosis=diagnosis)["rungs_run"][-1]
    assert step["details"] == {"backups_before": ["C:\\Windows\\SoftwareDistribution.bak-1"]}


def test_a_failed_verification_of_the_plain_install_changed_nothing():
    step = remediation.record_verify(remediation.new_record("h", KB), None, {"outcome": "failed", "kb": KB})["rungs_run"][-1]
    assert (step["rung"], step["changed"]) == ("install", False)


def test_a_slow_restart_is_found_in_the_record_the_role_passes_on():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), "preflight", {"changed": False})
    rec = _climb(rec, "reset", {"changed": True})
    rec = remediation.record_verify(rec, "reset", {"outcome": "installed", "kb": KB})
    rec = remediation.record_restart(_journaled(rec), _role('"reset"'), "Timed out waiting for last boot time check")
    assert rec["rungs_run"][-1]["restart"]["outcome"] == "slow"
    rec = remediation.verdict(_journaled(rec))
    assert rec["reason"] == ("%s installed after the reset rung; installed, restart slow (the host answered again after the "
                             "restart timeout: Timed out waiting for last boot time check)" % KB)


def test_a_search_that_failed_without_an_answer_about_the_update_is_failed_not_not_offered():
    result = {"failed": True, "updates": {}, "msg": "Searching for updates failed: 0x8024402C"}
    assert remediation.verify_outcome(result, KB)["outcome"] == "failed"


INSIDER = {"causes": [{"name": "insider_build_conflict", "confidence": "high"}], "installed_kbs": []}


def _insider_fixed_rec(insider, preflight_insider=None):
    diagnosis = dict(INSIDER, insider=insider)
    rec = remediation.new_record("h", KB, diagnosis, remediation.plan(diagnosis, KB))
    rec = _climb(rec, "preflight", {"changed": bool(preflight_insider), "insider": preflight_insider})
    rec = _climb(rec, "catalog_install", {"changed": True, "outcome": "installed", "update": {"kb": "KB5048667"}})
    return remediation.verdict(_journaled(rec))


@pytest.mark.parametrize("left", [{"removed_keys": [{"key": "HKLM\\SOFTWARE\\Microsoft\\WindowsSelfHost"}]},
                                  {"removed_keys": [], "flightsigning_removed": True}])
def test_an_insider_host_that_left_by_either_step_gets_no_enrolment_note(left):
    rec = _insider_fixed_rec({"enrolled": True, "ring": "External"}, left)
    assert (rec["verdict"], rec["reason"]) == ("fixed", "KB5048667 installed after the catalog_install rung")


def test_the_enrolment_note_names_the_ring_when_there_is_no_branch_name():
    rec = _insider_fixed_rec({"enrolled": True, "ring": "External"})
    assert "stays enrolled in the Windows Insider Program (External)" in rec["reason"]
    assert "(a preview channel)" in _insider_fixed_rec({"enrolled": True})["reason"]


def test_the_verdict_is_stamped_with_the_time_given():
    assert remediation.verdict(remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache")), now=T1)["finished"] == T1


@pytest.mark.parametrize("other", ["KB5048667", "KB5040000"])
def test_any_other_installed_update_from_a_fixed_run_is_named_as_superseding(other):
    entry = {"verdict": "fixed", "installed_kb": other, "target_kb": KB}
    p = remediation.plan({"causes": [], "installed_kbs": [other]}, KB, journal_entry=entry)
    rec = remediation.verdict(remediation.new_record("h", KB, plan_=p))
    assert (rec["verdict"], rec["installed_kb"], rec["reason"]) == (
        "already_installed", other, "%s, which supersedes %s, is installed: nothing to do" % (other, KB))


@pytest.mark.parametrize("first", ["sfc_dism", "catalog_install"])
def test_check_mode_plans_only_up_to_the_first_planned_repair_rung(first):
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), check_mode=True), "preflight",
                 {"changed": False})
    rec = remediation.record_start(rec, first, now=T0)
    rec = remediation.record_finish(rec, first, remediation.rung_outcome(first, {"changed": True, "outcome": "would_install"},
                                                                         check_mode=True), now=T1)
    assert rec["rungs_run"][-1]["outcome"] == "planned"
    assert remediation.should_run(_journaled(rec), "inplace_upgrade", check_mode=True) is False


def test_check_mode_plans_on_past_a_rung_that_failed_its_check():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("corrupt_system_files"), check_mode=True), "preflight",
                 {"changed": False})
    rec = remediation.record_start(rec, "sfc_dism", now=T0)
    rec = remediation.record_finish(rec, "sfc_dism", remediation.rung_outcome(
        "sfc_dism", {"failed": True, "msg": "the repair source is not an image", "error": "source_not_image"},
        check_mode=True), now=T1)
    assert rec["rungs_run"][-1]["outcome"] == "failed"
    assert remediation.should_run(rec, "reset", check_mode=True) is True


def test_the_check_mode_verdict_names_the_plan():
    rec = remediation.new_record("h", KB, plan_=_plan("corrupt_download_cache"), check_mode=True)
    assert remediation.verdict(rec, check_mode=True)["reason"] == (
        "check mode: the plan is preflight, reset, catalog_install; nothing was changed")
    rec = remediation.new_record("h", KB, plan_={"rungs": []}, check_mode=True)
    assert remediation.verdict(rec, check_mode=True)["reason"] == "check mode: the plan is no automated rung; nothing was changed"


def test_a_third_party_antivirus_hands_over_naming_the_product_and_what_was_left_out():
    # win_wu_diagnose's result as the controller gets it (JSON).
    diagnosis = json.loads(json.dumps({"causes": [{"name": "third_party_filter_driver", "confidence": "high"}], "installed_kbs": [],
                                       "antivirus": [{"name": "Fabrikam AV", "third_party": True},
                                                     {"name": "Microsoft Defender", "third_party": False}]}))
    rec = remediation.new_record("h", KB, diagnosis, remediation.plan(diagnosis, KB))
    step = ("pause or uninstall the third-party antivirus with its vendor's tool for the update, then run the ladder "
            "again (Fabrikam AV)")
    rec = remediation.verdict(_climb(rec, "preflight", {"changed": False}))
    assert (rec["verdict"], rec["next_steps"]) == ("needs_person", [step])
    assert rec["reason"] == ("the evidence needs a person after preflight: %s; left out: catalog_install (cannot help "
                             "while third_party_filter_driver)" % step)
    nothing_ran = remediation.verdict(remediation.new_record("h", KB, diagnosis, remediation.plan(diagnosis, KB)))
    assert nothing_ran["reason"].startswith("the evidence needs a person after no automated rung: %s;" % step)


def test_a_cause_without_a_written_step_hands_over_with_its_why():
    cause_map = _json_map('{"low_disk": {"rungs": ["manual"], "why": "the storage team frees space"}}')
    diagnosis = {"causes": [{"name": "low_disk", "confidence": "high"}], "installed_kbs": []}
    rec = remediation.new_record("h", KB, diagnosis, remediation.plan(diagnosis, KB, cause_map=cause_map))
    rec = remediation.verdict(_climb(rec, "preflight", {"changed": False}))
    assert rec["next_steps"] == ["the storage team frees space"]
    assert rec["reason"] == "the evidence needs a person after preflight: the storage team frees space"


def test_an_exhausted_ladder_names_the_rungs_that_ran_but_not_the_plain_install():
    rec = remediation.new_record("h", KB, plan_=_plan())
    rec = remediation.record_verify(rec, None, {"outcome": "not_offered", "kb": KB})
    rec = _climb(rec, "preflight", {"changed": False})
    rec = remediation.verdict(rec)
    assert rec["reason"] == "every automated rung ran (preflight) and %s still does not install" % KB
    assert remediation.verdict(remediation.new_record("h", KB, plan_=_plan()))["reason"] == (
        "every automated rung ran (none) and %s still does not install" % KB)


def test_the_antivirus_products_are_named_only_in_the_antivirus_step():
    diagnosis = {"causes": [{"name": "forward_delta_hydration", "confidence": "high"}], "installed_kbs": [],
                 "antivirus": [{"name": "Fabrikam AV", "third_party": True}]}
    rec = remediation.new_record("h", KB, diagnosis, remediation.plan(diagnosis, KB))
    rec = remediation.verdict(_climb(rec, "preflight", {"changed": False}))
    assert rec["next_steps"] == ["a repair install (in-place upgrade from an ISO of the installed edition, keeping files and "
                                 "apps) is the fix: set wu_remediate_allow_inplace_upgrade and wu_remediate_inplace_image, or "
                                 "do it by hand"]


def test_an_exhausted_ladder_names_the_catalog_rung_among_those_that_ran():
    rec = _climb(remediation.new_record("h", KB, plan_=_plan("insider_build_conflict")), "preflight", {"changed": False})
    rec = _climb(rec, "catalog_install", {"failed": True, "outcome": "failed", "msg": "DISM /Add-Package failed"})
    assert remediation.verdict(rec)["reason"].startswith("the evidence needs a person after preflight, catalog_install: ")
