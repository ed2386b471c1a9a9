# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_diagnose end to end: ansible-playbook over WinRM against a simulated fleet.

One fleet with one host per situation, ONE ansible-playbook run with two tasks
(normal, then check mode) over all of them: the file runs in seconds. Each
host must show exactly one script run per task, the first without and the
second with check mode, and the two answers must be the same.
"""
from __future__ import annotations

import copy

import pytest

from winsim.pytest_plugin import run_play, running_fleet

GB = 1024 ** 3
SD = "C:\\Windows\\SoftwareDistribution"
WU = "Microsoft-Windows-WindowsUpdateClient"
CU = "2026-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5066835)"


def wu_failure(code, when="2026-10-31T03:00:00Z"):
    # Event 20 of the WindowsUpdateClient provider: "Installation Failure: ..." with errorCode.
    return {"log": "System", "provider": WU, "event_id": 20, "time": when,
            "message": "Installation Failure: Windows failed to install the following update with error "
                       "0x%08X: %s." % (code, CU),
            "data": {"updateTitle": CU, "errorCode": "0x%08X" % code}}


def history_failure(signed_hresult, when="2026-10-30T03:00:00Z"):
    return {"kb": "KB5066835", "title": CU, "date": when, "result_code": 4, "hresult": signed_hresult}


SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.52.1"},
    "defaults": {"folders": {SD: {"size_bytes": 2 * GB}}},
    "hosts": [
        {"name": "healthy"},
        {"name": "cache", "events": [wu_failure(0x80242016), wu_failure(0x80242016, "2026-10-25T03:00:00Z")],
         "folders": {SD: {"size_bytes": 24 * GB}}},
        {"name": "insider", "insider": {"enrolled": True, "branch_name": "ge_release", "ring": "External",
                                        "flightsigning": True},
         "events": [wu_failure(0x80004005)]},
        {"name": "thirdav",
         "antivirus": [{"name": "Contoso Endpoint", "vendor": "Contoso", "filter_driver": "csagent"}],
         "defender_enabled": False, "events": [wu_failure(0x80070020)]},
        {"name": "fwddelta", "update_history": [history_failure(-2147024122)],
         "events": [wu_failure(0x80070306)],
         "cbs_log": ["2026-10-30 03:00:01, Info                  CBS    Exec: Processing started.",
                     "2026-10-30 03:05:12, Error                 CBS    Hydration failed for component "
                     "amd64_microsoft-windows-shell32_31bf3856ad364e35_10.0.26100.4652 from Forward Delta "
                     "[HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]",
                     "2026-10-30 03:05:13, Info                  CBS    Failed to stage execution package "
                     "[HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]"]},
        {"name": "lowdisk", "disk": {"free_bytes": 9 * GB},
         "folders": {SD + ".bak-20260901T010203": {"size_bytes": 3 * GB}}},
        {"name": "storage", "disk": {"failing": True},
         "events": [{"log": "System", "provider": "Ntfs", "event_id": 55, "time": "2026-10-28T12:00:00Z",
                     "message": "A corruption was discovered in the file system structure on volume C:."}]},
    ],
}
HOSTS = [h["name"] for h in SCENARIO["hosts"]]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Start the fleet, run one play (normal task, then the same task in check mode), collect results."""
    tmp = tmp_path_factory.mktemp("wu_diagnose")
    with running_fleet(SCENARIO, tmp) as fleet:
        before = {name: copy.deepcopy(_state(fleet.host(name))) for name in HOSTS}
        tasks = [
            {"name": "diagnose", "winrepair.windows_update.win_wu_diagnose": {}, "register": "normal"},
            {"name": "diagnose in check mode", "winrepair.windows_update.win_wu_diagnose": {},
             "register": "check", "check_mode": True},
        ]
        results, proc = run_play(fleet, tmp, HOSTS, tasks, collect="{'normal': normal, 'check': check}",
                                 timeout=180)
        yield fleet, before, results, proc


def _state(host):
    # What a diagnosis must not change.
    return (host.disk.free_bytes, {k: (f.exists, f.size_bytes) for k, f in host.folders.items()},
            {n: (s.state, s.start_mode) for n, s in host.services.items()}, host.pending_reboot,
            dict(host.files))


