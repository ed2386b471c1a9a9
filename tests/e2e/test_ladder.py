# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repair ladder end to end: playbooks/fix_wu.yml against a simulated fleet
with one host per root cause (tests/winsim/causes.py) and the fake Microsoft
Update Catalog on loopback.

One fleet, five ansible-playbook runs, in this order:
  0. check mode: nothing on any host changes;
  1. the repair: each host ends fixed by the rung its cause calls for, or with
     the verdict that names what a person must do; the host `resume` loses its
     connection when the verification after its reset starts;
  2. again: `resume` resumes from its host journal (verifies, does not reset
     again); every other host is left alone;
  3. again, with the fleet report hook: nothing changes anywhere (idempotence);
plus playbooks/diagnose_wu.yml (read-only survey, groups, summary).

Each run imports playbooks/fix_wu.yml and adds one play that copies each
host's fact wu_remediation to a file, so the test reads what the report role
would read (tests/winsim/fix_wu_run.py, shared with tests/reliability/fixwu.py).
The fleet clock runs at time_scale 600 (a 40-minute cumulative update install
takes 4 s).
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import threading
import time

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session, script_runner
from winsim import causes as causes_mod
from winsim import fix_wu_run
from winsim.detached import setup_exe
from winsim.fake_catalog import FakeCatalog
from winsim.fleet import Fleet

KB = "KB5043080"
ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
JOURNAL = "c:\\programdata\\winrepair\\journal.json"
INPLACE_VARS = {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO}

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.91.1", "port": 0},
    "defaults": {"target_kb": KB},
    "hosts": [
        {"name": "healthy", "installed_kbs": [KB]},
        {"name": "cache", "root_cause": "corrupt_download_cache"},
        {"name": "sysfiles", "root_cause": "corrupt_system_files"},
        {"name": "store", "root_cause": "corrupt_component_store"},
        {"name": "insider", "root_cause": {"name": "insider_build_conflict", "superseding_kb": "KB5048667"}},
        {"name": "thirdav", "root_cause": "third_party_filter_driver"},
        {"name": "fwd", "root_cause": "forward_delta_hydration"},
        {"name": "fwdopt", "root_cause": "forward_delta_hydration", "vars": INPLACE_VARS,
         "files": {ISO: setup_exe.make_media(26100, 1742).decode("utf-8")}},
        {"name": "storage", "root_cause": "storage_fault"},
        # The first run loses its connection right after the reset (injected by _run).
        {"name": "resume", "root_cause": "corrupt_download_cache"},
    ],
}
HOSTS = [h["name"] for h in SCENARIO["hosts"]]
# Records of steps that only read the host.
READ_ONLY = {("script", "wu_diagnose"), ("script", "wu_journal_read")}


def _drop_after(fleet, host, after_step, fault_step, stop):
    """Once HOST answered AFTER_STEP, its next FAULT_STEP requests lose the
    connection (winsim fault 'drop': no answer, connection closed): as many as
    the plugins send a script that is safe to send again, so it stays lost."""
    times = len(host_session.RETRY_DELAYS) + 1 if fault_step in script_runner.SAFE_TO_SEND_AGAIN else 1
    while not stop.is_set():
        if any(r.name == after_step and not r.check_mode for r in fleet.records(host)):
            with fleet.host(host).lock:
                fleet.host(host).faults.drop_connection_on.append({"step": fault_step, "times": times})
            return
        time.sleep(0.02)


def _run(ctx, name, *extra, playbook="playbooks/fix_wu.yml", dump=True, inject=None):
    """Run PLAYBOOK to its end in TMP/NAME (one catalog cache for all runs); INJECT: _drop_after's
    (host, after_step, fault_step) while it runs. run["proc"]: the process as subprocess.run gives it."""
    tmp, fleet, catalog = ctx["tmp"], ctx["fleet"], ctx["catalog"]
    out = tmp / name
    variables = fix_wu_run.fix_wu_vars(catalog, tmp / "catalog-cache", kb=KB)
    variables.update({"wu_report_dir": str(out / "report"), "wu_survey_summary_path": str(out / "wu-survey.yml")})
    stop = threading.Event()
    if inject:
        threading.Thread(target=_drop_after, args=(fleet, *inject, stop), daemon=True).start()
    try:
        run = fix_wu_run.finish(fix_wu_run.start(fleet, out, variables, *extra, playbook=playbook, dump=dump,
                                                 merge_stderr=False))
    finally:
        stop.set()
    run["proc"] = subprocess.CompletedProcess(run["proc"].args, run["rc"], run["stdout"], run["stderr"])
    return run


