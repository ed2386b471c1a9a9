# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_reset.

Thin plumbing: read the host (wu_reset_state.ps1), plan on the controller
(plugin_utils/_rungs/wu_reset_plan.py), then either show the plan (check mode) or
carry it out in one round trip (wu_reset_apply.ps1, which rolls itself back on
the host when a step fails) and turn its journal into the module's result.
Why the work is split this way: see the docstring of wu_reset_plan.py.
"""
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import wu_reset_plan as planner

ARGUMENT_SPEC = {
    "level": {"type": "str", "default": "standard", "choices": list(planner.LEVELS)},
    "keep_backups": {"type": "int", "default": 2},
    "stop_timeout": {"type": "int", "default": 60},
    "kill_stuck_services": {"type": "bool", "default": True},
    "dlls": {"type": "list", "elements": "str"},
}


def _error_text(exc):
    """The host's own error text of a failed script (win_powershell's first error record)."""
    for record in (exc.module_result or {}).get("error") or []:
        text = (record.get("exception") or {}).get("message") or record.get("output")
        if text:
            return text.strip()
    return exc.message


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args["keep_backups"] < 1:
            return self._fail(result, "keep_backups must be 1 or more: the backup this run makes is always kept")
        if args["stop_timeout"] < 1:
            return self._fail(result, "stop_timeout must be 1 second or more")

        try:
            state = script_runner.run_script(self, "wu_reset_state", {
                "ServiceNames": list(planner.STOP_ORDER),
                "DllNames": list(planner.DEFAULT_DLLS if args["dlls"] is None else args["dlls"]),
            }, task_vars)
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not read the Windows Update services and folders: %s. "
                              "The account must be a local administrator (elevated token)."
                              % _error_text(exc))

        try:
            plan = planner.build_plan(state, level=args["level"], keep_backups=args["keep_backups"],
                                      stop_timeout=args["stop_timeout"],
                                      kill_stuck_services=args["kill_stuck_services"], dlls=args["dlls"])
        except planner.PlanError as exc:
            return self._fail(result, "Cannot plan the reset: %s" % exc)

        before = planner.services_summary(state["services"])
        if self._task.check_mode:
            result.update({
                "changed": True,
                "level": plan["level"],
                "steps": [dict(s, status="planned") for s in plan["steps"]],
                "backups": planner.backups_made(plan, [{"id": s["id"], "status": "ok"} for s in plan["steps"]]),
                "pruned": [],
                "services_before": before,
                "services_after": before,
                "reboot_required": plan["reset_winsock"],
                "previous_security_descriptors": {},
                "dll_results": [],
                "skipped_dlls": list(plan["skipped_dlls"]),
                "rollback": [],
                "msg": "check mode: the reset would run %d steps; nothing was changed" % len(plan["steps"]),
            })
            self._add_warnings(result, plan["warnings"])
            if self._task.diff:
                result["diff"] = {"before": planner.diff_before(state, plan),
                                  "after": planner.diff_after_planned(state, plan)}
            return result

        try:
            applied = script_runner.run_script(self, "wu_reset_apply", planner.apply_parameters(plan), task_vars)
        except script_runner.ScriptError as exc:
            # The script itself failed (not one of its steps): its own rollback may not have run.
            return self._fail(result, "The reset script failed on the host: %s. Check the services %s and the "
                              "folders %s on the host: they may be stopped or renamed (backup suffix %s)."
                              % (_error_text(exc), ", ".join(plan["stop"]),
                                 ", ".join(r["path"] for r in plan["renames"]), plan["suffix"]),
                              services_before=before)

        out = planner.interpret(plan, state, applied)
        warnings = out.pop("warnings")
        result.update(out)
        self._add_warnings(result, warnings)
        if self._task.diff:
            result["diff"] = {"before": planner.diff_before(state, plan),
                              "after": planner.diff_after_result(plan, applied)}
        return result

    @staticmethod
    def _add_warnings(result, warnings):
        if warnings:
            result.setdefault("warnings", []).extend(warnings)

    @staticmethod
    def _fail(result, msg, **extra):
        result.update(extra)
        result.update({"failed": True, "changed": False, "msg": msg})
        return result
