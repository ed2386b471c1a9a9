# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults at the level of playbooks/fix_wu.yml: one fleet, one host per fault,
two runs in all.

Run 1 (faults on): each host meets its fault in the middle of a rung. It may
fail; afterwards the host is consistent (the Windows Update services that ran
still run, SoftwareDistribution and catroot2 exist or a backup of them does),
its journal parses and records the interrupted rung, and the run's output
says what happened. Run 2 (faults cleared): every host finishes (fixed, or the
update is found installed) without repeating a destructive step: across both
runs, at most one component reset changed each host for good, and a reset cut
off after it ran is not run again (the journal resumes it).

A dropped WinRM connection reaches ansible-core 2.19 as a task failure
("Task failed: ('Connection aborted.', ...)"), not as unreachable, so the
role's `always:` gives the run lock back; a lock left by an unreachable host
is taken over by the rerun (unit tests: test_win_wu_journal_lock.py).

Faults (the rung in brackets):
  reset_drop    [reset]   the connection drops right after the reset ran, before its outcome was journaled
  dism_drop     [sfc_dism] the connection drops while the controller polls DISM /RestoreHealth (the
                          module rides it out: the rung finishes in the first run)
  catalog_drop  [catalog_install] the connection drops at the download of the update on the host, and at
                          the download's every retry
  slow_reboot   [after the install] the restart takes longer than reboot_timeout
  denied        [reset]   access to the service cryptsvc is denied (it cannot be stopped)
  diskfull      [reset]   the disk is full when the reset renames the folders
  setup_drop    [inplace_upgrade] the connection is lost for good right after the repair install's restart,
                          before its outcome was journaled: the rerun takes up the completed repair install
                          (the same ladder run id) instead of running setup a second time
