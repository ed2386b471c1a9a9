# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs started detached on a simulated host (the models of detached_start.ps1
and detached_status.ps1 share this).

A run is the files detached_start.ps1 writes under the work root (command.json,
started.json, stdout.txt, stderr.txt, exit.json, collected.json) in
`host.files`, plus the simulator's plan for the process (its modelled
duration, its output over time, what it changes on the host when it ends),
kept in `host.detached_runs` (set here when missing). The process "runs" on
the fleet's modelled clock: settle() writes the output due by now and, once
the duration has passed, the exit record and the command's effect on the host.

Commands are modelled in tools.py (DISM, sfc); others are refused
(NotModelled), so a test cannot pass on a command nobody modelled.
"""
from __future__ import annotations

import base64
import datetime
import json
import re

from .. import acl, locales, winpath
from ..model import HostModel, NotModelled
from . import tools

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
TASK_PATH = "\\winrepair\\"


def runs(host: HostModel) -> dict:
    """run dir key -> plan dict; kept on the host so every request sees it."""
    return host.detached_runs


def _iso(moment: datetime.datetime) -> str:
    """A UTC time as the scripts write it: (Get-Date).ToUniversalTime().ToString('o'),
    2026-11-02T09:00:00.0000000Z (Microsoft Learn "Standard date and time format strings", "O")."""
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d" % (moment.microsecond * 10) + "Z"


def _json(value) -> bytes:
    # ConvertTo-Json -Compress | Set-Content -Encoding UTF8: Windows PowerShell 5.1 writes a BOM,
    # and a CR LF after the value (Microsoft Learn "Set-Content": only -NoNewline leaves it out).
    return b"\xef\xbb\xbf" + json.dumps(value, separators=(",", ":")).encode("utf-8") + b"\r\n"


def _read_json(host: HostModel, path: str):
    if not winpath.is_file(host, path):
        return None
    data = winpath.read(host, path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return json.loads(data.decode("utf-8"))


def check_run_id(run_id: str) -> None:
    if not RUN_ID_RE.match(run_id or ""):
        # detached_start.ps1 / detached_status.ps1 throw this.
        raise ValueError("RunId '%s' is not a valid run id" % run_id)


def settle(host: HostModel, clock) -> None:
    """Bring every run's files up to the modelled time now."""
    now = clock.now()
    for run_dir, plan in list(runs(host).items()):
        if plan["done"]:
            continue
        elapsed = (now - plan["start"]).total_seconds()
        limit = plan["max_run_seconds"]
        timed_out = plan["duration"] > limit and elapsed >= limit
        if timed_out:
            # Task Scheduler does not apply ExecutionTimeLimit to a task started on demand
            # (ITaskSettings::get_ExecutionTimeLimit, learn.microsoft.com/windows/win32/api/taskschd/
            # nf-taskschd-itasksettings-get_executiontimelimit): detached_start.ps1's wrapper waits
            # MaxRunSeconds, ends the process tree (taskkill /T /F) and writes exit.json with
            # timed_out. Killed, the command changes nothing (see kill_all for why).
            elapsed = limit
        fraction = _write_output(host, run_dir, plan, elapsed)
        if timed_out:
            plan["done"] = True
            plan["planned_duration"], plan["duration"] = plan["duration"], limit
            end = plan["start"] + datetime.timedelta(seconds=limit)
            ended = {"exit_code": None, "end_time": _iso(end), "timed_out": True,
                     "error": "ran longer than MaxRunSeconds (%d s): the process and its child "
                              "processes were ended" % int(limit)}
            winpath.write_file(host, winpath.join(run_dir, "exit.json"), _json(ended), written_before=True)
        elif fraction >= 1.0:
            plan["done"] = True
            end = plan["start"] + datetime.timedelta(seconds=plan["duration"])
            try:
                plan["effect"](host, end)
            except winpath.WinIOError as exc:
                # The tool's own writes (its logs, what it stages) met a full disk: it fails with that
                # error, not the planned exit code. Assumption: the exit code is the error as an
                # HRESULT, HRESULT_FROM_WIN32 (winerror.h): 0x80070070 for ERROR_DISK_FULL.
                plan["exit_code"] = (0x80070000 | (exc.win32 & 0xFFFF)) - (1 << 32)
            ended = {"exit_code": plan["exit_code"], "end_time": _iso(end), "error": None, "timed_out": False}
            winpath.write_file(host, winpath.join(run_dir, "exit.json"), _json(ended), written_before=True)