def _state(host):
    """What check mode and a no-op run must leave as it was (run folders of
    detached read-only tools under ProgramData\\winrepair\\runs excepted)."""
    files = {k: v for k, v in host.files.items() if "\\winrepair\\runs\\" not in k}
    return copy.deepcopy((
        sorted(host.installed_kbs), [b["cause"] for b in host.update_blockers], host.component_store,
        {n: (s.state, s.start_mode) for n, s in host.services.items()},
        {k: (f.exists, f.size_bytes) for k, f in host.folders.items() if "\\winrepair\\runs" not in k},
        files, host.insider, host.pending_reboot, host.boot_time, host.os.ubr,
        [(a.name, a.enabled) for a in host.antivirus], host.defender_enabled,
        len(getattr(host, "restore_points", []) or [])))


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ladder")
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog().start()
    os.environ["SSL_CERT_FILE"] = catalog.ca_path  # the simulated hosts trust the fake catalog's CA
    fleet = Fleet.from_scenario(SCENARIO)
    fleet.start()
    try:
        fleet.write_inventory(str(tmp / "hosts.yml"))
        ctx = {"tmp": tmp, "fleet": fleet, "catalog": catalog}
        before = {n: _state(fleet.host(n)) for n in HOSTS}
        ctx["check"] = _run(ctx, "check", "--check")
        ctx["after_check"] = {n: _state(fleet.host(n)) for n in HOSTS}
        ctx["before"] = before
        ctx["first"] = _run(ctx, "first", inject=("resume", "wu_reset_apply", "wu_journal_write"))
        ctx["journal_after_first"] = journal(fleet, "resume")
        ctx["second"] = _run(ctx, "second")
        ctx["after_second"] = {n: _state(fleet.host(n)) for n in HOSTS}
        ctx["third"] = _run(ctx, "third", "-e", "wu_fix_report=true")
        ctx["after_third"] = {n: _state(fleet.host(n)) for n in HOSTS}
        ctx["survey"] = _run(ctx, "survey", playbook="playbooks/diagnose_wu.yml", dump=False)
        ctx["after_survey"] = {n: _state(fleet.host(n)) for n in HOSTS}
        yield ctx
    finally:
        fleet.stop()
        catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def journal(fleet, name):
    data = fleet.host(name).files.get(JOURNAL)
    return json.loads(data)["entries"][KB] if data else None


def names(records):
    return [(r.kind, r.name) for r in records]


def count(fleet, name, kind, step):
    return sum(1 for r in fleet.records(name) if (r.kind, r.name) == (kind, step) and not r.outcome.startswith("fault")
               and not r.check_mode)


def _why(run):
    return fix_wu_run.why(run, 6000, 3000)


# ------------------------------------------------------------------ check mode

def test_check_mode_changes_nothing(ladder):
    run = ladder["check"]
    assert run["proc"].returncode == 0, _why(run)
    for name in HOSTS:
        assert ladder["after_check"][name] == ladder["before"][name], name
        for rec in run["records"][name]:
            if (rec.kind, rec.name) in READ_ONLY:
                continue
            # Everything else ran with -WhatIf / check mode, or is a module that only reads.
            assert rec.check_mode or (rec.kind, rec.name) in {("script", "detached_start"),
                                                              ("script", "detached_status")}, (name, rec)
        assert not any(r.name in ("wu_journal_write", "win_updates", "reboot") for r in run["records"][name]), name
    facts = run["facts"]
    assert facts["healthy"]["verdict"] == "already_installed"
    assert facts["cache"]["verdict"] == "check_mode" and facts["cache"]["plan"]["rungs"][:2] == ["preflight", "reset"]
    assert [s["outcome"] for s in facts["cache"]["rungs_run"]] == ["planned", "planned"]


# -------------------------------------------------------------------- the repair

def test_first_run_outcomes(ladder):
    run = ladder["first"]
    facts, fleet = run["facts"], ladder["fleet"]
    # Only the host whose connection dropped fails (the journal write after its reset could not run).
    for line in run["proc"].stdout.splitlines():
        if " : ok=" in line:
            lost = "unreachable=1" in line or "failed=1" in line
            assert lost == line.startswith("resume "), line
    expect = {
        "healthy": ("already_installed", None),
        "cache": ("fixed", "reset"),
        "sysfiles": ("fixed", "sfc_dism"),
        "store": ("fixed", "sfc_dism"),
        "insider": ("fixed", "catalog_install"),
        "thirdav": ("needs_person", None),
        "fwd": ("needs_person", None),
        "fwdopt": ("fixed", "inplace_upgrade"),
        "storage": ("skipped_failing_disk", None),
    }
    for name, (verdict, fixed_by) in expect.items():
        assert name in facts, (name, _why(run))
        assert (facts[name]["verdict"], facts[name]["fixed_by"]) == (verdict, fixed_by), (name, facts[name]["reason"])
        for key in ("host", "target_kb", "causes", "rungs_run", "fixed_by", "verdict", "last_resorts", "evidence"):
            assert key in facts[name], (name, key)


