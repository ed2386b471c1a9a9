# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Long host operations that outlive the WinRM shell: start detached, then poll.

A WinRM command lives as long as its shell: a dropped connection or an
operation timeout loses the answer of a 30-minute DISM run, and the remote
shell's processes end with the shell. So the collection starts such commands
detached on the host (powershell/detached_start.ps1: a scheduled task running
as SYSTEM, see the comment there for why), with stdout/stderr in files under
C:\\ProgramData\\winrepair\\runs\\<run id>, and polls them
(powershell/detached_status.ps1) in short, read-only round trips.

This module is the controller side and knows nothing of Ansible plumbing: the
action plugin passes a `call_script(name, parameters)` function (usually
script_runner.run_script bound to itself), a `reset_connection()` function
and a `progress(message)` function. Clock and sleep are injectable for tests.

Idempotency: the caller chooses the run id (a key, see make_key). Starting
again with the same key attaches to the run that is already there (running,
or finished less than `reuse_seconds` ago) instead of starting a second one,
so a retry after a dropped connection, or a re-run of the whole task, never
runs DISM twice at once.

Restarts: a restart of the host ends every process, the scheduled task's
too, and the task is not started again at boot, so the run never writes its
exit code and comes back `lost`. The status script reports the host's boot
time; a lost run that started before the last boot was ended by a restart.
run_restarting() then starts the same command once more (same key: the lost
run's folder is archived by detached_start) and fails with
HostRestartedError when a restart ends that run too.
"""
from __future__ import annotations

import base64
import hashlib
import re
import time

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.fork_share import StillRunning
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import console_text, isotime

WORK_ROOT = "C:\\ProgramData\\winrepair\\runs"
START_SCRIPT = "detached_start"
STATUS_SCRIPT = "detached_status"

# Same pattern as the .ps1 scripts check: a folder and task name without quoting trouble.
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")

# Bytes of each stream a status call returns at most; the rest comes next poll.
DEFAULT_MAX_BYTES = 65536

# States the status script reports.
RUNNING = "running"  # the task is queued or its process runs
EXITED = "exited"  # the wrapper wrote the exit code
LOST = "lost"  # the task is no longer running but no exit code was written (reboot, killed)
UNKNOWN = "unknown"  # no such run on the host


class DetachedError(Exception):
    """The detached run could not be started, was lost, or its status is unusable."""

    def __init__(self, message, run_id=None, status=None):
        super(DetachedError, self).__init__(message)
        self.message = message
        self.run_id = run_id
        self.status = status or {}


class DetachedTimeout(DetachedError):
    """The run did not finish within the caller's timeout; it keeps running on the host."""


class HostRestartedError(DetachedError):
    """A restart of the host ended the run, and ended the one started again after it too."""


# The words HostRestartedError's message starts with; remediation.rung_outcome
# reads a failure with them as an interrupted rung (like a lost connection).
HOST_RESTARTED_TWICE = re.compile(r"the host restarted during .+ twice", re.IGNORECASE)


def restarted_during(status):
    """Did a restart of the host end this run? STATUS: a detached_status answer.

    True when the run is lost and the host booted after the run started; False
    when it is not lost, or either time is missing or unreadable (a lost run
    is then not known to be a restart's doing).
    """
    if (status or {}).get("state") != LOST:
        return False
    booted = isotime.parse(status.get("boot_time"))
    began = isotime.parse(status.get("start_time"))
    return booted is not None and began is not None and booted > began


def make_key(prefix, *parts):
    """A run id for PREFIX from the parts that make a run the same run.

    Same prefix and parts -> same id, so a repeated start finds the earlier run.
    """
    safe_prefix = re.sub(r"[^A-Za-z0-9_.-]", "-", prefix).strip("-.") or "run"
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]
    return "%s-%s" % (safe_prefix[:60], digest)


def check_run_id(run_id):
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise ValueError("run id %r: use 1-80 letters, digits, '_', '.', '-' starting with a letter or digit" % (run_id,))
    return run_id


def quote_argument(arg):
    """Quote one argument the way the Microsoft C runtime parses a command line.

    Rules: "Parsing C command-line arguments" (learn.microsoft.com, cpp/c-language):
    backslashes are literal unless they precede a double quote; 2n backslashes
    + quote -> n backslashes and a delimiter; 2n+1 backslashes + quote -> n
    backslashes and a literal quote. DISM and sfc parse their command line
    this way; setup.exe too.
    """
    if arg and not re.search(r'[\s"]', arg):
        return arg
    out = ['"']
    backslashes = 0
    for char in arg:
        if char == "\\":
            backslashes += 1
        elif char == '"':
            out.append("\\" * (backslashes * 2 + 1) + '"')
            backslashes = 0
        else:
            out.append("\\" * backslashes + char)
            backslashes = 0
    out.append("\\" * (backslashes * 2) + '"')
    return "".join(out)


