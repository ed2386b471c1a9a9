# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/winsim/modules/win_updates.py answers the protocol of the REAL
ansible.windows win_updates action plugin (start, poll until exit, cancel).

The action runs in-process; its _execute_module goes through the simulator's
dispatch (as a WinRM request would), and a stepping clock advances by the
modelled seconds of each answer, as the fleet's server delays the answer.
"""
from __future__ import annotations

import datetime
import json
from unittest.mock import MagicMock

import pytest


from ansible_collections.ansible.windows.plugins.action.win_updates import ActionModule

from winsim import causes, dispatch
from winsim.model import HostModel, SteppingClock
from winsim.modules import win_updates as model
from winsim.payload import Invocation

KB = "KB5043080"
OTHER = "KB5050300"
T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
ROUNDTRIP = 0.5  # modelled seconds of WinRM overhead between two requests


class Run(object):
    """One host, a stepping clock and a router for _execute_module."""

    def __init__(self, host):
        self.host = host
        self.clock = SteppingClock()
        self.calls = []  # (operation, answer)

    def execute(self, check_mode):
        def _execute_module(module_name=None, module_args=None, task_vars=None, **kw):
            args = json.loads(json.dumps(dict(module_args or {})))
            args["_ansible_check_mode"] = check_mode
            inv = Invocation(kind="module", script="", name=module_name, args=args, check_mode=check_mode)
            out = dispatch.run_module(self.host, self.clock, inv)
            self.clock.t += datetime.timedelta(seconds=out.modelled_seconds + ROUNDTRIP)
            answer = json.loads(out.stdout.decode("utf-8"))
            self.calls.append((args.get("_operation"), answer))
            return answer
        return _execute_module

    def action(self, args, check_mode=False):
        task = MagicMock()
        task.args = dict(args)
        task.check_mode = check_mode
        task.async_val = 0
        task.action = "ansible.windows.win_updates"
        instance = ActionModule(task, MagicMock(), MagicMock(), None, None, None)
        instance._execute_module = self.execute(check_mode)
        return instance.run(task_vars={"inventory_hostname": self.host.name})

    def direct(self, args, check_mode=False):
        return self.execute(check_mode)("ansible.windows.win_updates", args)

    def seconds(self):
        return (self.clock.t - T0).total_seconds()


def make_host(root_cause=None, **spec):
    host = HostModel(name="win01", address="127.0.0.2")
    spec = dict(spec, target_kb=KB)
    if root_cause:
        spec["root_cause"] = root_cause
    causes.apply_scenario_causes(host, spec, T0)
    causes.offer(host, OTHER, T0, title="2026-10 Cumulative Update for .NET Framework 3.5 and 4.8.1 for "
                                        "Windows 11, version 24H2 for x64 (%s)" % OTHER,
                 categories=["Critical Updates", "Windows 11"], size_bytes=90 * 1024 ** 2)
    return host


def only(result):
    assert len(result["updates"]) == 1, result["updates"]
    return next(iter(result["updates"].values()))


# ------------------------------------------------------------------ healthy

def test_a_cumulative_update_downloads_what_the_device_misses_at_the_modelled_bandwidth():
    from winsim import downloads
    host = make_host()
    entry = next(e for e in host.available_updates if e["kb"] == KB)
    assert entry["size_bytes"] == int(533_761_740 * downloads.WU_DOWNLOAD_SHARE)
    run = Run(host)
    r = run.action({"accept_list": [KB], "category_names": ["*"], "state": "downloaded"})
    assert not r.get("failed"), r
    download = entry["size_bytes"] / downloads.BYTES_PER_SECOND
    # The search, then the download at the bandwidth (plus the protocol's round trips).
    assert model.SEARCH_SECONDS + download <= run.seconds() <= model.SEARCH_SECONDS + download + 60
    # Any other update with a size downloads at the same bandwidth (90 MB: about 8 s).
    other = Run(host)
    r = other.action({"accept_list": [OTHER], "category_names": ["*"], "state": "downloaded"})
    assert not r.get("failed"), r
    download = 90 * 1024 ** 2 / downloads.BYTES_PER_SECOND
    assert model.SEARCH_SECONDS + download <= other.seconds() <= model.SEARCH_SECONDS + download + 30


def test_healthy_host_installs_accepted_kb():
    host = make_host()
    run = Run(host)
    r = run.action({"accept_list": [KB], "category_names": ["*"]})
    assert not r.get("failed"), r
    assert r["changed"] is True and r["reboot_required"] is True and r["rebooted"] is False
    assert (r["found_update_count"], r["installed_update_count"], r["failed_update_count"]) == (1, 1, 0)
    info = only(r)
    assert info["kb"] == [KB[2:]] and info["installed"] and info["downloaded"]
    assert info["id"] == causes.update_id(KB)
    [(fid, finfo)] = r["filtered_updates"].items()
    assert finfo["kb"] == [OTHER[2:]] and finfo["filtered_reasons"] == ["accept_list"]
    assert host.installed_kbs == [KB] and host.pending_reboot.wu_reboot_required
    assert host.update_history[-1].result_code == 2
    # Protocol: one start, polls, one cancel; the task is gone afterwards.
    ops = [op for op, _answer in run.calls]
    assert ops[0] == "start" and ops[-1] == "cancel" and set(ops[1:-1]) == {"poll"}
    assert model.jobs_running(host) == 0
    # Search + download + install of a CU: between 20 and 60 modelled minutes.
    assert 20 * 60 <= run.seconds() <= 60 * 60
    [task] = [rec for rec in host.records if rec.name == "win_updates_task"]
    assert task.kind == "raw" and task.outcome == "changed" and task.args["installed"] == [KB]
    assert 20 * 60 <= task.modelled_seconds <= 60 * 60


def test_start_answer_and_exit_repeats_until_cancel():
    host = make_host()
    run = Run(host)
    start = run.direct({"accept_list": [KB], "_operation": "start", "_operation_options": {}})
    assert set(start["cancel_options"]) == {"cancel_id", "task_pid"}
    pipe = start["poll_options"]["pipe_name"]
    assert start["cancel_options"]["cancel_id"] == "Global\\" + pipe and pipe.startswith("Ansible.Windows.WinUpdates-")
    tasks = []
    for _poll in range(40):
        out = run.direct({"_operation": "poll", "_operation_options": {"pipe_name": pipe}})["output"]
        assert out, "a poll returns at least one line"
        tasks.extend(o["task"] for o in out)
        if tasks[-1] == "exit":
            break
    assert tasks[0] == "search_result" and tasks[-1] == "exit"
    assert tasks.index("download_result") < tasks.index("install_result")
    again = run.direct({"_operation": "poll", "_operation_options": {"pipe_name": pipe}})["output"]
    assert [o["task"] for o in again] == ["exit"]
    assert run.direct({"_operation": "cancel", "_operation_options": start["cancel_options"]}) \
        .get("failed") is not True
    gone = run.direct({"_operation": "poll", "_operation_options": {"pipe_name": pipe}})
    assert gone["failed"] and gone["msg"] == "Timed out waiting for server pipe to be available"


def test_progress_lines_carry_what_the_action_reads():
    host = make_host()
    run = Run(host)
    start = run.direct({"accept_list": [KB], "_operation": "start", "_operation_options": {}})
    lines = []
    while not lines or lines[-1]["task"] != "exit":
        lines.extend(run.direct({"_operation": "poll", "_operation_options": start["poll_options"]})["output"])
    dl = [ln["result"]["progress"] for ln in lines if ln["task"] == "download"]
    inst = [ln["result"]["progress"] for ln in lines if ln["task"] == "install"]
    assert dl and inst
    for p in dl:
        assert {"CurrentUpdateId", "PercentComplete", "CurrentUpdateDownloadPhase", "TotalBytesDownloaded",
                "TotalBytesToDownload", "CurrentUpdateBytesDownloaded", "CurrentUpdateBytesToDownload",
                "CurrentUpdatePercentComplete"} <= set(p)
    assert [p["PercentComplete"] for p in inst] == [25, 50, 75, 100]
    search = lines[0]["result"]
    assert {u["id"] for u in search["updates"]} == {causes.update_id(KB), causes.update_id(OTHER)}
    [install_result] = [ln["result"] for ln in lines if ln["task"] == "install_result"]
    assert install_result["info"] == [{"id": causes.update_id(KB), "result_code": 2, "hresult": 0,
                                       "reboot_required": True}]


# ------------------------------------------------------------------ blocked

@pytest.mark.parametrize("cause", ["forward_delta_hydration", "corrupt_component_store", "third_party_filter_driver",
                                   "inconsistent_catroot2", "corrupt_system_files", "insider_build_conflict"])
def test_blocked_host_fails_at_install_with_cause_hresult(cause):
    host = make_host(cause)
    history = len(host.update_history)
    r = Run(host).action({"accept_list": [KB]})
    assert r["failed"] is True
    assert r["msg"] == "Failed to install all updates - see updates for more information"
    info = only(r)
    assert info["failure_hresult_code"] == causes.CAUSES[cause].wu_hresult
    assert info["downloaded"] is True and info["installed"] is False
    assert (r["failed_update_count"], r["installed_update_count"]) == (1, 0)
    assert KB not in host.installed_kbs
    assert len(host.update_history) == history + 1 and host.update_history[-1].result_code == 4
    assert causes.active(host, T0) == [cause]


@pytest.mark.parametrize("cause,code", [("corrupt_download_cache", 0x80240034), ("low_disk", 0x80070070)])
def test_download_phase_causes_fail_the_download(cause, code):
    host = make_host(cause)
    history = len(host.update_history)
    r = Run(host).action({"accept_list": [KB]})
    assert r["failed"] and r["msg"] == "Failed to download all updates - see updates for more information"
    info = only(r)
    assert info["failure_hresult_code"] == code and info["downloaded"] is False
    assert len(host.update_history) == history  # download failures are not install history


def test_pending_reboot_stops_before_download_without_reboot():
    host = make_host("pending_reboot")
    r = Run(host).action({"accept_list": [KB]})
    assert r["failed"] and r["msg"] == "A reboot is required before more updates can be installed"
    assert r["reboot_required"] is True and r["found_update_count"] == 1
    assert not only(r)["downloaded"] and KB not in host.installed_kbs


def test_cured_host_installs_on_the_next_run():
    host = make_host("corrupt_download_cache")
    run = Run(host)
    assert run.action({"accept_list": [KB]})["failed"]
    causes.apply(host, "wu_reset", run.clock.t)
    r = run.action({"accept_list": [KB]})
    assert not r.get("failed") and only(r)["installed"] and KB in host.installed_kbs


# ------------------------------------------------------------------ options

def test_reject_list_and_categories():
    host = make_host()
    r = Run(host).action({"reject_list": ["\\.NET Framework"], "state": "searched"})
    # OTHER is a Critical Update: in the default categories, so only the reject_list filters it.
    assert r["filtered_updates"][causes.update_id(OTHER)]["filtered_reasons"] == ["reject_list"]
    r = Run(host).action({"reject_list": ["KB50503"], "category_names": ["SecurityUpdates"], "state": "searched"})
    assert r["filtered_updates"][causes.update_id(OTHER)]["filtered_reasons"] == ["reject_list", "category_names"]
    assert only(r)["kb"] == [KB[2:]] and r["changed"] is False
    r = Run(host).action({"category_names": ["CriticalUpdates"], "state": "searched"})
    assert r["filtered_updates"][causes.update_id(KB)]["filtered_reasons"] == ["category_names"]
    assert only(r)["kb"] == [OTHER[2:]]
    assert host.installed_kbs == []


def test_accept_list_matches_title_regex_case_insensitively():
    host = make_host()
    r = Run(host).action({"accept_list": ["cumulative update for windows 11 version 24h2"], "state": "searched",
                          "category_names": ["*"]})
    assert only(r)["kb"] == [KB[2:]]


def test_state_downloaded_downloads_only():
    host = make_host()
    r = Run(host).action({"accept_list": [KB], "state": "downloaded"})
    info = only(r)
    assert r["changed"] and info["downloaded"] and not info["installed"]
    assert host.installed_kbs == [] and host.available_updates[0]["is_downloaded"]


def test_check_mode_changes_nothing():
    host = make_host("forward_delta_hydration")
    history, events, cbs = len(host.update_history), len(host.events), len(host.cbs_log)
    r = Run(host).action({"accept_list": [KB]}, check_mode=True)
    assert r["changed"] is True and not r.get("failed") and r["found_update_count"] == 1
    assert not only(r)["installed"] and not only(r)["downloaded"]
    assert (len(host.update_history), len(host.events), len(host.cbs_log)) == (history, events, cbs)
    assert all(rec.check_mode for rec in host.records)


def test_nothing_to_install():
    host = HostModel(name="w", address="127.0.0.2")
    r = Run(host).action({})
    assert r["changed"] is False and not r.get("failed") and r["found_update_count"] == 0


def test_not_modelled_options_are_refused():
    host = make_host()
    r = Run(host).action({"log_path": "C:\\Windows\\Temp\\wu.log"})
    assert r["failed"] and "winsim does not model" in r["msg"]
    r = Run(host).action({"server_selection": "managed_server"})
    assert r["failed"] and "winsim does not model" in r["msg"]