def _write_output(host: HostModel, run_dir: str, plan: dict, elapsed: float) -> float:
    """Write the output the process printed in its first ELAPSED seconds; the fraction of its run."""
    fraction = 1.0 if plan["duration"] <= 0 else min(1.0, elapsed / plan["duration"])
    out = b"".join(chunk for at, chunk in plan["stdout"] if at <= fraction)
    err = b"".join(chunk for at, chunk in plan["stderr"] if at <= fraction)
    # Assumption: the run's output (a few KB) and its exit record went to disk as the process
    # printed them; the model writes them only when polled, so a disk that filled up since
    # does not fail them (whether the tool itself needed the space is its cause model's concern).
    winpath.write_file(host, winpath.join(run_dir, "stdout.txt"), out, written_before=True)
    winpath.write_file(host, winpath.join(run_dir, "stderr.txt"), err, written_before=True)
    return fraction


def kill_all(host: HostModel, clock) -> list:
    """A restart of the host ends every detached run still going; the run ids it ended.

    Windows ends every process when it restarts, the scheduled task's too, and
    detached_start.ps1 registers its task without any trigger (it starts it
    with Start-ScheduledTask), so nothing starts it again at boot (a task runs
    at startup only with a boot trigger: "Task Triggers",
    learn.microsoft.com/windows/win32/taskschd/task-triggers): the wrapper
    never writes exit.json and detached_status reports the run `lost`.
    Runs whose time has passed by now end normally first (settle), effect included.

    What a killed run leaves on the host: the output printed so far and
    nothing else, because the tools' effects apply only when a run ends.
    That is what Windows does for the modelled tools:
    - DISM /Cleanup-Image /RestoreHealth and sfc /scannow repair through
      servicing (CBS) transactions, committed when the repair completes
      (KB 929833, "Repair a Windows Image"); cut off, no repair happened and
      the store / system files are as they were;
    - DISM /Add-Package: an install that did not complete is not installed.
      Servicing keeps uncompleted package operations as pending actions
      (Microsoft Learn "DISM Operating System Package (.cab or .msu)
      Servicing Command-Line Options", /Cleanup-Image /RevertPendingActions)
      and an update whose servicing did not finish across a restart is
      rolled back at boot (Microsoft support "Windows Update hangs and
      updates are uninstalled", KB 3064434). ASSUMPTION: a restart in the
      middle of /Add-Package always ends with the package (and the
      checkpoints it was adding) not installed and no restart pending.
    - setup.exe (the repair install's downlevel phase): the run is lost and
      nothing of the upgrade happened (setup_exe.py applies its phases only
      after a downlevel run that ended; its own restarts come after that).
    A plan may carry a `killed(host, when)` callable for a tool whose killed
    run does leave something; none of the modelled tools needs one.
    """
    settle(host, clock)
    now = clock.now()
    ended = []
    for run_dir, plan in list(runs(host).items()):
        if plan["done"]:
            continue
        elapsed = max(0.0, (now - plan["start"]).total_seconds())
        _write_output(host, run_dir, plan, elapsed)
        plan["done"] = True
        plan["killed_at"] = now
        # How long the process really ran (the plan's length stays in planned_duration);
        # host time tallies (bench) read `duration`.
        plan["planned_duration"] = plan["duration"]
        plan["duration"] = min(plan["duration"], elapsed)
        killed = plan.get("killed")
        if killed is not None:
            killed(host, now)
        ended.append(plan["run_id"])
    return ended


def _run_state(host: HostModel, run_dir: str) -> dict:
    exit_rec = _read_json(host, winpath.join(run_dir, "exit.json"))
    if exit_rec is not None:
        return {"state": "exited", "exit_code": exit_rec.get("exit_code"), "end_time": exit_rec.get("end_time"),
                "error": exit_rec.get("error"), "timed_out": bool(exit_rec.get("timed_out"))}
    plan = runs(host).get(winpath.key(run_dir, host))
    if plan is not None and not plan["done"]:
        return {"state": "running", "exit_code": None, "end_time": None}
    return {"state": "lost", "exit_code": None, "end_time": None}


