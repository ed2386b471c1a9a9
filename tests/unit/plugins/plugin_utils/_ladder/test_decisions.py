# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every decision of the ladder pinned in a table: which rungs plan() climbs for
each root cause the simulator models (tests/winsim/causes.py) and for every
pair of them, with and without the repair-install opt-in.

Rungs: P preflight, S sfc_dism, R reset, C catalog_install, U inplace_upgrade.
"hand" = the plan stops for a person after its rungs (stop_for_person).

Why the rows read as they do (what an administrator would do):
- a failing disk: nothing at all (every rung writes to the disk);
- a cause routed to a person caps the climb at its own rung;
- a third-party antivirus filter breaks every install, offline or by setup
  (CBS_E_INSTALLERS_FAILED; setup rolls back with 0xC1900101-0x30018,
  Microsoft Learn "Windows upgrade error codes": uninstall the antivirus):
  neither the catalog install nor a repair install runs before a person
  dealt with it; repairs that install nothing (DISM, reset) still run;
- a forward-delta hydration failure breaks the cumulative update whichever
  way it is installed (DISM /Add-Package hydrates the same deltas): the
  catalog install is left out, the repair install is the fix.
"""
from __future__ import annotations

import itertools

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation
from winsim import causes as sim_causes

KB = "KB5043080"
SHORT = {"pending_reboot": "reboot", "storage_fault": "disk", "low_disk": "space",
         "corrupt_download_cache": "cache", "inconsistent_catroot2": "catroot2",
         "insider_build_conflict": "insider", "third_party_filter_driver": "av",
         "corrupt_component_store": "store", "forward_delta_hydration": "fwd",
         "corrupt_system_files": "sysfiles"}
LONG = {v: k for k, v in SHORT.items()}
RUNG = {"P": "preflight", "S": "sfc_dism", "R": "reset", "C": "catalog_install", "U": "inplace_upgrade"}

# causes | rungs (default settings) | rungs with the repair install allowed | hand over (default, allowed)
TABLE = [
    ("", "PSRC", "PSRCU", "climb", "climb"),
    ("reboot", "P", "P", "climb", "climb"),
    ("disk", "", "", "hand", "hand"),
    ("space", "P", "P", "climb", "climb"),
    ("cache", "PRC", "PRCU", "climb", "climb"),
    ("catroot2", "PRC", "PRCU", "climb", "climb"),
    ("insider", "PC", "PC", "hand", "hand"),
    ("av", "P", "P", "hand", "hand"),
    ("store", "PSRC", "PSRCU", "climb", "climb"),
    ("fwd", "P", "PU", "hand", "climb"),
    ("sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    ("reboot disk", "", "", "hand", "hand"),
    ("reboot space", "P", "P", "climb", "climb"),
    ("reboot cache", "PRC", "PRCU", "climb", "climb"),
    ("reboot catroot2", "PRC", "PRCU", "climb", "climb"),
    ("reboot insider", "PC", "PC", "hand", "hand"),
    ("reboot av", "P", "P", "hand", "hand"),
    ("reboot store", "PSRC", "PSRCU", "climb", "climb"),
    ("reboot fwd", "P", "PU", "hand", "climb"),
    ("reboot sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    ("disk space", "", "", "hand", "hand"),
    ("disk cache", "", "", "hand", "hand"),
    ("disk catroot2", "", "", "hand", "hand"),
    ("disk insider", "", "", "hand", "hand"),
    ("disk av", "", "", "hand", "hand"),
    ("disk store", "", "", "hand", "hand"),
    ("disk fwd", "", "", "hand", "hand"),
    ("disk sysfiles", "", "", "hand", "hand"),
    ("space cache", "PRC", "PRCU", "climb", "climb"),
    ("space catroot2", "PRC", "PRCU", "climb", "climb"),
    ("space insider", "PC", "PC", "hand", "hand"),
    ("space av", "P", "P", "hand", "hand"),
    ("space store", "PSRC", "PSRCU", "climb", "climb"),
    ("space fwd", "P", "PU", "hand", "climb"),
    ("space sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    ("cache catroot2", "PRC", "PRCU", "climb", "climb"),
    ("cache insider", "PRC", "PRC", "hand", "hand"),
    ("cache av", "PR", "PR", "hand", "hand"),
    ("cache store", "PSRC", "PSRCU", "climb", "climb"),
    # The reset cures the cache; the catalog install would fail on the deltas as Windows Update does.
    ("cache fwd", "PR", "PRU", "hand", "climb"),
    ("cache sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    ("catroot2 insider", "PRC", "PRC", "hand", "hand"),
    ("catroot2 av", "PR", "PR", "hand", "hand"),
    ("catroot2 store", "PSRC", "PSRCU", "climb", "climb"),
    ("catroot2 fwd", "PR", "PRU", "hand", "climb"),
    ("catroot2 sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    # The antivirus filter blocks DISM /Add-Package of the superseding update too.
    ("insider av", "P", "P", "hand", "hand"),
    ("insider store", "PSRC", "PSRC", "hand", "hand"),
    # Release media cannot repair-install an Insider build, and the catalog install fails on the deltas.
    ("insider fwd", "P", "P", "hand", "hand"),
    ("insider sysfiles", "PSRC", "PSRC", "hand", "hand"),
    ("av store", "PS", "PS", "hand", "hand"),
    # setup.exe rolls back with 0xC1900101-0x30018 while the filter is loaded: a person first.
    ("av fwd", "P", "P", "hand", "hand"),
    ("av sysfiles", "PS", "PS", "hand", "hand"),
    ("store fwd", "PS", "PSRU", "hand", "climb"),
    ("store sysfiles", "PSRC", "PSRCU", "climb", "climb"),
    ("fwd sysfiles", "PS", "PSRU", "hand", "climb"),
]


def _diag(short):
    return {"causes": [{"name": LONG[s], "confidence": "high", "evidence": ["x"]} for s in short.split()]}


def _rungs(letters):
    return [RUNG[ch] for ch in letters]


def test_the_table_covers_every_modelled_cause_and_every_pair():
    assert set(SHORT) == set(sim_causes.CAUSES), "a cause was added to tests/winsim/causes.py: add its rows"
    wanted = {""} | {" ".join(SHORT[n] for n in combo) for k in (1, 2)
                     for combo in itertools.combinations(sim_causes.CAUSES, k)}
    rows = [row[0] for row in TABLE]
    assert len(rows) == len(set(rows)) and set(rows) == wanted


@pytest.mark.parametrize("short, default, allowed, hand_default, hand_allowed", TABLE,
                         ids=[row[0] or "none" for row in TABLE])
def test_plan_of_every_cause_and_pair(short, default, allowed, hand_default, hand_allowed):
    for allow, letters, hand in ((False, default, hand_default), (True, allowed, hand_allowed)):
        plan = remediation.plan(_diag(short), KB, allow_inplace_upgrade=allow)
        assert plan["rungs"] == _rungs(letters), (short, allow)
        assert plan["stop_for_person"] is (hand == "hand"), (short, allow)
        assert plan["blocked"] is ("disk" in short.split()), (short, allow)
        assert plan["try_install_first"] is (short == ""), (short, allow)
        # A restore point only where a rung that changes the system runs after the pre-flight.
        assert plan["restore_point"] is (short == "" or bool(set(letters) - {"P"})), (short, allow)


@pytest.mark.parametrize("short", [row[0] for row in TABLE if row[0]])
def test_the_order_of_the_causes_does_not_change_the_plan(short):
    names = short.split()
    forward = remediation.plan(_diag(" ".join(names)), KB, allow_inplace_upgrade=True)
    backward = remediation.plan(_diag(" ".join(reversed(names))), KB, allow_inplace_upgrade=True)
    assert (forward["rungs"], forward["stop_for_person"]) == (backward["rungs"], backward["stop_for_person"])


# ------------------------------------------------------------ installed_kb

def test_installed_kb_is_the_superseding_update_the_catalog_rung_installed():
    # The module's own "kb" is the one asked for; update.kb is the one DISM installed.
    result = {"outcome": "reboot_required", "changed": True, "kb": KB,
              "update": {"kb": "KB5048667", "title": "2024-12 Cumulative Update", "superseded": False}}
    rec = remediation.new_record("h", KB, plan_={"rungs": ["preflight", "catalog_install"]})
    rec = remediation.record_start(rec, "catalog_install")
    rec = remediation.record_finish(rec, "catalog_install", remediation.rung_outcome("catalog_install", result))
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"], rec["installed_kb"]) == ("fixed", "catalog_install", "KB5048667")
    assert rec["rungs_run"][-1]["verify"]["kb"] == "KB5048667"
    assert rec["reason"].startswith("KB5048667 installed after the catalog_install rung")


def test_a_superseding_update_counts_only_while_it_is_installed():
    entry = {"verdict": "fixed", "installed_kb": "KB5048667"}
    gone = remediation.plan({"causes": [], "installed_kbs": ["KB5044284"]}, KB, journal_entry=entry)
    assert gone["installed"] is False and gone["satisfied_by"] is None
    there = remediation.plan({"causes": [], "installed_kbs": ["KB5048667"]}, KB, journal_entry=entry)
    rec = remediation.verdict(remediation.new_record("h", KB, plan_=there))
    assert (rec["verdict"], rec["installed_kb"]) == ("already_installed", "KB5048667")
    # A run that did not end fixed proves nothing about the update it names.
    unproven = remediation.plan({"causes": [], "installed_kbs": ["KB5048667"]}, KB,
                                journal_entry={"verdict": "needs_person", "installed_kb": "KB5048667"})
    assert unproven["installed"] is False


# ------------------------------------------------------------------ resume

def _done_without_verification(rung):
    """A run that finished RUNG, then lost the connection before its verification was journaled."""
    rec = remediation.new_record("h", KB, plan_={"rungs": ["preflight", rung]})
    rec = remediation.record_start(rec, "preflight")
    rec = remediation.record_finish(rec, "preflight", remediation.rung_outcome("preflight", {"changed": False}))
    rec = remediation.record_start(rec, rung)
    return remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}))


@pytest.mark.parametrize("rung", ["sfc_dism", "reset"])
def test_resume_verifies_a_finished_repair_whose_verification_was_lost(rung):
    entry = _done_without_verification(rung)
    still_broken = remediation.plan({"causes": [{"name": "corrupt_download_cache"}], "installed_kbs": []}, KB)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=still_broken), entry)
    assert rec["verify_pending"] and remediation.pending_verify_rung(rec) == rung
    assert not remediation.should_run(rec, rung)


@pytest.mark.parametrize("rung", ["sfc_dism", "reset"])
def test_resume_credits_the_repair_when_its_lost_verification_had_installed_the_update(rung):
    # The verification installed the update, then the connection dropped before it was journaled:
    # the diagnosis of the re-run sees the update installed. That is this rung's fix, not "already installed".
    entry = _done_without_verification(rung)
    installed = remediation.plan({"causes": [], "installed_kbs": [KB]}, KB)
    rec = remediation.resume(remediation.new_record("h", KB, plan_=installed), entry)
    rec = remediation.verdict(rec)
    assert (rec["verdict"], rec["fixed_by"], rec["installed_kb"]) == ("fixed", rung, KB)
    assert rec["rungs_run"][-1]["verify"]["outcome"] == "installed"
    assert rec["rungs_run"][-1]["verify"]["via"] == "installed_updates"


@pytest.mark.parametrize("after", [{"failed": True, "msg": "catalog lookup of KB5043080 failed: HTTP 503"},
                                   {"skipped": True}])
def test_resume_credits_the_repair_that_finished_not_a_later_step_that_failed_or_was_skipped(after):
    # The reset's verification never made it to the journal; a later step failed (or was skipped)
    # without touching the update. The update that is there now is the reset's work.
    entry = _done_without_verification("reset")
    entry = remediation.record_start(entry, "catalog_install")
    entry = remediation.record_finish(entry, "catalog_install", remediation.rung_outcome("catalog_install", after))
    assert entry["rungs_run"][-1]["outcome"] in ("failed", "skipped")
    installed = remediation.plan({"causes": [], "installed_kbs": [KB]}, KB)
    rec = remediation.verdict(remediation.resume(remediation.new_record("h", KB, plan_=installed), entry))
    assert (rec["verdict"], rec["fixed_by"]) == ("fixed", "reset")
    assert [s["rung"] for s in rec["rungs_run"] if (s.get("verify") or {}).get("outcome") == "installed"] == ["reset"]


# ------------------------------------------------------ catalog outcomes

# win_kb_catalog_install's outcome (kb_install.interpret_exit and the action's early answers) -> the rung's.
CATALOG_OUTCOMES = [
    # outcome, failed, -> rung outcome, installed, retry on a re-run
    ("installed", False, "done", True, False),
    ("reboot_required", False, "done", True, False),
    ("already_installed", False, "done", True, False),
    ("would_install", False, "planned", False, False),
    # allow_not_applicable: not failed, but nothing installed: the rung did not help.
    ("not_applicable", False, "failed", False, False),
    ("not_applicable", True, "failed", False, False),
    ("failed", True, "failed", False, False),
    # DISM ended without an exit code: the host restarted under it; the run is attached to again.
    ("lost", True, "interrupted", False, False),
    # Failed before DISM ran (catalog, download, hash): the host is as it was.
    (None, True, "failed", False, True),
]


@pytest.mark.parametrize("outcome, failed, rung_outcome, installed, retry", CATALOG_OUTCOMES)
def test_every_catalog_outcome_maps_to_a_rung_outcome(outcome, failed, rung_outcome, installed, retry):
    result = {"outcome": outcome, "failed": failed, "kb": KB, "msg": "m", "update": {"kb": KB}}
    out = remediation.rung_outcome("catalog_install", result)
    assert (out["outcome"], out["installed"], bool(out["details"].get("retry"))) == (rung_outcome, installed, retry)
    assert out["outcome"] in remediation.STEP_OUTCOMES


def test_the_catalog_outcome_table_names_every_outcome_of_the_module():
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install
    exits = {kb_install.interpret_exit(code)["outcome"]
             for code in (None, 0, 3010, 1641, 0x00240006, 0x800F081E, 0x80070005)}
    early = {"already_installed", "would_install", None}  # the action's answers before DISM runs
    assert {row[0] for row in CATALOG_OUTCOMES} == exits | early


# ------------------------------------------------------ catalog selection

def test_checkpoints_are_installed_oldest_first_whatever_order_the_catalog_lists_them():
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import (
        order_update_files)
    files = [{"index": i, "kb": kb, "file_name": "windows11.0-%s-x64.msu" % kb.lower()}
             for i, kb in enumerate(("KB5046617", "KB5048667", "KB5043080", "KB5044284"))]
    ordered = order_update_files(files, "KB5048667")
    assert [(f["kb"], f["role"], f["install_order"]) for f in ordered] == [
        ("KB5043080", "checkpoint", 1), ("KB5044284", "checkpoint", 2), ("KB5046617", "checkpoint", 3),
        ("KB5048667", "target", 4)]


@pytest.mark.parametrize("product, guid", [
    ("Windows 11 Version 24H2", "client"),
    ("Microsoft server operating system version 24H2", "server"),
])
def test_a_row_of_another_windows_product_with_the_same_kb_is_rejected(product, guid):
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
        NoMatchingUpdateError)
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install
    # KB5043080 is one cumulative update for Windows 11 24H2 and Windows Server 2025 (catalog rows of both).
    rows = [{"guid": "server", "last_updated": "2024-09-10", "title": "2024-09 Cumulative Update for Microsoft "
             "server operating system version 24H2 for x64-based Systems (KB5043080)"},
            {"guid": "client", "last_updated": "2024-09-10",
             "title": "2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)"},
            {"guid": "w10", "last_updated": "2024-09-10",
             "title": "2024-09 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5043080)"}]
    assert kb_install.choose_row(rows, KB, product, "x64")["guid"] == guid
    with pytest.raises(NoMatchingUpdateError, match="by product"):
        kb_install.choose_row([r for r in rows if r["guid"] == "w10"], KB, product, "x64")


# ---------------------------------------------------------- restore points

@pytest.mark.parametrize("short, installed, wanted", [
    ("av", False, False),        # handed over after the pre-flight: nothing to take back
    ("fwd", False, False),       # the repair install is not allowed: handed over too
    ("reboot", False, False),    # the pre-flight's restart is all that runs
    ("cache", True, False),      # the update is installed: untouched
    ("disk cache", False, False),  # failing disk: nothing runs
    ("cache", False, True),
    ("av store", False, True),   # DISM runs before the hand-over
])
def test_a_restore_point_only_where_a_rung_that_changes_the_system_runs(short, installed, wanted):
    diagnosis = dict(_diag(short), installed_kbs=[KB] if installed else [])
    assert remediation.plan(diagnosis, KB)["restore_point"] is wanted


# -- the attempt a repair install step belongs to (win_inplace_upgrade's resume_id) --------------

def _inplace_steps(*outcomes):
    rec = remediation.new_record("h", "KB5043080", plan_={"target_kb": "KB5043080", "rungs": ["inplace_upgrade"]})
    for index, outcome in enumerate(outcomes):
        rec = remediation.record_start(rec, "inplace_upgrade", now="2026-11-0%dT10:00:00Z" % (index + 1))
        rec["rungs_run"][-1]["outcome"] = outcome
    return rec["rungs_run"]


def test_a_first_repair_install_step_is_its_own_attempt():
    assert _inplace_steps("started")[-1]["details"]["attempt"] == "2026-11-01T10:00:00Z"


@pytest.mark.parametrize("cut_off", ["started", "interrupted"])
def test_a_step_after_a_cut_off_one_takes_up_its_attempt_even_down_a_chain(cut_off):
    steps = _inplace_steps(cut_off, cut_off, "started")
    assert [s["details"]["attempt"] for s in steps] == ["2026-11-01T10:00:00Z"] * 3


@pytest.mark.parametrize("ended", ["failed", "done", "skipped"])
def test_a_step_after_one_that_ended_is_a_new_attempt(ended):
    steps = _inplace_steps("interrupted", ended, "started")
    assert [s["details"]["attempt"] for s in steps] == ["2026-11-01T10:00:00Z"] * 2 + ["2026-11-03T10:00:00Z"]


def test_only_the_repair_install_carries_an_attempt():
    rec = remediation.new_record("h", "KB5043080", plan_={"target_kb": "KB5043080", "rungs": ["reset"]})
    assert "attempt" not in remediation.record_start(rec, "catalog_install")["rungs_run"][-1]["details"]
