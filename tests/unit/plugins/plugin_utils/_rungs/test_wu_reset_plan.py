# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/plugin_utils/_rungs/wu_reset_plan.py (no host)."""
from __future__ import annotations

import copy

import pytest

# The collection is importable as ansible_collections.winrepair.windows_update through
# build/collections (make setup links it there); added here so this file runs on its own.

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import wu_reset_plan as wp  # noqa: E402

WINDIR = "C:\\Windows"
SYS32 = "C:\\Windows\\System32"
DL = "C:\\ProgramData\\Microsoft\\Network\\Downloader"


def svc(name, state="running", mode="manual", exists=True):
    return {"name": name, "exists": exists, "state": state, "start_mode": mode, "pid": 100 if state == "running" else 0,
            "security_descriptor": "D:(A;;CC;;;SY)"}


def base_state(**over):
    state = {
        "now_utc": "20261122T031500",
        "paths": {"windir": WINDIR, "system32": SYS32, "downloader": DL},
        "services": [svc("bits"), svc("wuauserv"), svc("appidsvc", "stopped"), svc("cryptsvc", mode="auto"),
                     svc("msiserver", "stopped")],
        "folders": [
            {"name": "SoftwareDistribution", "path": WINDIR + "\\SoftwareDistribution", "exists": True, "size_bytes": 500},
            {"name": "catroot2", "path": SYS32 + "\\catroot2", "exists": True, "size_bytes": 20},
            {"name": "Downloader", "path": DL, "exists": True, "size_bytes": 10},
        ],
        "backups": [],
        "queue_files": [{"path": DL + "\\qmgr0.dat", "size_bytes": 4}, {"path": DL + "\\qmgr1.dat", "size_bytes": 4},
                        {"path": DL + "\\qmgr.db", "size_bytes": 4}, {"path": DL + "\\edb.log", "size_bytes": 4},
                        {"path": DL + "\\notes.txt", "size_bytes": 1}],
        "dlls_present": [SYS32 + "\\wuapi.dll", SYS32 + "\\atl.dll", SYS32 + "\\qmgr.dll"],
    }
    state.update(over)
    return state


def ids(plan):
    return [s["id"] for s in plan["steps"]]


def test_standard_order_and_names():
    plan = wp.build_plan(base_state())
    assert plan["stop"] == ["bits", "wuauserv", "appidsvc", "cryptsvc", "msiserver"]
    # cryptsvc before appidsvc (dependency); appidsvc and msiserver were stopped: not started.
    assert plan["start"] == ["cryptsvc", "bits", "wuauserv"]
    assert plan["suffix"] == "bak-20261122T031500"
    assert plan["renames"][0]["backup"] == WINDIR + "\\SoftwareDistribution.bak-20261122T031500"
    assert plan["renames"][1]["backup"] == SYS32 + "\\catroot2.bak-20261122T031500"
    assert plan["queue_files"] == [DL + "\\qmgr0.dat", DL + "\\qmgr1.dat"]  # ESE database untouched
    assert plan["queue_backup"] == DL + ".bak-20261122T031500"
    assert not plan["reset_winsock"] and not plan["register_dlls"] and not plan["security_descriptors"]
    steps = ids(plan)
    assert steps.index("stop:cryptsvc") < steps.index("move_queue") < steps.index("rename:SoftwareDistribution")
    assert steps.index("rename:catroot2") < steps.index("restore_start_mode:bits") < steps.index("start:cryptsvc")
    assert steps.index("stop:appidsvc") < steps.index("stop:cryptsvc")
    assert steps[-1] == "start:wuauserv"


def test_aggressive_adds_network_sd_dlls_and_ese_queue():
    plan = wp.build_plan(base_state(), level="aggressive")
    assert plan["reset_winhttp_proxy"] and plan["reset_winsock"]
    # The Windows 7-era descriptor would take SERVICE_CHANGE_CONFIG from SYSTEM on 10/11: never set.
    assert plan["security_descriptors"] == {} and not wp.apply_parameters(plan)["SecurityDescriptors"]
    # Only DLLs present in System32, by full path, in the order of the list.
    assert plan["register_dlls"] == [SYS32 + "\\atl.dll", SYS32 + "\\wuapi.dll", SYS32 + "\\qmgr.dll"]
    assert "wuaueng1.dll" in plan["skipped_dlls"] and "wuapi.dll" not in plan["skipped_dlls"]
    assert DL + "\\qmgr.db" in plan["queue_files"] and DL + "\\edb.log" in plan["queue_files"]
    assert DL + "\\notes.txt" not in plan["queue_files"]
    steps = ids(plan)
    assert not [s for s in steps if s.startswith("sdset:")]
    assert steps.index("rename:catroot2") < steps.index("winhttp_reset_proxy") < steps.index("winsock_reset") \
        < steps.index("register_dlls") < steps.index("restore_start_mode:bits")


