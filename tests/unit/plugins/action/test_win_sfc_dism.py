# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The win_sfc_dism action plugin against simulated hosts, in-process.

_execute_module is replaced by a router to the simulator's win_powershell
model (which recognises the collection script by its text and runs
tests/winsim/scripts/NAME.py). The fleet clock runs fast (time_scale 1e5: a
30-minute DISM run is 18 ms) and poll_interval is 10 ms.
"""
from __future__ import annotations

import datetime

import pytest
from ansible.errors import AnsibleConnectionFailure
from winsim.fake_host import FakeHost as SimulatedHost

from ansible_collections.winrepair.windows_update.plugins.action.win_sfc_dism import ActionModule
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation
from winsim.detached import tools
from winsim.model import Clock, HostModel

SCRIPTS = ("detached_start", "detached_status", "sfc_dism_preflight", "iso_mount", "cbs_sr_lines")
FAST = {"poll_interval": 0.01, "timeout": 30}


class FakeHost(SimulatedHost):
    """fake_host.FakeHost with this module's scripts only, a fast clock and a few shortcuts."""

    def __init__(self, health="healthy", corrupt=False, scale=1e5):
        super().__init__(HostModel(name="win11", address="127.0.0.2"),
                         Clock(scale, datetime.datetime(2026, 11, 22, 3, 15, 0, tzinfo=datetime.timezone.utc)),
                         only_scripts=SCRIPTS)
        self.host.component_store.health = health
        self.host.component_store.system_files_corrupt = corrupt

    def run(self, args=None, check_mode=False, task_vars=None):
        action = self.action(ActionModule, dict(FAST, **(args or {})), check_mode,
                             task_action="winrepair.windows_update.win_sfc_dism")
        return action.run(task_vars=dict({"inventory_hostname": "win11"}, **(task_vars or {})))

    def names(self):
        return self.script_names()

    def started_commands(self):
        return [(c[1]["FilePath"], c[1]["Arguments"]) for c in self.scripts if c[0] == "detached_start"]

    def add_wim(self, path="D:\\sources\\install.wim", build=26100):
        self.host.files[path.lower()] = tools.make_wim(tools.windows11_images(build))


def test_healthy_host_runs_dism_then_sfc_and_changes_nothing():
    fake = FakeHost()
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False and result["repaired"] is False
    assert [c[0] for c in fake.started_commands()] == ["dism.exe", "sfc.exe"]  # DISM first (KB 929833)
    assert result["dism"]["outcome"] == "repaired"  # "The restore operation completed successfully."
    assert result["dism"]["repaired"] is False  # ... but nothing was flagged before
    assert result["check_health"]["outcome"] == "no_corruption"
    assert result["sfc"]["outcome"] == "no_violations"
    assert result["cbs_sr"]["verify_complete"] == 1
    assert result["durations"]["dism"] == 600 and result["durations"]["sfc"] == 600
    assert result["commands"] == ["dism.exe /Online /English /Cleanup-Image /RestoreHealth", "sfc.exe /scannow"]


def test_repairable_store_and_corrupt_files_are_repaired():
    fake = FakeHost(health="repairable", corrupt=True)
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["repaired"] is True
    assert result["dism"]["repaired"] is True
    assert result["sfc"]["outcome"] == "repaired"
    assert result["cbs_sr"]["repairing_corrupted_file"] == 1
    assert fake.host.component_store.health == "healthy"
    assert fake.host.component_store.system_files_corrupt is False


def test_source_only_store_without_source_fails_with_next_step():
    fake = FakeHost(health="repairable_from_source", corrupt=True)
    result = fake.run()
    assert result["failed"] is True
    assert result["hresult"]["hex"] == "0x800F081F"
    assert result["dism"]["outcome"] == "source_missing"
    assert result["dism"]["exit_code"] == -2146498529
    assert "repair source" in result["msg"] and "26100" in result["msg"]
    assert result["sfc"] is None  # sfc is not run on a store DISM could not repair
    assert [c[0] for c in fake.started_commands()] == ["dism.exe"]
    assert fake.host.component_store.health == "repairable_from_source"


