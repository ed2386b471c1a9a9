# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a real host script in pwsh against a simulated host (the HostModel).

    runner = PwshRunner(pwsh_path)          # one pwsh process, ~2 s to start
    answer = runner.run("kb_installed", {}, host, check_mode=False, culture="en-US")
    runner.close()

`answer` is the dict ansible.windows.win_powershell returns (result, changed,
failed, output, error, warning, verbose, debug, information, host_out,
host_err, msg) - harness/Runner.ps1 runs the script the way that module does.
During the run the script's Windows commands are stand-ins
(harness/StandIns/*.ps1) that ask this process about the host
(tests/pwsh/hostapi); the host's drive C: is laid out under a real folder
(host_fs.py) and read back afterwards, so the HostModel holds the state the
script left. Paths in the answer are C:\\... again.

A stand-in asked for something it does not model makes run() raise
NotModelled after the run, whatever the script did with the error.
STATS counts the runs of the process (the stage prints the totals).
"""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from typing import Optional

from winsim import causes, detached, winpath
from winsim.detached import setup_exe
from winsim.model import HostModel, NotModelled

from . import hostapi, locate
from .host_fs import HostDrive, spellings

STATS = {"script_runs": 0, "differential_cases": 0, "culture_cases": 0, "pester_passed": 0}
# Parameters that name a program the script only records and hands on (never
# opens): passed as the Windows path, so what the script writes (command.json)
# holds the path the controller gave.
RECORDED_ONLY = {("detached_start", "FilePath")}
_ARCH = {"x64": "AMD64", "arm64": "ARM64", "x86": "x86"}


def _windows_paths(value) -> list:
    if isinstance(value, str):
        return [value] if re.match(r"^[A-Za-z]:\\", value) else []
    if isinstance(value, list):
        return [p for v in value for p in _windows_paths(v)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _windows_paths(v)]
    return []


class _Clock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


class HarnessError(RuntimeError):
    """The runner itself failed (not the script): a bug in the harness or a stand-in."""


class PwshRunner:
    def __init__(self, pwsh: str, start_timeout: float = 120.0):
        hostapi.load_all()
        self.workdir = tempfile.mkdtemp(prefix="winsim-pwsh-")
        self.drive = HostDrive(os.path.join(self.workdir, "drive"), spellings(locate.SCRIPT_DIR))
        self._log = open(os.path.join(self.workdir, "pwsh-stderr.log"), "w+", encoding="utf-8")
        env = dict(os.environ, TZ="UTC", POWERSHELL_TELEMETRY_OPTOUT="1", POWERSHELL_UPDATECHECK="Off")
        self.proc = subprocess.Popen(
            [pwsh, "-NoProfile", "-NonInteractive", "-File", os.path.join(locate.HARNESS, "Runner.ps1"),
             "-StandInFolder", os.path.join(locate.HARNESS, "StandIns")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env, cwd=self.workdir,
            text=True, encoding="utf-8", bufsize=1)
        self._lock = threading.Lock()
        self._id = 0
        ready = self._read(start_timeout)
        if ready.get("op") != "ready":
            raise HarnessError("pwsh runner did not start: %r" % ready)
        self.stand_ins = ready.get("stand_ins", [])

    # --------------------------------------------------------------- protocol
    def _read(self, timeout: float = 600.0) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self._log.flush()
            self._log.seek(0)
            raise HarnessError("pwsh runner ended; its stderr:\n%s" % self._log.read()[-4000:])
        return json.loads(line)

    def _send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._send({"op": "quit"})
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
        self._log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -------------------------------------------------------------- one run
    def run(self, script: str, parameters: Optional[dict], host: HostModel, check_mode: bool = False,
            culture: str = "en-US", now: Optional[datetime.datetime] = None, depth: int = 2,
            strict: bool = False) -> dict:
        """Run SCRIPT (a name under plugins/plugin_utils/_host/powershell, or a script's text).

        strict: Set-StrictMode -Version Latest in the script's runspace. win_powershell
        runs scripts without strict mode (a new runspace has it off), so the default
        is off: with it on, reading a registry value the host has not got is an
        error here that never happens on a host.
        """
        with self._lock:
            return self._run(script, parameters, host, check_mode, culture, now, depth, strict)

    def _run(self, script, parameters, host, check_mode, culture, now, depth, strict):
        if re.match(r"^[a-z0-9_]+$", script):
            name = script
            with open(locate.script_path(name), encoding="utf-8") as handle:
                text = handle.read()
        else:
            name, text = "script", script
        now = now or causes.DEFAULT_NOW
        drive = self.drive
        # The host has lived up to now: its detached processes ran (what they printed, how they
        # ended), and Windows Setup's offline phases ran if it restarted after setup's downlevel
        # phase (the script models do the same first).
        detached.settle(host, _Clock(now))
        setup_exe.settle_boot(host, _Clock(now))
        drive.lay_out(host, now, name, paths=_windows_paths(parameters or {}))
        session = hostapi.Session(host=host, now=now, step=name, check_mode=check_mode, drive=drive)
        self._id += 1
        request = {"op": "run", "id": self._id, "script": text, "check_mode": bool(check_mode),
                   "parameters": {k: v if (name, k) in RECORDED_ONLY else self._map_in(v) for k, v in (parameters or {}).items()},
                   "culture": culture, "depth": depth, "strict": bool(strict), "unreadable": drive.unreadable(),
                   "now": now.astimezone(datetime.timezone.utc).isoformat(), "tmpdir": self.workdir,
                   "env": self._environment(host), "unset_env": ["PROCESSOR_ARCHITEW6432"],
                   "folders": self._folders(host), "drives": drive.drives()}
        self._send(request)
        while True:
            message = self._read()
            if message.get("op") == "call":
                self._send(hostapi.dispatch(session, message.get("name"), message.get("args") or {}))
                continue
            if message.get("op") == "done":
                break
            raise HarnessError("unexpected message from pwsh: %r" % message)
        drive.read_back()
        STATS["script_runs"] += 1
        if "harness_error" in message:
            raise HarnessError(message["harness_error"])
        if session.not_modelled:
            raise NotModelled("; ".join(sorted(set(session.not_modelled))))
        answer = self._map_out(message["result"])
        answer["_calls"] = session.calls
        return answer

    # ------------------------------------------------------------ mapping
    def _environment(self, host: HostModel) -> dict:
        env = winpath.environment(host)
        local = {k: self.drive.to_local(v) for k, v in env.items() if re.match(r"^[A-Za-z]:\\", str(v) + "\\")}
        out = {"SystemRoot": local["systemroot"], "windir": local["windir"], "SystemDrive": local["systemdrive"],
               "ProgramData": local["programdata"], "ALLUSERSPROFILE": local["allusersprofile"],
               "ProgramFiles": local["programfiles"], "ProgramFiles(x86)": local["programfiles(x86)"],
               "PUBLIC": local["public"], "USERPROFILE": local["userprofile"], "APPDATA": local["appdata"],
               "LOCALAPPDATA": local["localappdata"], "TEMP": local["temp"], "TMP": local["tmp"],
               "USERNAME": env["username"], "COMPUTERNAME": env["computername"],
               "PROCESSOR_ARCHITECTURE": _ARCH[host.os.architecture]}
        return out

    def _folders(self, host: HostModel) -> dict:
        env = winpath.environment(host)
        to = self.drive.to_local
        return {"System": to(env["windir"] + "\\System32"), "Windows": to(env["windir"]),
                "SystemX86": to(env["windir"] + "\\SysWOW64"), "CommonApplicationData": to(env["programdata"]),
                "ProgramFiles": to(env["programfiles"])}

    def _map_in(self, value):
        if isinstance(value, str):
            if re.match(r"^[A-Za-z]:\\", value):
                return self.drive.to_local(value)
            return value
        if isinstance(value, list):
            return [self._map_in(v) for v in value]
        if isinstance(value, dict):
            return {k: self._map_in(v) for k, v in value.items()}
        return value

    def _map_out(self, value):
        if isinstance(value, str):
            return self.drive.drive_slashes(self.drive.windows_text(value))
        if isinstance(value, list):
            return [self._map_out(v) for v in value]
        if isinstance(value, dict):
            return {k: self._map_out(v) for k, v in value.items()}
        return value
