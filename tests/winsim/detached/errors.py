# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The answer of a collection script that threw (`throw "..."` under ErrorActionPreference Stop).

ansible.windows win_powershell (plugins/modules/win_powershell.py): a
terminating exception fails the module and is listed in `error`; a `throw`
of a string is a RuntimeException whose FullyQualifiedErrorId is the message
and whose category is OperationStopped.
"""
from __future__ import annotations

from ..scripts import error_record


def thrown(message: str, changed: bool = False) -> dict:
    """changed: $Ansible.Changed when the script threw. win_powershell starts it at $true
    (ansible.windows plugins/modules/win_powershell.ps1, the $Ansible object), so a script
    that throws before it sets Changed reports changed=true."""
    record = error_record(message, category="OperationStopped", category_id=14, activity="",
                          reason="RuntimeException", fqid=message,
                          exception_type="System.Management.Automation.RuntimeException",
                          target_object=message)
    return {"result": {}, "changed": changed, "failed": True, "error": [record]}