def test_source_only_store_with_a_wim_source_picks_the_edition_index():
    fake = FakeHost(health="repairable_from_source", corrupt=True)
    fake.add_wim()
    result = fake.run({"source": "D:\\sources\\install.wim", "limit_access": True})
    assert not result.get("failed"), result.get("msg")
    assert result["source"]["index"] == 6  # Windows 11 Pro = EditionID Professional
    assert fake.started_commands()[0] == (
        "dism.exe", "/Online /English /Cleanup-Image /RestoreHealth /Source:wim:D:\\sources\\install.wim:6 /LimitAccess")
    assert result["repaired"] is True
    assert fake.host.component_store.health == "healthy"


def test_iso_source_is_mounted_for_the_run_and_dismounted_after():
    fake = FakeHost(health="repairable_from_source")
    fake.host.files["c:\\iso\\win11.iso"] = tools.make_iso(
        {"sources\\install.wim": tools.make_wim(tools.windows11_images())})
    result = fake.run({"source": "C:\\iso\\win11.iso", "limit_access": True, "sfc": False})
    assert not result.get("failed"), result.get("msg")
    assert result["source"]["mounted_drive"] == "D:"
    assert result["source"]["argument"] == "/Source:wim:D:\\sources\\install.wim:6"
    mounts = [c[1]["Action"] for c in fake.scripts if c[0] == "iso_mount"]
    assert mounts == ["mount", "dismount"]
    assert not any(k.startswith("d:") for k in fake.host.files)


def test_wim_of_another_build_is_refused_before_running():
    fake = FakeHost(health="repairable_from_source")
    fake.add_wim(build=22631)
    result = fake.run({"source": "D:\\sources\\install.wim"})
    assert result["failed"] is True
    assert "build 22631" in result["msg"]
    assert fake.started_commands() == []


def test_missing_source_file_fails_before_running():
    fake = FakeHost(health="repairable_from_source")
    result = fake.run({"source": "D:\\sources\\install.wim"})
    assert result["failed"] is True and "does not exist" in result["msg"]
    assert result["error"] == "source_not_found"
    assert fake.started_commands() == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_iso_is_the_same_error_and_nothing_is_mounted(check_mode):
    fake = FakeHost(health="repairable_from_source")
    result = fake.run({"source": "C:\\iso\\gone.iso"}, check_mode=check_mode)
    assert result["failed"] is True and result["error"] == "source_not_found"
    assert "C:\\iso\\gone.iso does not exist" in result["msg"] and "source" in result["msg"]
    assert fake.names() == ["sfc_dism_preflight"] and fake.started_commands() == []


@pytest.mark.parametrize("path, content", [
    ("C:\\src\\install.vhdx", b"x"),  # not an image DISM reads
    ("C:\\iso\\data.iso", None),  # an ISO without sources\\install.wim/.esd
])
def test_a_source_that_is_no_windows_image_has_its_own_error(path, content):
    fake = FakeHost(health="repairable_from_source")
    fake.host.files[path.lower()] = content if content is not None else tools.make_iso({"readme.txt": b"x"})
    result = fake.run({"source": path})
    assert result["failed"] is True and result["error"] == "source_not_image"
    assert path in result["msg"] and fake.started_commands() == []
    assert not getattr(fake.host, "mounted_images", {})  # an ISO mounted to look is dismounted again


def test_a_failure_of_dism_itself_carries_no_source_error():
    fake = FakeHost(health="repairable_from_source", corrupt=True)
    result = fake.run()
    assert result["failed"] is True and result["dism"]["outcome"] == "source_missing"
    assert "error" not in result


