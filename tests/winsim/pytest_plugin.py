# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures for a simulated fleet running in the test process.

    def test_x(winsim_fleet):
        fleet = winsim_fleet("tests/scenarios/five_hosts.yml")   # or a dict
        proc = fleet.ansible("all", "-m", "ansible.windows.win_ping")
        assert fleet.records("win01")[-1].name == "win_ping"
        fleet.hosts["win01"].boot_time  # HostModel objects, live

The fleet listens on any free port per host (port 0) unless keep_port=True,
so parallel runs never collide; it is stopped after the test. `fleet.env()`
is the environment docs/dev/HELPERS.md prescribes for ansible subprocesses.
"""
from __future__ import annotations

import os
import subprocess
from typing import Optional, Union

import pytest

from .fleet import Fleet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(REPO, ".venv")
VENV_CORE221 = os.path.join(REPO, ".venv-core221")


def ansible_env(venv: str = VENV, extra: Optional[dict] = None) -> dict:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, "build", "collections"),
        "ANSIBLE_CONFIG": os.path.join(REPO, "tests", "ansible.cfg"),
        "PYTHONPATH": os.path.join(REPO, "tests"),
        "PATH": os.path.join(venv, "bin") + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_LOCAL_TEMP": env.get("ANSIBLE_LOCAL_TEMP", "/tmp/winsim-ansible-local"),
    })
    env.pop("VIRTUAL_ENV", None)
    env.update(extra or {})
    return env


class TestFleet(Fleet):
    """A Fleet with helpers for running ansible against it."""
    __test__ = False  # not a test class

    def env(self, venv: str = VENV, extra: Optional[dict] = None) -> dict:
        return ansible_env(venv, extra)

    def _run(self, tool: str, args, venv: str, timeout: float, extra_env) -> subprocess.CompletedProcess:
        cmd = [os.path.join(venv, "bin", tool), "-i", self.inventory_path, *args]
        return subprocess.run(cmd, env=self.env(venv, extra_env), capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)

    def ansible(self, *args, venv: str = VENV, timeout: float = 120, extra_env=None):
        return self._run("ansible", args, venv, timeout, extra_env)

    def playbook(self, *args, venv: str = VENV, timeout: float = 300, extra_env=None):
        return self._run("ansible-playbook", args, venv, timeout, extra_env)


def start_fleet(source: Union[str, dict], directory: str, keep_port: bool = False, **fleet_settings) -> TestFleet:
    overrides = dict(fleet_settings)
    if not keep_port:
        overrides.setdefault("port", 0)
    fleet = TestFleet.from_scenario(source, overrides)
    fleet.start(control=True)
    fleet.write_inventory(os.path.join(directory, "inventory.yml"))
    return fleet


@pytest.fixture
def winsim_fleet(tmp_path):
    """Factory: winsim_fleet(scenario_path_or_dict, **fleet_settings) -> started TestFleet."""
    fleets = []

    def factory(source, **kw):
        d = tmp_path / ("fleet%d" % len(fleets))
        d.mkdir()
        fleet = start_fleet(source, str(d), **kw)
        fleets.append(fleet)
        return fleet

    yield factory
    for fleet in fleets:
        fleet.stop()
