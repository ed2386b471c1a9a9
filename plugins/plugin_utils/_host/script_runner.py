# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Run one of the collection's PowerShell scripts on a host through ansible.windows.win_powershell.

Each script in ./powershell/ does one concern in one round trip. Inputs go in
as win_powershell `parameters` (never spliced into the script text) and the
script answers one structured object in `$Ansible.Result`.

A script that only reads the host declares
`[CmdletBinding(SupportsShouldProcess)]`: win_powershell then runs it in
check mode too, with -WhatIf, so the action plugins can plan in check mode.
"""
from __future__ import annotations

import os

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session

SCRIPT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "powershell")

# win_powershell serialises the result to depth 2 by default and turns deeper
# values into strings; the scripts answer lists of hashtables (services,
# history entries), so they need more.
RESULT_DEPTH = 8


class ScriptError(Exception):
    """A collection script failed on the host; carries win_powershell's result."""

    def __init__(self, name, message, module_result=None):
        super(ScriptError, self).__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message
        self.module_result = module_result or {}


def script_path(name):
    return os.path.join(SCRIPT_DIR, name + ".ps1")


def load_script(name):
    """The text of plugins/plugin_utils/_host/powershell/NAME.ps1."""
    with open(script_path(name), "r", encoding="utf-8") as handle:
        return handle.read()


# Scripts that change nothing on the host, or do the same when sent twice (a journal write
# writes the same text, an acquire by one run finds its own lock, and the journal it reads once
# it took the lock is only read, a release removes only the caller's): a dropped connection or
# a WinRM error on one of them is sent again (host_session.retry_transient) rather than failing
# the task. detached_start and detached_status are left to DetachedRunner, which retries them
# its own way. wu_disk_cleanup removes by a fixed rule (the collection's own reset backups and Windows\Temp files older than
# OlderThanDays): a second send finds nothing the first removed; only the first answer's
# counts are lost when its answer was.
SAFE_TO_SEND_AGAIN = frozenset((
    "cbs_sr_lines", "inplace_media_info", "inplace_preflight", "inplace_setup_logs", "inplace_setup_state",
    "kb_installed", "sfc_dism_preflight", "wu_diagnose", "wu_disk_cleanup", "wu_journal_lock", "wu_journal_read",
    "wu_journal_write", "wu_reset_state",
))


def run_script(action, name, parameters, task_vars):
    """Run script NAME with PARAMETERS; return its `$Ansible.Result` dict.

    action: the calling ActionBase (its connection and task are used).
    Check mode is the task's: ansible-core sets it in the module arguments.
    Raises ScriptError when the module fails or the script wrote errors; a
    connection error when it could not be sent (after retries: SAFE_TO_SEND_AGAIN).
    """
    if name in SAFE_TO_SEND_AGAIN:
        return host_session.retry_transient(lambda: _run_once(action, name, parameters, task_vars),
                                            action._connection, name)
    return _run_once(action, name, parameters, task_vars)


def _run_once(action, name, parameters, task_vars):
    module_args = {
        "script": load_script(name),
        "parameters": dict(parameters or {}),
        "depth": RESULT_DEPTH,
    }
    result = action._execute_module(
        module_name="ansible.windows.win_powershell",
        module_args=module_args,
        task_vars=task_vars,
    )
    if result.get("failed"):
        raise ScriptError(name, result.get("msg") or "win_powershell failed", result)
    errors = result.get("error") or []
    if errors:
        first = errors[0]
        text = first.get("output") or first.get("exception", {}).get("message") or str(first)
        raise ScriptError(name, text.strip(), result)
    return result.get("result") or {}


def script_caller(action, task_vars):
    """A `call(name, parameters)` function bound to ACTION and TASK_VARS.

    The shape DetachedRunner's call_script takes, and what the action plugins
    pass around instead of repeating action/task_vars at every call.
    """
    def call(name, parameters):
        return run_script(action, name, parameters, task_vars)
    return call
