# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet that answers the collection's scripts with the real .ps1 files.

With the scenario's fleet key `real_scripts: true`, or WINSIM_REAL_SCRIPTS=1 in
the environment, win_powershell (modules/win_powershell.py) runs a collection
script in PowerShell 7 through the PowerShell stage's runner (tests/pwsh/runner.py)
against the fleet's own HostModel, instead of the script's Python model: the
stand-ins of the Windows commands read and change that host. One pwsh process
serves the whole fleet (its runs are one at a time). Without pwsh
(tools/find_pwsh.sh finds none) the fleet refuses to start: a test asking for
the real scripts never falls back to the models silently.

The real run takes real time (about a second); the fleet's clock runs on
meanwhile, so no modelled seconds are added for it.
"""
from __future__ import annotations

import os

ENV = "WINSIM_REAL_SCRIPTS"


def wanted(scenario_flag: bool) -> bool:
    return bool(scenario_flag) or os.environ.get(ENV) == "1"


def start_runner():
    """The fleet's PwshRunner; RuntimeError when there is no pwsh."""
    from pwsh import locate  # pylint: disable=import-outside-toplevel
    from pwsh.runner import PwshRunner  # pylint: disable=import-outside-toplevel
    path = locate.find_pwsh()
    if path is None:
        raise RuntimeError("real_scripts / %s=1: the fleet runs the collection's scripts in PowerShell 7, and "
                           "tools/find_pwsh.sh found none (install PowerShell 7)" % ENV)
    return PwshRunner(path)


def run(runner, name: str, parameters: dict, host, ctx, depth: int) -> dict:
    """win_powershell's answer for collection script NAME, run for real on HOST."""
    answer = runner.run(name, parameters, host, check_mode=ctx.check_mode, now=ctx.clock.now(), depth=depth)
    answer.pop("_calls", None)
    return answer