@pytest.mark.parametrize("name", ["cache", "sysfiles", "store", "fwdopt"])
def test_fixed_hosts_have_the_update(ladder, name):
    host = ladder["fleet"].host(name)
    assert KB in host.installed_kbs
    assert causes_mod.active(host) == []
    assert journal(ladder["fleet"], name)["verdict"] == "fixed"


def test_reset_host_climbed_only_to_reset(ladder):
    facts = ladder["first"]["facts"]["cache"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "reset"]
    assert facts["rungs_run"][-1]["verify"]["outcome"] == "installed"
    assert count(ladder["fleet"], "cache", "script", "wu_reset_apply") == 1
    assert count(ladder["fleet"], "cache", "script", "detached_start") == 0  # no DISM, no sfc


def test_sfc_dism_hosts_did_not_reset(ladder):
    for name in ("sysfiles", "store"):
        facts = ladder["first"]["facts"][name]
        assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "sfc_dism"], name
        assert count(ladder["fleet"], name, "script", "wu_reset_apply") == 0
        assert ladder["fleet"].host(name).component_store.health == "healthy"


def _started_tools(fleet, name):
    """The programs the host's detached runs started (file names, lower case), in order."""
    return [r.args.get("FilePath", "").replace("\\", "/").rsplit("/", 1)[-1].lower()
            for r in fleet.records(name)
            if (r.kind, r.name) == ("script", "detached_start") and not r.outcome.startswith("fault")]


def test_sfc_runs_for_system_files_not_for_the_store_alone(ladder):
    # Corrupt system files: DISM /RestoreHealth, then sfc /scannow (KB 929833).
    assert _started_tools(ladder["fleet"], "sysfiles") == ["dism.exe", "sfc.exe"]
    # A corrupt component store alone: DISM /RestoreHealth is the repair; sfc is left out (wu_remediate_sfc: auto).
    assert _started_tools(ladder["fleet"], "store") == ["dism.exe"]
    assert ladder["first"]["facts"]["store"]["plan"]["sfc"] is False
    assert ladder["first"]["facts"]["store"]["rungs_run"][-1]["details"]["sfc"] is None


def test_insider_fixed_by_superseding_update_from_catalog(ladder):
    host = ladder["fleet"].host("insider")
    facts = ladder["first"]["facts"]["insider"]
    assert "KB5048667" in host.installed_kbs
    assert facts["installed_kb"] == "KB5048667"
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "catalog_install"]
    assert host.insider.enrolled is True  # leaving Insider is opt-in
    # ... and the verdict says the host stays enrolled, and how to leave (not silently "fixed").
    assert "stays enrolled in the Windows Insider Program" in facts["reason"]
    assert any("wu_remediate_leave_insider" in step for step in facts["next_steps"])


