# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_sfc_dism: DISM, then sfc, detached.

Order: DISM /RestoreHealth first, then sfc /scannow, as Microsoft's support
article "Use the System File Checker tool to repair missing or corrupted
system files" (KB 929833) tells for Windows 10/11: sfc repairs files from the
component store, so the store has to be sound first.

Both tools run 10-30 minutes, longer than a WinRM operation should stay open,
so each runs detached on the host (plugin_utils/_host/detached.py) and is polled;
the plumbing here is thin, the decisions live in plan_commands()/judge_*().
With `yield_after` the wait ends early while a tool still runs
(plugin_utils/_action/fork_share.py): the result is `pending` with a `resume`
value (the answers read before the tool started, what the tools before it
gave), and a call with it takes up the run instead of starting anything.
"""
from __future__ import annotations

import time

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, above, at_least)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached, host_session
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.script_runner import script_caller
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import (
    parse_sfc, resolve, run_lines, summarize_cbs_sr)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.wim_info import (
    WimInfoError, merge_details, parse_wim_info, pick_index, source_argument)

DISM_OPERATIONS = {"check": "CheckHealth", "scan": "ScanHealth", "restore": "RestoreHealth"}

ARGUMENT_SPEC = {
    "sfc": {"type": "bool", "default": True},
    "dism": {"type": "str", "default": "restore", "choices": ["none", "check", "scan", "restore"]},
    "source": {"type": "str"},
    "source_index": {"type": "int"},
    "limit_access": {"type": "bool", "default": False},
    "timeout": {"type": "int", "default": 3600},
    "poll_interval": {"type": "float", "default": 15.0},
    "yield_after": fork_share.YIELD_AFTER_SPEC,
    "resume": fork_share.RESUME_SPEC,
}
RANGES = {"timeout": at_least(1), "poll_interval": above(0), "yield_after": at_least(0)}
# What a pending result keeps of the result so far, for the call that takes up the wait.
KEPT_FIELDS = ("changed", "repaired", "reboot_required", "dism", "sfc", "check_health", "source", "commands",
               "durations", "msg")

# RV(error) of a repair source the task cannot use (plugins/modules/win_sfc_dism.py RETURN error).
SOURCE_NOT_FOUND = "source_not_found"  # no file or folder at O(source) on the host
SOURCE_NOT_IMAGE = "source_not_image"  # not a .wim/.esd/.iso, or an ISO without sources\install.wim/.esd

NEXT_SOURCE = ("give a repair source matching the installed build and edition (source: an install.wim/.esd "
               "or a Windows ISO of build %s) and run again")
NEXT_UPGRADE = ("the next rung is a repair (in-place) upgrade with setup.exe from media of the installed build "
                "(winrepair.windows_update.win_inplace_upgrade)")


def dism_arguments(operation, source_arg=None, limit_access=False):
    # /English: DISM's global option for English console output whatever the display language, so the text
    # reads the same on every host (learn.microsoft.com/windows-hardware/manufacture/desktop/dism-global-options-for-command-line-syntax).
    args = ["/Online", "/English", "/Cleanup-Image", "/" + DISM_OPERATIONS[operation]]
    if operation == "restore":
        if source_arg:
            args.append(source_arg)
        if limit_access:
            args.append("/LimitAccess")
    return args


def plan_commands(options, source_arg=None):
    """[(tool, file, arguments)] in the order they run: DISM first, then sfc (KB 929833)."""
    plan = []
    if options["dism"] != "none":
        plan.append(("dism", "dism.exe", dism_arguments(options["dism"], source_arg, options["limit_access"])))
    if options["sfc"]:
        plan.append(("sfc", "sfc.exe", ["/scannow"]))
    return plan


def command_text(file_path, arguments):
    return " ".join([file_path, detached.command_line(arguments)]).strip()


def choose_index(preflight, options):
    """(index, reason) for the source image; WimInfoError when none fits."""
    if options.get("source_index"):
        return int(options["source_index"]), "given as source_index"
    summary = parse_wim_info(preflight.get("wim_info_output") or "")
    details = []
    for entry in preflight.get("wim_details") or []:
        if entry.get("exit_code") == 0:
            details.extend(parse_wim_info(entry.get("output") or ""))
    images = merge_details(summary, details)
    return pick_index(images, preflight.get("edition_id"), preflight.get("build"), preflight.get("architecture"),
                      preflight.get("installation_type"), preflight.get("product_name"))


def judge_dism(parsed, operation, source_given, build):
    """(failed, msg) for a finished DISM run."""
    outcome = parsed["outcome"]
    error = parsed.get("error") or parsed.get("exit") or {}
    code = " (%s %s)" % (error.get("hex"), error.get("name")) if error.get("hex") else ""
    if outcome == "source_missing":
        if source_given:
            return True, ("DISM /RestoreHealth could not find the files it needs in the given source%s: the source "
                          "does not match the installed build %s/edition, or the store is beyond repair; check "
                          "source/source_index, else %s" % (code, build, NEXT_UPGRADE))
        return True, ("DISM /RestoreHealth could not find the repair files on Windows Update%s: %s"
                      % (code, NEXT_SOURCE % build))
    if outcome == "not_repairable" or (outcome == "failed" and error.get("category") == "component_store"):
        return True, "DISM reports the component store cannot be repaired%s: %s" % (code, NEXT_UPGRADE)
    if outcome in ("failed", "unknown", "running"):
        return True, "DISM /%s failed%s: %s" % (DISM_OPERATIONS[operation], code,
                                                parsed.get("message") or "see %windir%\\Logs\\DISM\\dism.log")
    if operation != "restore" and outcome == "repairable":
        return False, "DISM found component store corruption; run with dism=restore to repair it"
    return False, None


def judge_sfc(parsed, store_sound):
    """(failed, msg) for a finished sfc run; store_sound: DISM's verdict (None: DISM did not run)."""
    outcome = parsed["outcome"]
    if outcome == "pending_reboot":
        return True, "sfc: a system repair is pending; restart the host (ansible.windows.win_reboot) and run again"
    if outcome == "unable_to_fix":
        if store_sound:
            return True, ("sfc found corrupt files it could not repair although the component store is sound: "
                          + NEXT_UPGRADE)
        return True, ("sfc found corrupt files it could not repair: repair the component store first "
                      "(dism=restore, with a source if needed), then run sfc again")
    if outcome in ("could_not_perform", "service_not_started", "unknown"):
        return True, "sfc /scannow did not run to the end: %s" % (parsed.get("message") or "no outcome in its output")
    return False, None