def command_line(arguments):
    """One Windows command-line string for ARGUMENTS (not including the program)."""
    return " ".join(quote_argument(a) for a in arguments)


def decode_output(data, code_page=None):
    """Text of a tool's redirected output bytes.

    sfc.exe writes UTF-16LE when its output is redirected (public wrappers set
    [Console]::OutputEncoding to Unicode before running it, e.g.
    greenmtnit/windows-scripts Run-SFCAndDISM.ps1); DISM and other console
    tools write 8-bit text in the host's OEM code page, which the status
    script reports (oem_code_page). _parse/console_text.py tells them apart.
    """
    if not data:
        return ""
    return console_text.to_text(data, code_page)


class StreamBuffer:
    """The bytes of one output stream gathered over polls, decoded on demand."""

    def __init__(self):
        self.data = bytearray()
        self.offset = 0  # the next byte offset to ask the host for

    def add(self, b64_chunk, next_offset):
        chunk = base64.b64decode(b64_chunk) if b64_chunk else b""
        self.data.extend(chunk)
        self.offset = int(next_offset) if next_offset is not None else self.offset + len(chunk)
        return len(chunk)

    def text(self, code_page=None):
        return normalise_newlines(decode_output(bytes(self.data), code_page))


def normalise_newlines(text):
    """CRLF -> LF; a bare CR (a console progress bar redrawing its line) -> LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s?%")


def last_percentage(text):
    """The last percentage a progress bar printed (DISM: `[====  42.5%   ]`), or None."""
    found = _PERCENT.findall(text or "")
    if not found:
        return None
    value = float(found[-1].replace(",", "."))
    return value if 0.0 <= value <= 100.0 else None


def format_seconds(seconds):
    seconds = int(max(0, seconds))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%dh%02dm" % (seconds // 3600, (seconds % 3600) // 60)


def is_transient(exc):
    """Is EXC a connection problem worth retrying (not an answer from the host)?

    ansible-core's winrm plugin raises AnsibleConnectionFailure for timeouts,
    lets requests' ConnectionError (an OSError) through for a dropped TCP
    connection, and pywinrm raises WinRMTransportError (HTTP 500) and
    WinRMOperationTimeoutError; ansible.windows' win_updates action retries on
    the same kinds while polling.
    """
    try:
        from ansible.errors import AnsibleConnectionFailure
        if isinstance(exc, AnsibleConnectionFailure):
            return True
    except ImportError:  # pragma: no cover - ansible-core is always there in the collection
        pass
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"WinRMTransportError", "WinRMOperationTimeoutError", "WinRMError",
                         "RequestException", "ConnectionError", "Timeout"})


class RunResult:
    """What a finished (or given up) detached run left: state, exit code, output, times."""

    def __init__(self, run_id, status, stdout, stderr, polls, connection_errors, attached, waited_seconds):
        self.run_id = run_id
        self.status = status
        self.state = status.get("state")
        self.exit_code = status.get("exit_code")
        self.stdout = stdout
        self.stderr = stderr
        self.polls = polls
        self.connection_errors = connection_errors
        self.attached = attached  # True: an earlier start with the same key was found
        self.waited_seconds = waited_seconds
        self.start_time = status.get("start_time")
        self.end_time = status.get("end_time")
        self.duration_seconds = status.get("duration_seconds")
        self.boot_time = status.get("boot_time")
        # Why there is no exit code: the wrapper's error (the command did not start,
        # or ran past max_run_seconds and was ended: timed_out) or why a lost run never started.
        self.error = status.get("error")
        self.timed_out = bool(status.get("timed_out"))
        self.restarts = 0  # times the command was started again after a restart ended it

    @property
    def ended_by_restart(self):
        return restarted_during(self.status)

    def as_dict(self):
        return {
            "run_id": self.run_id,
            "state": self.state,
            "exit_code": self.exit_code,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration_seconds": self.duration_seconds,
            "attached": self.attached,
            "polls": self.polls,
            "connection_errors": self.connection_errors,
            "restarts": self.restarts,
        }


class DetachedRunner:
    """Start a command detached on one host and wait for it with polls.

    call_script(name, parameters) -> dict: runs a collection script, raises on failure.
    reset_connection(): drops and reopens the connection after a transient error.
    progress(message): shows the operator that the run is alive.
    """

    def __init__(self, call_script, reset_connection=None, progress=None,
                 clock=time.monotonic, sleep=time.sleep, work_root=WORK_ROOT,
                 progress_every=60.0, progress_gap=15.0, max_backoff=60.0, start_attempts=4, max_poll_errors=30):
        self.call_script = call_script
        self.reset_connection = reset_connection or (lambda: None)
        self.progress = progress or (lambda message: None)
        self.clock = clock
        self.sleep = sleep
        self.work_root = work_root
        self.progress_every = float(progress_every)
        self.progress_gap = float(progress_gap)  # least seconds between two percentage messages
        self.max_backoff = float(max_backoff)
        self.start_attempts = int(start_attempts)
        self.max_poll_errors = int(max_poll_errors)
        self.connection_errors = 0

    # -- helpers ---------------------------------------------------------------------------
    def _reset(self):
        try:
            self.reset_connection()
        except Exception:  # the host may still be away; the next call reconnects
            pass

    def _backoff(self, attempt, base):
        return min(self.max_backoff, max(0.05, base) * (2 ** attempt))

    # -- start -----------------------------------------------------------------------------
    def start(self, run_id, file_path, arguments, max_run_seconds, reuse_seconds=0):
        """Start FILE_PATH ARGUMENTS as run RUN_ID, or find the run already there.

        Retried on connection errors: the key makes a second start attach.
        Returns detached_start's result (run_id, started, state, ...).
        """
        check_run_id(run_id)
        params = {
            "RunId": run_id,
            "FilePath": file_path,
            "Arguments": command_line(arguments),
            "WorkRoot": self.work_root,
            "MaxRunSeconds": int(max_run_seconds),
            "ReuseSeconds": int(reuse_seconds),
        }
        last_error = None
        for attempt in range(self.start_attempts):
            try:
                result = self.call_script(START_SCRIPT, params)
            except Exception as exc:  # noqa: BLE001 - sorted by is_transient
                if not is_transient(exc):
                    raise
                last_error = exc
                self.connection_errors += 1
                self._reset()
                self.sleep(self._backoff(attempt, 2.0))
                continue
            if result.get("run_id") != run_id:
                raise DetachedError("detached_start answered for run %r, expected %r"
                                    % (result.get("run_id"), run_id), run_id, result)
            return result
        raise DetachedError("could not start run %s after %d attempts: %s"
                            % (run_id, self.start_attempts, last_error), run_id)

    # -- wait ------------------------------------------------------------------------------
    def wait(self, run_id, timeout, interval, label=None, attached=False, until=None):
        """Poll run RUN_ID until it exits; return a RunResult.

        timeout: seconds from now; DetachedTimeout when the run still runs then.
        until: clock time after which a poll that finds the run still running
        ends the wait with StillRunning (state: the run id); it runs on, and a
        later wait takes it up.
        interval: seconds between polls. Connection errors and operation
        timeouts between polls are retried with backoff and a connection reset;
        the status script is read-only, so a repeated poll is harmless.
        """
        check_run_id(run_id)
        label = label or run_id
        started = self.clock()
        deadline = started + float(timeout)
        last_shown = started
        stdout, stderr = StreamBuffer(), StreamBuffer()
        polls = 0
        errors_in_row = 0
        percent = shown_percent = None
        status = {}
        # Poll at least once a minute so the operator sees progress that often.
        interval = max(0.0, min(float(interval), self.progress_every))
        while True:
            try:
                status = self.call_script(STATUS_SCRIPT, {
                    "RunId": run_id,
                    "WorkRoot": self.work_root,
                    "StdoutOffset": stdout.offset,
                    "StderrOffset": stderr.offset,
                    "MaxBytes": DEFAULT_MAX_BYTES,
                })
                polls += 1
                errors_in_row = 0
            except Exception as exc:  # noqa: BLE001 - a read-only poll: any failure may be retried
                self.connection_errors += 1
                errors_in_row += 1
                if errors_in_row > self.max_poll_errors:
                    raise DetachedError("polling run %s failed %d times in a row, last: %s"
                                        % (run_id, errors_in_row, exc), run_id, status)
                now = self.clock()
                if now >= deadline:
                    raise DetachedTimeout(self._timeout_message(run_id, label, timeout, status, exc),
                                          run_id, status)
                self._reset()
                pause = min(self._backoff(errors_in_row - 1, interval), max(0.0, deadline - now))
                self.progress("%s: poll failed (%s), connection reset, retrying in %ds"
                              % (label, exc, pause))
                self.sleep(pause)
                continue

            state = status.get("state")
            if state == UNKNOWN:
                raise DetachedError("run %s (%s) is not known on the host: its folder under %s is missing"
                                    % (run_id, label, self.work_root), run_id, status)
            got_out = stdout.add(status.get("stdout_b64"), status.get("stdout_offset"))
            stderr.add(status.get("stderr_b64"), status.get("stderr_offset"))
            if status.get("stdout_more") or status.get("stderr_more"):
                # More output waits on the host than one answer carries: fetch it now.
                continue
            now = self.clock()
            if got_out:
                found = last_percentage(stdout.text()[-400:])
                percent = found if found is not None else percent
            if state in (EXITED, LOST):
                code_page = status.get("oem_code_page")  # absent from older hosts' answers: cp437
                return RunResult(run_id, status, stdout.text(code_page), stderr.text(code_page), polls,
                                 self.connection_errors, attached, now - started)
            due = (polls == 1 or now - last_shown >= self.progress_every
                   or (percent != shown_percent and now - last_shown >= self.progress_gap))
            if due:
                self.progress(self._progress_message(label, percent, status, now - started))
                last_shown, shown_percent = now, percent
            if now >= deadline:
                raise DetachedTimeout(self._timeout_message(run_id, label, timeout, status, None),
                                      run_id, status)
            if until is not None and now >= until:
                raise StillRunning(label, {"run_id": run_id})
            self.sleep(min(interval, max(0.0, deadline - now)))

    def run(self, run_id, file_path, arguments, timeout, interval, label=None, reuse_seconds=0,
            max_run_seconds=None, until=None):
        """start() then wait(); the host-side limit defaults to twice the timeout."""
        max_run = max_run_seconds if max_run_seconds is not None else max(3600, int(timeout) * 2)
        begun = self.start(run_id, file_path, arguments, max_run, reuse_seconds)
        return self.wait(run_id, timeout, interval, label=label, attached=not begun.get("started", False),
                         until=until)

    def run_restarting(self, run_id, file_path, arguments, timeout, interval, label=None, reuse_seconds=0,
                       max_run_seconds=None, until=None, taken_up=False, restarts=0):
        """run(), and once more when a restart of the host ended the run.

        A restart ends every process on the host; the run comes back lost with
        a boot time after its start (restarted_during). The same command is
        started again, with the same key (detached_start archives the lost
        run's folder and starts afresh) and its own `timeout`; the result
        carries restarts=1. When a restart ends that run too, HostRestartedError:
        the host is not stable enough to finish the command. A run lost
        without a restart (the execution time limit, someone ended the task)
        is returned as it is, for the caller to report.

        TAKEN_UP: an earlier call started the run and gave its wait back
        (StillRunning); this call attaches to the run by its key without
        starting anything, so a restart of the host in between is seen (a
        start would archive the lost run and begin afresh). RESTARTS: the
        starts after a restart that earlier calls made (StillRunning's state
        carries it), so the once-only limit holds over every call.
        """
        label = label or run_id
        try:
            current = self._attach(run_id, timeout, interval, label, until) if taken_up else None
            if current is None:
                current = self.run(run_id, file_path, arguments, timeout, interval, label=label,
                                   reuse_seconds=reuse_seconds, max_run_seconds=max_run_seconds, until=until)
        except StillRunning as exc:
            raise StillRunning(exc.what, dict(exc.state, restarts=restarts))
        current.restarts = restarts
        if not current.ended_by_restart:
            return current
        if restarts:
            raise self._restarted_twice(label, current)
        self.progress("%s: the host restarted during the run (run started %s, host booted %s) and ended it; "
                      "starting it again" % (label, current.start_time, current.boot_time))
        try:
            second = self.run(run_id, file_path, arguments, timeout, interval, label=label,
                              reuse_seconds=reuse_seconds, max_run_seconds=max_run_seconds, until=until)
        except StillRunning as exc:
            raise StillRunning(exc.what, dict(exc.state, restarts=1))
        second.restarts = 1
        if second.ended_by_restart:
            raise self._restarted_twice(label, second, current)
        return second

    def _attach(self, run_id, timeout, interval, label, until):
        """wait() for a run an earlier call started; None when the host has no such run (its folder
        is gone), for the caller to start it."""
        try:
            return self.wait(run_id, timeout, interval, label=label, attached=True, until=until)
        except DetachedError as exc:
            if (exc.status or {}).get("state") != UNKNOWN:
                raise
            self.progress("%s: run %s is no longer on the host; starting it again" % (label, run_id))
            return None

    @staticmethod
    def _restarted_twice(label, last, first=None):
        return HostRestartedError(
            "the host restarted during %s twice (the runs started %s and %s were both ended by a restart, the "
            "last boot at %s); nothing was completed: run the task again once the host is stable"
            % (label, first.start_time if first else "in an earlier call", last.start_time, last.boot_time),
            last.run_id, last.status)

    @staticmethod
    def _progress_message(label, percent, status, elapsed):
        where = "%.1f%%" % percent if percent is not None else "running"
        return "%s: %s (waited %s, run %s)" % (label, where, format_seconds(elapsed), status.get("run_id"))

    def _timeout_message(self, run_id, label, timeout, status, exc):
        tail = "" if exc is None else "; the last poll failed: %s" % exc
        return ("%s (run %s) did not finish within timeout=%ss; it keeps running on the host as scheduled "
                "task \\winrepair\\%s with output in %s\\%s. Run the task again with the same options to "
                "wait for it, or raise timeout%s" % (label, run_id, int(timeout), run_id, self.work_root, run_id, tail))