def test_third_party_filter_needs_a_person(ladder):
    facts = ladder["first"]["facts"]["thirdav"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight"]
    assert "Fabrikam Endpoint Protection" in " ".join(facts["next_steps"])
    assert {r["name"] for r in facts["last_resorts"]} == {"reset_this_pc_keep_files", "clean_install",
                                                          "wait_next_cumulative"}
    assert KB not in ladder["fleet"].host("thirdav").installed_kbs
    assert count(ladder["fleet"], "thirdav", "script", "wu_reset_apply") == 0


def test_forward_delta_without_opt_in_names_the_repair_install(ladder):
    facts = ladder["first"]["facts"]["fwd"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight"]
    assert "repair install" in facts["reason"] and "wu_remediate_allow_inplace_upgrade" in facts["reason"]
    assert count(ladder["fleet"], "fwd", "script", "detached_start") == 0
    assert KB not in ladder["fleet"].host("fwd").installed_kbs


def test_forward_delta_with_opt_in_repair_install(ladder):
    facts = ladder["first"]["facts"]["fwdopt"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "inplace_upgrade"]
    assert facts["rungs_run"][-1]["details"]["outcome"] == "completed"


def test_restore_points_only_where_a_rung_that_changes_the_system_runs(ladder):
    fleet = ladder["fleet"]
    # Handed over after the pre-flight (antivirus, forward delta without the opt-in): no restore point.
    for name in ("thirdav", "fwd"):
        assert count(fleet, name, "script", "wu_restore_point") == 0, name
    # Repaired by a rung that changes the system: one restore point before it.
    for name in ("cache", "sysfiles", "store"):
        assert count(fleet, name, "script", "wu_restore_point") == 1, name
    # Untouched (the update is installed) or a failing disk: none.
    for name in ("healthy", "storage"):
        assert count(fleet, name, "script", "wu_restore_point") == 0, name


def test_failing_disk_gets_no_rung(ladder):
    facts = ladder["first"]["facts"]["storage"]
    host = ladder["fleet"].host("storage")
    assert facts["rungs_run"] == [] and "back up" in facts["reason"]
    # What is left is the disk itself, not "Reset this PC" on it.
    assert [r["name"] for r in facts["last_resorts"]] == ["back_up_and_replace_disk"]
    assert causes_mod.heavy_rung_violations(host) == []
    assert set(names(ladder["first"]["records"]["storage"])) <= READ_ONLY
    assert JOURNAL not in host.files  # nothing written to the failing disk


def test_healthy_host_only_read(ladder):
    for run in ("first", "second", "third"):
        assert set(names(ladder[run]["records"]["healthy"])) <= READ_ONLY, run
    assert ladder["after_third"]["healthy"] == ladder["before"]["healthy"]


# ---------------------------------------------------------------------- resume

def test_dropped_connection_resumes_without_a_second_reset(ladder):
    fleet = ladder["fleet"]
    first = ladder["journal_after_first"]
    assert first["verdict"] is None  # interrupted
    assert [(s["rung"], s["outcome"]) for s in first["rungs_run"]] == [("preflight", "done"), ("reset", "started")]
    second = ladder["second"]["facts"]["resume"]
    assert second["verdict"] == "fixed" and second["fixed_by"] == "reset" and second["resumed"] is True
    assert second["run_id"] == first["run_id"]
    assert count(fleet, "resume", "script", "wu_reset_apply") == 1
    assert not any(r.name == "wu_reset_apply" for r in ladder["second"]["records"]["resume"])
    assert KB in fleet.host("resume").installed_kbs


def test_second_run_leaves_the_other_hosts_alone(ladder):
    run = ladder["second"]
    assert run["proc"].returncode == 0, _why(run)
    for name in HOSTS:
        if name == "resume":
            continue
        assert set(names(run["records"][name])) <= READ_ONLY, (name, names(run["records"][name]))


# ------------------------------------------------------------------ idempotence

def test_third_run_changes_nothing(ladder):
    run = ladder["third"]
    assert run["proc"].returncode == 0, _why(run)
    # The only change: the fleet report's files on the controller (hook play, run once).
    task = None
    for line in run["proc"].stdout.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed: ["):
            assert "wu_report" in task and "Write the fleet report" in task, (task, line)
        elif " : ok=" in line:
            assert "failed=0" in line, line
    for name in HOSTS:
        assert set(names(run["records"][name])) <= READ_ONLY, name
        assert ladder["after_third"][name] == ladder["after_second"][name], name
    facts = run["facts"]
    # DISM applied the checkpoint updates beside KB5048667, so the target itself may be installed too.
    assert facts["insider"]["verdict"] == "already_installed"
    assert "KB5048667" in ladder["fleet"].host("insider").installed_kbs
    assert facts["thirdav"]["verdict"] == "needs_person"
    assert facts["cache"]["previous"]["fixed_by"] == "reset"


def test_report_hook_ran(ladder):
    report = ladder["third"]["dir"] / "report"
    assert report.is_dir() and any(p.suffix == ".json" for p in report.iterdir()), _why(ladder["third"])


# ---------------------------------------------------------------------- survey

def test_survey_is_read_only_and_groups_hosts(ladder):
    run = ladder["survey"]
    assert run["proc"].returncode == 0, _why(run)
    for name in HOSTS:
        assert names(run["records"][name]) == [("script", "wu_diagnose")], name
        assert ladder["after_survey"][name] == ladder["after_third"][name], name
    text = (run["dir"] / "wu-survey.yml").read_text()
    import yaml
    summary = yaml.safe_load(text)
    affected = set(summary["affected"]["hosts"])
    # Still needing a person: the third-party antivirus, the forward delta without opt-in, the failing disk.
    assert {"thirdav", "fwd", "storage"} <= affected
    assert "healthy" not in affected
    # The survey after the fix agrees with it: the CBS.log lines and failures older than the install no longer
    # mark the hosts the ladder fixed as broken.
    assert not {"cache", "sysfiles", "store", "fwdopt", "resume"} & affected, affected
    assert summary["survey"]["storage"]["causes"] == ["storage_fault"]
