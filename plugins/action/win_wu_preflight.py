# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_preflight.

Runs the chosen pre-flight steps, each one collection script, in a fixed
order: restore point (before anything changes), clean-up, leaving Insider,
Defender. Restarts and service start types are left to the role
(ansible.windows.win_reboot, win_service). The restore point and clean-up
scripts are read-only in check mode (-WhatIf); leaving Insider and Defender
are not run in check mode, only predicted. DISM /StartComponentCleanup runs
for tens of minutes, so it runs detached on the host and is polled, like the
DISM runs of win_sfc_dism; an exit code other than 0 fails the step.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    WinRepairAction, between, failing)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached, host_session, script_runner
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode

ARGUMENT_SPEC = {
    "restore_point": {"type": "bool", "default": False},
    "restore_point_description": {"type": "str", "default": "winrepair: before Windows Update repair"},
    "restore_point_max_age_minutes": {"type": "int", "default": 1440},
    "cleanup": {"type": "bool", "default": False},
    "cleanup_older_than_days": {"type": "int", "default": 7},
    "component_cleanup": {"type": "bool", "default": False},
    "component_cleanup_min_free_gb": {"type": "float", "default": 0.0},
    "leave_insider": {"type": "bool", "default": False},
    "insider_backup_folder": {"type": "str", "default": "C:\\ProgramData\\winrepair\\insider-backup"},
    "block_preview_builds": {"type": "bool", "default": True},
    "defender": {"type": "str", "default": "keep", "choices": ["keep", "pause", "resume"]},
}


# The scripts take these as [int] (Int32): out of range, a real host fails with a binding error.
# DISM /Online /Cleanup-Image /StartComponentCleanup (Microsoft Learn "Clean Up the WinSxS Folder"),
# /English: its text is read only for the log; the exit code decides.
DISM = "C:\\Windows\\System32\\dism.exe"
COMPONENT_CLEANUP_ARGS = ["/Online", "/Cleanup-Image", "/StartComponentCleanup", "/English"]
COMPONENT_CLEANUP_TIMEOUT = 4 * 3600
COMPONENT_CLEANUP_POLL = 30