def test_update_services_that_hold_the_folder_are_stopped_first_and_started_only_if_they_ran():
    state = base_state(services=base_state()["services"] + [svc("usosvc", mode="delayed"), svc("dosvc", mode="delayed"),
                                                            svc("trustedinstaller", "stopped")])
    plan = wp.build_plan(state)
    assert plan["stop_only"] == ["usosvc", "dosvc", "trustedinstaller"]
    assert "usosvc" not in plan["stop"] and "usosvc" not in plan["start_modes"]  # start type not held
    steps = ids(plan)
    assert steps.index("stop:usosvc") < steps.index("stop:trustedinstaller") < steps.index("stop:bits")
    assert plan["start"][-2:] == ["dosvc", "usosvc"] and "trustedinstaller" not in plan["start"]
    params = wp.apply_parameters(plan)
    assert params["StopOnly"] == ["usosvc", "dosvc", "trustedinstaller"]
    assert {"usosvc", "dosvc"} <= set(params["RunningBefore"]) and "trustedinstaller" not in params["RunningBefore"]
    # Absent before Windows 10: left out without a warning.
    assert not [w for w in wp.build_plan(base_state())["warnings"] if "usosvc" in w]


def test_custom_dll_list_is_respected():
    plan = wp.build_plan(base_state(), level="aggressive", dlls=["QMGR.dll", "missing.dll"])
    assert plan["register_dlls"] == [SYS32 + "\\qmgr.dll"]
    assert plan["skipped_dlls"] == ["missing.dll"]


def test_disabled_and_missing_services():
    state = base_state()
    state["services"][1] = svc("wuauserv", "stopped", "disabled")
    state["services"][2] = svc("appidsvc", exists=False)
    plan = wp.build_plan(state)
    assert "appidsvc" not in plan["stop"] and "wuauserv" in plan["stop"]
    assert "wuauserv" not in plan["start"]
    assert any("wuauserv is disabled" in w for w in plan["warnings"])
    assert any("appidsvc does not exist" in w for w in plan["warnings"])
    assert plan["start_modes"]["wuauserv"] == "disabled"


def test_running_optional_service_is_started_again():
    state = base_state()
    state["services"][4] = svc("msiserver", "running")
    plan = wp.build_plan(state)
    assert plan["start"][-1] == "msiserver"
    assert "msiserver" in plan["running_before"]


def test_missing_folder_is_not_renamed():
    state = base_state()
    state["folders"][1]["exists"] = False
    plan = wp.build_plan(state)
    assert [r["name"] for r in plan["renames"]] == ["SoftwareDistribution"]
    assert any("catroot2 does not exist" in w for w in plan["warnings"])


def test_suffix_collision_gets_a_counter():
    state = base_state(backups=[{"name": "SoftwareDistribution",
                                 "path": WINDIR + "\\SoftwareDistribution.bak-20261122T031500"}])
    plan = wp.build_plan(state)
    assert plan["suffix"] == "bak-20261122T031500-2"
    assert plan["renames"][0]["backup"].endswith(".bak-20261122T031500-2")


def _sd_backups(*stamps):
    return [{"name": "SoftwareDistribution", "path": WINDIR + "\\SoftwareDistribution.bak-" + s} for s in stamps]


def test_prune_keeps_newest_including_new_one():
    extra = [{"name": "SoftwareDistribution", "path": WINDIR + "\\SoftwareDistribution.old"},
             {"name": "SoftwareDistribution", "path": WINDIR + "\\SoftwareDistribution.bak-manual"}]
    state = base_state(backups=_sd_backups("20260101T000000", "20260301T000000", "20260201T000000") + extra)
    plan = wp.build_plan(state, keep_backups=2)
    # New one + 20260301 stay; the two oldest go; names not ours are never pruned.
    assert plan["prune"] == [WINDIR + "\\SoftwareDistribution.bak-20260101T000000",
                             WINDIR + "\\SoftwareDistribution.bak-20260201T000000"]
    plan3 = wp.build_plan(state, keep_backups=3)
    assert plan3["prune"] == [WINDIR + "\\SoftwareDistribution.bak-20260101T000000"]
    plan1 = wp.build_plan(state, keep_backups=1)
    assert len(plan1["prune"]) == 3
    assert ids(plan1)[-3:] == ["prune:" + p for p in plan1["prune"]]


def test_prune_counter_orders_after_same_second():
    keep = wp.plan_prune(_sd_backups("20260101T000000", "20260101T000000-2"), "SoftwareDistribution",
                         "SoftwareDistribution.bak-20260101T000000-3", 2)
    assert keep == [WINDIR + "\\SoftwareDistribution.bak-20260101T000000"]


def test_keep_backups_below_one_is_refused():
    with pytest.raises(wp.PlanError):
        wp.build_plan(base_state(), keep_backups=0)