"""
from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session, script_runner

from reliability import fixwu
from winsim.detached import setup_exe

KB = fixwu.KB
SUPERSEDING = "KB5048667"
SLOW_DOWNTIME = 600 * 25  # modelled seconds: 25 real seconds at time_scale 600
SLOW_TIMEOUT = 6  # real seconds the reboot waits (ansible's reboot_timeout)

ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.94.1", "port": 0},
    "defaults": {"target_kb": KB, "vars": {"wu_remediate_reboot_timeout": 300}},
    "hosts": [
        {"name": "reset_drop", "root_cause": "corrupt_download_cache"},
        {"name": "dism_drop", "root_cause": "corrupt_system_files"},
        {"name": "catalog_drop", "root_cause": {"name": "insider_build_conflict", "superseding_kb": SUPERSEDING}},
        {"name": "slow_reboot", "root_cause": "corrupt_download_cache",
         "vars": {"wu_remediate_reboot_timeout": SLOW_TIMEOUT}},
        {"name": "denied", "root_cause": "corrupt_download_cache"},
        {"name": "diskfull", "root_cause": "corrupt_download_cache"},
        # forward-delta hydration: only the repair install cures it (opt-in, from the ISO on the host)
        {"name": "setup_drop", "root_cause": "forward_delta_hydration",
         "files": {ISO: setup_exe.make_media(26100, 1742).decode("utf-8")},
         "vars": {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO}},
    ],
}
HOSTS = [h["name"] for h in SCENARIO["hosts"]]
# Per host: the rung the fault hits, and the outcome the journal must record for it.
INTERRUPTED = {
    "reset_drop": ("reset", "started"),
    "dism_drop": ("sfc_dism", "done"),
    "catalog_drop": ("catalog_install", "interrupted"),  # a lost connection is not a failure of the rung
    "denied": ("reset", "failed"),
    "diskfull": ("reset", "failed"),
    "setup_drop": ("inplace_upgrade", "started"),
}


def _drop_after(fleet, host, after, step, stop, when=None):
    """Once HOST has answered AFTER (and WHEN(record) holds), its next STEP requests lose the connection:
    as many as the plugins send a script that is safe to send again (script_runner.SAFE_TO_SEND_AGAIN),
    so the connection is lost for good, not a blip they ride out."""
    times = len(host_session.RETRY_DELAYS) + 1 if step in script_runner.SAFE_TO_SEND_AGAIN else 1
    while not stop.is_set():
        if any(r.name == after and not r.check_mode and (when is None or when(r)) for r in fleet.records(host)):
            with fleet.host(host).lock:
                fleet.host(host).faults.drop_connection_on.append({"step": step, "times": times})
            return
        time.sleep(0.01)


def _is_dism(rec):
    return "restorehealth" in json.dumps(rec.args).lower()


def _inject(fleet):
    # win_get_url is sent again after a dropped connection: drop every attempt, so the rung is cut off.
    fleet.host("catalog_drop").faults.drop_connection_on.append(
        {"step": "win_get_url", "times": len(host_session.RETRY_DELAYS) + 1})
    fleet.host("slow_reboot").faults.reboot_downtime_seconds = SLOW_DOWNTIME
    fleet.host("denied").services["cryptsvc"].access_denied = True
    fleet.host("diskfull").faults.disk_full_on.append("wu_reset_apply")
    stop = threading.Event()
    for args in (("reset_drop", "wu_reset_apply", "wu_journal_write"),
                 ("setup_drop", "reboot", "wu_journal_write"),
                 ("dism_drop", "detached_start", "detached_status", _is_dism)):
        threading.Thread(target=_drop_after, args=(fleet, *args[:3], stop) + tuple(args[3:]), daemon=True).start()
    return stop


def _clear(fleet):
    for name in HOSTS:
        host = fleet.host(name)
        with host.lock:
            for attr in ("drop_connection_on", "http500_on", "operation_timeout_on", "access_denied_on",
                         "disk_full_on"):
                setattr(host.faults, attr, [])
            host.faults.reboot_downtime_seconds = None
            for svc in host.services.values():
                svc.access_denied = False


def _wait_up(fleet, name, timeout=60):
    deadline = time.monotonic() + timeout
    while fleet.servers[name].is_down() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixwu-faults")
    with fixwu.fleet_and_catalog(SCENARIO, tmp) as (fleet, catalog):
        before = {n: (fixwu.services(fleet.host(n)), fleet.host(n).boot_time) for n in HOSTS}
        stop = _inject(fleet)
        first = fixwu.finish(fixwu.start(fleet, catalog, tmp, "first", {"wu_remediate_reboot_timeout": None}))
        stop.set()
        _wait_up(fleet, "slow_reboot")
        after_first = {n: (fixwu.services(fleet.host(n)), fixwu.journal_entry(fleet.host(n)),
                           fleet.host(n).files.get(fixwu.JOURNAL), fixwu.LOCK in fleet.host(n).files,
                           fleet.host(n).boot_time) for n in HOSTS}
        _clear(fleet)
        second = fixwu.finish(fixwu.start(fleet, catalog, tmp, "second", {"wu_remediate_reboot_timeout": None}))
        yield {"fleet": fleet, "before": before, "first": first, "after_first": after_first, "second": second}


@pytest.mark.parametrize("name", HOSTS)
def test_host_consistent_after_the_fault(faults, name):
    services, _entry, _text, _lock, boot = faults["after_first"][name]
    before, boot_before = faults["before"][name]
    problems = fixwu.inconsistencies(faults["fleet"].host(name), before, boot_before, services, boot)
    assert not problems, (name, problems, fixwu.why(faults["first"]))


@pytest.mark.parametrize("name", HOSTS)
def test_journal_intact_and_records_the_interrupted_rung(faults, name):
    _services_, entry, text, _lock, _boot = faults["after_first"][name]
    assert text is not None, name
    data = json.loads(text)  # parses
    assert KB in data["entries"], name
    steps = [(s["rung"], s["outcome"]) for s in entry["rungs_run"]]
    if name == "slow_reboot":
        # The update installed after the reset; the restart to finish it timed out: no verdict yet. The journal
        # holds the reset done, written before the verifying install; its verification goes with the verdict.
        reset = [s for s in entry["rungs_run"] if s["rung"] == "reset"][0]
        assert reset["outcome"] == "done" and not reset.get("verify") and entry["verdict"] is None, steps
        return
    assert INTERRUPTED[name] in steps, (name, steps)


@pytest.mark.parametrize("name, words", [
    ("reset_drop", ("connection aborted",)),
    ("catalog_drop", ("connection aborted",)),
    ("slow_reboot", ("reboot", "timed out")),
    ("denied", ("cryptsvc", "denied")),
    ("diskfull", ("space",)),
])
def test_the_run_says_what_happened(faults, name, words):
    run = faults["first"]
    entry = faults["after_first"][name][1]
    text = " ".join(run["stdout"].split()).lower()
    if name in ("reset_drop", "slow_reboot"):
        # The play failed for this host, and its error names the cause.
        assert "failed=1" in fixwu.recap(run, name) or "unreachable=1" in fixwu.recap(run, name), fixwu.why(run)
        start = text.find("fatal: [%s]" % name)
        assert start >= 0 and all(w in text[start:start + 600] for w in words), fixwu.why(run)
        return
    # The rung failed and said why (kept in the journal); the ladder climbed on.
    rung = INTERRUPTED[name][0]
    step = [s for s in entry["rungs_run"] if s["rung"] == rung][0]
    msg = str(step["details"].get("msg", "")).lower()
    assert all(w in msg for w in words), (name, step)


def test_dism_rode_out_the_dropped_poll(faults):
    entry = faults["after_first"]["dism_drop"][1]
    assert entry["verdict"] == "fixed" and entry["fixed_by"] == "sfc_dism", entry["reason"]
    polls = [r for r in faults["first"]["records"]["dism_drop"] if r.name == "detached_status"]
    assert any(r.outcome == "fault:drop" for r in polls), [r.outcome for r in polls]  # the fault fired


@pytest.mark.parametrize("name", [n for n in HOSTS if n != "catalog_drop"])
def test_rerun_finishes(faults, name):
    run = faults["second"]
    assert "failed=0" in fixwu.recap(run, name) and "unreachable=0" in fixwu.recap(run, name), fixwu.why(run)
    facts = run["facts"][name]
    assert facts["verdict"] in ("fixed", "already_installed"), (name, facts["verdict"], facts["reason"])
    assert KB in faults["fleet"].host(name).installed_kbs, name


def test_rerun_credits_the_reset_whose_restart_was_slow(faults):
    """The first run's restart after the install timed out before its verdict: the rerun finds the update
    installed and credits the reset, whose verification was pending in the journal."""
    facts = faults["second"]["facts"]["slow_reboot"]
    assert (facts["verdict"], facts["fixed_by"]) == ("fixed", "reset"), facts["reason"]
    reset = [s for s in facts["rungs_run"] if s["rung"] == "reset"][-1]
    assert reset["verify"]["outcome"] == "installed", reset


def test_rerun_finishes_after_a_drop_in_the_catalog_rung(faults):
    facts = faults["second"]["facts"]["catalog_drop"]
    assert facts["verdict"] in ("fixed", "already_installed"), (facts["verdict"], facts["reason"])


def test_every_lock_given_back_or_taken_over(faults):
    text = " ".join(faults["second"]["stdout"].split())
    for name in HOSTS:
        if faults["after_first"][name][3]:  # the first run could not give it back (host unreachable)
            assert "Took over the run lock" in text, (name, fixwu.why(faults["second"]))
        assert fixwu.LOCK not in faults["fleet"].host(name).files, name


@pytest.mark.parametrize("name", HOSTS)
def test_no_destructive_step_repeated(faults, name):
    first, second = faults["first"]["records"][name], faults["second"]["records"][name]
    done = [r for r in fixwu.resets(first) if r.outcome == "changed"]
    again = fixwu.resets(second)
    if name in ("reset_drop", "slow_reboot"):
        # The reset ran (and stayed done) in the first run: the rerun must not reset again.
        assert len(done) == 1 and again == [], (name, [r.outcome for r in fixwu.resets(first)], again)
    # Across both runs at most one reset completed (a rolled-back one does not count).
    steps = [s for run in ("first", "second") for s in (faults[run]["facts"].get(name) or {}).get("rungs_run", [])
             if s["rung"] == "reset" and s["outcome"] == "done" and not s.get("resumed")]
    assert len(steps) <= 1, (name, steps)
    if name == "dism_drop":
        starts = [r for r in first + second if r.name == "detached_start" and _is_dism(r) and not r.check_mode
                  and not r.outcome.startswith("fault")]
        assert len(starts) == 1, [r.args for r in starts]  # the rerun attached to the running DISM


def _is_repair_install(rec):
    text = json.dumps(rec.args).lower()
    return rec.name == "detached_start" and "/auto upgrade" in text and "scanonly" not in text


def test_a_cut_off_repair_install_is_taken_up_not_run_again(faults):
    first, second = faults["first"]["records"]["setup_drop"], faults["second"]["records"]["setup_drop"]
    assert any(r.name == "wu_journal_write" and r.outcome == "fault:drop" for r in first)  # the fault fired
    starts = [r for r in first + second if _is_repair_install(r) and not r.check_mode]
    assert len(starts) == 1, [r.outcome for r in starts]
    facts = faults["second"]["facts"]["setup_drop"]
    assert facts["verdict"] == "fixed" and facts["fixed_by"] == "inplace_upgrade", facts["reason"]
    step = [s for s in facts["rungs_run"] if s["rung"] == "inplace_upgrade"][-1]
    assert "taken up" in step["details"]["msg"], step