RANGES = {
    "component_cleanup_min_free_gb": between(0, 1048576),
    "restore_point_max_age_minutes": between(0, 525600),
    "cleanup_older_than_days": between(0, 36500),
}


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES

    def act(self, result, options, task_vars):
        check = bool(self._task.check_mode)
        result.update(changed=False, actions=[], reboot_required=False, restore_point=None, cleanup=None,
                      insider=None, defender=None)
        steps = []
        if options["restore_point"]:
            steps.append(("restore_point", "wu_restore_point", {
                "Description": options["restore_point_description"],
                "MaxAgeMinutes": options["restore_point_max_age_minutes"]}, True))
        if options["cleanup"]:
            steps.append(("cleanup", "wu_disk_cleanup", {
                "OlderThanDays": options["cleanup_older_than_days"]}, True))
        if options["leave_insider"]:
            steps.append(("insider", "wu_insider_leave", {
                "BackupFolder": options["insider_backup_folder"],
                "BlockPreviewBuilds": options["block_preview_builds"]}, False))
        if options["defender"] != "keep":
            steps.append(("defender", "wu_defender_rtp", {"Disable": options["defender"] == "pause"}, False))

        for key, script, params, runs_in_check in steps:
            if check and not runs_in_check:
                result[key] = {"planned": True}
                result["actions"].append("%s (planned)" % key)
                result["changed"] = True
                continue
            with failing("pre-flight step %s failed" % key, "The steps before it stay done (%s); nothing after "
                         "it ran." % (", ".join(result["actions"]) or "none")):
                answer = script_runner.run_script(self, script, params, task_vars)
            result[key] = answer
            if key == "cleanup" and options["component_cleanup"]:
                answer["component_cleanup_exit_code"] = None
                if self._enough_room(answer, options["component_cleanup_min_free_gb"], check):
                    # The clean-up alone left the room asked for: DISM's tens of minutes are not needed.
                    answer["component_cleanup"] = "not_needed"
                elif check:
                    answer["component_cleanup"] = "planned"
                    result["changed"] = True
                else:
                    with failing("pre-flight step cleanup failed", "The steps before it stay done (%s); nothing after "
                                 "it ran." % (", ".join(result["actions"]) or "none")):
                        answer.update(self._component_cleanup(task_vars))
            if self._step_changed(key, answer):
                result["changed"] = True
                result["actions"].append(key)
            if key == "insider" and answer.get("reboot_required"):
                result["reboot_required"] = True
        point = result["restore_point"] or {}
        reason = str(point.get("reason") or "")
        if reason.startswith("failed"):
            result.setdefault("warnings", []).append("no restore point was created: %s" % reason)
        elif reason in ("frequency_limit", "not_created"):
            # Windows creates at most one restore point per SystemRestorePointCreationFrequency minutes.
            result.setdefault("warnings", []).append(
                "no restore point was created: Windows creates at most one every %s minutes "
                "(SystemRestorePointCreationFrequency) and the newest is from %s%s"
                % (point.get("creation_frequency_minutes"), point.get("latest"),
                   "; Windows said: %s" % point["warning"] if point.get("warning") else ""))
        if result["defender"] and result["defender"].get("tamper_protected") and not result["defender"].get("applied"):
            result.setdefault("warnings", []).append(
                "Defender real-time protection was not changed: Tamper Protection is on")

    def _component_cleanup(self, task_vars):
        """DISM /StartComponentCleanup, detached and polled; a non-zero exit code is a failure."""
        host = task_vars.get("inventory_hostname", "host")
        call = script_runner.script_caller(self, task_vars)
        runner = host_session.detached_runner(self, call, host)
        run_id = detached.make_key("win_wu_preflight-component-cleanup", DISM, detached.command_line(COMPONENT_CLEANUP_ARGS))
        run = runner.run_restarting(run_id, DISM, COMPONENT_CLEANUP_ARGS, timeout=COMPONENT_CLEANUP_TIMEOUT,
                                    interval=COMPONENT_CLEANUP_POLL, label="DISM /StartComponentCleanup",
                                    reuse_seconds=COMPONENT_CLEANUP_TIMEOUT)
        if run.state == detached.LOST or run.exit_code is None:
            raise detached.DetachedError("DISM /StartComponentCleanup ended without an exit code (the host restarted "
                                         "or the task was stopped); run the task again", run.run_id, run.status)
        code = int(run.exit_code)
        if code != 0:
            info = decode(code)
            raise detached.DetachedError("DISM /StartComponentCleanup failed with exit code %s (%s%s)"
                                         % (code, info["hex"], ", %s" % info["name"] if info.get("name") else ""),
                                         run.run_id, run.status)
        return {"component_cleanup_exit_code": code, "component_cleanup_seconds": run.duration_seconds}

    @staticmethod
    def _enough_room(answer, min_free_gb, check):
        """Whether the clean-up (ANSWER of wu_disk_cleanup) left at least MIN_FREE_GB free (0: never
        enough, DISM always runs); in check mode, what it would leave (free before + planned)."""
        if not min_free_gb:
            return False
        before = answer.get("free_bytes_before")
        free = (before + (answer.get("planned_bytes") or 0)) if check and before is not None \
            else answer.get("free_bytes_after")
        return free is not None and free >= min_free_gb * 1024 ** 3

    @staticmethod
    def _step_changed(key, answer):
        if key == "restore_point":
            return bool(answer.get("created")) or answer.get("reason") == "check_mode"
        if key == "cleanup":
            temp = answer.get("temp") or {}
            return bool(answer.get("removed") or temp.get("files_removed") or temp.get("folders_removed")) \
                or answer.get("component_cleanup_exit_code") == 0
        if key == "insider":
            return bool(answer.get("removed_keys") or answer.get("flightsigning_removed") or answer.get("policy_changed"))
        return bool(answer.get("applied"))