def start(host: HostModel, clock, run_id, file_path, arguments, work_root, max_run_seconds, reuse_seconds):
    """What detached_start.ps1 does; returns (result, changed)."""
    check_run_id(run_id)
    settle(host, clock)
    now = clock.now()
    root = winpath.norm(work_root, host)
    run_dir = winpath.join(root, run_id)
    result = {"run_id": run_id, "run_dir": run_dir, "task_name": TASK_PATH + run_id, "started": False,
              "state": None, "exit_code": None, "start_time": None, "end_time": None, "archived": None,
              "repaired": []}
    # The tree before anything else: the collection folder and the work root are
    # created or made safe (owner Administrators, protected DACL), or the start stops.
    for folder in (winpath.parent(root), root):
        try:
            if acl.protect_folder(host, folder):
                result["repaired"].append(folder)
        except acl.Unsafe as exc:
            raise RuntimeError(str(exc)) from exc
    spec = None
    if winpath.is_dir(host, run_dir) and acl.trusted_run_folder(host, run_dir):
        spec = _read_json(host, winpath.join(run_dir, "command.json"))
    if spec is not None:
        same = spec["file_path"] == file_path and (spec.get("arguments") or "") == (arguments or "")
        current = _run_state(host, run_dir)
        result["start_time"] = spec.get("requested_time")
        if current["state"] == "running":
            if not same:
                raise RuntimeError("run %s is running a different command (%s %s); wait for it or choose another key"
                                   % (run_id, spec["file_path"], spec.get("arguments")))
            result["state"] = "running"
            return result, bool(result["repaired"])
        fresh = False
        if current["state"] == "exited" and not winpath.is_file(host, winpath.join(run_dir, "collected.json")):
            ended = datetime.datetime.fromisoformat(current["end_time"])
            fresh = (now - ended).total_seconds() <= reuse_seconds
        if same and fresh:
            result.update(state="exited", exit_code=current["exit_code"], end_time=current["end_time"])
            return result, bool(result["repaired"])
    if winpath.is_dir(host, run_dir):
        # Finished long ago, lost, another command, or a folder the collection did not make:
        # kept under a new name; the run gets a new folder.
        archived = "%s.%s" % (run_id, now.strftime("%Y%m%dT%H%M%SZ"))
        _rename_dir(host, run_dir, winpath.join(root, archived))
        result["archived"] = archived
        result["start_time"] = None

    # Refuse before writing anything: a command the simulator does not model.
    plan = tools.plan(host, file_path, arguments or "")
    acl.protect_folder(host, run_dir)
    requested = _iso(now)
    winpath.write_file(host, winpath.join(run_dir, "command.json"),
                       _json({"run_id": run_id, "file_path": file_path, "arguments": arguments or "",
                              "requested_time": requested}))
    # A task of the same name left by a lost run is unregistered before the new one is registered.
    unregister(host, run_id)
    # No run.ps1: the task runs the wrapper as powershell.exe -EncodedCommand (nothing from disk).
    launch(host, clock, run_id, run_dir, plan, max_run_seconds)
    result.update(started=True, state="running", start_time=requested)
    return result, True


def unregister(host: HostModel, run_id: str) -> bool:
    """Unregister-ScheduledTask of the run's task (\\winrepair\\<run id>); False when there was none."""
    found = False
    for plan in runs(host).values():
        if plan["run_id"] == run_id and plan.get("task_registered"):
            plan["task_registered"] = False
            found = True
    return found


def launch(host: HostModel, clock, run_id: str, run_dir: str, plan, max_run_seconds) -> None:
    """Start-ScheduledTask: the task's wrapper starts the command (started.json) and the process
    runs on the modelled clock. detached_start's model and the PowerShell stage's stand-in of
    Start-ScheduledTask (tests/pwsh/hostapi/tasks.py) both start a run here."""
    now = clock.now()
    key = winpath.key(run_dir, host)
    others = len([k for k in runs(host) if k != key])
    winpath.write_file(host, winpath.join(run_dir, "started.json"),
                       _json({"pid": 4000 + others * 4, "start_time": _iso(now)}))
    runs(host)[key] = {
        "run_id": run_id, "start": now, "duration": plan.duration, "stdout": plan.stdout,
        "stderr": plan.stderr, "exit_code": plan.exit_code, "effect": plan.effect, "done": False,
        "label": plan.label, "max_run_seconds": float(max_run_seconds), "task_registered": True,
    }
    settle(host, clock)


def _rename_dir(host: HostModel, old: str, new: str) -> None:
    """Rename-Item of a run folder: its files and the plan move to the new name."""
    old_key, new_key = winpath.key(old, host), winpath.key(new, host)
    for k in list(host.files):
        if winpath.is_under(k, old_key):
            host.files[new_key + k[len(old_key):]] = host.files.pop(k)
    for k in list(host.folders):
        if k == old_key or winpath.is_under(k, old_key):
            rec = host.folders.pop(k)
            rec.path = new + rec.path[len(old):]
            host.folders[new_key + k[len(old_key):]] = rec
    store = runs(host)
    if old_key in store:
        store[new_key] = store.pop(old_key)


def _chunk(host: HostModel, path: str, offset: int, max_bytes: int) -> dict:
    data = winpath.read(host, path) if winpath.is_file(host, path) else b""
    if offset >= len(data):
        return {"b64": "", "offset": offset, "more": False}
    piece = data[offset:offset + max_bytes]
    return {"b64": base64.b64encode(piece).decode("ascii"), "offset": offset + len(piece),
            "more": offset + len(piece) < len(data)}