def last_sfc_transaction(lines):
    """The [SR] lines of the latest sfc run: from its last 'Beginning Verify and Repair transaction'."""
    start = 0
    for number, line in enumerate(lines):
        if "Beginning Verify and Repair transaction" in line:
            start = number
    return lines[start:]


class RepairSourceError(ActionFailure):
    """O(source) cannot be used; CODE (SOURCE_NOT_FOUND, SOURCE_NOT_IMAGE) goes into the result's error.

    Raised before DISM runs, so the ladder tells it from a repair that ran and
    failed: the host is as it was, and a re-run with a usable source can repair.
    """

    def __init__(self, code, msg):
        super(RepairSourceError, self).__init__(msg, error=code)


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES

    def act(self, result, options, task_vars):
        host = task_vars.get("inventory_hostname", "host")
        call = script_caller(self, task_vars)
        check_mode = bool(self._task.check_mode)
        resume = options.get("resume") or None
        if resume is not None and not (isinstance(resume.get("result"), dict) and isinstance(resume.get("tool"), int)):
            raise ActionFailure("resume must be the resume value of an earlier win_sfc_dism result (pending: true)")
        began = resume["began"] if resume else time.time()
        rounds = fork_share.rounds_of(resume)
        until = None if check_mode else fork_share.deadline(options["yield_after"], task_vars, rounds=rounds)
        result.update(changed=False, repaired=False, reboot_required=False, dism=None, sfc=None,
                      check_health=None, source=None, cbs_sr=None, commands=[], check_mode_ran=[],
                      durations={"dism": None, "sfc": None, "total": None})
        pending = False
        try:
            self._repair(result, options, call, check_mode, host, until, resume, began)
        except fork_share.StillRunning as exc:
            # The tool runs on, and so may its source: the ISO stays mounted for the call that takes up the wait.
            pending = True
            fork_share.pending_result(result, exc, rounds, options["yield_after"])
        except WimInfoError as exc:
            raise ActionFailure(str(exc)) from exc
        finally:
            mount = result.pop("_mount", None)
            if mount and not mount.get("attached_before") and not pending:
                try:
                    out = call("iso_mount", {"ImagePath": mount["image_path"], "Action": "dismount",
                                             "DevicePath": mount.get("device_path") or ""})
                    if out.get("in_use_by"):
                        # Left mounted: a detached DISM run still reads its source from the ISO.
                        result.setdefault("warnings", []).append(
                            "left %s mounted at %s: detached run %s still uses it; dismount it once that run ended"
                            % (mount["image_path"], out.get("drive_letter"), ", ".join(out["in_use_by"])))
                except Exception as exc:  # noqa: BLE001 - report, do not mask the repair's answer
                    result.setdefault("warnings", []).append(
                        "could not dismount %s: %s" % (mount["image_path"], exc))
            result["durations"]["total"] = round(time.time() - began, 1)

    # -- the repair ---------------------------------------------------------------------------
    def _repair(self, result, options, call, check_mode, host, until=None, resume=None, began=None):
        source = options.get("source")
        is_iso = bool(source) and source.lower().endswith(".iso")
        wants_source = bool(source) and options["dism"] == "restore"
        choose = wants_source and not options.get("source_index")

        # CheckHealth (read-only, seconds) before a restore tells whether the
        # store was flagged corrupt, so `repaired` can be told truthfully.
        # The same round trip says whether the source exists (an ISO before it is mounted).
        run_check = options["dism"] != "none" and (check_mode or options["dism"] == "restore")
        if resume:
            # Taking up a wait: what was read before the tools ran, and what the finished ones gave.
            preflight = resume["preflight"]
            result.update(resume["result"])
            if resume.get("mount"):
                result["_mount"] = resume["mount"]
        else:
            preflight = call("sfc_dism_preflight", {
                "Source": source if wants_source else "",
                "CheckHealth": run_check,
                "WimInfo": choose and not is_iso,
            })
        build = preflight.get("build")
        before = None
        if run_check:
            before = parse_dism(preflight.get("check_health_output") or "", preflight.get("check_health_exit_code"),
                                "CheckHealth")
            result["check_health"] = {"outcome": before["outcome"], "exit_code": before["exit_code"],
                                      "message": before["message"]}
            if check_mode:
                result["check_mode_ran"].append("dism.exe /Online /Cleanup-Image /CheckHealth")

        source_arg = None
        if wants_source:
            source_arg = ((result.get("source") or {}).get("argument") if resume
                          else self._source(result, options, call, check_mode, preflight, is_iso, choose))

        plan = plan_commands(options, source_arg)
        result["commands"] = [command_text(f, a) for _label, f, a in plan]
        if check_mode:
            self._check_mode_answer(result, options, before)
            return

        runner = host_session.detached_runner(self, call, host)
        store_sound = resume.get("store_sound") if resume else None  # unknown until DISM says
        sr_before = resume.get("sr_before") if resume else None
        first = resume["tool"] if resume else 0
        for index, (tool, file_path, arguments) in enumerate(plan):
            if index < first:
                continue  # finished in an earlier call: its answer is in the result
            taken_up = bool(resume) and index == first
            if tool == "dism":
                operation = options["dism"]
                label = "DISM /%s" % DISM_OPERATIONS[operation]
            else:
                label = "sfc /scannow"
            run_id = detached.make_key("win_sfc_dism-" + tool, file_path, detached.command_line(arguments))
            if tool == "sfc" and not taken_up:
                # CBS.log's [SR] lines before the run: the lines after them are this run's (run_lines).
                sr_before = call("cbs_sr_lines", {"MaxLines": 2000}).get("lines") or []
            # The tool's timeout counts from its start, over every call that waits for it.
            timeout_at = resume["timeout_at"] if taken_up else time.time() + options["timeout"]
            # A restart of the host in the middle ends the run; it is started once more (detached.py).
            # Taken up, the same key attaches to the run still there.
            try:
                run = runner.run_restarting(run_id, file_path, arguments, timeout=max(0.0, timeout_at - time.time()),
                                            interval=options["poll_interval"], label=label,
                                            reuse_seconds=options["timeout"], until=until, taken_up=taken_up,
                                            restarts=resume.get("restarts", 0) if taken_up else 0)
            except fork_share.StillRunning as exc:
                raise fork_share.StillRunning(exc.what, {
                    "tool": index, "restarts": exc.state.get("restarts", 0),
                    "began": began, "timeout_at": timeout_at, "preflight": preflight,
                    "sr_before": sr_before, "store_sound": store_sound, "mount": result.get("_mount"),
                    "result": {k: result[k] for k in KEPT_FIELDS if k in result}})
            if run.state == detached.LOST:
                raise detached.DetachedError("%s ended without an exit code (the host restarted or the task was "
                                             "stopped); run the task again" % label, run.run_id, run.status)
            result["durations"][tool] = run.duration_seconds
            if tool == "dism":
                store_sound = self._after_dism(result, run, operation, before, wants_source, build,
                                               command_text(file_path, arguments))
            else:
                self._after_sfc(result, run, store_sound, call, sr_before, preflight.get("cbs_reboot_pending"))

    def _source(self, result, options, call, check_mode, preflight, is_iso, choose):
        """Check O(source) and pick its image; the /Source: argument (None in check mode for an ISO)."""
        source = options["source"]
        info = {"path": source, "image_path": source, "kind": preflight.get("source_kind") or (
            "iso" if is_iso else None), "index": None, "index_reason": None, "argument": None, "mounted_drive": None}
        result["source"] = info
        if not preflight.get("source_exists"):
            if source.startswith("\\\\"):
                # Test-Path of a share is false from a WinRM session without credential delegation.
                raise RepairSourceError(SOURCE_NOT_FOUND, "repair source %s is not reachable from the host's WinRM "
                                                          "session: a share needs credential delegation (the double "
                                                          "hop: CredSSP, Kerberos delegation or become), or copy the "
                                                          "image to a local disk of the host first" % source)
            raise RepairSourceError(SOURCE_NOT_FOUND, "repair source %s does not exist on the host: give an existing "
                                                      "install.wim/.esd or ISO path as source" % source)
        if is_iso:
            if check_mode:
                info["index_reason"] = "not chosen: the ISO is not mounted in check mode"
                return None
            # Mount the ISO now: DISM reads the image for its whole run; dismounted in act()'s finally.
            mount = call("iso_mount", {"ImagePath": source, "Action": "mount"})
            result["_mount"] = mount
            info["mounted_drive"] = mount.get("drive_letter")
            if not mount.get("wim_path"):
                raise RepairSourceError(SOURCE_NOT_IMAGE, "the ISO %s has no sources\\install.wim or install.esd: "
                                                          "give Windows installation media as source" % source)
            info["image_path"] = mount["wim_path"]
            if choose:
                preflight = call("sfc_dism_preflight", {"Source": info["image_path"], "CheckHealth": False,
                                                        "WimInfo": True})
        elif info["kind"] not in ("wim", "esd"):
            raise RepairSourceError(SOURCE_NOT_IMAGE, "repair source %s is not a .wim, .esd or .iso file" % source)
        info["index"], info["index_reason"] = choose_index(preflight, options)
        info["argument"] = source_argument(info["image_path"], info["index"])
        return info["argument"]

    def _after_dism(self, result, run, operation, before, source_given, build, command):
        """Record DISM's outcome; is the store sound? ActionFailure when DISM failed (sfc does not run then)."""
        parsed = parse_dism(run.stdout, run.exit_code, DISM_OPERATIONS[operation])
        info = decode(run.exit_code) if run.exit_code is not None else None
        flagged = bool(before and before["outcome"] in ("repairable", "not_repairable"))
        repaired = operation == "restore" and parsed["outcome"] == "repaired" and flagged
        result["dism"] = {
            "operation": DISM_OPERATIONS[operation], "command": command,
            "outcome": parsed["outcome"], "message": parsed["message"], "exit_code": run.exit_code,
            "hresult": info, "repaired": repaired, "reboot_required": bool(parsed["reboot_required"]),
            "run_id": run.run_id, "attached": run.attached, "duration_seconds": run.duration_seconds,
            "start_time": run.start_time, "end_time": run.end_time, "connection_errors": run.connection_errors,
            "restarts": run.restarts,
        }
        if repaired:
            result["repaired"] = result["changed"] = True
        result["reboot_required"] = result["reboot_required"] or bool(parsed["reboot_required"])
        failed, msg = judge_dism(parsed, operation, source_given, build)
        if failed:
            raise ActionFailure(msg, hresult=parsed.get("error") or info)
        if msg:
            result["msg"] = msg
        return parsed["outcome"] in ("no_corruption", "repaired", "completed")

    def _after_sfc(self, result, run, store_sound, call, sr_before=None, reboot_pending=None):
        sr = call("cbs_sr_lines", {"MaxLines": 2000})
        summary = summarize_cbs_sr(last_sfc_transaction(sr.get("lines") or []))
        # sfc prints in the host's language (it has no /English): a text no table reads is decided
        # by the [SR] lines this run wrote to CBS.log (English on every language) or the pending-repair flag.
        parsed = resolve(parse_sfc(run.stdout, run.exit_code),
                         summarize_cbs_sr(run_lines(sr_before, sr.get("lines") or [])), reboot_pending)
        result["cbs_sr"] = summary
        result["sfc"] = {
            "command": "sfc.exe /scannow", "outcome": parsed["outcome"], "message": parsed["message"],
            "exit_code": run.exit_code, "repaired": parsed["repaired"], "reboot_required": parsed["reboot_required"],
            "run_id": run.run_id, "attached": run.attached, "duration_seconds": run.duration_seconds,
            "start_time": run.start_time, "end_time": run.end_time, "connection_errors": run.connection_errors,
            "restarts": run.restarts,
        }
        if parsed["repaired"]:
            result["repaired"] = result["changed"] = True
        result["reboot_required"] = result["reboot_required"] or parsed["reboot_required"]
        failed, msg = judge_sfc(parsed, store_sound)
        if failed:
            raise ActionFailure(msg)

    @staticmethod
    def _check_mode_answer(result, options, before):
        """Check mode ran only DISM /CheckHealth (read-only); say what a real run would do."""
        result["msg"] = "check mode: would run %s" % "; then ".join(result["commands"]) if result["commands"] \
            else "check mode: nothing to run (dism=none, sfc=false)"
        if before is not None:
            # A flagged store would be repaired by /RestoreHealth: predict the change.
            result["changed"] = options["dism"] == "restore" and before["outcome"] in ("repairable", "not_repairable")
