# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commands of ansible.windows' reboot helper (plugins/plugin_utils/_reboot.py,
used by win_reboot and win_updates): boot time query, shutdown.exe /r,
shutdown.exe /a and the post-reboot LogonUI test. Each is sent as
`<command>; If (-not $?) {...}` through -EncodedCommand (_execute_command).
ansible.windows 2.5.0 (the lowest galaxy.yml admits) calls shutdown.exe without
its folder and sends the commands through ansible-core's _encode_script, 3.x
names C:\\Windows\\System32\\shutdown.exe (plugins/plugin_utils/_reboot.py of each tag in
github.com/ansible-collections/ansible.windows): both are recognised."""
from __future__ import annotations

import datetime
import json
import re

from ..model import NotModelled
from . import RawResult, strip_rc_suffix

# _reboot.py _DEFAULT_BOOT_TIME_COMMAND
BOOT_TIME_COMMAND = ("(Get-CimInstance -ClassName Win32_OperatingSystem -Property LastBootUpTime)"
                     ".LastBootUpTime.ToFileTime()")
LOGON_UI_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\AutoLogonChecked"
_SHUTDOWN_RE = re.compile(
    r"\{ (?:C:\\Windows\\System32\\)?shutdown\.exe /r /t (?P<delay>\d+) /c (?P<msg>'(?:[^']|'')*') \| Set-Variable stdout \}")
_ABORT_COMMANDS = (r"C:\Windows\System32\shutdown.exe /a", "shutdown.exe /a")
_TEST_RE = re.compile(
    r"^Get-Item -LiteralPath '%s' -ErrorAction Stop; '(?P<token>[^']*)'$" % re.escape(LOGON_UI_KEY))
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def filetime(dt: datetime.datetime) -> int:
    """DateTime.ToFileTime(): 100-nanosecond intervals since 1601-01-01 UTC
    (learn.microsoft.com/dotnet/api/system.datetime.tofiletime)."""
    delta = dt - _FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10 ** 7 + delta.microseconds * 10


def _need_hooks(hooks):
    if hooks is None:
        raise NotModelled("shutdown outside a running fleet")
    return hooks


class BootTime:
    NAME = "boot_time"

    def match(self, inv):
        return inv.kind == "raw" and not inv.action and strip_rc_suffix(inv.script) == BOOT_TIME_COMMAND

    def describe(self, inv):
        return {}

    def run(self, host, inv, ctx, hooks):
        return RawResult(stdout=("%d\r\n" % filetime(host.boot_time)).encode())


class Shutdown:
    NAME = "reboot"

    def match(self, inv):
        return (inv.kind == "raw" and not inv.action and "shutdown.exe /r" in inv.script
                and _SHUTDOWN_RE.search(inv.script) is not None)

    def describe(self, inv):
        m = _SHUTDOWN_RE.search(inv.script)
        return {"delay": int(m.group("delay")), "msg": m.group("msg")[1:-1].replace("''", "'")}

    def run(self, host, inv, ctx, hooks):
        hooks = _need_hooks(hooks)
        args = self.describe(inv)
        if hooks.shutdown_pending():
            # shutdown.exe when one is already scheduled: ERROR_SHUTDOWN_IS_SCHEDULED
            # 1190 (winerror.h), text "A system shutdown has already been scheduled.";
            # _reboot.py looks for "(1190)" in stderr.
            out = {"stdout": "", "stderr": "A system shutdown has already been scheduled.(1190)", "rc": 1190}
            return RawResult(stdout=(json.dumps(out) + "\r\n").encode(), state="failed")
        # shutdown.exe /r /t N: restart after N seconds, prints nothing on success
        # (learn.microsoft.com/windows-server/administration/windows-commands/shutdown).
        # The host goes down once the answer is on its way.
        delay = args["delay"]
        out = {"stdout": "", "stderr": "", "rc": 0}
        return RawResult(stdout=(json.dumps(out) + "\r\n").encode(), state="changed",
                         after=[lambda: hooks.schedule_shutdown(delay, args["msg"])])


class ShutdownAbort:
    NAME = "shutdown_abort"

    def match(self, inv):
        return (inv.kind == "raw" and not inv.action
                and strip_rc_suffix(inv.script) in _ABORT_COMMANDS)

    def describe(self, inv):
        return {}

    def run(self, host, inv, ctx, hooks):
        hooks = _need_hooks(hooks)
        if hooks.abort_shutdown():
            return RawResult(state="changed")
        # ERROR_NO_SHUTDOWN_IN_PROGRESS 1116 (winerror.h) as shutdown.exe prints it.
        return RawResult(
            stderr=b"Unable to abort the system shutdown because no shutdown was in progress.(1116)\r\n", rc=1116)


class LogonTest:
    NAME = "reboot_test"

    def match(self, inv):
        return inv.kind == "raw" and not inv.action and _TEST_RE.match(strip_rc_suffix(inv.script)) is not None

    def describe(self, inv):
        return {"token": _TEST_RE.match(strip_rc_suffix(inv.script)).group("token")}

    def run(self, host, inv, ctx, hooks):
        token = self.describe(inv)["token"]
        # LogonUI creates the AutoLogonChecked key when it is about to show the
        # logon screen (comment in _reboot.py); a host that answers has booted.
        # Get-Item on a registry key prints the Hive header and a Name/Property table.
        text = ("\r\n\r\n    Hive: HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\r\n\r\n\r\n"
                "Name                           Property\r\n"
                "----                           --------\r\n"
                "AutoLogonChecked\r\n"
                "%s\r\n" % token)
        return RawResult(stdout=text.encode())


MODELS = [BootTime(), Shutdown(), ShutdownAbort(), LogonTest()]