def test_the_ladder_records_the_source_error_and_retries_the_rung():
    result = FakeHost(health="repairable_from_source").run({"source": "D:\\sources\\install.wim"})
    step = remediation.rung_outcome("sfc_dism", result)
    assert step["outcome"] == "failed" and step["details"]["error"] == "source_not_found"
    assert step["details"]["retry"] is True  # nothing ran: a re-run with a usable source can repair


def test_not_repairable_store_points_to_the_inplace_upgrade():
    fake = FakeHost(health="not_repairable")
    fake.add_wim()
    result = fake.run({"source": "D:\\sources\\install.wim", "limit_access": True})
    assert result["failed"] is True
    assert result["hresult"]["name"] == "ERROR_SXS_COMPONENT_STORE_CORRUPT"
    assert "in-place" in result["msg"]


def test_sfc_unable_to_fix_on_a_sound_store_points_to_the_upgrade():
    fake = FakeHost(corrupt=True)
    fake.host.component_store.sfc_can_fix = False
    result = fake.run()
    assert result["failed"] is True
    assert result["sfc"]["outcome"] == "unable_to_fix"
    assert "in-place" in result["msg"]
    assert result["cbs_sr"]["cannot_repair_member_file"] == 1


def test_check_mode_runs_only_checkhealth_and_starts_nothing():
    fake = FakeHost(health="repairable", corrupt=True)
    result = fake.run(check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert fake.names() == ["sfc_dism_preflight"]
    assert fake.scripts[0][1]["CheckHealth"] is True
    assert result["check_mode_ran"] == ["dism.exe /Online /Cleanup-Image /CheckHealth"]
    assert result["commands"] == ["dism.exe /Online /English /Cleanup-Image /RestoreHealth", "sfc.exe /scannow"]
    assert result["changed"] is True  # predicted: the flagged store would be repaired
    assert result["repaired"] is False
    assert fake.host.component_store.health == "repairable"


def test_check_mode_on_a_healthy_host_predicts_no_change():
    fake = FakeHost()
    result = fake.run(check_mode=True)
    assert result["changed"] is False
    assert fake.names() == ["sfc_dism_preflight"]


def test_dropped_connections_while_polling_do_not_stop_the_run():
    fake = FakeHost(health="repairable", scale=2e4)  # 20 min DISM = 60 ms: several polls
    fake.fail_on = {("detached_status", 2): AnsibleConnectionFailure("winrm connection error"),
                    ("detached_status", 3): ConnectionResetError(104, "Connection reset by peer")}
    result = fake.run({"sfc": False})
    assert not result.get("failed"), result.get("msg")
    assert result["dism"]["connection_errors"] == 2
    assert result["repaired"] is True
    assert len(fake.started_commands()) == 1


def test_rerun_after_a_timeout_attaches_to_the_running_dism():
    fake = FakeHost(health="repairable", scale=600)  # DISM /RestoreHealth: 20 modelled min = 2 real s
    first = fake.run({"sfc": False, "timeout": 1, "poll_interval": 0.1})
    assert first["failed"] is True and "keeps running" in first["msg"]
    assert first["dism"] is None
    second = fake.run({"sfc": False, "timeout": 30, "poll_interval": 0.05})
    assert not second.get("failed"), second.get("msg")
    assert second["dism"]["attached"] is True
    assert second["repaired"] is True
    run_ids = [c[1]["RunId"] for c in fake.scripts if c[0] == "detached_start"]
    assert len(run_ids) == 2 and run_ids[0] == run_ids[1] == second["dism"]["run_id"]
    assert len(fake.host.detached_runs) == 1  # one DISM process, not two


def test_finished_and_collected_run_is_not_reused_by_the_next_task():
    fake = FakeHost(health="repairable", corrupt=False)
    first = fake.run({"sfc": False})
    second = fake.run({"sfc": False})
    assert first["repaired"] is True
    assert second["dism"]["attached"] is False  # a new DISM run: the first was collected
    assert second["repaired"] is False  # nothing flagged any more
    assert len(fake.host.detached_runs) == 2  # the first run's folder kept under a new name


def test_invalid_option_is_refused():
    fake = FakeHost()
    with pytest.raises(Exception):
        fake.run({"dism": "fix"})


# -------------------------------------------------------------------- restarts of the host

def _boots(fake):
    return [r for r in fake.records() if r.name == "boot"]


def after_each_call(fake, hook):
    """Call HOOK(script name, parameters) after every call FAKE answers (before the answer is returned)."""
    route = fake.execute_module

    def routed(check_mode=False):
        inner = route(check_mode)

        def call(module_name=None, module_args=None, **kw):
            answer = inner(module_name=module_name, module_args=module_args, **kw)
            hook(fake.steps[-1], (module_args or {}).get("parameters") or {})
            return answer
        return call

    fake.execute_module = routed


def test_a_restart_during_dism_starts_it_once_more_and_the_repair_finishes():
    fake = FakeHost(health="repairable", corrupt=True, scale=5e3)  # DISM: 1200 s = 240 ms
    fake.host.faults.reboot_on = ["detached_status"]  # the first poll: DISM is running
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    assert fake.restarts == 1 and _boots(fake)[0].args["killed_runs"] == [result["dism"]["run_id"]]
    assert result["dism"]["restarts"] == 1 and result["sfc"]["restarts"] == 0
    assert result["dism"]["outcome"] == "repaired" and result["repaired"] is True
    assert [c[0] for c in fake.started_commands()] == ["dism.exe", "dism.exe", "sfc.exe"]
    run_ids = [c[1]["RunId"] for c in fake.scripts if c[0] == "detached_start"]
    assert run_ids[0] == run_ids[1]  # the same key: the lost run was archived, not run beside
    assert fake.host.component_store.health == "healthy"
    assert fake.host.component_store.system_files_corrupt is False


def test_a_restart_during_sfc_restarts_only_sfc():
    fake = FakeHost(health="healthy", corrupt=True, scale=5e3)  # sfc: 900 s = 180 ms
    polls = []

    def restart_at_first_sfc_poll(step, parameters):
        if step == "detached_status" and parameters["RunId"].startswith("win_sfc_dism-sfc"):
            polls.append(parameters["RunId"])
            if len(polls) == 1:
                fake.reboot_after.add(("detached_status", fake.steps.count("detached_status") + 1))

    # The restart comes with the poll after the first one of sfc: sfc is running then.
    after_each_call(fake, restart_at_first_sfc_poll)
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    assert fake.restarts == 1
    assert result["dism"]["restarts"] == 0 and result["sfc"]["restarts"] == 1
    assert [c[0] for c in fake.started_commands()] == ["dism.exe", "sfc.exe", "sfc.exe"]
    assert result["sfc"]["outcome"] == "repaired" and fake.host.component_store.system_files_corrupt is False


def test_two_restarts_during_dism_fail_the_task_and_say_so():
    fake = FakeHost(health="repairable", scale=5e3)
    # The first poll of each DISM run (poll 2 finds the first run lost and starts the second).
    fake.reboot_after = {("detached_status", 1), ("detached_status", 3)}
    result = fake.run({"sfc": False})
    assert result["failed"] is True
    assert "the host restarted during DISM /RestoreHealth twice" in result["msg"]
    assert "nothing was completed" in result["msg"] and "once the host is stable" in result["msg"]
    assert fake.restarts == 2 and len(fake.started_commands()) == 2
    assert result["dism"] is None and result["repaired"] is False
    assert fake.host.component_store.health == "repairable"
    # The ladder reads it as cut off, not failed: its resume runs the rung again.
    assert remediation.rung_outcome("sfc_dism", result)["outcome"] == "interrupted"


def test_a_run_lost_without_a_restart_is_not_started_again():
    fake = FakeHost(health="repairable", scale=1e4)

    def ended_by_someone(step, _parameters):
        if step == "detached_start":
            # Someone ends the task (Stop-ScheduledTask): no exit code, and no restart.
            for plan in fake.host.detached_runs.values():
                plan["done"] = True

    after_each_call(fake, ended_by_someone)
    result = fake.run({"sfc": False})
    assert result["failed"] is True and "ended without an exit code" in result["msg"]
    assert len(fake.started_commands()) == 1 and fake.restarts == 0
    assert remediation.rung_outcome("sfc_dism", result)["outcome"] == "failed"


# ------------------------------------------------------------------ giving the fork back
CROWDED = {"ansible_play_batch": ["win%02d" % n for n in range(10)]}  # more hosts than the default 5 forks


def _in_steps(fake, args, limit=200):
    """Call the task again with resume while it answers pending; (last result, calls)."""
    results = [fake.run(args, task_vars=CROWDED)]
    while results[-1].get("pending") and len(results) < limit:
        assert not results[-1]["changed"] and "resume" in results[-1]["msg"]
        assert results[-1]["resume_after"] == pytest.approx(5 * args["yield_after"])
        results.append(fake.run(dict(args, resume=results[-1]["resume"]), task_vars=CROWDED))
    return results[-1], len(results)


@pytest.mark.parametrize("sfc", [True, False])
def test_a_repair_waited_for_in_steps_ends_as_one_task_does_and_runs_each_tool_once(sfc):
    args = {"yield_after": 0.02, "sfc": sfc}
    whole = FakeHost(health="repairable", corrupt=True, scale=6000).run(args)  # 2 hosts: no fork to give back
    fake = FakeHost(health="repairable", corrupt=True, scale=6000)
    stepped, calls = _in_steps(fake, args)
    assert calls > 2 and not stepped.get("pending") and not stepped.get("failed"), stepped.get("msg")
    for key in ("changed", "repaired", "reboot_required", "check_health", "cbs_sr", "commands"):
        assert stepped[key] == whole[key], key
    for tool in ("dism", "sfc"):
        for key in ("outcome", "repaired", "exit_code"):
            assert (stepped[tool] or {}).get(key) == (whole[tool] or {}).get(key), (tool, key)
    # Each later call attaches to the run by its key (detached_start answers started: false): one run a tool.
    tools_started = [c[0] for c in fake.started_commands()]
    assert sorted(set(tools_started), key=tools_started.index) == (["dism.exe", "sfc.exe"] if sfc else ["dism.exe"])
    assert len(fake.host.detached_runs) == (2 if sfc else 1)
    assert fake.names().count("sfc_dism_preflight") == 1  # the store was judged once, before DISM
    assert fake.names().count("cbs_sr_lines") == (2 if sfc else 0)  # before sfc, and after it
    assert fake.host.component_store.health == "healthy"


def test_an_iso_source_stays_mounted_while_the_repair_waits_in_steps():
    fake = FakeHost(health="repairable_from_source", scale=6000)
    fake.host.files["c:\\iso\\win11.iso"] = tools.make_iso(
        {"sources\\install.wim": tools.make_wim(tools.windows11_images())})
    stepped, calls = _in_steps(fake, {"source": "C:\\iso\\win11.iso", "sfc": False, "yield_after": 0.02})
    assert calls > 1 and stepped["repaired"] and stepped["source"]["argument"] == "/Source:wim:D:\\sources\\install.wim:6"
    assert [c[1]["Action"] for c in fake.scripts if c[0] == "iso_mount"] == ["mount", "dismount"]


def test_the_timeout_counts_from_the_start_of_the_tool_over_every_call():
    fake = FakeHost(health="repairable", scale=600)  # DISM /RestoreHealth: 2 real s
    last, calls = _in_steps(fake, {"sfc": False, "timeout": 1, "poll_interval": 0.05, "yield_after": 0.2})
    assert calls > 2 and last["failed"] and "keeps running" in last["msg"]


def test_a_resume_that_is_no_earlier_result_is_refused_before_anything_runs():
    fake = FakeHost()
    result = fake.run({"resume": {"run_id": "x"}})
    assert result["failed"] and "resume" in result["msg"] and fake.names() == []
