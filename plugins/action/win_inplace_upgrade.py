# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_inplace_upgrade: repair install from an ISO.

Steps: read-only preflight -> mount the ISO -> check its image fits the
installed Windows -> optional compatibility scan (setup.exe /compat scanonly)
-> setup.exe /auto upgrade ... /noreboot run detached (downlevel phase) ->
restart with ansible.windows' reboot helper, which waits until the logon
screen is up again (setup's own restarts of the SafeOS, first boot and second
boot phases happen while it waits) -> read where setup ended (completed or
rolled back) -> report the build before and after; on a failure, the key lines
of the setup logs and the decoded result code.

With `yield_after` the waits for the compatibility scan and the downlevel
phase end early while setup.exe runs on (plugin_utils/_action/fork_share.py):
the result is `pending` with a `resume` value, and the task called again with
it attaches to the same setup.exe run by its key. The restart and setup's
phases after it are waited for in one call.

Opt-in: refuses to touch the host unless accept_reboots is true. The
decisions live in plugin_utils/_rungs/inplace_upgrade.py; this file is the plumbing.
"""
from __future__ import annotations

import time

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, above, at_least)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached, host_session
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import inplace_upgrade as ipu
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.reboot import reboot_host
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.script_runner import script_caller

ARGUMENT_SPEC = {
    "image": {"type": "str", "required": True},
    "accept_reboots": {"type": "bool", "default": False},
    "compat_scan": {"type": "bool", "default": True},
    "copy_logs": {"type": "str", "default": "C:\\ProgramData\\winrepair\\setup-logs"},
    "dynamic_update": {"type": "bool", "default": False},
    "allow_newer_build": {"type": "bool", "default": False},
    "min_free_gb": {"type": "int", "default": ipu.DEFAULT_MIN_FREE_GB},
    "scan_timeout": {"type": "int", "default": 3600},
    "setup_timeout": {"type": "int", "default": 5400},
    "reboot_timeout": {"type": "int", "default": 7200},
    "poll_interval": {"type": "float", "default": 30.0},
    "resume_id": {"type": "str", "default": ""},
    "yield_after": fork_share.YIELD_AFTER_SPEC,
    "resume": fork_share.RESUME_SPEC,
}
RANGES = {
    "min_free_gb": at_least(0),
    "scan_timeout": at_least(1),
    "setup_timeout": at_least(1),
    "reboot_timeout": at_least(1),
    "poll_interval": above(0),
    "yield_after": at_least(0),
}
# What a pending result keeps of the result so far, for the call that takes up the wait.
KEPT_FIELDS = ("before", "media", "compat_scan", "setup", "commands", "changed", "warnings")
PHASES = ("scan", "downlevel")


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES

    def _reboot(self, options):
        return reboot_host(self._task.action, self._connection, reboot_timeout=options["reboot_timeout"],
                           msg="winrepair: Windows Setup repair install continues after this restart")

    def act(self, result, options, task_vars):
        result.update(changed=False, outcome=None, before=None, after=None, media=None, compat_scan=None,
                      setup=None, rebooted=False, reboot=None, logs=None, commands=[], warnings=[],
                      elapsed_seconds=None)
        resume = options.get("resume") or None
        if resume is not None and not (isinstance(resume.get("pre"), dict) and resume.get("phase") in PHASES
                                       and isinstance(resume.get("result"), dict)
                                       and isinstance(resume.get("timeout_at"), (int, float))):
            raise ActionFailure("resume must be the resume value of an earlier win_inplace_upgrade result "
                                "(pending: true)")
        began = resume["began"] if resume else time.time()
        if not options["accept_reboots"]:
            # Refuse before any host call: nothing is read or changed.
            raise ActionFailure("refusing to start: %s. Set accept_reboots: true to accept that" % ipu.COST,
                                outcome="refused")
        check_mode = bool(self._task.check_mode)
        rounds = fork_share.rounds_of(resume)
        until = None if check_mode else fork_share.deadline(options["yield_after"], task_vars, rounds=rounds)
        call = script_caller(self, task_vars)
        host = task_vars.get("inventory_hostname", "host")
        # mounted: this task mounted the ISO (in an earlier call when taken up), so it dismounts it.
        mount = {"mounted": bool(resume and resume.get("mounted"))}
        pending = False
        try:
            self._upgrade(result, options, call, check_mode, host, mount, until, resume, began)
        except fork_share.StillRunning as exc:
            # setup.exe runs on from the ISO: it stays mounted for the call that takes up the wait.
            pending = True
            fork_share.pending_result(result, exc, rounds, options["yield_after"])
            result["outcome"] = "pending"
        finally:
            if mount.get("mounted") and not pending:
                self._dismount(result, options, call, mount)
            result["elapsed_seconds"] = round(time.time() - began, 1)
            if not result["warnings"]:
                result.pop("warnings")

    @staticmethod
    def _dismount(result, options, call, mount):
        """Dismount the ISO this task mounted (by its device too, should the file have moved); the
        script leaves it mounted while a detached run (setup.exe still going) reads from it."""
        try:
            out = call("iso_mount", {"ImagePath": options["image"], "Action": "dismount",
                                     "DevicePath": mount.get("device_path") or ""})
        except Exception as exc:  # noqa: BLE001 - report, do not mask the answer
            result["warnings"].append("could not dismount %s: %s" % (options["image"], exc))
            return
        if out.get("in_use_by"):
            result["warnings"].append(
                "left %s mounted at %s: detached run %s still runs from it; dismount it (Dismount-DiskImage) once "
                "that run has ended" % (options["image"], out.get("drive_letter"), ", ".join(out["in_use_by"])))

    # -- the steps ----------------------------------------------------------------------------
    def _upgrade(self, result, options, call, check_mode, host, mount, until=None, resume=None, began=None):
        if resume:
            self._take_up_wait(result, options, call, host, mount, until, resume, began)
            return
        image = options["image"]
        pre = call("inplace_preflight", {"ImagePath": image})
        result["before"] = ipu.os_report(pre)
        problems = ipu.preflight_problems(pre, options["min_free_gb"])
        if problems:
            result["outcome"] = "preflight_failed"
            raise ActionFailure("cannot start the repair install: %s. The host was not changed"
                                % "; ".join(problems))
        if pre.get("setup_in_progress"):
            result["outcome"] = "preflight_failed"
            raise ActionFailure("Windows Setup is already running on the host (SetupProgress %s%%); wait for it "
                                "to finish or restart the host" % pre.get("setup_progress"))
        scan_args = ipu.scan_arguments(options["copy_logs"], options["dynamic_update"])
        setup_args = ipu.upgrade_arguments(options["copy_logs"], options["dynamic_update"])
        drive = pre.get("image_drive_letter") or "<drive of the mounted ISO>"
        setup_path = drive + "\\setup.exe"
        result["commands"] = ([self._text(setup_path, scan_args)] if options["compat_scan"] else []) + \
            [self._text(setup_path, setup_args)]

        if check_mode:
            self._check_mode(result, options, call, pre)
            return

        drive = self._mount(options, call, mount)
        setup_path = drive + "\\setup.exe"
        result["commands"] = ([self._text(setup_path, scan_args)] if options["compat_scan"] else []) + \
            [self._text(setup_path, setup_args)]
        self._check_media(result, options, call, pre, drive)

        runner = host_session.detached_runner(self, call, host)
        run_id = self._setup_key(setup_path, setup_args, options)
        earlier, run = self._take_up(result, options, call, run_id, pre, host)
        if earlier == ipu.EARLIER_COMPLETED:
            return
        if run is None:
            waiting = self._waiting(result, pre, mount, began)
            if options["compat_scan"]:
                self._scan(result, options, call, runner, setup_path, scan_args, until, waiting)
            run = self._downlevel(result, options, call, runner, setup_path, setup_args, host, run_id, until,
                                  waiting)
        self._after_downlevel(result, options, call, host, pre, run)

    @staticmethod
    def _mount(options, call, mount):
        """Mount the ISO (or find it mounted: then another owner dismounts it); its drive letter."""
        mounted = call("iso_mount", {"ImagePath": options["image"], "Action": "mount"})
        mount["mounted"] = mount.get("mounted") or not mounted.get("attached_before")
        mount["device_path"] = mounted.get("device_path")
        return mounted.get("drive_letter")

    @staticmethod
    def _waiting(result, pre, mount, began):
        """A function of the phase (and more keys): the state a wait that ends early (StillRunning) hands
        to the call that takes it up, with the result as it is then."""
        def state(phase, **more):
            return dict(more, phase=phase, pre=pre, mounted=bool(mount.get("mounted")), began=began,
                        result={k: result[k] for k in KEPT_FIELDS if k in result})
        return state

    def _take_up_wait(self, result, options, call, host, mount, until, resume, began):
        """The call after one that ended its wait early: the same ISO mounted, the same setup.exe run
        attached by its key; neither the preflight nor the media are read again (setup runs)."""
        pre = resume["pre"]
        result.update(resume["result"])
        scan_args = ipu.scan_arguments(options["copy_logs"], options["dynamic_update"])
        setup_args = ipu.upgrade_arguments(options["copy_logs"], options["dynamic_update"])
        setup_path = self._mount(options, call, mount) + "\\setup.exe"
        runner = host_session.detached_runner(self, call, host)
        run_id = self._setup_key(setup_path, setup_args, options)
        waiting = self._waiting(result, pre, mount, began)
        if resume["phase"] == "scan":
            self._scan(result, options, call, runner, setup_path, scan_args, until, waiting, resume)
        run = self._downlevel(result, options, call, runner, setup_path, setup_args, host, run_id, until, waiting,
                              resume if resume["phase"] == "downlevel" else None)
        self._after_downlevel(result, options, call, host, pre, run)

    def _after_downlevel(self, result, options, call, host, pre, run):
        """From the end of the downlevel phase: restart, wait for setup's phases, judge the outcome."""
        result["changed"] = True
        ok, info = ipu.interpret_downlevel(run.exit_code)
        result["setup"].update(exit_code=run.exit_code, result=info)
        if not ok:
            logs = ipu.summarize_logs(call("inplace_setup_logs", {"MaxLines": 40}))
            result["logs"] = logs
            result["changed"] = False  # setup gave up before the restart: the installed Windows is as it was
            result["outcome"] = "setup_failed"
            raise ActionFailure(ipu.downlevel_message(run.exit_code, info, logs["result_pairs"]))

        host_session.progress(host)("Windows Setup downlevel phase done; restarting (setup restarts the host "
                                    "several more times, up to reboot_timeout=%ss)" % options["reboot_timeout"])
        reboot = self._reboot(options)
        if reboot.get("failed") and self._restart_missed(call, run):
            # The restart request itself was lost (the host never went down): setup waits for it.
            host_session.progress(host)("the host did not restart (%s); asking for the restart once more"
                                        % reboot.get("msg"))
            reboot = self._reboot(options)
        result["rebooted"] = bool(reboot.get("rebooted"))
        result["reboot"] = {"elapsed": reboot.get("elapsed"), "failed": bool(reboot.get("failed"))}
        if reboot.get("failed"):
            result["outcome"] = "not_back"
            raise ActionFailure("the host did not come back after the restart within reboot_timeout=%ss (%s); Windows "
                                "Setup may still be working through its phases: check the host's console, then "
                                "run this task again" % (options["reboot_timeout"], reboot.get("msg")))
        started = isotime.parse(run.start_time)
        state, outcome = self._settled_state(options, call, pre, started)
        result["after"] = ipu.os_report(state)
        result["outcome"] = outcome
        if outcome == "rolled_back":
            logs = ipu.summarize_logs(call("inplace_setup_logs", {"MaxLines": 40}))
            result["logs"] = logs
            pair = logs["result_pairs"][0] if logs["result_pairs"] else None
            result["setup"]["rollback"] = pair
            raise ActionFailure(ipu.rollback_message(pair, pre.get("antivirus")))
        if outcome != "completed":
            raise ActionFailure("the host is back but Windows Setup's outcome is unclear (%s): InstallDate did not "
                                "change and there is no rollback log; read C:\\Windows\\Panther\\setupact.log"
                                % outcome)
        media_image = (result.get("media") or {}).get("image") or {}
        if state.get("build") != media_image.get("build", state.get("build")):
            raise ActionFailure("setup completed but the host reports build %s, not the ISO's %s"
                                % (state.get("build"), media_image.get("build")))
        ubr_note = ""
        if (pre.get("ubr") or 0) > (state.get("ubr") or 0):
            ubr_note = (" The UBR dropped from %s to the ISO's %s: run Windows Update to get the latest cumulative "
                        "update again." % (pre.get("ubr"), state.get("ubr")))
        result["msg"] = ("repair install completed: %s.%s before, %s.%s after.%s"
                         % (pre.get("build"), pre.get("ubr"), state.get("build"), state.get("ubr"), ubr_note))

    @staticmethod
    def _setup_key(setup_path, args, options):
        """The detached run id of the repair install: image and command line, and the resume id
        when given (a run of the ladder finds the setup it started, and only that one)."""
        parts = [setup_path, detached.command_line(args), options["image"]]
        if options["resume_id"]:
            parts.append(options["resume_id"])
        return detached.make_key("win_inplace_upgrade-setup", *parts)

    def _take_up(self, result, options, call, run_id, pre, host):
        """With resume_id: what became of the repair install an earlier run of the task started
        under it (ipu.earlier_setup). Returns (that, the earlier run when its restart is still due)."""
        if not options["resume_id"]:
            return ipu.EARLIER_NONE, None
        status = host_session.retry_transient(
            lambda: call(detached.STATUS_SCRIPT, {"RunId": run_id, "WorkRoot": detached.WORK_ROOT, "MaxBytes": 4096}),
            self._connection, detached.STATUS_SCRIPT)
        state = call("inplace_setup_state", {})
        earlier = ipu.earlier_setup(status, state)
        if earlier in (ipu.EARLIER_NONE, ipu.EARLIER_RUNNING):
            return earlier, None
        _ok, info = ipu.interpret_downlevel(status.get("exit_code"))
        result["setup"] = {"run_id": run_id, "attached": True, "taken_up": earlier, "result": info,
                           "exit_code": status.get("exit_code"), "state": status.get("state"),
                           "start_time": status.get("start_time"), "end_time": status.get("end_time")}
        if earlier == ipu.EARLIER_RESTART_PENDING:
            host_session.progress(host)("Windows Setup's downlevel phase of an earlier run (started %s) is done "
                                        "and waits for its restart: taking it up" % status.get("start_time"))
            return earlier, detached.RunResult(run_id, status, "", "", 1, 0, True, 0.0)
        result["after"] = ipu.os_report(state)
        if earlier == ipu.EARLIER_ROLLED_BACK:
            result["outcome"] = "rolled_back"
            logs = ipu.summarize_logs(call("inplace_setup_logs", {"MaxLines": 40}))
            result["logs"] = logs
            pair = logs["result_pairs"][0] if logs["result_pairs"] else None
            result["setup"]["rollback"] = pair
            raise ActionFailure("an earlier run of this task started the repair install at %s and it rolled back: "
                                "%s" % (status.get("start_time"), ipu.rollback_message(pair, pre.get("antivirus"))))
        result["outcome"] = "completed"
        result["msg"] = ("repair install completed: taken up from an earlier run of this task (setup started %s; "
                         "InstallDate %s, build %s.%s now); setup was not run again"
                         % (status.get("start_time"), state.get("install_date"), state.get("build"),
                            state.get("ubr")))
        return earlier, None

    def _restart_missed(self, call, run):
        """Whether the host is up and has not restarted since the downlevel phase ended."""
        try:
            state = call("inplace_setup_state", {})  # a read-only script: run_script sends it again itself
        except Exception:  # noqa: BLE001 - the host is away: the restart may well be under way
            return False
        return ipu.restart_missed(state, run.end_time)

    @staticmethod
    def _text(setup_path, args):
        return ("%s %s" % (setup_path, detached.command_line(args))).strip()

    def _check_mode(self, result, options, call, pre):
        """Read-only: mount nothing; inspect the media only when the ISO is attached already."""
        if pre.get("image_attached") and pre.get("image_drive_letter"):
            self._check_media(result, options, call, pre, pre["image_drive_letter"])
        else:
            result["media"] = {"inspected": False,
                               "reason": "the ISO is not mounted in check mode; its image is checked on a real run"}
        result["changed"] = True
        result["outcome"] = "check_mode"
        steps = ["mount %s" % options["image"]] + result["commands"] + \
            ["restart the host and wait up to %ss for setup's restarts" % options["reboot_timeout"]]
        result["msg"] = "check mode: would %s" % "; then ".join(steps)

    def _check_media(self, result, options, call, pre, drive):
        media = call("inplace_media_info", {"DriveLetter": drive, "EditionId": pre.get("edition_id") or "",
                                            "InstallationType": pre.get("installation_type") or ""})
        match = ipu.match_media(pre, media.get("images") or [], options["allow_newer_build"])
        result["media"] = {"inspected": True, "drive_letter": drive, "setup_version": media.get("setup_version"),
                           "image_path": media.get("image_path"), "index": match["index"], "image": match["image"],
                           "problems": match["problems"], "warnings": match["warnings"]}
        for text in match["warnings"]:
            result["warnings"].append(text)
        if not media.get("setup_exists"):
            result["outcome"] = "media_mismatch"
            raise ActionFailure("the ISO %s has no setup.exe at its root: not Windows installation media"
                                % options["image"])
        if not match["ok"]:
            result["outcome"] = "media_mismatch"
            raise ActionFailure("the ISO does not fit the installed Windows: %s. Setup would refuse to keep apps "
                                "and files (it offers only a clean install), so nothing was started; use an ISO "
                                "of %s %s %s, build %s" % ("; ".join(match["problems"]), pre.get("edition_id"),
                                                           pre.get("architecture"), pre.get("install_language"),
                                                           pre.get("build")))

    def _scan(self, result, options, call, runner, setup_path, args, until=None, waiting=None, resume=None):
        """The compatibility scan; RESUME: an earlier call started it and ended its wait early (its
        scan_timeout counts from that start, and the scan is only waited for: its answer stays on the
        host however long ago it ended)."""
        run_id = detached.make_key("win_inplace_upgrade-scan", setup_path, detached.command_line(args),
                                   options["image"])
        label = "setup.exe compatibility scan"
        timeout_at = resume["timeout_at"] if resume else time.time() + options["scan_timeout"]
        run = None
        try:
            if resume:
                try:
                    run = runner.wait(run_id, timeout=max(0.0, timeout_at - time.time()),
                                      interval=options["poll_interval"], label=label, attached=True, until=until)
                except detached.DetachedError as exc:
                    if isinstance(exc, detached.DetachedTimeout) or (exc.status or {}).get("state") != detached.UNKNOWN:
                        raise
                    # Its folder is gone from the host: the scan is started again below.
            if run is None:
                run = runner.run(run_id, setup_path, args, timeout=max(0.0, timeout_at - time.time()),
                                 interval=options["poll_interval"], label=label,
                                 reuse_seconds=options["scan_timeout"], until=until)
        except fork_share.StillRunning as exc:
            raise fork_share.StillRunning(exc.what, waiting("scan", timeout_at=timeout_at))
        ok, info = ipu.interpret_scan(run.exit_code)
        result["compat_scan"] = {"exit_code": run.exit_code, "result": info, "run_id": run.run_id,
                                 "duration_seconds": run.duration_seconds, "state": run.state}
        if not ok:
            result["logs"] = ipu.summarize_logs(call("inplace_setup_logs", {"MaxLines": 40}))
            result["outcome"] = "compat_blocked"
            raise ActionFailure(ipu.scan_message(run.exit_code, info))

    def _downlevel(self, result, options, call, runner, setup_path, args, host, run_id, until=None,
                   waiting=None, resume=None):
        """Start setup.exe detached and wait for its downlevel phase, showing SetupProgress; once
        more when a restart of the host ended it (the downlevel phase runs within the installed
        Windows, which a restart leaves as it was: ipu.earlier_setup). RESUME: an earlier call
        started it and ended its wait early; its setup_timeout counts from that start."""
        restarts = resume.get("restarts", 0) if resume else 0
        timeout_at = resume["timeout_at"] if resume else time.time() + options["setup_timeout"]
        attached = result["setup"]["attached"] if resume else None

        def once():
            try:
                return self._downlevel_once(result, options, runner, setup_path, args, host, run_id, call,
                                            timeout_at, until, attached)
            except fork_share.StillRunning as exc:
                raise fork_share.StillRunning(exc.what, waiting("downlevel", restarts=restarts,
                                                                timeout_at=timeout_at))
        run = once()
        if run.state == detached.LOST and run.ended_by_restart and not restarts:
            host_session.progress(host)("a restart of the host ended Windows Setup's downlevel phase (started %s, "
                                        "host booted %s); starting setup again" % (run.start_time, run.boot_time))
            restarts, timeout_at, attached = 1, time.time() + options["setup_timeout"], None
            run = once()
        if restarts:
            result["setup"]["restarts"] = restarts
        if run.state == detached.LOST:
            raise ActionFailure("setup.exe ended without an exit code (the host restarted or the task was stopped); "
                                "look at C:\\$WINDOWS.~BT\\Sources\\Panther\\setupact.log")
        return run

    def _downlevel_once(self, result, options, runner, setup_path, args, host, run_id, call, timeout_at,
                        until=None, attached=None):
        """ATTACHED: None to start setup.exe (or attach to the run of its key); else the run is taken
        up from an earlier call, which found it running (True) or started it (False). A taken-up run
        is only waited for: a restart of the host in between shows as the run lost (a start would
        archive it and begin afresh)."""
        if attached is None:
            begun = runner.start(run_id, setup_path, args, max_run_seconds=max(3600, options["setup_timeout"] * 2),
                                 reuse_seconds=options["setup_timeout"])
            attached = not begun.get("started", False)
        result["setup"] = {"run_id": run_id, "attached": attached, "exit_code": None}
        chunk = max(options["poll_interval"] * 10, 1.0)
        while True:
            left = timeout_at - time.time()
            try:
                run = runner.wait(run_id, timeout=max(0.0, min(chunk, left)), interval=options["poll_interval"],
                                  label="Windows Setup downlevel phase", attached=attached, until=until)
                break
            except detached.DetachedTimeout as exc:
                if time.time() >= timeout_at:
                    # Named after the option, counted from setup's start (the last wait was a short chunk).
                    raise detached.DetachedTimeout(
                        "Windows Setup's downlevel phase (run %s) did not finish within setup_timeout=%ss; setup.exe "
                        "keeps running on the host. Run the task again with the same options to wait for it, or "
                        "raise setup_timeout" % (run_id, options["setup_timeout"]), run_id, exc.status) from exc
            try:
                state = call("inplace_setup_state", {})
                if state.get("setup_progress") is not None:
                    host_session.progress(host)("Windows Setup downlevel phase %s%% (SetupProgress)"
                                                % state["setup_progress"])
            except Exception:  # noqa: BLE001 - progress only; the next wait polls again
                pass
        result["setup"].update(duration_seconds=run.duration_seconds, start_time=run.start_time,
                               end_time=run.end_time, state=run.state, connection_errors=run.connection_errors)
        return run

    def _settled_state(self, options, call, pre, started):
        """Poll inplace_setup_state until setup completed or rolled back (connection errors retried)."""
        deadline = time.monotonic() + options["reboot_timeout"]
        while True:
            try:
                state = call("inplace_setup_state", {})
                outcome = ipu.judge_after(pre, state, started)
                if outcome in ("completed", "rolled_back") or time.monotonic() >= deadline:
                    return state, outcome
            except Exception as exc:  # noqa: BLE001 - the host may restart again meanwhile
                if not detached.is_transient(exc) or time.monotonic() >= deadline:
                    raise
                host_session.reset_connection(self._connection)
            time.sleep(min(options["poll_interval"], max(0.0, deadline - time.monotonic())))
