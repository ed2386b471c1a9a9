# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_updates (3.3.0) as its action plugin drives it.

The protocol (build/collections/ansible_collections/ansible/windows/plugins/
action/win_updates.py `_run_updates`, modules/win_updates.ps1):

1. `_operation=start`: the module starts the update task in a new process
   (WMI Win32_Process.Create, or a scheduled task), waits until the task wrote
   its first line `{"task": "started"}` on a named pipe, and exits with
   `cancel_options = {cancel_id, task_pid}` and `poll_options = {pipe_name}`.
2. `_operation=poll` (repeated): connects to the pipe and answers
   `output = [{task, result}, ...]`: it waits for the first line, then keeps
   reading while another line comes within 1 second (Receive-ProgressOutput).
   Tasks: search_result {updates, filtered}, download / install (progress),
   download_result / install_result {info: [{id, result_code, hresult(,
   reboot_required)}]}, exit {changed, failed, reboot_required, action,
   exception}. The task repeats `exit` until it is cancelled.
3. `_operation=cancel` with the cancel options: sets the cancel event, waits
   for the process; `{}` result.

What the update task does (Install-WindowsUpdate in win_updates.ps1), modelled
step by step in `_task()`: reads Microsoft.Update.SystemInfo.RebootRequired
(modelled as the WU RebootRequired flag, host.pending_reboot.wu_reboot_required),
searches "IsInstalled = 0" (host.available_updates minus host.installed_kbs),
filters each update (accept_list / reject_list regex on title+KBs, hidden,
category_names, skip_optional), writes search_result; exits there in check
mode, for state=searched or when nothing is selected; throws "A reboot is
required before more updates can be installed" when a reboot is pending;
downloads what is not downloaded, installs, and throws "Failed to download all
updates - see updates for more information" / "Failed to install all updates
- see updates for more information" when one fails (the exit result then
carries failed=true and exception.message). Download and install outcomes
come from tests/winsim/causes.py (causes.blocking / causes.try_install).

Modelled durations (modelled seconds; the server delays answers by them):
search 150 s (ASSUMPTION); a cumulative update downloads its size_bytes (what
Windows Update fetches of it: downloads.py, about a quarter of the catalog
.msu) at the modelled bandwidth, one for every download (downloads.py), and
installs in 25 minutes (ASSUMPTION, within the reports: ansible.windows issue
#180 logs three updates including a Windows Server 2019 cumulative update
downloaded and installed through win_updates in about 19 minutes,
github.com/ansible-collections/ansible.windows/issues/180; Microsoft gives
only relative figures for 24H2, installs 45.6 % / 43.6 % faster than 22H2:
Steve DiAcetis, "Windows 11, version 24H2 improved update fundamentals",
Windows IT Pro Blog, 2024-10-22). Any other update downloads its size_bytes at
the same bandwidth and installs in 120 s (ASSUMPTION). An entry without a size
downloads in 15 minutes (a cumulative update) or 60 s. Per update override:
download_seconds, install_seconds in its available_updates entry.

When the task's exit line is delivered, the host gets one extra record
("raw", "win_updates_task") whose modelled_seconds is the task's own duration:
at a high time_scale the task runs while the controller is still busy, so the
polls alone do not show how long it took.

