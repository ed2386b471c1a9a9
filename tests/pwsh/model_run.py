# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a script's Python model the way winsim answers win_powershell (tests/winsim/modules/win_powershell.py)."""
from __future__ import annotations

import datetime

from winsim.model import HostModel, RunContext
from winsim.modules import win_powershell

from . import locate


class FixedClock:
    """The modelled clock standing still at NOW (the runner freezes the script's clock the same way)."""

    def __init__(self, now: datetime.datetime):
        self._now = now

    def now(self) -> datetime.datetime:
        return self._now


def run_model(name: str, parameters: dict, host: HostModel, check_mode: bool, now: datetime.datetime) -> dict:
    with open(locate.script_path(name), encoding="utf-8") as handle:
        text = handle.read()
    ctx = RunContext(host=host, clock=FixedClock(now), check_mode=check_mode, step="win_powershell")
    return win_powershell.run(host, {"script": text, "parameters": dict(parameters)}, ctx)
