# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_sfc_dism end to end: ansible-playbook over WinRM against a simulated fleet.

One fleet, one host per case, ONE ansible-playbook run over all of them. The
fleet clock runs at time_scale 600 (a 20-minute DISM run is 2 s, several
polls at poll_interval 0.05 s), the hosts run in parallel, so the whole file
takes about fifteen seconds. Dropped connections
and operation timeouts are injected on the status polls (faults keyed by the
script name, tests/winsim/dispatch.py): the detached run goes on regardless.
A restart of the host on a status poll (reboot_on) kills DISM: the module
starts it once more and finishes.
"""
from __future__ import annotations

import datetime

import pytest

from winsim.detached import tools
from winsim.pytest_plugin import case_options, case_task, run_play, running_fleet

WIM = "D:\\sources\\install.wim"
ISO = "C:\\iso\\Win11_24H2_x64.iso"
WIM_TEXT = tools.make_wim(tools.windows11_images()).decode("utf-8")
ISO_TEXT = tools.make_iso({"sources\\install.wim": tools.make_wim(tools.windows11_images())}).decode("utf-8")
DROP_TWICE = {"step": "detached_status", "times": 2}

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.53.1", "port": 0},
    "hosts": [
        {"name": "healthy"},
        {"name": "repairable", "component_store": {"health": "repairable", "system_files_corrupt": True}},
        {"name": "srconly", "component_store": {"health": "repairable_from_source"}},
        {"name": "srcwim", "component_store": {"health": "repairable_from_source", "system_files_corrupt": True},
         "files": {WIM: WIM_TEXT}},
        {"name": "srciso", "component_store": {"health": "repairable_from_source"}, "files": {ISO: ISO_TEXT}},
        {"name": "notrep", "component_store": {"health": "not_repairable"}, "files": {WIM: WIM_TEXT}},
        {"name": "drop", "component_store": {"health": "repairable"},
         "faults": {"drop_connection_on": [DROP_TWICE]}},
        {"name": "optimeout", "component_store": {"health": "repairable"},
         "faults": {"operation_timeout_on": [DROP_TWICE]}},
        {"name": "check", "component_store": {"health": "repairable", "system_files_corrupt": True}},
        # The first status poll runs, then the host restarts instead of answering it, while DISM
        # runs (tests/winsim/dispatch.py reboot_on): DISM is killed, the module starts it again.
        {"name": "reboot", "component_store": {"health": "repairable", "system_files_corrupt": True},
         "faults": {"reboot_on": ["detached_status"]}},
    ],
}

# Per host: the module's options and whether the task runs in check mode.
CASES = {
    "healthy": {},
    "repairable": {},
    "srconly": {"sfc": False},
    "srcwim": {"source": WIM, "limit_access": True},
    "srciso": {"source": ISO, "limit_access": True, "sfc": False},
    "notrep": {"source": WIM, "limit_access": True},
    "drop": {"sfc": False},
    "optimeout": {"sfc": False},
    "check": {"check": True},
    "reboot": {},
}
OPTIONS = ("sfc", "dism", "source", "source_index", "limit_access")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sfc_dism")
    with running_fleet(SCENARIO, tmp) as fleet:
        args = dict(case_options(OPTIONS), timeout=120, poll_interval=0.05)
        results, proc = run_play(fleet, tmp, CASES, [case_task("winrepair.windows_update.win_sfc_dism", args)],
                                 CASES, timeout=240)
        yield fleet, results, proc.stdout


def scripts_run(fleet, name):
    return [(r.name, r.check_mode, r.outcome) for r in fleet.records(name) if r.kind == "script"]


def starts(fleet, name):
    return [r.args.get("Arguments") for r in fleet.records(name)
            if r.kind == "script" and r.name == "detached_start" and not r.outcome.startswith("fault")]


def test_healthy_host(run):
    fleet, res, _stdout = run
    r = res["healthy"]
    assert not r.get("failed"), r.get("msg")
    assert r["changed"] is False and r["repaired"] is False
    assert r["dism"]["outcome"] == "repaired" and r["dism"]["repaired"] is False
    assert r["sfc"]["outcome"] == "no_violations"
    assert starts(fleet, "healthy") == ["/Online /English /Cleanup-Image /RestoreHealth", "/scannow"]


def test_repairable_store_is_repaired_then_sfc(run):
    fleet, res, _stdout = run
    r, h = res["repairable"], fleet.host("repairable")
    assert not r.get("failed"), r.get("msg")
    assert r["changed"] is True and r["repaired"] is True
    assert r["sfc"]["outcome"] == "repaired"
    assert r["cbs_sr"]["repairing_corrupted_file"] == 1
    assert h.component_store.health == "healthy" and h.component_store.system_files_corrupt is False
    assert r["durations"]["dism"] == 1200


def test_source_only_store_without_source(run):
    fleet, res, _stdout = run
    r = res["srconly"]
    assert r["failed"] is True
    assert r["hresult"]["hex"] == "0x800F081F" and r["hresult"]["name"] == "CBS_E_SOURCE_MISSING"
    assert r["dism"]["exit_code"] == -2146498529
    assert "repair source" in r["msg"]
    assert fleet.host("srconly").component_store.health == "repairable_from_source"


def test_source_only_store_with_wim_source(run):
    fleet, res, _stdout = run
    r = res["srcwim"]
    assert not r.get("failed"), r.get("msg")
    assert r["source"]["index"] == 6
    assert starts(fleet, "srcwim")[0] == \
        "/Online /English /Cleanup-Image /RestoreHealth /Source:wim:D:\\sources\\install.wim:6 /LimitAccess"
    assert r["repaired"] is True
    assert fleet.host("srcwim").component_store.health == "healthy"


def test_source_only_store_with_iso_source_mounts_and_dismounts(run):
    fleet, res, _stdout = run
    r, h = res["srciso"], fleet.host("srciso")
    assert not r.get("failed"), r.get("msg")
    assert r["source"]["mounted_drive"] == "D:"
    assert [s for s in scripts_run(fleet, "srciso") if s[0] == "iso_mount"] == [
        ("iso_mount", False, "changed"), ("iso_mount", False, "changed")]
    assert not getattr(h, "mounted_images", {})
    assert h.component_store.health == "healthy"


def test_not_repairable(run):
    fleet, res, _stdout = run
    r = res["notrep"]
    assert r["failed"] is True
    assert r["hresult"]["hex"] == "0x80073712"
    assert "in-place" in r["msg"]
    assert r["sfc"] is None


def test_dropped_connection_during_the_run(run):
    fleet, res, _stdout = run
    r = res["drop"]
    assert not r.get("failed"), r.get("msg")
    faults = [s for s in scripts_run(fleet, "drop") if s[2] == "fault:drop"]
    assert [f[0] for f in faults] == ["detached_status", "detached_status"]
    assert r["dism"]["connection_errors"] == 2
    assert len(starts(fleet, "drop")) == 1  # the run survived; nothing started twice
    # The drops hit polls while DISM was running: more polls answered after them.
    assert len([s for s in scripts_run(fleet, "drop") if s[0] == "detached_status" and s[2] != "fault:drop"]) >= 2
    assert r["repaired"] is True


def test_operation_timeout_during_the_run(run):
    fleet, res, _stdout = run
    r = res["optimeout"]
    assert not r.get("failed"), r.get("msg")
    # Both timeouts fired (pywinrm retried the Receive, as on a real host).
    assert fleet.host("optimeout").faults.fired.get("operation_timeout:detached_status") == 2
    assert len([s for s in scripts_run(fleet, "optimeout") if s[0] == "detached_status"]) >= 3
    assert len(starts(fleet, "optimeout")) == 1
    assert r["repaired"] is True
    assert fleet.host("optimeout").component_store.health == "healthy"


def test_a_restart_during_dism_is_survived_with_one_more_run(run):
    fleet, res, _stdout = run
    r, h = res["reboot"], fleet.host("reboot")
    assert not r.get("failed"), r.get("msg")
    # The first poll ran, then the host restarted instead of answering it.
    assert [s for s in scripts_run(fleet, "reboot") if s[2] == "fault:reboot"] == [
        ("detached_status", False, "fault:reboot")]
    boots = [rec for rec in fleet.records("reboot") if rec.name == "boot"]
    assert len(boots) == 1 and boots[0].args["killed_runs"] == [r["dism"]["run_id"]]
    assert len(fleet.servers["reboot"].outages) == 1
    # DISM started twice with the same key (the lost run archived), sfc once.
    assert starts(fleet, "reboot") == ["/Online /English /Cleanup-Image /RestoreHealth"] * 2 + ["/scannow"]
    assert r["dism"]["restarts"] == 1 and r["sfc"]["restarts"] == 0
    assert r["dism"]["outcome"] == "repaired" and r["repaired"] is True
    # The DISM run reported is the second one, started after the host booted.
    assert datetime.datetime.fromisoformat(r["dism"]["start_time"]) > h.boot_time
    assert h.component_store.health == "healthy" and h.component_store.system_files_corrupt is False


def test_check_mode_changes_nothing(run):
    fleet, res, _stdout = run
    r, h = res["check"], fleet.host("check")
    assert not r.get("failed"), r.get("msg")
    assert r["check_mode_ran"] == ["dism.exe /Online /Cleanup-Image /CheckHealth"]
    assert r["commands"] == ["dism.exe /Online /English /Cleanup-Image /RestoreHealth", "sfc.exe /scannow"]
    assert scripts_run(fleet, "check") == [("sfc_dism_preflight", True, "ok")]
    assert all(rec.outcome != "changed" for rec in fleet.records("check"))
    assert h.component_store.health == "repairable" and h.component_store.system_files_corrupt is True


def test_progress_is_shown(run):
    _fleet, _res, stdout = run
    assert "DISM /RestoreHealth:" in stdout