def causes(result):
    return {c["name"]: c["confidence"] for c in result["causes"]}


def rungs(result):
    return [r["rung"] for r in result["recommended_rungs"]]


def test_play_ran(run):
    _fleet, _before, results, proc = run
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    for name, res in results.items():
        assert not res["normal"].get("failed"), (name, res["normal"].get("msg"))


@pytest.mark.parametrize("name", HOSTS)
def test_one_run_per_task_check_mode_same_answer_no_change(run, name):
    fleet, before, results, _proc = run
    records = fleet.records(name)
    assert [(r.kind, r.name, r.check_mode, r.outcome) for r in records] == [
        ("script", "wu_diagnose", False, "ok"), ("script", "wu_diagnose", True, "ok")]
    normal, check = results[name]["normal"], results[name]["check"]
    assert normal["changed"] is False and check["changed"] is False
    for key in ("causes", "recommended_rungs", "update_failures", "os", "system_drive", "folders",
                "backups", "insider", "antivirus", "disk_health", "pending_reboot", "services"):
        assert check[key] == normal[key], key
    assert _state(fleet.host(name)) == before[name]


def test_healthy(run):
    res = run[2]["healthy"]["normal"]
    assert res["causes"] == [] and res["recommended_rungs"] == [] and res["update_failures"] == []
    assert res["os"]["full_build"] == "26100.2033" and res["os"]["architecture"] == "x64"
    assert res["defender"]["antivirus_enabled"] is True and res["probe_errors"] == []


def test_corrupt_download_cache(run):
    res = run[2]["cache"]["normal"]
    assert causes(res) == {"corrupt_download_cache": "high"}
    assert rungs(res) == ["preflight", "reset"]
    failure = res["update_failures"][0]
    assert failure["count"] == 2 and failure["hresult"]["hex"] == "0x80242016"
    assert failure["hresult"]["name"] == "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE"
    assert failure["hresult"]["facility"] == "WINDOWSUPDATE"


def test_insider(run):
    res = run[2]["insider"]["normal"]
    assert causes(res) == {"insider_build_conflict": "high"}
    assert rungs(res) == ["preflight", "catalog_install"]
    assert res["recommended_rungs"][1]["reasons"][0]["fallbacks"] == ["manual"]
    assert res["insider"]["branch_name"] == "ge_release" and res["insider"]["flightsigning"] is True


def test_third_party_antivirus(run):
    res = run[2]["thirdav"]["normal"]
    assert causes(res) == {"third_party_filter_driver": "high"}
    assert rungs(res) == ["preflight", "manual"]
    assert [a["name"] for a in res["antivirus"] if a["third_party"]] == ["Contoso Endpoint"]
    assert res["defender"]["antivirus_enabled"] is False


def test_forward_delta_hydration(run):
    res = run[2]["fwddelta"]["normal"]
    assert causes(res) == {"forward_delta_hydration": "high"}
    assert rungs(res) == ["preflight", "inplace_upgrade"]
    failure = res["update_failures"][0]
    assert failure["hresult"]["name"] == "ERROR_ERRORS_ENCOUNTERED" and failure["sources"] == ["history", "event"]
    assert "handle" not in failure["hresult"]["meaning"].lower()
    assert res["cbs"]["forward_delta_lines"]


def test_low_disk(run):
    res = run[2]["lowdisk"]["normal"]
    assert causes(res) == {"low_disk": "high"}
    assert rungs(res) == ["preflight"]
    assert [b["path"] for b in res["backups"]] == [SD + ".bak-20260901T010203"]
    assert res["system_drive"]["free_gb"] == 9.0


def test_storage_fault(run):
    res = run[2]["storage"]["normal"]
    assert causes(res) == {"storage_fault": "high"}
    assert rungs(res) == ["manual", "preflight"]
    assert res["recommended_rungs"][0]["blocking"] is True
    assert "back up first" in res["recommended_rungs"][0]["reasons"][0]["why"]
    assert {e["event_id"] for e in res["disk_health"]["storage_events"]} == {55}
    assert res["disk_health"]["physical_disks"][0]["health_status"] == "Warning"
