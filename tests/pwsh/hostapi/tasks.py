# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scheduled tasks: the ScheduledTasks cmdlets detached_start.ps1 and detached_status.ps1 call.

The host keeps a task as the simulator keeps a detached run (tests/winsim/detached):
a plan in host.detached_runs under its run folder, with task_registered. Only the
tasks those scripts make are modelled: TaskPath \\winrepair\\, one action running
powershell.exe -EncodedCommand with the wrapper of detached_start.ps1, whose run
spec (base64 JSON in the wrapper) names the run folder, the command and its limit.
- Register-ScheduledTask: the task exists and has not run: State Ready,
  LastTaskResult 0x41303 (267011) SCHED_S_TASK_HAS_NOT_RUN "The task has not yet
  run" (Microsoft Learn "Task Scheduler Error and Success Constants").
- Start-ScheduledTask: the wrapper starts the command as detached_start's model
  does (winsim.detached.launch): started.json, then the process on the modelled clock.
- Get-ScheduledTask: State Running while the process runs, else Ready.
  Get-ScheduledTaskInfo: LastTaskResult 0x41301 SCHED_S_TASK_RUNNING while it runs,
  then the wrapper's exit code 0 (it catches every error), or the plan's.
- A task that does not exist: the cmdletization's not-found error, CimJobException
  "No MSFT_ScheduledTask objects found with property 'TaskName' equal to 'x'.
  Verify the value of the property and retry.", ObjectNotFound,
  CmdletizationQuery_NotFound_TaskName (a public capture: jfishe/battery
  docs/Unregister-BatteryMonitor.md), non-terminating.
- Register-ScheduledTask of a name that exists, without -Force: not modelled.
"""
from __future__ import annotations

import base64
import json
import re

from winsim import detached, winpath
from winsim.detached import tools
from winsim.model import NotModelled

from . import WinError, handler
from .filesystem import windows_path

TASK_PATH = "\\winrepair\\"
HAS_NOT_RUN = 0x41303
RUNNING = 0x41301


class _Clock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


def _not_found(cmdlet: str, name: str) -> WinError:
    return WinError("Microsoft.PowerShell.Cmdletization.Cim.CimJobException",
                    "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '%s'.  "
                    "Verify the value of the property and retry." % name,
                    "CmdletizationQuery_NotFound_TaskName,%s" % cmdlet, "ObjectNotFound", target=name)


def _check_path(args):
    if str(args.get("path") or "\\") != TASK_PATH:
        raise NotModelled("scheduled tasks outside %s (%s)" % (TASK_PATH, args.get("path")))


def _find(session, name):
    """(run folder key, plan) of the registered task NAME, or (None, None)."""
    for key, plan in detached.runs(session.host).items():
        if plan.get("run_id") == name and plan.get("task_registered"):
            return key, plan
    return None, None


def _state(plan) -> str:
    return "Ready" if plan["done"] else "Running"


def _task(name, plan) -> dict:
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/"
                        "MSFT_ScheduledTask", "TaskName": name, "TaskPath": TASK_PATH, "State": _state(plan)}


def _spec(session, action: dict) -> dict:
    """The run spec inside the wrapper of detached_start.ps1 (powershell.exe -EncodedCommand)."""
    execute = windows_path(session, str(action.get("execute") or ""))
    found = re.search(r"-EncodedCommand\s+(\S+)", str(action.get("arguments") or ""))
    if not execute.lower().endswith("\\powershell.exe") or not found:
        raise NotModelled("a scheduled task action other than powershell.exe -EncodedCommand (%s)" % execute)
    wrapper = base64.b64decode(found.group(1)).decode("utf-16-le")
    inner = re.search(r"FromBase64String\('([A-Za-z0-9+/=]+)'\)", wrapper)
    if not inner:
        raise NotModelled("a task wrapper without the run spec of detached_start.ps1")
    return json.loads(base64.b64decode(inner.group(1)).decode("utf-8"))


@handler("tasks.register")
def register(session, args):
    _check_path(args)
    name = str(args["name"])
    if _find(session, name)[0] is not None:
        if not args.get("force"):
            raise NotModelled("Register-ScheduledTask of the existing task %s without -Force" % name)
        detached.unregister(session.host, name)
    actions = args.get("actions") or []
    if len(actions) != 1:
        raise NotModelled("a scheduled task with %d actions" % len(actions))
    spec = _spec(session, actions[0])
    run_dir = windows_path(session, spec["run_dir"])
    if not winpath.same_path(run_dir, windows_path(session, actions[0].get("working_directory") or "")):
        raise NotModelled("a task whose working directory is not its run folder")
    principal = args.get("principal") or {}
    if (principal.get("user_id"), principal.get("run_level")) != ("S-1-5-18", "Highest"):
        raise NotModelled("a task principal other than SYSTEM, Highest (%r)" % principal)
    # Registered, not started: a plan that ran nothing and says so.
    detached.runs(session.host)[winpath.key(run_dir, session.host)] = {
        "run_id": name, "start": session.now, "duration": 0.0, "stdout": [], "stderr": [], "exit_code": None,
        "effect": lambda host, when: None, "done": True, "label": "task registered, not started",
        "max_run_seconds": float(spec["max_run_seconds"]), "task_registered": True,
        "last_task_result": HAS_NOT_RUN, "spec": spec,
    }
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/"
                        "MSFT_ScheduledTask", "TaskName": name, "TaskPath": TASK_PATH, "State": "Ready"}


@handler("tasks.start")
def start(session, args):
    _check_path(args)
    name = str(args["name"])
    key, plan = _find(session, name)
    if key is None:
        raise _not_found("Start-ScheduledTask", name)
    if not plan["done"]:
        return None  # MultipleInstances IgnoreNew: a second start of a running task is ignored
    spec = plan.get("spec")
    if spec is None:
        raise NotModelled("Start-ScheduledTask of a task whose wrapper already ran")
    host = session.host
    run = tools.plan(host, spec["file_path"], spec.get("arguments") or "")
    run_dir = windows_path(session, spec["run_dir"])
    detached.launch(host, _Clock(session.now), name, run_dir, run, spec["max_run_seconds"])
    # What the wrapper and the process wrote by now (detached.launch, settle).
    done = detached.runs(host)[winpath.key(run_dir, host)]["done"]
    written = [winpath.key(winpath.join(run_dir, leaf), host)
               for leaf in ("started.json", "stdout.txt", "stderr.txt") + (("exit.json",) if done else ())]
    session.drive.write_through(host, [k for k in written if k in host.files])
    return None


@handler("tasks.get")
def get(session, args):
    _check_path(args)
    name = str(args["name"])
    key, plan = _find(session, name)
    if key is None:
        raise _not_found("Get-ScheduledTask", name)
    return _task(name, plan)


@handler("tasks.info")
def info(session, args):
    _check_path(args)
    name = str(args["name"])
    key, plan = _find(session, name)
    if key is None:
        raise _not_found("Get-ScheduledTaskInfo", name)
    result = RUNNING if not plan["done"] else plan.get("last_task_result", 0)
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/"
                        "MSFT_TaskDynamicInfo", "TaskName": name, "TaskPath": TASK_PATH, "LastTaskResult": result,
            "NumberOfMissedRuns": 0}


@handler("tasks.unregister")
def unregister(session, args):
    _check_path(args)
    name = str(args["name"])
    if not detached.unregister(session.host, name):
        raise _not_found("Unregister-ScheduledTask", name)
    return None
