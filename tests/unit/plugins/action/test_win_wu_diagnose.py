# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The win_wu_diagnose action plugin against simulated hosts, in-process (fake_host.FakeHost).

The script model tests/winsim/scripts/wu_diagnose.py answers through the
simulator's win_powershell model, so parameter binding, the result depth and
the check-mode rules are the simulator's, not this file's.
"""
from __future__ import annotations

import datetime

import pytest
import yaml
from winsim.fake_host import FakeHost  # noqa: E402

from ansible.errors import AnsibleActionFail  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_diagnose import ActionModule  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.modules import win_wu_diagnose as doc  # noqa: E402
from winsim import scripts  # noqa: E402
from winsim.model import (Antivirus, EventRecord, Folder, HostModel, UpdateHistoryEntry)  # noqa: E402
from winsim.modules.win_powershell import convert_output  # noqa: E402
from winsim.scripts import wu_diagnose as model  # noqa: E402

GB = 1024 ** 3
SD = "C:\\Windows\\SoftwareDistribution"
CU = "2026-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5066835)"
WU = "Microsoft-Windows-WindowsUpdateClient"


def host(**kw):
    return HostModel(name="win01", address="127.0.0.2", **kw)


def failed_event(code, when="2026-10-31T03:00:00Z", title=CU):
    return EventRecord(log="System", provider=WU, event_id=20, time=when,
                       message="Installation Failure: Windows failed to install the following update with "
                               "error 0x%08X: %s." % (code, title),
                       data={"updateTitle": title, "errorCode": "0x%08X" % code})


def names(result):
    return [c["name"] for c in result["causes"]]


def rungs(result):
    return [r["rung"] for r in result["recommended_rungs"]]


def test_healthy_host_one_script_run_no_cause():
    fake = FakeHost(host())
    res = fake.run(ActionModule)
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] is False
    assert res["causes"] == [] and res["recommended_rungs"] == []
    assert res["os"]["product_name"] == "Windows 11 Pro" and res["os"]["full_build"] == "26100.2033"
    assert res["system_drive"]["free_gb"] == 80.0
    assert [s["name"] for s in res["services"]][:3] == ["wuauserv", "cryptsvc", "bits"]
    assert res["defender"]["am_running_mode"] == "Normal"
    assert res["probe_errors"] == [] and "warnings" not in res
    records = fake.records()
    assert [(r.kind, r.name, r.check_mode, r.outcome) for r in records] == [("script", "wu_diagnose", False, "ok")]
    assert 0 < records[0].modelled_seconds < 60
    # Options reached the script as its parameters.
    assert records[0].args["MaxHistory"] == 50 and records[0].args["SinceDays"] == 30
    assert records[0].args["CbsPattern"]


def test_returned_keys_are_exactly_the_documented_ones():
    res = FakeHost(host()).run(ActionModule)
    documented = set(yaml.safe_load(doc.RETURN))
    returned = set(res) - {"changed", "failed", "warnings", "invocation"}
    assert returned == documented
    spec = yaml.safe_load(doc.RETURN)
    for key in ("os", "system_drive", "pending_reboot", "insider", "defender"):
        assert set(res[key]) == set(spec[key]["contains"]), key
    for key in ("services", "antivirus", "filter_drivers"):
        for item in res[key]:
            assert set(item) == set(spec[key]["contains"]), key
    options = yaml.safe_load(doc.DOCUMENTATION)["options"]
    from ansible_collections.winrepair.windows_update.plugins.action.win_wu_diagnose import ARGUMENT_SPEC
    assert set(options) == set(ARGUMENT_SPEC)
    for name, opt in options.items():
        assert opt["default"] == ARGUMENT_SPEC[name]["default"], name
        assert opt["type"] == ARGUMENT_SPEC[name]["type"], name


def test_model_result_survives_win_powershell_depth_2():
    # script_runner does not pass `depth`: everything must fit win_powershell's default.
    h = host()
    h.update_history = [UpdateHistoryEntry("KB5066835", CU, "2026-10-30T03:00:00Z", 4, -2147024122)]
    h.events = [failed_event(0x80070306)]
    h.cbs_log = ["x Hydration failed y Forward Delta"]
    h.folders[(SD + ".bak-20260101T000000").lower()] = Folder(SD + ".bak-20260101T000000", GB)
    fake = FakeHost(h)
    from winsim.model import RunContext
    ctx = RunContext(host=h, clock=fake.clock, check_mode=False, step="wu_diagnose")
    out = model.run(h, {"CbsPattern": "Hydration"}, ctx)["result"]
    assert set(out) == model.RESULT_KEYS
    assert convert_output(out, 2) == out


def test_check_mode_same_answer_no_change():
    h = host()
    h.update_history = [UpdateHistoryEntry("KB5066835", CU, "2026-10-30T03:00:00Z", 4, -2145116138)]
    h.folders[SD.lower()] = Folder(SD, 15 * GB)
    fake = FakeHost(h)
    normal = fake.run(ActionModule)
    check = fake.run(ActionModule, check_mode=True)
    for res in (normal, check):
        res.pop("collected_at")
    assert check == normal
    assert names(check) == ["corrupt_download_cache"]
    assert [(r.name, r.check_mode) for r in fake.records()] == [("wu_diagnose", False), ("wu_diagnose", True)]
    assert h.folders[SD.lower()].size_bytes == 15 * GB


def test_corrupt_download_cache():
    h = host(events=[failed_event(0x80242016)])
    h.folders[SD.lower()] = Folder(SD, 22 * GB)
    res = FakeHost(h).run(ActionModule)
    cause = res["causes"][0]
    assert cause["name"] == "corrupt_download_cache" and cause["confidence"] == "high"
    assert rungs(res) == ["preflight", "reset"]
    f = res["update_failures"][0]
    assert f["hresult"]["name"] == "WU_E_UH_POSTREBOOTUNEXPECTEDSTATE" and f["sources"] == ["event"]
    assert res["folders"]["software_distribution"]["size_gb"] == 22.0


def test_forward_delta_hydration():
    h = host(update_history=[UpdateHistoryEntry("KB5066835", CU, "2026-10-30T03:00:00Z", 4, -2147024122)],
             events=[failed_event(0x80070306)],
             cbs_log=["2026-10-30 03:00:01, Info CBS Exec: Processing started.",
                      "2026-10-30 03:05:12, Error CBS Hydration failed for component "
                      "amd64_microsoft-windows-x_31bf3856ad364e35_10.0.26100.4652 from Forward Delta "
                      "[HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]"])
    res = FakeHost(h).run(ActionModule)
    assert res["causes"][0]["name"] == "forward_delta_hydration" and res["causes"][0]["confidence"] == "high"
    assert rungs(res)[-1] == "inplace_upgrade"
    assert res["update_failures"][0]["count"] == 2
    assert res["update_failures"][0]["hresult"]["meaning"].startswith("One or more errors occurred")
    assert res["cbs"]["forward_delta_lines"]
    # Nested keys as RETURN documents them.
    spec = yaml.safe_load(doc.RETURN)
    for key in ("cbs", "disk_health", "system_drive"):
        assert set(res[key]) == set(spec[key]["contains"]), key
    failure = res["update_failures"][0]
    assert set(failure) == set(spec["update_failures"]["contains"])
    assert set(failure["hresult"]) == set(spec["update_failures"]["contains"]["hresult"]["contains"])
    for item in res["causes"]:
        assert set(item) == set(spec["causes"]["contains"])
    for item in res["recommended_rungs"]:
        assert set(item) == set(spec["recommended_rungs"]["contains"])


def test_insider_and_third_party_av_and_server():
    h = host(events=[failed_event(0x80004005)],
             antivirus=[Antivirus("Contoso Endpoint", "Contoso", True, "csagent")], defender_enabled=False)
    h.insider.enrolled, h.insider.branch_name, h.insider.ring, h.insider.flightsigning = True, "ge_release", "External", True
    res = FakeHost(h).run(ActionModule)
    assert res["insider"]["enrolled"] is True and res["insider"]["flightsigning"] is True
    assert set(names(res)) == {"insider_build_conflict", "third_party_filter_driver"}
    assert "catalog_install" in rungs(res) and "manual" in rungs(res)
    assert [a["name"] for a in res["antivirus"]] == ["Contoso Endpoint"]
    assert [f["name"] for f in res["filter_drivers"] if f["third_party_antivirus"]] == ["csagent"]

    server = host(events=[failed_event(0x80004005)])
    server.os.product_type, server.os.product_name = "server", "Windows Server 2022 Datacenter"
    res = FakeHost(server).run(ActionModule)
    assert res["antivirus"] == [] and res["os"]["is_server"] is True
    assert names(res) == ["unknown_update_failure"]


def test_low_disk_threshold_option():
    h = host()
    h.disk.free_bytes = 25 * GB
    fake = FakeHost(h)
    assert "low_disk" not in names(fake.run(ActionModule))
    res = fake.run(ActionModule, {"min_free_gb": 30})
    assert names(res) == ["low_disk"] and rungs(res) == ["preflight"]


def test_storage_fault_blocks():
    h = host()
    h.disk.failing = True
    res = FakeHost(h).run(ActionModule)
    assert names(res) == ["storage_fault"] and res["causes"][0]["confidence"] == "high"
    assert rungs(res)[0] == "manual" and res["recommended_rungs"][0]["blocking"] is True
    assert res["disk_health"]["healthy"] is False


def test_since_days_and_counts_reach_the_host():
    old = "2026-08-01T03:00:00Z"
    h = host(events=[failed_event(0x80242016, when=old)])
    fake = FakeHost(h)
    assert fake.run(ActionModule)["update_failures"] == []
    res = fake.run(ActionModule, {"since_days": 120, "event_count": 5, "history_count": 0, "cbs_tail_lines": 10})
    assert len(res["update_failures"]) == 1
    args = fake.records()[-1].args
    assert (args["SinceDays"], args["MaxEvents"], args["MaxHistory"], args["CbsTailLines"]) == (120, 5, 0, 10)


def test_denied_com_is_a_probe_error_not_a_failure():
    h = host(update_history=[UpdateHistoryEntry("KB5066835", CU, "2026-10-30T03:00:00Z", 4, -2145116138)],
             events=[failed_event(0x80242016)])
    h.faults.access_denied_on = ["Microsoft.Update.Session"]
    res = FakeHost(h).run(ActionModule)
    assert not res.get("failed")
    assert [e["probe"] for e in res["probe_errors"]] == ["update_history"]
    assert "update_history" in res["warnings"][0]
    # The event log still carries the failure.
    assert names(res) == ["corrupt_download_cache"] and res["update_failures"][0]["sources"] == ["event"]


@pytest.mark.parametrize("args, word", [
    ({"history_count": 1001}, "history_count"),
    ({"since_days": 0}, "since_days"),
    ({"min_free_gb": -1}, "min_free_gb"),
])
def test_bad_arguments_fail_before_the_host(args, word):
    fake = FakeHost(host())
    res = fake.run(ActionModule, args)
    assert res["failed"] is True and word in res["msg"]
    assert fake.records() == []


def test_unknown_option_is_refused():
    with pytest.raises(AnsibleActionFail):
        FakeHost(host()).run(ActionModule, {"max_history": 3})


def test_script_failure_is_reported(monkeypatch):
    class Broken:
        PARAMETERS = model.PARAMETERS
        RESULT_KEYS = model.RESULT_KEYS

        @staticmethod
        def run(h, parameters, ctx):
            message = "Access denied "
            return {"result": {}, "changed": False, "error": [scripts.error_record(message)]}

    monkeypatch.setitem(scripts.MODEL_OVERRIDES, "wu_diagnose", Broken)
    res = FakeHost(host()).run(ActionModule)
    assert res["failed"] is True and res["changed"] is False
    assert "Access denied" in res["msg"] and "Nothing was changed" in res["msg"]


def test_fake_host_refuses_unmodelled_modules():
    fake = FakeHost(host())
    action = fake.action(ActionModule)
    out = action._execute_module(module_name="ansible.windows.win_nonexistent", module_args={}, task_vars={})
    assert out["failed"] is True and out["msg"].startswith("winsim does not model")
    assert fake.records()[-1].outcome == "refused"


def test_clock_in_collected_at():
    fake = FakeHost(host())
    res = fake.run(ActionModule)
    when = datetime.datetime.fromisoformat(res["collected_at"].replace("Z", "+00:00"))
    assert abs((when - fake.clock.now()).total_seconds()) < 3600