def status(host: HostModel, clock, run_id, work_root, stdout_offset, stderr_offset, max_bytes):
    """What detached_status.ps1 does; returns (result, changed)."""
    check_run_id(run_id)
    settle(host, clock)
    run_dir = winpath.join(winpath.norm(work_root, host), run_id)
    result = {"run_id": run_id, "state": "unknown", "exit_code": None, "error": None, "file_path": None,
              "arguments": None, "start_time": None, "end_time": None, "duration_seconds": None,
              "task_state": None, "last_task_result": None, "timed_out": False,
              "stdout_b64": "", "stdout_offset": stdout_offset, "stdout_more": False,
              "stderr_b64": "", "stderr_offset": stderr_offset, "stderr_more": False,
              "boot_time": _iso(host.boot_time),
              # Registry OEMCP / ACP of the host's locale (winsim/locales.py); the streams are raw bytes.
              "oem_code_page": locales.of(host).oem_code_page, "ansi_code_page": locales.of(host).ansi_code_page,
              "output_encoding": "raw"}
    spec = _read_json(host, winpath.join(run_dir, "command.json"))
    if spec is None:
        return result, False
    plan = runs(host).get(winpath.key(run_dir, host))
    result.update(file_path=spec["file_path"], arguments=spec.get("arguments"),
                  start_time=spec.get("requested_time"))
    started = _read_json(host, winpath.join(run_dir, "started.json"))
    if started:
        result["start_time"] = started["start_time"]
    current = _run_state(host, run_dir)
    result.update(state=current["state"], exit_code=current["exit_code"], end_time=current["end_time"],
                  error=current.get("error"), timed_out=bool(current.get("timed_out")))
    task_registered = bool(plan and plan["task_registered"])
    if task_registered:
        # Get-ScheduledTask State; LastTaskResult 0x41301 SCHED_S_TASK_RUNNING while it runs, then
        # the wrapper's exit code (0), or the plan's: 0x41303 SCHED_S_TASK_HAS_NOT_RUN for a task
        # that never ran (Task Scheduler error and success constants, learn.microsoft.com/windows/win32/taskschd).
        running = current["state"] == "running"
        result["task_state"] = "Running" if running else "Ready"
        result["last_task_result"] = 0x41301 if running else plan.get("last_task_result", 0)
    if current["state"] == "lost" and not started:
        # detached_status.ps1 says why a run that never started its command is lost.
        if result["last_task_result"] == 0x41303:
            result["error"] = "the scheduled task never ran (SCHED_S_TASK_HAS_NOT_RUN)"
        elif result["last_task_result"] is not None:
            result["error"] = ("the scheduled task ended (result %d) before its wrapper started the command"
                               % result["last_task_result"])
        else:
            result["error"] = "the scheduled task is gone and the command never started"
    out = _chunk(host, winpath.join(run_dir, "stdout.txt"), int(stdout_offset), int(max_bytes))
    err = _chunk(host, winpath.join(run_dir, "stderr.txt"), int(stderr_offset), int(max_bytes))
    result.update(stdout_b64=out["b64"], stdout_offset=out["offset"], stdout_more=out["more"],
                  stderr_b64=err["b64"], stderr_offset=err["offset"], stderr_more=err["more"])
    if result["start_time"]:
        begin = datetime.datetime.fromisoformat(result["start_time"])
        until = datetime.datetime.fromisoformat(result["end_time"]) if result["end_time"] else clock.now()
        result["duration_seconds"] = int((until - begin).total_seconds())
    changed = False
    if current["state"] != "running" and not out["more"] and not err["more"]:
        collected = winpath.join(run_dir, "collected.json")
        if not winpath.is_file(host, collected):
            try:
                winpath.write_file(host, collected, _json({"collected_time": _iso(clock.now())}))
                changed = True
            except winpath.WinIOError as exc:  # detached_status.ps1 catches the write's error
                result["collect_error"] = str(exc)
        if task_registered:
            plan["task_registered"] = False
            changed = True
    return result, changed


def refuse_unknown(parameters: dict, names: set, script: str) -> None:
    unknown = set(parameters) - names
    if unknown:
        raise NotModelled("%s parameters %s" % (script, ", ".join(sorted(unknown))))


# Command models kept in files of their own register with tools.py when
# imported; importing them here makes every fleet know them, whichever script
# model happens to run first.
from . import dism_packages, setup_exe  # noqa: E402,F401  pylint: disable=wrong-import-position

dism_packages.install()
