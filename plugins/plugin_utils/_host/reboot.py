# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a host and wait until it is back: the one call of ansible.windows' private reboot helper.

Internal to winrepair.windows_update: not a public API, it may change in any
release.

ansible.windows.plugins.plugin_utils._reboot.reboot_host is what
ansible.windows.win_reboot runs; it is private to ansible.windows (leading
underscore), so it may change in any of its releases. Only this module
imports it, and tests/unit/plugins/plugin_utils/_host/test_reboot.py checks
against the installed ansible.windows that its signature still takes the
call below. The range of ansible.windows this is tested with is the one in
galaxy.yml.
"""
from __future__ import annotations

from ansible_collections.ansible.windows.plugins.plugin_utils._reboot import reboot_host as _windows_reboot_host

# The keywords reboot_host passes; the test checks each is a parameter of ansible.windows' reboot_host.
KEYWORDS = ("reboot_timeout", "msg")

# The keys of its answer the callers read (its docstring lists them; msg comes with failed).
ANSWER_KEYS = ("rebooted", "elapsed", "failed", "msg")


def reboot_host(task_action, connection, reboot_timeout, msg):
    """Restart the host of CONNECTION, wait up to REBOOT_TIMEOUT seconds until it is back.

    TASK_ACTION names the task in ansible.windows' log lines; MSG is shown to
    users logged on to the host. Returns ansible.windows' answer: a dict with
    ANSWER_KEYS among others (failed with msg when the host did not come back).
    """
    return _windows_reboot_host(task_action, connection, reboot_timeout=reboot_timeout, msg=msg)
