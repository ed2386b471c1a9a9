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
"""
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, at_least)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

ARGUMENT_SPEC = {
    "kb": {"type": "str", "required": True},
    "retries": {"type": "int", "default": 3},
    "delay": {"type": "float", "default": 10.0},
}
RANGES = {"retries": at_least(0), "delay": at_least(0)}


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES
    _sleep = staticmethod(time.sleep)

    def _install(self, kb, task_vars):
        """ansible.windows.win_updates for KB, its answer as the task's result would be."""
        task = self._task.copy()
        task.args = {"accept_list": [kb], "category_names": ["*"], "state": "installed"}
        action = self._shared_loader_obj.action_loader.get(
            "ansible.windows.win_updates", task=task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        # What the task executor makes of what the action raises.
        try:
            return action.run(task_vars=task_vars)
        except AnsibleActionFail as exc:
            return dict(exc.result, failed=True)
        except AnsibleConnectionFailure as exc:
            return {"unreachable": True, "changed": False, "msg": to_text(exc)}
        except AnsibleError as exc:
            return {"failed": True, "changed": False, "msg": to_text(exc)}

    def act(self, result, options, task_vars):
        try:
            kb = remediation.norm_kb(options["kb"])
        except ValueError as err:
            raise ActionFailure(str(err)) from err
        attempts = 0
        while True:
            answer = self._install(kb, task_vars)
            attempts += 1
            transient = remediation.verify_transient(answer)
            if not transient or attempts > options["retries"]:
                break
            host_session.reset_connection(self._connection)
            self._sleep(options["delay"] * 2 ** (attempts - 1))
        answer = dict(answer)
        answer.pop("invocation", None)
        result.update(answer)
        result.update(kb=kb, attempts=attempts, transient=transient)