@pytest.mark.parametrize("broken", [
    lambda s: s.pop("services"),
    lambda s: s.update(now_utc="2026-11-22 03:15"),
    lambda s: s["paths"].pop("system32"),
])
def test_bad_state_is_refused(broken):
    state = copy.deepcopy(base_state())
    broken(state)
    with pytest.raises(wp.PlanError):
        wp.build_plan(state)


def test_apply_parameters_match_the_plan():
    plan = wp.build_plan(base_state(), level="aggressive", stop_timeout=30, kill_stuck_services=False)
    params = wp.apply_parameters(plan)
    assert params["StopServices"] == plan["stop"]
    assert params["StopTimeoutSeconds"] == 30 and params["KillStuck"] is False
    assert params["Renames"][0] == {"path": WINDIR + "\\SoftwareDistribution", "name": "SoftwareDistribution",
                                    "backup": WINDIR + "\\SoftwareDistribution.bak-20261122T031500"}
    assert params["RunningBefore"] == ["cryptsvc", "bits", "wuauserv"]
    assert params["StartModes"]["cryptsvc"] == "auto"


def _ok_result(plan, **over):
    res = {
        "journal": [{"id": s["id"], "status": "ok", "detail": ""} for s in plan["steps"]],
        "failed_step": None, "error": None, "rollback": [],
        "services_after": [dict(svc(n), pid=999) for n in plan["stop"]],
        "pruned": list(plan["prune"]), "reboot_required": plan["reset_winsock"],
        "previous_security_descriptors": {}, "dll_results": [], "warnings": [], "changed": True,
    }
    res.update(over)
    return res


def test_interpret_success():
    state = base_state(backups=_sd_backups("20260101T000000", "20260201T000000"))
    plan = wp.build_plan(state)
    out = wp.interpret(plan, state, _ok_result(plan))
    assert out["failed"] is False and out["changed"] is True
    assert out["backups"] == {"SoftwareDistribution": WINDIR + "\\SoftwareDistribution.bak-20261122T031500",
                              "catroot2": SYS32 + "\\catroot2.bak-20261122T031500",
                              "Downloader": DL + ".bak-20261122T031500"}
    assert out["pruned"] == [WINDIR + "\\SoftwareDistribution.bak-20260101T000000"]
    assert out["services_before"]["bits"]["pid"] == 100 and out["services_after"]["bits"]["pid"] == 999


def test_interpret_failure_message_and_kept_backup():
    state = base_state()
    plan = wp.build_plan(state)
    res = _ok_result(plan, failed_step="start:wuauserv", error="Cannot start service wuauserv: disk full",
                     pruned=[], changed=True,
                     journal=[{"id": "stop:bits", "status": "ok"}, {"id": "rename:SoftwareDistribution", "status": "ok"},
                              {"id": "start:wuauserv", "status": "failed", "detail": "x"}],
                     rollback=[{"id": "rename:SoftwareDistribution", "status": "kept", "detail": "created again",
                                "name": "SoftwareDistribution", "backup": "B"},
                               {"id": "start:bits", "status": "ok", "detail": ""}])
    out = wp.interpret(plan, state, res)
    assert out["failed"] is True
    assert "start:wuauserv" in out["msg"] and "disk full" in out["msg"]
    assert "NOT undone" in out["msg"] and "System event log" in out["msg"]
    assert out["backups"] == {"SoftwareDistribution": "B"}


def test_interpret_failure_fully_restored():
    state = base_state()
    plan = wp.build_plan(state, kill_stuck_services=False)
    res = _ok_result(plan, failed_step="stop:wuauserv", pruned=[],
                     error="service wuauserv is still StopPending (STOP_PENDING) after 60 s",
                     rollback=[{"id": "restore_start_mode:bits", "status": "ok"}, {"id": "start:bits", "status": "ok"}])
    out = wp.interpret(plan, state, res)
    assert "put back as it was" in out["msg"] and "kill_stuck_services=true" in out["msg"]
    assert out["backups"] == {}


def test_access_denied_hint():
    assert "administrator" in wp._hint("stop:bits", "sc.exe config ... [SC] OpenService FAILED 5:  Access is denied.")


def test_diff_planned_shows_renames_and_prune():
    state = base_state(backups=_sd_backups("20260101T000000", "20260201T000000"))
    plan = wp.build_plan(state)
    before, after = wp.diff_before(state, plan), wp.diff_after_planned(state, plan)
    sd_bak = WINDIR + "\\SoftwareDistribution.bak-20261122T031500"
    assert "%s: absent" % sd_bak in before
    assert "%s: present (500 bytes) (backup)" % sd_bak in after
    assert "SoftwareDistribution.bak-20260101T000000: absent (pruned)" in after
    assert "appidsvc: stopped, manual" in after and "wuauserv: running, manual" in after
    assert before != after
