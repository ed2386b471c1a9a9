# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rest of the fault matrix (faultlib.CASES) at the level of playbooks/fix_wu.yml,
and a restart in the middle of the long steps not yet cut that way.

test_fix_wu_faults.py and test_fix_wu_matrix.py run 24 hosts through fix_wu.yml:
19 of them are cases of the matrix, the other 5 are a dropped download, a slow
restart after the install and 3 restarts in the middle of a rung. COVERAGE maps
every matrix case to its host; this file adds the 8 cases that had none:

  pf_timeout        [preflight]       WinRM OperationTimeout on the clean-up's answer
  pf_locked_backup  [preflight]       an old backup folder held open: the clean-up cannot delete it
  reset_timeout     [reset]           WinRM OperationTimeout on the reset's answer
  reset_drop_before [reset]           the connection drops as the reset's request arrives (nothing ran;
                                      the ladder climbs on: the catalog rung fixes the host in run 1)
  dism_start_lost   [sfc_dism]        DISM /RestoreHealth started, the answer to its start lost
  addpkg_start_lost [catalog_install] DISM /Add-Package started, the answer to its start lost
  addpkg_timeout    [catalog_install] WinRM OperationTimeout while DISM /Add-Package is polled
  setup_slow_reboot [inplace_upgrade] the repair install's restart takes longer than its reboot timeout

and the restarts in the middle of a long step that no host had (reset, DISM and
DISM /Add-Package are in test_fix_wu_matrix.py):

  sfc_reboot        [sfc_dism]        the host restarts while sfc /scannow runs
  setup_reboot      [inplace_upgrade] the host restarts while setup.exe's downlevel phase runs

A lost answer is the connection closed instead of the final answer to a step
the host ran (chaos_faults.py); a restart in the middle of a long tool is the
host restarting at the first poll after the tool started (winsim restarts a
host between requests).

