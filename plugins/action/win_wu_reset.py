# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_reset.

Thin plumbing: read the host (wu_reset_state.ps1), plan on the controller
(plugin_utils/_rungs/wu_reset_plan.py), then either show the plan (check mode) or
carry it out in one round trip (wu_reset_apply.ps1, which rolls itself back on
the host when a step fails) and turn its journal into the module's result.
Why the work is split this way: see the docstring of wu_reset_plan.py.

A service left in STOP_PENDING that the reset may not end (cryptsvc, msiserver,
TrustedInstaller: ending them can break an install) stays so until its process
ends; with restart_when_stuck the host is restarted and the reset runs once more.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, at_least, failing)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.reboot import reboot_host
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import wu_reset_plan as planner

ARGUMENT_SPEC = {
    "level": {"type": "str", "default": "standard", "choices": list(planner.LEVELS)},
    "keep_backups": {"type": "int", "default": 2},
    "stop_timeout": {"type": "int", "default": 60},
    "kill_stuck_services": {"type": "bool", "default": True},
    "dlls": {"type": "list", "elements": "str"},
    "restart_when_stuck": {"type": "bool", "default": False},
    "reboot_timeout": {"type": "int", "default": 3600},
}


RANGES = {
    "keep_backups": at_least(1, "the backup this run makes is always kept"),
    "stop_timeout": at_least(1, "seconds to wait for a service to stop"),
    "reboot_timeout": at_least(1, "seconds to wait for the host after a restart"),
}


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES

    def _reboot(self, options):
        return reboot_host(self._task.action, self._connection, reboot_timeout=options["reboot_timeout"],
                           msg="winrepair: restarting to end a Windows Update service stuck in STOP_PENDING")

    def act(self, result, options, task_vars):
        base = dict(result)  # what ActionBase.run put there
        result.update(restarted=False, stuck_services=[])
        self._reset(result, options, task_vars)
        stuck = planner.stuck_services(result) if result.get("failed") else []
        if not stuck:
            return
        result["stuck_services"] = stuck
        if not options["restart_when_stuck"]:
            result["msg"] += (" %s stays in STOP_PENDING until its process ends: restart the host and run the reset "
                              "again (restart_when_stuck: true does both)." % ", ".join(stuck))
            return
        answer = self._reboot(options)
        if answer.get("failed"):
            raise ActionFailure("The reset stopped at %s stuck in STOP_PENDING and rolled back; the restart to free "
                                "it failed: %s" % (", ".join(stuck), answer.get("msg")),
                                stuck_services=stuck, restarted=False)
        result["restarted"] = True
        again = {}
        self._reset(again, options, task_vars)
        result.clear()
        result.update(base, **again)
        result.update(restarted=True, stuck_services=stuck)
        if result.get("failed"):
            result["msg"] += " (after a restart that was to free %s from STOP_PENDING)" % ", ".join(stuck)

    def _reset(self, result, options, task_vars):
        with failing("Could not read the Windows Update services and folders",
                     "The account must be a local administrator (elevated token)."):
            state = script_runner.run_script(self, "wu_reset_state", {
                "ServiceNames": list(planner.STOP_ONLY + planner.STOP_ORDER),
                "DllNames": list(planner.DEFAULT_DLLS if options["dlls"] is None else options["dlls"]),
            }, task_vars)

        try:
            plan = planner.build_plan(state, level=options["level"], keep_backups=options["keep_backups"],
                                      stop_timeout=options["stop_timeout"],
                                      kill_stuck_services=options["kill_stuck_services"], dlls=options["dlls"])
        except planner.PlanError as exc:
            raise ActionFailure("Cannot plan the reset: %s" % exc) from exc

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
            return

        # The script itself failing (not one of its steps) means its own rollback may not have run.
        with failing("The reset script failed on the host",
                     "Check the services %s and the folders %s on the host: they may be stopped or renamed "
                     "(backup suffix %s)." % (", ".join(plan["stop"]), ", ".join(r["path"] for r in plan["renames"]),
                                              plan["suffix"]),
                     services_before=before):
            applied = script_runner.run_script(self, "wu_reset_apply", planner.apply_parameters(plan), task_vars)

        out = planner.interpret(plan, state, applied)
        warnings = out.pop("warnings")
        result.update(out)
        self._add_warnings(result, warnings)
        if self._task.diff:
            result["diff"] = {"before": planner.diff_before(state, plan),
                              "after": planner.diff_after_result(plan, applied)}

    @staticmethod
    def _add_warnings(result, warnings):
        if warnings:
            result.setdefault("warnings", []).extend(warnings)
