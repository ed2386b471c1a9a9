# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_updates_steps drives the REAL ansible.windows win_updates action plugin in steps:
a wait that ends early and is taken up by a second action gives the same result as
one uninterrupted run, and the host runs one update task, not two.

The action runs in-process; its _execute_module goes through the simulator's
dispatch (tests/winsim/modules/win_updates.py), and a stepping clock advances by
each answer's modelled seconds.
"""
from __future__ import annotations

import datetime
import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ansible.windows.plugins.action.win_updates import ActionModule

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.fork_share import StillRunning
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import win_updates_steps

from winsim import causes, dispatch, power
from winsim.model import HostModel, SteppingClock
from winsim.modules import win_updates as model
from winsim.payload import Invocation

KB = "KB5043080"
T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
ARGS = {"accept_list": [KB], "category_names": ["*"], "state": "installed"}


class Host(object):
    """One simulated host, its stepping clock, and actions whose module calls it answers."""

    def __init__(self, root_cause=None):
        self.host = HostModel(name="win01", address="127.0.0.2")
        spec = {"target_kb": KB}
        if root_cause:
            spec["root_cause"] = root_cause
        causes.apply_scenario_causes(self.host, spec, T0)
        self.clock = SteppingClock()
        self.operations = []

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **_kw):
        args = json.loads(json.dumps(dict(module_args or {})))
        args["_ansible_check_mode"] = False
        out = dispatch.run_module(self.host, self.clock,
                                  Invocation(kind="module", script="", name=module_name, args=args, check_mode=False))
        self.clock.advance(out.modelled_seconds + 0.5)
        self.operations.append(args.get("_operation"))
        return json.loads(out.stdout.decode("utf-8"))

    def action(self):
        task = MagicMock()
        task.args = dict(ARGS)
        task.check_mode = False
        task.async_val = 0
        task.action = "ansible.windows.win_updates"
        instance = ActionModule(task, MagicMock(), MagicMock(), None, None, None)
        instance._execute_module = self._execute_module
        return instance

    def seconds(self):
        return (self.clock.t - T0).total_seconds()


def _after_polls(count):
    """A clock for take_over: past the deadline once COUNT polls were asked for."""
    asked = []

    def clock():
        asked.append(1)
        return 0.0 if len(asked) <= count else 10.0
    return clock


def _comparable(result):
    return {k: result[k] for k in ("changed", "failed", "reboot_required", "updates", "installed_update_count",
                                   "found_update_count", "failed_update_count", "msg") if k in result}


def _in_steps(host, polls_per_call):
    """Run the install in calls of POLLS_PER_CALL polls each; (result, number of calls)."""
    resume, calls = None, 0
    while calls < 50:
        calls += 1
        action = win_updates_steps.take_over(host.action(), until=1.0, resume=resume,
                                             clock=_after_polls(polls_per_call))
        try:
            return action.run(task_vars={"inventory_hostname": "win01"}), calls
        except StillRunning as exc:
            assert exc.what == win_updates_steps.WHAT
            resume = json.loads(json.dumps(exc.state))  # what a registered result keeps
    raise AssertionError("the install never ended: %d calls" % calls)


def test_the_real_action_has_the_parts_it_drives():
    assert win_updates_steps.supported(Host().action())
    assert not win_updates_steps.supported(object())


def test_an_install_waited_for_in_steps_ends_as_one_run_does_with_one_update_task():
    whole_host, steps_host = Host(), Host()
    whole = whole_host.action().run(task_vars={"inventory_hostname": "win01"})
    stepped, calls = _in_steps(steps_host, 1)
    assert not whole.get("failed") and whole["installed_update_count"] == 1, whole
    assert _comparable(stepped) == _comparable(whole)
    assert calls >= 4  # search, download and install came over several calls
    # One update task started and ended; the host installed the update once, in the same modelled time.
    assert steps_host.operations.count("start") == 1 and steps_host.operations[-1] == "cancel"
    assert steps_host.operations.count("cancel") == 1 and model.jobs_running(steps_host.host) == 0
    assert steps_host.host.installed_kbs == [KB] == whole_host.host.installed_kbs
    assert abs(steps_host.seconds() - whole_host.seconds()) < 5


def test_a_failed_install_waited_for_in_steps_fails_as_one_run_does():
    whole = Host("corrupt_download_cache").action().run(task_vars={"inventory_hostname": "win01"})
    stepped, _calls = _in_steps(Host("corrupt_download_cache"), 2)
    assert whole["failed"] and "Failed to" in whole["msg"], whole
    assert _comparable(stepped) == _comparable(whole)


def test_a_wait_that_ends_before_its_first_poll_leaves_the_task_running_and_not_cancelled():
    host = Host()
    action = win_updates_steps.take_over(host.action(), until=1.0, clock=_after_polls(0))
    with pytest.raises(StillRunning) as ended:
        action.run(task_vars={})
    assert ended.value.state["output"] == [] and ended.value.state["poll_options"]["pipe_name"]
    assert host.operations == ["start"] and model.jobs_running(host.host) == 1


def _state_after_one_poll(host):
    """What a call that waited for one poll left for the next call."""
    with pytest.raises(StillRunning) as ended:
        win_updates_steps.take_over(host.action(), until=1.0, clock=_after_polls(1)).run(task_vars={})
    return ended.value.state


def test_taking_up_a_task_the_host_lost_in_a_restart_says_it_was_lost():
    host = Host()
    state = _state_after_one_poll(host)
    power.restart(host.host, host.clock)
    action = win_updates_steps.take_over(host.action(), resume=state)
    result = action.run(task_vars={})
    assert result["failed"] and action.winrepair_resume_lost
    # Not lost: a resumed wait that went well.
    fresh = Host()
    action = win_updates_steps.take_over(fresh.action(), resume=_state_after_one_poll(fresh))
    assert not action.run(task_vars={}).get("failed") and not action.winrepair_resume_lost


def test_the_next_line_is_due_one_gap_after_the_last_lines():
    state = {}
    assert win_updates_steps.next_line_in(state, 5.0) == 0.0  # nothing seen yet
    win_updates_steps._note_lines(state, [{"task": "search_result"}], 100.0)
    assert win_updates_steps.next_line_in(state, 100.0) == 0.0  # one time seen: no gap yet
    win_updates_steps._note_lines(state, [], 150.0)  # a poll without lines changes nothing
    win_updates_steps._note_lines(state, [{"task": "download"}] * 2, 300.0)  # two lines over 200 s
    assert state["line_gap"] == 100.0 and state["lines_at"] == 300.0
    assert win_updates_steps.next_line_in(state, 340.0) == 60.0
    assert win_updates_steps.next_line_in(state, 450.0) == 0.0  # overdue


def _timed_rounds(host, yield_after):
    """The install in calls of YIELD_AFTER modelled seconds on the host's own clock, the host resting
    what each pending result asks (fork_share.pending_result, as win_wu_verify asks it) before the next;
    (result, calls, modelled seconds the polls held the fork)."""
    held = []
    answer = host._execute_module

    def timed(module_name=None, module_args=None, task_vars=None, **kw):
        before = host.seconds()
        out = answer(module_name, module_args, task_vars, **kw)
        if (module_args or {}).get("_operation") == "poll":
            held.append(host.seconds() - before)
        return out
    host._execute_module = timed
    resume, calls = None, 0
    while calls < 50:
        calls += 1
        action = win_updates_steps.take_over(host.action(), until=host.seconds() + yield_after, resume=resume,
                                             clock=host.seconds)
        try:
            return action.run(task_vars={}), calls, sum(held)
        except StillRunning as exc:
            resume = json.loads(json.dumps(exc.state))
            rest = win_updates_steps.next_line_in(exc.state, host.seconds())
            host.clock.advance(fork_share.pending_result({}, exc, yield_after=yield_after, rest=rest)["resume_after"])
    raise AssertionError("the install never ended: %d calls" % calls)


def test_rounds_rest_until_the_next_line_instead_of_polling_into_the_gap(monkeypatch):
    whole_host = Host()
    whole = whole_host.action().run(task_vars={})
    timed_host = Host()
    timed, _calls, held = _timed_rounds(timed_host, 30)
    assert _comparable(timed) == _comparable(whole) and timed_host.host.installed_kbs == [KB]
    # Not later than one run by more than a poll or two.
    assert timed_host.seconds() - whole_host.seconds() < 10
    # Without the line timing (no rest beyond the usual one, no early end): polls wait into the gaps.
    monkeypatch.setattr(win_updates_steps, "next_line_in", lambda state, now: 0.0)
    untimed_host = Host()
    untimed, _calls, held_untimed = _timed_rounds(untimed_host, 30)
    assert _comparable(untimed) == _comparable(whole)
    assert held < 0.5 * held_untimed, (held, held_untimed)