Run 1 (faults on): every host is consistent afterwards, its journal parses and
holds the target, and each fault fired; the faults the modules ride out
(operation timeouts, the locked backup) fix the host in this run. Run 2 (faults
cleared): every host ends fixed (or the update found installed) - a host
restarted in the middle of a long step fixed or with a verdict that says what
to do -, and no completed destructive or long step ran twice: a component reset, a DISM
/RestoreHealth, sfc /scannow, DISM /Add-Package or a repair install that ran to
its end is not run again (one cut off by a restart, or rolled back, is).
"""
from __future__ import annotations

import collections
import json

import pytest

from reliability import chaos, chaos_faults, chaos_run, faultlib, fixwu
from reliability import test_fix_wu_faults, test_fix_wu_matrix

KB = fixwu.KB
SUPERSEDING = "KB5048667"
ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
INSIDER = {"name": "insider_build_conflict", "superseding_kb": SUPERSEDING}
MEDIA = [{"path": ISO, "build": 26100, "ubr": 1742}]
INPLACE = {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO}
LOCKED = "C:\\Windows\\SoftwareDistribution.bak-20250101T000000"
# Fleet clock: slow enough that the repair install's offline phases (35 modelled minutes,
# winsim/detached/setup_exe.py) outlast SETUP_REBOOT_TIMEOUT real seconds.
TIME_SCALE = 300
SETUP_REBOOT_TIMEOUT = 3

# host -> (root cause, extra host entries, inventory vars)
HOSTS = {
    "pf_timeout": ("low_disk", {}, {"wu_remediate_cleanup": True}),
    "pf_locked_backup": ("low_disk", {"folders": {LOCKED: {"size_bytes": 1_000_000, "locked": True}}},
                         {"wu_remediate_cleanup": True}),
    "reset_timeout": ("corrupt_download_cache", {}, {}),
    "reset_drop_before": ("corrupt_download_cache", {}, {}),
    "dism_start_lost": ("corrupt_component_store", {}, {}),
    "addpkg_start_lost": (INSIDER, {}, {}),
    "addpkg_timeout": (INSIDER, {}, {}),
    "setup_slow_reboot": ("forward_delta_hydration", {"install_media": MEDIA},
                          dict(INPLACE, wu_inplace_upgrade_reboot_timeout=SETUP_REBOOT_TIMEOUT)),
    "sfc_reboot": ("corrupt_system_files", {}, {}),
    "setup_reboot": ("forward_delta_hydration", {"install_media": MEDIA}, INPLACE),
}
NAMES = sorted(HOSTS)
# Faults armed through the simulator's own fault lists: host -> (list, step, times).
LISTED = {
    "pf_timeout": ("operation_timeout_on", "wu_disk_cleanup", 1),
    "reset_timeout": ("operation_timeout_on", "wu_reset_apply", 1),
    "reset_drop_before": ("drop_connection_on", "wu_reset_apply", 1),
    "addpkg_timeout": ("operation_timeout_on", "detached_status", 3),
}
# Faults in the middle of a step (chaos_faults.HostFaults): host -> chaos.Fault of run 1.
IN_THE_MIDDLE = {
    "dism_start_lost": chaos.Fault("answer_lost", 1, "detached_start", 1),
    "addpkg_start_lost": chaos.Fault("answer_lost", 1, "detached_start", 1),
    "sfc_reboot": chaos.Fault("restart_long", 1, "detached_start", 1, ("scannow", None)),
    "setup_reboot": chaos.Fault("restart_long", 1, "detached_start", 1, ("/auto upgrade", "scanonly")),
}
# Faults the modules ride out: fixed in run 1 by this rung.
RIDDEN_OUT = {"pf_timeout": "preflight", "pf_locked_backup": "preflight", "reset_timeout": "reset",
              "addpkg_timeout": "catalog_install"}

# Every case of the matrix -> (test file, host) that runs it through fix_wu.yml.
COVERAGE = {
    "preflight-drop_mid_step": ("test_fix_wu_matrix", "preflight_drop"),
    "preflight-operation_timeout": ("test_fix_wu_matrix_rest", "pf_timeout"),
    "preflight-access_denied": ("test_fix_wu_matrix_rest", "pf_locked_backup"),
    "reset-drop_mid_step": ("test_fix_wu_faults", "reset_drop"),
    "reset-operation_timeout": ("test_fix_wu_matrix_rest", "reset_timeout"),
    "reset-drop_before_step": ("test_fix_wu_matrix_rest", "reset_drop_before"),
    "reset-service_will_not_stop": ("test_fix_wu_matrix", "stuck_service"),
    "reset-access_denied": ("test_fix_wu_faults", "denied"),
    "reset-disk_full_rename": ("test_fix_wu_faults", "diskfull"),
    "sfc_dism-drop_mid_step": ("test_fix_wu_matrix_rest", "dism_start_lost"),
    "sfc_dism-operation_timeout": ("test_fix_wu_matrix", "dism_timeout"),
    "sfc_dism-drop_while_polling": ("test_fix_wu_faults", "dism_drop"),
    "catalog_install-catalog_8DDD0010_then_ok": ("test_fix_wu_matrix", "cat_8DDD0010"),
    "catalog_install-catalog_8DDD0024": ("test_fix_wu_matrix", "cat_8DDD0024"),
    "catalog_install-catalog_http5xx": ("test_fix_wu_matrix", "cat_http500"),
    "catalog_install-catalog_timeout": ("test_fix_wu_matrix", "cat_timeout"),
    "catalog_install-catalog_changed_html": ("test_fix_wu_matrix", "cat_html"),
    "catalog_install-download_truncated": ("test_fix_wu_matrix", "dl_truncated"),
    "catalog_install-download_wrong_hash": ("test_fix_wu_matrix", "dl_badhash"),
    "catalog_install-disk_full_download": ("test_fix_wu_matrix", "dl_diskfull"),
    "catalog_install-drop_mid_step": ("test_fix_wu_matrix_rest", "addpkg_start_lost"),
    "catalog_install-operation_timeout": ("test_fix_wu_matrix_rest", "addpkg_timeout"),
    "inplace_upgrade-missing_iso": ("test_fix_wu_matrix", "iso_missing"),
    "inplace_upgrade-rollback_0xC1900101": ("test_fix_wu_matrix", "setup_rollback"),
    "inplace_upgrade-reboot_slower_than_timeout": ("test_fix_wu_matrix_rest", "setup_slow_reboot"),
    "inplace_upgrade-drop_mid_step": ("test_fix_wu_matrix", "setup_drop"),
    "inplace_upgrade-operation_timeout": ("test_fix_wu_matrix", "setup_timeout"),
}
# A restart in the middle of each rung with a long step -> (test file, host).
RESTARTS = {
    "reset": ("test_fix_wu_matrix", "reset_reboot"),
    "DISM /RestoreHealth": ("test_fix_wu_matrix", "dism_reboot"),
    "sfc /scannow": ("test_fix_wu_matrix_rest", "sfc_reboot"),
    "DISM /Add-Package": ("test_fix_wu_matrix", "catalog_reboot"),
    "setup.exe": ("test_fix_wu_matrix_rest", "setup_reboot"),
}
# Long tools (winsim detached run labels) that must not run to their end twice on a host.
LONG_TOOLS = ("DISM RestoreHealth", "sfc /scannow")


def _hosts_of(module):
    return {"test_fix_wu_faults": test_fix_wu_faults.HOSTS, "test_fix_wu_matrix": test_fix_wu_matrix.NAMES,
            "test_fix_wu_matrix_rest": NAMES}[module]


def test_every_matrix_case_runs_through_fix_wu():
    assert set(COVERAGE) == {case.id for case in faultlib.CASES}
    for case, (module, host) in list(COVERAGE.items()) + list(RESTARTS.items()):
        assert host in _hosts_of(module), (case, module, host)
    assert len(set(COVERAGE.values())) == len(COVERAGE)  # one host per case


def _scenario():
    hosts = []
    for name in NAMES:
        cause, extra, variables = HOSTS[name]
        hosts.append(dict({"name": name, "root_cause": cause, "vars": dict(variables)}, **extra))
    return {"fleet": {"time_scale": TIME_SCALE, "base_address": "127.0.97.1", "port": 0},
            "defaults": {"target_kb": KB, "vars": {"wu_remediate_reboot_timeout": 300}}, "hosts": hosts}


def _clear(fleet):
    for name in NAMES:
        host = fleet.host(name)
        with host.lock:
            for attr in chaos_faults.FAULT_LISTS:
                setattr(host.faults, attr, [])
            for folder in host.folders.values():
                folder.locked = False  # the process holding the old backup ended


def _long_runs(host, clock):
    """label -> detached runs of the long tools that ran to their end (not killed, not cut off)."""
    out = collections.Counter()
    with host.lock:
        chaos_run.detached.settle(host, clock)
        for plan in host.detached_runs.values():
            if plan["done"] and "killed_at" not in plan and plan["duration"] <= plan["max_run_seconds"]:
                out[plan["label"]] += 1
    return out


@pytest.fixture(scope="module")
def rest(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixwu-rest")
    with fixwu.fleet_and_catalog(_scenario(), tmp) as (fleet, catalog):
        before = {n: (fixwu.services(fleet.host(n)), fleet.host(n).boot_time) for n in NAMES}
        for name, (listname, step, times) in LISTED.items():
            getattr(fleet.host(name).faults, listname).append({"step": step, "times": times})
        middle = {name: chaos_faults.HostFaults(fleet.host(name), fleet.servers[name],
                                                chaos.HostPlan(name, "", [], [fault]), None)
                  for name, fault in IN_THE_MIDDLE.items()}
        for faults in middle.values():
            faults.start(1)
        per_host = {"wu_remediate_reboot_timeout": None}
        first = fixwu.finish(fixwu.start(fleet, catalog, tmp, "first", per_host, "-f", str(len(NAMES))))
        fired = {name: faults.clear()[0][1] for name, faults in middle.items()}
        fired.update({name: fleet.host(name).faults.fired.get("%s:%s" % (
            {"operation_timeout_on": "operation_timeout", "drop_connection_on": "drop"}[listname], step), 0) > 0
            for name, (listname, step, _times) in LISTED.items()})
        test_fix_wu_faults._wait_up(fleet, "setup_slow_reboot")
        after_first = {n: (fixwu.services(fleet.host(n)), fixwu.journal_entry(fleet.host(n)),
                           fleet.host(n).files.get(fixwu.JOURNAL), fleet.host(n).boot_time) for n in NAMES}
        resets = collections.Counter({n: chaos_run.completed_resets(fleet.host(n), first["records"][n])
                                      for n in NAMES})
        _clear(fleet)
        second = fixwu.finish(fixwu.start(fleet, catalog, tmp, "second",
                                          dict(per_host, wu_inplace_upgrade_reboot_timeout=600),
                                          "-f", str(len(NAMES))))
        for n in NAMES:
            resets[n] += chaos_run.completed_resets(fleet.host(n), second["records"][n])
        destructive = {n: chaos_run.destructive_steps(fleet.host(n), fleet.clock, resets[n]) for n in NAMES}
        long_runs = {n: _long_runs(fleet.host(n), fleet.clock) for n in NAMES}
        yield {"fleet": fleet, "before": before, "first": first, "second": second, "after_first": after_first,
               "fired": fired, "destructive": destructive, "long_runs": long_runs}


@pytest.mark.parametrize("name", sorted(IN_THE_MIDDLE) + sorted(LISTED))
def test_the_fault_fired(rest, name):
    assert rest["fired"][name], name


def test_the_slow_restart_outlasted_the_reboot_timeout(rest):
    text = " ".join(rest["first"]["stdout"].split())
    assert ("the host did not come back after the restart within reboot_timeout=%ds" % SETUP_REBOOT_TIMEOUT
            in text), fixwu.why(rest["first"])
    entry = rest["after_first"]["setup_slow_reboot"][1]
    steps = [s for s in entry["rungs_run"] if s["rung"] == "inplace_upgrade"]
    assert steps and steps[-1]["outcome"] != "done", steps  # the host was away when the outcome was due


@pytest.mark.parametrize("name", NAMES)
def test_host_consistent_after_the_fault(rest, name):
    services, _entry, _text, boot = rest["after_first"][name]
    before, boot_before = rest["before"][name]
    problems = fixwu.inconsistencies(rest["fleet"].host(name), before, boot_before, services, boot)
    assert not problems, (name, problems, fixwu.why(rest["first"]))


@pytest.mark.parametrize("name", NAMES)
def test_journal_intact_after_the_fault(rest, name):
    _services, entry, text, _boot = rest["after_first"][name]
    assert text is not None, name
    assert KB in json.loads(text)["entries"] and entry["rungs_run"], (name, entry)


@pytest.mark.parametrize("name", sorted(RIDDEN_OUT))
def test_faults_ridden_out_fix_the_host_in_the_first_run(rest, name):
    entry = rest["after_first"][name][1]
    assert entry["verdict"] == "fixed" and entry["fixed_by"] == RIDDEN_OUT[name], (name, entry["verdict"],
                                                                                   entry.get("reason"))


def test_the_locked_backup_is_kept(rest):
    host = rest["fleet"].host("pf_locked_backup")
    assert chaos_run.winpath.is_dir(host, LOCKED)  # the clean-up went on without it, deleting nothing else


@pytest.mark.parametrize("host", sorted(h for m, h in RESTARTS.values() if m == "test_fix_wu_matrix_rest"))
def test_the_restart_happened_in_the_middle(rest, host):
    first = rest["first"]["records"][host]
    killed = [r for r in first if r.name == "boot" and r.args.get("killed_runs")]
    assert killed, (host, [(r.name, r.outcome) for r in first][-20:])


def _ends_fixed(rest, name):
    run = rest["second"]
    assert "failed=0" in fixwu.recap(run, name) and "unreachable=0" in fixwu.recap(run, name), fixwu.why(run)
    facts = run["facts"][name]
    assert facts["verdict"] in ("fixed", "already_installed"), (name, facts["verdict"], facts.get("reason"))
    assert {KB, SUPERSEDING} & set(rest["fleet"].host(name).installed_kbs), name


@pytest.mark.parametrize("name", [n for n in NAMES if n not in IN_THE_MIDDLE or IN_THE_MIDDLE[n].kind != "restart_long"])
def test_rerun_ends_fixed(rest, name):
    _ends_fixed(rest, name)


@pytest.mark.parametrize("name", sorted(n for n, f in IN_THE_MIDDLE.items() if f.kind == "restart_long"))
def test_a_restart_in_a_long_step_ends_fixed_or_with_a_verdict(rest, name):
    facts = rest["second"]["facts"][name]
    if facts["verdict"] not in ("fixed", "already_installed"):
        assert facts["verdict"] == "needs_person" and facts.get("reason") and facts.get("next_steps") is not None, facts


# Found by this file: setup.exe killed by a restart in its downlevel phase used to fail the rung
# ("setup.exe ended without an exit code") with retry_when "changed": the host ended needing a
# person, though the restart left it as it was. win_inplace_upgrade now starts setup once more.
def test_a_repair_install_killed_by_a_restart_is_retried(rest):
    _ends_fixed(rest, "setup_reboot")


# Found by this file: the repair install whose restart outlasted reboot_timeout had completed
# (downlevel phase ended, the offline phases ran at the next boot), but the host was away when
# the rung's outcome was to be journaled, so the journal kept it "started". The re-run used to run
# setup a second time; it now takes up the completed one (the ladder's run id as resume_id).
@pytest.mark.parametrize("name", NAMES)
def test_no_completed_destructive_or_long_step_ran_twice(rest, name):
    destructive, long_runs = rest["destructive"][name], rest["long_runs"][name]
    assert chaos_run.repeated(destructive) == 0, (name, destructive)
    assert all(long_runs[label] <= 1 for label in LONG_TOOLS), (name, dict(long_runs))
    first = rest["first"]["records"][name]
    if name == "reset_drop_before":
        # The reset's request never ran (dropped before it): no completed reset came of it.
        resets = [r.outcome for r in first if r.name == "wu_reset_apply"]
        assert resets[:1] == ["fault:drop"] and destructive.get("reset", 0) <= 1, (resets, destructive)
