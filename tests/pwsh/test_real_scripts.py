# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet with real_scripts answers the collection's scripts with the real .ps1 in pwsh
(tests/winsim/real_scripts.py), through one runner for the fleet, on the fleet's own hosts."""
from __future__ import annotations

import pytest

from winsim import real_scripts
from winsim.fleet import Fleet
from winsim.model import RunContext
from winsim.modules import win_powershell

from . import locate
from .model_run import FixedClock
from .runner import STATS

SCENARIO = {"fleet": {"base_address": "127.0.93.1", "port": 0}, "hosts": [{"name": "a"}, {"name": "b"}]}


def _script(name):
    with open(locate.script_path(name), encoding="utf-8") as handle:
        return handle.read()


def test_the_scenario_key_gives_the_fleet_one_runner_that_answers_win_powershell(pwsh_path, monkeypatch):
    monkeypatch.setenv("WINREPAIR_PWSH", pwsh_path)
    monkeypatch.delenv(real_scripts.ENV, raising=False)
    fleet = Fleet.from_scenario(dict(SCENARIO, fleet=dict(SCENARIO["fleet"], real_scripts=True)))
    fleet.start()
    try:
        runner = fleet.script_runner
        assert runner is not None and all(s.script_runner is runner for s in fleet.servers.values())
        host = fleet.host("a")
        ctx = RunContext(host=host, clock=FixedClock(fleet.clock.now()), check_mode=False, step="win_powershell")
        ctx.hooks = fleet.servers["a"]
        runs = STATS["script_runs"]
        path = "C:\\ProgramData\\winrepair\\journal.json"
        answer = win_powershell.run(host, {"script": _script("wu_journal_write"),
                                           "parameters": {"Path": path, "Content": '{"version": 1}'}}, ctx)
        assert STATS["script_runs"] == runs + 1  # the real script ran, not its model
        assert not answer.get("failed"), answer
        # The script wrote the fleet's own host; the other host is untouched.
        assert host.files["c:\\programdata\\winrepair\\journal.json"] == b'{"version": 1}'
        assert "c:\\programdata\\winrepair\\journal.json" not in fleet.host("b").files
    finally:
        fleet.stop()
    assert runner.proc.poll() is not None  # the fleet's pwsh ends with the fleet


def test_the_environment_variable_asks_for_real_scripts_and_without_pwsh_the_fleet_refuses(monkeypatch):
    monkeypatch.setenv(real_scripts.ENV, "1")
    monkeypatch.setenv("WINREPAIR_PWSH", "none")
    fleet = Fleet.from_scenario(SCENARIO)
    assert fleet.real_scripts is True
    with pytest.raises(RuntimeError, match="found none"):
        fleet.start()
    fleet.stop()


def test_a_fleet_without_the_option_runs_the_models(monkeypatch):
    monkeypatch.delenv(real_scripts.ENV, raising=False)
    fleet = Fleet.from_scenario(SCENARIO)
    assert fleet.real_scripts is False and fleet.script_runner is None
