# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""ansible.windows.win_updates in steps: its wait can end early and be taken up again.

ansible.windows.win_updates' action plugin starts the update task on the host
(module option ``_operation=start``), polls its output (``poll``) until the
``exit`` line and then ends the task (``cancel``): its ``_run_updates`` method.
That wait lasts the whole search, download and install, in one task. Here the
same steps run through the action's own ``_execute_win_updates`` and its
``UpdateResult``, with two differences: before each poll the wait may end
(StillRunning, carrying what the next call needs: the poll and cancel options
and the output lines that make the result), and a call given that state polls
the task already running instead of starting another.

A poll waits for the task's next output line (Receive-ProgressOutput in
win_updates.ps1 blocks on the first line), however long the line takes: a poll
into a long gap holds the fork all that time. So the state also keeps when the
last lines came and how far apart they came (``lines_at``, ``line_gap``, on the
clock given), a call that polled once ends before a poll whose line is due only
after its deadline, and next_line_in() tells the caller how long to rest before
the line is due.

These are private parts of ansible.windows (versions 2.5.0 to 3.3.0, galaxy.yml);
supported() checks they are there, and without them the caller waits in one
task as before.
"""
from __future__ import annotations

import copy
import sys
import time

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.fork_share import StillRunning

WHAT = "the install through Windows Update"
# Output lines the result is made of; the download/install progress lines only show progress.
KEPT_TASKS = ("search_result", "download_result", "install_result", "exit")


def _result_type(action):
    return getattr(sys.modules.get(type(action).__module__), "UpdateResult", None)


def supported(action):
    """Whether ACTION (ansible.windows.win_updates' action plugin) has the parts this module drives."""
    return (callable(getattr(action, "_run_updates", None)) and callable(getattr(action, "_execute_win_updates", None))
            and _result_type(action) is not None)


def next_line_in(state, now):
    """Seconds from NOW until the update task's next output line is due: the last lines' time plus the
    gap seen between lines (STATE of StillRunning); 0 when no gap is known yet or the line is overdue."""
    at, gap = state.get("lines_at"), state.get("line_gap")
    if at is None or not gap:
        return 0.0
    return max(0.0, float(at) + float(gap) - now)


def _note_lines(state, lines, now):
    """LINES came at NOW: the gap between lines is the time since the last ones over their number
    (lines that waited in the pipe while no poll ran count as spread over that time)."""
    if not lines:
        return
    if state.get("lines_at") is not None:
        state["line_gap"] = max(0.0, now - float(state["lines_at"])) / len(lines)
    state["lines_at"] = now


def take_over(action, until=None, resume=None, clock=time.monotonic, host=None):
    """Make ACTION's next run wait in steps: stop before a poll after UNTIL (clock time; None: never),
    and take up RESUME (an earlier StillRunning's state) instead of starting a task.

    After the run, ``action.winrepair_resume_lost`` tells whether RESUME's task
    was gone (its first poll failed): the caller may start afresh then.
    """
    result_type = _result_type(action)
    action.winrepair_resume_lost = False

    def run_updates(task_vars, module_options):
        state = copy.deepcopy(resume) if resume else None
        if state is None:
            started = action._execute_win_updates(task_vars=task_vars, module_options=module_options)
            state = {"poll_options": started.pop("poll_options", {}), "cancel_options": started.pop("cancel_options", {}),
                     "output": []}
        update_result = result_type()
        # The lines of earlier calls, again (process_result changes what it is given: a copy).
        for line in copy.deepcopy(state["output"]):
            update_result.process_result(line["task"], line["result"], host)
        done = any(line["task"] == "exit" for line in state["output"])
        first_poll = bool(resume)
        polled_here = False
        try:
            while not done:
                if until is not None:
                    # The clock's times are kept in the state for the next call, in another worker process:
                    # time.monotonic is one clock for the whole machine on the controllers Ansible runs on.
                    now = clock()
                    if now >= until or (polled_here and now + next_line_in(state, now) > until):
                        raise StillRunning(WHAT, state)
                try:
                    polled = action._execute_win_updates(task_vars, operation="poll",
                                                         operation_options=state["poll_options"], retry_on_failure=True)
                except Exception:
                    action.winrepair_resume_lost = first_poll
                    raise
                first_poll = False
                polled_here = True
                if until is not None:
                    _note_lines(state, polled.get("output") or [], clock())
                for line in polled.get("output") or []:
                    if line["task"] in KEPT_TASKS:
                        state["output"].append(copy.deepcopy(line))
                    update_result.process_result(line["task"], line["result"], host)
                    done = done or line["task"] == "exit"
        except StillRunning:
            raise  # the task runs on: not cancelled
        except Exception:
            # As win_updates does: try to end the task, keep the first error.
            try:
                action._execute_win_updates(task_vars, operation="cancel", operation_options=state["cancel_options"])
            except Exception:  # noqa: BLE001 - the poll's error is the one to report
                pass
            raise
        # The exit line came: cancel ends the task (win_updates' normal end).
        action._execute_win_updates(task_vars, operation="cancel", operation_options=state["cancel_options"])
        return update_result

    action._run_updates = run_updates
    return action