Not modelled (refused with NotModelled): log_path, server_selection
managed_server (no WSUS is modelled), `_operation_options.wait` (async),
unknown options, invalid choices, accept/reject patterns Python's re cannot
compile.
"""
from __future__ import annotations

import datetime
import re
import threading
import time
import uuid
import zlib

from .. import causes, downloads
from ..model import HostModel, NotModelled, RunContext

FQCN = "ansible.windows.win_updates"

OPTIONS = {"accept_list", "category_names", "log_path", "reject_list", "server_selection", "state",
           "skip_optional", "reboot", "reboot_timeout", "_operation", "_operation_options"}
STATES = ("installed", "searched", "downloaded")
DEFAULT_CATEGORIES = ["CriticalUpdates", "SecurityUpdates", "UpdateRollups"]
# win_updates.ps1 maps the old CamelCase names to WU category names.
CAMEL = {"CriticalUpdates": "Critical Updates", "DefinitionUpdates": "Definition Updates",
         "DeveloperKits": "Developer Kits", "FeaturePacks": "Feature Packs",
         "SecurityUpdates": "Security Updates", "ServicePacks": "Service Packs",
         "UpdateRollups": "Update Rollups"}

START_SECONDS = 4.0  # start the task process, wait for its pipe and 'started' line
POLL_SECONDS = 1.0  # a poll's own PowerShell start and pipe connect
CANCEL_SECONDS = 1.0
SEARCH_SECONDS = 150.0
CU_DOWNLOAD_SECONDS = 900.0
CU_INSTALL_SECONDS = 1500.0
OTHER_DOWNLOAD_SECONDS = 60.0
OTHER_INSTALL_SECONDS = 120.0
PIPE_CONNECT_TIMEOUT = 300.0  # Receive-ProgressOutput: $pipe.Connect(300000)
READ_WINDOW = 1.0  # Receive-ProgressOutput waits 1 s for each further line
# A failing install stops part way (CBS fails while staging/executing the package).
FAIL_AT_PERCENT = 62

# OperationResultCode (Microsoft Learn "OperationResultCode enumeration").
OR_IN_PROGRESS, OR_SUCCEEDED, OR_FAILED = 1, 2, 4
# DownloadPhase (Microsoft Learn "DownloadPhase enumeration"): 1 initializing, 2 downloading, 3 verifying.
DPH_DOWNLOADING = 2

# Description WU gives a Windows cumulative update (unverified wording).
CU_DESCRIPTION = ("Install this update to resolve issues in Windows. For a complete listing of the issues "
                  "that are included in this update, see the associated Microsoft Knowledge Base article "
                  "for more information. After you install this item, you may have to restart your computer.")

_lock = threading.Lock()
_JOBS: dict = {}  # pipe name -> _Job


def _fail(msg: str) -> dict:
    return {"changed": False, "failed": True, "msg": msg}


def _bool(value) -> bool:
    # Ansible.Basic type bool accepts yes/no, true/false, on/off, 1/0 as text.
    if isinstance(value, str):
        if value.strip().lower() in ("yes", "true", "on", "1", "y"):
            return True
        if value.strip().lower() in ("no", "false", "off", "0", "n", ""):
            return False
        raise NotModelled("win_updates bool value %r" % value)
    return bool(value)


def _validate(args: dict) -> dict:
    unknown = sorted(k for k in args if k not in OPTIONS and not str(k).startswith("_ansible_"))
    if unknown:
        raise NotModelled("win_updates options %s" % ", ".join(unknown))
    p = {
        "state": args.get("state") or "installed",
        "server_selection": args.get("server_selection") or "default",
        "category_names": args.get("category_names"),
        "accept_list": list(args.get("accept_list") or []),
        "reject_list": list(args.get("reject_list") or []),
        "skip_optional": _bool(args.get("skip_optional")),
        "log_path": args.get("log_path"),
        "operation": args.get("_operation") or "start",
        "operation_options": dict(args.get("_operation_options") or {}),
    }
    if p["state"] not in STATES:
        raise NotModelled("win_updates state=%r" % p["state"])
    if p["server_selection"] not in ("default", "windows_update"):
        raise NotModelled("win_updates server_selection=%r (no WSUS server is modelled)" % p["server_selection"])
    if p["operation"] not in ("start", "poll", "cancel"):
        raise NotModelled("win_updates _operation=%r" % p["operation"])
    if p["log_path"]:
        raise NotModelled("win_updates log_path")
    cats = p["category_names"]
    if cats is None:
        cats = list(DEFAULT_CATEGORIES)
    elif isinstance(cats, str):
        cats = [c.strip() for c in cats.split(",")]  # Ansible.Basic list from a comma string
    p["categories"] = [CAMEL.get(c, c) for c in cats]
    for key in ("accept_list", "reject_list"):
        if isinstance(args.get(key), str):
            p[key] = [c.strip() for c in args[key].split(",")]
        for pattern in p[key]:
            try:
                re.compile(pattern)
            except re.error:
                raise NotModelled("win_updates %s pattern %r (a .NET regex re cannot compile)" % (key, pattern))
    return p


# ------------------------------------------------------------------ search

def _is_cu(entry: dict) -> bool:
    return "cumulative update" in entry.get("title", "").lower()


def _update_info(entry: dict) -> dict:
    """Format-UpdateInfo of win_updates.ps1 for one update (IUpdate properties)."""
    return {
        "id": entry["id"],
        "title": entry["title"],
        "description": entry.get("description") or (CU_DESCRIPTION if _is_cu(entry) else entry["title"]),
        "kb": [causes.norm_kb(entry["kb"])],
        "type": "Software",
        "deployment_action": "Installation",
        "auto_select_on_websites": not entry.get("browse_only", False),
        "browse_only": bool(entry.get("browse_only", False)),
        "revision_number": int(entry.get("revision_number", 1)),
        "categories": list(entry.get("categories") or []),
        "is_installed": False,
        "is_hidden": bool(entry.get("is_hidden", False)),
        "is_present": False,
        "reboot_required": False,
        "impact": "Normal",
        "reboot_behaviour": "CanRequestReboot",
        "is_beta": False,
        "is_downloaded": bool(entry.get("is_downloaded", False)),
        "is_mandatory": False,
        "is_uninstallable": True,
        "auto_selection": "LetWindowsUpdateDecide",
        "auto_download": "LetWindowsUpdateDecide",
    }


def _in_list(text: str, patterns: list) -> bool:
    # Test-InList: an empty list matches; otherwise `-imatch` (case-insensitive .NET regex,
    # unanchored) against each pattern.
    if not patterns:
        return True
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def _filter_reasons(info: dict, p: dict) -> list:
    # win_updates.ps1: $matchList = ($updateInfo.title + $updateInfo.kb): a string plus an
    # array is one string, the array joined with spaces ($OFS), glued to the title.
    match_text = info["title"] + " ".join(info["kb"])
    reasons = []
    if not _in_list(match_text, p["accept_list"]):
        reasons.append("accept_list")
    if p["reject_list"] and _in_list(match_text, p["reject_list"]):
        reasons.append("reject_list")
    if info["is_hidden"]:
        reasons.append("hidden")
    cats = p["categories"]
    # `$updateInfo.categories -ieq $matchCat` on an array: any element equal, ignoring case; '*' matches all.
    if cats and not any(c == "*" or c.lower() in [x.lower() for x in info["categories"]] for c in cats):
        reasons.append("category_names")
    if p["skip_optional"] and info["browse_only"]:
        reasons.append("skip_optional")
    return reasons


def search(host: HostModel, p: dict) -> tuple:
    """(all update infos, filtered [{id, reasons}], selected entries) as the task computes them."""
    installed = {k.upper() for k in host.installed_kbs}
    infos, filtered, selected = [], [], []
    for entry in host.available_updates:
        if causes.norm_kb(entry["kb"]) in installed:
            continue  # search criteria "IsInstalled = 0"
        info = _update_info(entry)
        infos.append(info)
        reasons = _filter_reasons(info, p)
        if reasons:
            filtered.append({"id": info["id"], "reasons": reasons})
        else:
            selected.append(entry)
    return infos, filtered, selected


# -------------------------------------------------------------------- task

def _exit(changed, failed=False, reboot_required=False, message=None) -> dict:
    result = {"changed": bool(changed), "failed": bool(failed), "reboot_required": bool(reboot_required),
              "action": None, "exception": None}
    if message:
        # The trap of Install-WindowsUpdate: exception = {message, exception = error text + stack}.
        # `$_ | Out-String` of a `throw "text"` ErrorRecord (PowerShell's default error view),
        # then the script stack trace; line numbers are not modelled.
        text = ("%s\r\nAt line:1 char:1\r\n+ throw \"%s\"\r\n+ ~~~~~\r\n"
                "    + CategoryInfo          : OperationStopped: (%s:String) [], RuntimeException\r\n"
                "    + FullyQualifiedErrorId : %s\r\n\r\n\r\n\r\nat Install-WindowsUpdate, <No file>"
                % (message, message, message, message))
        result["exception"] = {"message": message, "exception": text}
    return {"task": "exit", "result": result}


def _phase_steps(seconds: float, fail_at=None) -> list:
    """(delay, percent) steps of a download/install: 25 % steps, or up to the failure point.

    ASSUMPTION: win_updates.ps1 writes one line for every call of Windows Update's progress callbacks
    (IDownloadProgressChangedCallback, IInstallationProgressChangedCallback; Receive-CallbackProgress),
    but how often Windows Update calls them is not documented. A poll waits for the next line, so this
    spacing sets how long a poll can hold its fork (win_wu_verify's rests follow the spacing it sees)."""
    stops = [25, 50, 75, 100] if fail_at is None else [p for p in (25, 50) if p < fail_at] + [fail_at]
    out, last = [], 0
    for pct in stops:
        out.append((seconds * (pct - last) / 100.0, pct))
        last = pct
    return out


def _task(job: "_Job"):
    """The update task as a stream: floats are modelled seconds passing, dicts are pipe lines.
    Host changes happen when the stream is advanced past the time they take."""
    host, p, clock = job.host, job.params, job.clock_at
    reboot_required = bool(host.pending_reboot.wu_reboot_required)
    yield SEARCH_SECONDS
    infos, filtered, selected = search(host, p)
    yield {"task": "search_result", "result": {"updates": infos, "filtered": filtered}}
    if job.check_mode or p["state"] == "searched" or not selected:
        yield _exit(bool(selected) and p["state"] != "searched", reboot_required=reboot_required)
        return
    if reboot_required:
        yield _exit(False, True, reboot_required, "A reboot is required before more updates can be installed")
        return

    to_download = [e for e in selected if not e.get("is_downloaded")]
    if to_download:
        total = sum(int(e.get("size_bytes") or 0) for e in to_download)
        done_bytes, info, failed = 0, [], False
        for idx, entry in enumerate(to_download):
            size = int(entry.get("size_bytes") or 0)
            block = causes.blocking(host, entry["kb"], "wu", clock())
            fail = block is not None and block["phase"] == "download"
            seconds = float(entry.get("download_seconds") or
                            (downloads.seconds(size) if size else
                             CU_DOWNLOAD_SECONDS if _is_cu(entry) else OTHER_DOWNLOAD_SECONDS))
            for delay, pct in _phase_steps(seconds, FAIL_AT_PERCENT if fail else None):
                yield delay
                got = size * pct // 100
                overall = (done_bytes + got) * 100 // total if total else 100
                # IDownloadProgress properties + CurrentUpdateId (Receive-CallbackProgress),
                # and the current IDownloadResult (HResult, ResultCode).
                yield {"task": "download", "result": {
                    "progress": {"CurrentUpdateId": entry["id"], "CurrentUpdateIndex": idx,
                                 "CurrentUpdateBytesDownloaded": got, "CurrentUpdateBytesToDownload": size,
                                 "CurrentUpdateDownloadPhase": DPH_DOWNLOADING,
                                 "CurrentUpdatePercentComplete": pct, "PercentComplete": overall,
                                 "TotalBytesDownloaded": done_bytes + got, "TotalBytesToDownload": total},
                    "result": {"HResult": 0, "ResultCode": OR_IN_PROGRESS}}}
            if fail:
                info.append({"id": entry["id"], "result_code": OR_FAILED, "hresult": causes.signed(block["hresult"])})
                failed = True
            else:
                entry["is_downloaded"] = True
                info.append({"id": entry["id"], "result_code": OR_SUCCEEDED, "hresult": 0})
            done_bytes += size
        yield {"task": "download_result", "result": {"info": info}}
        if failed:
            yield _exit(True, True, reboot_required,
                        "Failed to download all updates - see updates for more information")
            return
    if p["state"] == "downloaded":
        yield _exit(bool(to_download), reboot_required=reboot_required)
        return

    info, failed = [], False
    count = len(selected)
    for idx, entry in enumerate(selected):
        block = causes.blocking(host, entry["kb"], "wu", clock())
        seconds = float(entry.get("install_seconds") or
                        (CU_INSTALL_SECONDS if _is_cu(entry) else OTHER_INSTALL_SECONDS))
        for delay, pct in _phase_steps(seconds, FAIL_AT_PERCENT if block else None):
            yield delay
            # IInstallationProgress + the current IUpdateInstallationResult.
            yield {"task": "install", "result": {
                "progress": {"CurrentUpdateId": entry["id"], "CurrentUpdateIndex": idx,
                             "CurrentUpdatePercentComplete": pct,
                             "PercentComplete": (idx * 100 + pct) // count},
                "result": {"HResult": 0, "ResultCode": OR_IN_PROGRESS, "RebootRequired": False}}}
        installed, hresult, needs_reboot = causes.try_install(host, entry["kb"], "wu", clock())
        info.append({"id": entry["id"], "result_code": OR_SUCCEEDED if installed else OR_FAILED,
                     "hresult": 0 if installed else causes.signed(hresult), "reboot_required": bool(needs_reboot)})
        if not installed:
            failed = True
        if needs_reboot:
            reboot_required = True
    yield {"task": "install_result", "result": {"info": info}}
    if failed:
        yield _exit(True, True, reboot_required, "Failed to install all updates - see updates for more information")
        return
    # Post-install: SystemInfo.RebootRequired again.
    yield _exit(True, reboot_required=bool(host.pending_reboot.wu_reboot_required))


class _Job(object):
    def __init__(self, host: HostModel, params: dict, check_mode: bool, start: datetime.datetime):
        self.host = host
        self.params = params
        self.check_mode = check_mode
        self.start = start
        self.boot_time = host.boot_time
        self.offset = 0.0  # modelled seconds of the stream consumed since start
        self.pending = None  # the next stream item, peeked
        self.stream = _task(self)
        self.exit_line = None
        self.done = False
        self.kbs = {causes.norm_kb(e["kb"]) for e in host.available_updates}

    def clock_at(self) -> datetime.datetime:
        return self.start + datetime.timedelta(seconds=self.offset)

    def peek(self):
        if self.pending is None and not self.done:
            try:
                self.pending = next(self.stream)
            except StopIteration:
                self.done = True
        return self.pending

    def take(self):
        item, self.pending = self.pending, None
        return item


def _record_task(host: HostModel, job: "_Job", exit_result: dict) -> None:
    """One record for the update task itself (it runs in its own process, like the
    server's `boot` record for a restart): its modelled duration whatever the clock
    scale, and what it did."""
    outcome = "failed" if exit_result["failed"] else ("changed" if exit_result["changed"] else "ok")
    host.record("raw", "win_updates_task",
                {"state": job.params["state"], "accept_list": job.params["accept_list"],
                 "installed": [k for k in host.installed_kbs if k in job.kbs]},
                job.check_mode, job.offset, outcome, real_time=time.time())


def _start(host: HostModel, p: dict, ctx: RunContext) -> dict:
    if p["operation_options"].get("wait"):
        raise NotModelled("win_updates with _operation_options.wait (async tasks)")
    ctx.spend(START_SECONDS)
    task_id = str(uuid.uuid4())
    pipe = "Ansible.Windows.WinUpdates-%s" % task_id
    now = ctx.clock.now() + datetime.timedelta(seconds=ctx.modelled_seconds)
    job = _Job(host, p, ctx.check_mode, now)
    with _lock:
        _JOBS[pipe] = job
    # The pid of the cmd.exe the task runs in (any number Windows would hand out: a multiple of 4).
    pid = 4 * (1000 + zlib.crc32(task_id.encode()) % 15000)
    job.pid = pid
    return {"changed": False,
            "cancel_options": {"cancel_id": "Global\\Ansible.Windows.WinUpdates-%s" % task_id, "task_pid": pid},
            "poll_options": {"pipe_name": pipe}}


def _poll(host: HostModel, p: dict, ctx: RunContext) -> dict:
    pipe = p["operation_options"].get("pipe_name")
    with _lock:
        job = _JOBS.get(pipe)
    ctx.spend(POLL_SECONDS)
    if job is None or job.host is not host or job.boot_time != host.boot_time:
        # No pipe server (never started here, cancelled, or the host restarted since):
        # NamedPipeClientStream.Connect(300000) times out; the module's FailJson text.
        ctx.spend(PIPE_CONNECT_TIMEOUT)
        return _fail("Timed out waiting for server pipe to be available")
    out = []
    while True:
        if job.exit_line is not None:
            # The task writes 'exit' again and again until it is cancelled; reading stops at it.
            out.append(job.exit_line)
            break
        item = job.peek()
        if item is None:
            break
        if isinstance(item, dict):
            job.take()
            out.append(item)
            if item["task"] == "exit":
                job.exit_line = item
                _record_task(host, job, item["result"])
                break
            continue
        due = job.start + datetime.timedelta(seconds=job.offset + float(item))
        now = ctx.clock.now() + datetime.timedelta(seconds=ctx.modelled_seconds)
        if out and (due - now).total_seconds() > READ_WINDOW:
            break  # no further line within a second: this poll returns
        job.take()
        job.offset += float(item)
        if due > now:
            ctx.spend((due - now).total_seconds())
    return {"changed": False, "output": out}


def _cancel(host: HostModel, p: dict, ctx: RunContext) -> dict:
    cancel_id = str(p["operation_options"].get("cancel_id") or "")
    pipe = cancel_id.replace("Global\\", "", 1)
    with _lock:
        _JOBS.pop(pipe, None)  # an unfinished task is abandoned: nothing more happens on the host
    ctx.spend(CANCEL_SECONDS)
    return {"changed": False}


def jobs_running(host: HostModel) -> int:
    """Update tasks started on HOST and not cancelled (tests: the action always cancels)."""
    with _lock:
        return sum(1 for j in _JOBS.values() if j.host is host)


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    p = _validate(args)
    if p["operation"] == "start":
        return _start(host, p, ctx)
    if p["operation"] == "poll":
        return _poll(host, p, ctx)
    return _cancel(host, p, ctx)
