# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""winsim/raw/reboot.py knows the reboot helper's commands of both ends of galaxy.yml's ansible.windows range.

ansible.windows 3.3.0 (plugins/plugin_utils/_reboot.py _execute_command) sends
`<command>; If (-not $?) {...}` and calls C:\\Windows\\System32\\shutdown.exe;
2.5.0 passes the command through ansible-core's _encode_script (ansible-core
2.17 plugins/shell/powershell.py: a `Set-StrictMode -Version Latest` line
first, the exit-code line last, every line stripped) and calls shutdown.exe
by name (github.com/ansible-collections/ansible.windows, tags 2.5.0 and 3.3.0).
"""
from __future__ import annotations

import pytest

from winsim.payload import Invocation
from winsim.raw import RC_SUFFIX, identify, reboot

TOKEN = "a1b2"
TEST_COMMAND = "Get-Item -LiteralPath '%s' -ErrorAction Stop; '%s'" % (reboot.LOGON_UI_KEY, TOKEN)


def shutdown(path):
    return ("$ErrorActionPreference = 'Continue'\nif ($false) {\nRemove-Item -LiteralPath 'x' -Force\n}\n"
            "$stdout = $null\n$stderr = . { %s /r /t 2 /c 'Reboot initiated by Ansible' | Set-Variable stdout } "
            "2>&1 | ForEach-Object ToString" % path)


def sent_by_3_3_0(command):
    return command + "; " + RC_SUFFIX


def sent_by_2_5_0(command):
    script = "Set-StrictMode -Version Latest\r\n%s\r\n%s\r\n" % (command, RC_SUFFIX)
    return "\n".join(line.strip() for line in script.splitlines() if line.strip())


@pytest.mark.parametrize("send", [sent_by_3_3_0, sent_by_2_5_0])
@pytest.mark.parametrize("command, name", [
    (reboot.BOOT_TIME_COMMAND, "boot_time"),
    (TEST_COMMAND, "reboot_test"),
])
def test_queries_are_recognised(send, command, name):
    assert identify(Invocation(kind="raw", script=send(command))).NAME == name


@pytest.mark.parametrize("send, path", [(sent_by_3_3_0, r"C:\Windows\System32\shutdown.exe"),
                                        (sent_by_2_5_0, "shutdown.exe")])
def test_shutdown_and_abort_are_recognised(send, path):
    inv = Invocation(kind="raw", script=send(shutdown(path)))
    assert identify(inv).NAME == "reboot"
    assert identify(inv).describe(inv) == {"delay": 2, "msg": "Reboot initiated by Ansible"}
    assert identify(Invocation(kind="raw", script=send(path + " /a"))).NAME == "shutdown_abort"


def test_another_command_is_not_taken_for_one_of_them():
    assert identify(Invocation(kind="raw", script=sent_by_2_5_0("Get-Date"))) is None
