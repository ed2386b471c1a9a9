# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_verify: one update through Windows Update, asked again
while the answer is no answer.

ansible.windows.win_updates runs in this task (its action plugin, through the
action loader), so a verification is one task however many times it is asked:
an unreachable host, a dropped connection or a WinRM HTTP 5xx answer
(remediation.verify_transient) is asked again after `delay` seconds, doubled
each time, with a fresh connection. Any other answer, a failed install
included, is returned as win_updates gave it: the caller reads it.

With `yield_after` the wait for the install ends early while the install runs
on (plugin_utils/_action/fork_share.py): the task answers `pending` and a
`resume` value, and called again with it polls the same update task
(plugin_utils/_host/win_updates_steps.py) instead of starting another.

With `journal` (the options of win_wu_journal) the entry is written first, by
that module's action in this task: the repair ladder records what was done
before the install changes the host without a task of its own. A write that
fails installs nothing (journal_failed). The write's result rides along in
`resume`, so the last call of a wait answers it too.
"""
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_journal import ActionModule as JournalAction
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, at_least)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session, win_updates_steps
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

ARGUMENT_SPEC = {
    "kb": {"type": "str", "required": True},
    "retries": {"type": "int", "default": 3},
    "delay": {"type": "float", "default": 10.0},
    "yield_after": fork_share.YIELD_AFTER_SPEC,
    "resume": fork_share.RESUME_SPEC,
    "journal": {"type": "dict"},
}
RANGES = {"retries": at_least(0), "delay": at_least(0), "yield_after": at_least(0)}


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES
    _sleep = staticmethod(time.sleep)
    _clock = staticmethod(time.monotonic)

    def _install(self, kb, task_vars, until=None, resume=None):
        """ansible.windows.win_updates for KB, its answer as the task's result would be.

        UNTIL (clock time) ends the wait early (StillRunning); RESUME polls the
        update task of an earlier call. Without the parts of ansible.windows
        that needs, it waits to the end (and starts afresh).
        """
        task = self._task.copy()
        task.args = {"accept_list": [kb], "category_names": ["*"], "state": "installed"}
        action = self._shared_loader_obj.action_loader.get(
            "ansible.windows.win_updates", task=task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        if (until is not None or resume) and win_updates_steps.supported(action):
            win_updates_steps.take_over(action, until, resume, self._clock, task_vars.get("inventory_hostname"))
        # What the task executor makes of what the action raises.
        self._resume_lost = False
        try:
            return action.run(task_vars=task_vars)
        except AnsibleActionFail as exc:
            return dict(exc.result, failed=True)
        except AnsibleConnectionFailure as exc:
            return {"unreachable": True, "changed": False, "msg": to_text(exc)}
        except AnsibleError as exc:
            return {"failed": True, "changed": False, "msg": to_text(exc)}
        finally:
            self._resume_lost = bool(getattr(action, "winrepair_resume_lost", False))

    def _write_journal(self, journal, task_vars):
        """win_wu_journal's action with the options JOURNAL, on this task's connection: its result."""
        args = self._task.args
        self._task.args = dict(journal)
        try:
            writer = JournalAction(self._task, self._connection, self._play_context, self._loader, self._templar,
                                   self._shared_loader_obj)
            writer._execute_module = self._execute_module  # pylint: disable=protected-access
            return writer.run(task_vars=task_vars)
        except Exception as exc:  # pylint: disable=broad-except
            # A connection lost for good is raised (pywinrm's, requests'), not answered: the write failed all the same.
            return {"failed": True, "changed": False, "msg": to_text(exc)}
        finally:
            self._task.args = args

    def act(self, result, options, task_vars):
        try:
            kb = remediation.norm_kb(options["kb"])
        except ValueError as err:
            raise ActionFailure(str(err)) from err
        resume = options.get("resume") or {}
        if resume and not isinstance(resume.get("task"), dict):
            raise ActionFailure("resume must be the resume value of an earlier win_wu_verify result (pending: true)")
        if resume and options["journal"] is not None:
            raise ActionFailure("journal cannot be given with resume: the install it was to precede runs already")
        journal = resume.get("journal")
        if options["journal"] is not None:
            journal = self._write_journal(options["journal"], task_vars)
            journal.pop("invocation", None)
            if journal.get("failed"):
                result.update(failed=True, changed=False, kb=kb, attempts=0, transient=False, journal=journal,
                              journal_failed=True,
                              msg="Nothing was installed: the journal could not be written first (%s)"
                              % journal.get("msg"))
                return
        if journal is not None:
            result["journal"] = journal
        rounds = fork_share.rounds_of(resume)
        until = fork_share.deadline(options["yield_after"], task_vars, self._clock, rounds=rounds)
        attempts = int(resume.get("attempts") or 0)
        task = resume.get("task")
        while True:
            try:
                answer = self._install(kb, task_vars, until, task)
            except fork_share.StillRunning as exc:
                # The host rests until the update task's next progress line is due: a round before it
                # would hold a fork while its poll waits for that line.
                state = {"task": exc.state, "attempts": attempts}
                if journal is not None:
                    state["journal"] = journal
                fork_share.pending_result(result, fork_share.StillRunning(exc.what, state), rounds,
                                          options["yield_after"],
                                          rest=win_updates_steps.next_line_in(exc.state, self._clock()))
                result.update(kb=kb, attempts=attempts + 1, transient=False)
                return
            if task and self._resume_lost and not remediation.verify_transient(answer):
                # The update task of the earlier call is gone (the host restarted, someone ended it):
                # its answer is lost, so ask anew (win_updates sees what that task installed).
                task = None
                continue
            attempts += 1
            transient = remediation.verify_transient(answer)
            if not transient or attempts > options["retries"]:
                break
            task = None  # asked again: a new update task
            host_session.reset_connection(self._connection)
            self._sleep(options["delay"] * 2 ** (attempts - 1))
        answer = dict(answer)
        answer.pop("invocation", None)
        result.update(answer)
        result.update(kb=kb, attempts=attempts, transient=transient)
