# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible.windows.win_ping (plugins/modules/win_ping.ps1 of ansible.windows):
option `data` (str, default "pong") is returned as `ping`; data=crash makes
the module throw "boom"; check mode is supported."""
from __future__ import annotations

from ..dispatch import ModuleException

SUPPORTS_CHECK_MODE = True
OPTIONS = ("data",)


def run(host, args, ctx):
    unknown = sorted(set(args) - set(OPTIONS))
    if unknown:
        # Ansible.Basic (AnsibleModule.cs) rejects options not in the spec with this text.
        return {"failed": True,
                "msg": "Unsupported parameters for (win_ping) module: %s. Supported parameters include: %s"
                       % (", ".join(unknown), ", ".join(OPTIONS))}
    data = args.get("data")
    data = "pong" if data is None else str(data)
    if data == "crash":
        # win_ping.ps1: `if ($data -eq "crash") { throw "boom" }`
        raise ModuleException("boom")
    return {"changed": False, "ping": data}
