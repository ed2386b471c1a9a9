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
is the environment CONTRIBUTING.md gives for ansible subprocesses.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from typing import Optional, Union

import pytest

from .fleet import Fleet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _running_venv() -> str:
    """The virtualenv of the interpreter running the tests, else the repository's .venv.

    tools/run_tests.sh runs the e2e tests once per controller (.venv, .venv-core221,
    .venv-core217), each with that venv's python: the ansible commands the tests start
    must come from the same venv, or every stage would test .venv's ansible-core.
    """
    if sys.prefix != sys.base_prefix:  # inside a venv (PEP 405)
        return sys.prefix
    return os.path.join(REPO, ".venv")


VENV = _running_venv()
VENV_CORE221 = os.path.join(REPO, ".venv-core221")
# The collections tree the ansible commands use: the first entry of ANSIBLE_COLLECTIONS_PATH
# (tools/run_tests.sh gives the oldest stage build/collections-core217, with the lowest
# ansible.windows galaxy.yml admits), else build/collections; tests/conftest.py puts the same on sys.path.
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0] or os.path.join(REPO, "build", "collections")


def ansible_env(venv: str = VENV, extra: Optional[dict] = None) -> dict:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
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
                              timeout=timeout, cwd=REPO, check=False)

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


@contextlib.contextmanager
def running_fleet(source: Union[str, dict], directory, **kw):
    """with running_fleet(scenario, dir) as fleet: a started TestFleet, stopped afterwards."""
    fleet = start_fleet(source, str(directory), **kw)
    try:
        yield fleet
    finally:
        fleet.stop()


def case_options(options) -> dict:
    """Module options taken from each host's own case: `cases[inventory_hostname].OPTION`, else omitted."""
    return {opt: "{{ cases[inventory_hostname].%s | default(omit) }}" % opt for opt in options}


def case_task(module: str, args: dict, name: str = "case", register: str = "r") -> dict:
    """A task of MODULE registered as REGISTER, in check mode / diff mode where the host's case says
    `check` / `diff`; errors are ignored so that every host's result is collected."""
    return {"name": name, module: args, "register": register, "ignore_errors": True,
            "check_mode": "{{ cases[inventory_hostname].check | default(false) }}",
            "diff": "{{ cases[inventory_hostname].diff | default(false) }}"}


# What a test's playbook leaves for the test to read: one file for the whole run. A copy
# delegated to the controller runs two Python modules there (stat, copy), about 0.7 s of CPU
# each time, so one copy per host cost the suite minutes.
DUMP = "facts.json"


def dump_tasks(expression: str, dest) -> list:
    """Tasks that write {host: EXPRESSION evaluated for that host} as JSON to DEST on the controller,
    for every host still in the play, in check mode too: a set_fact on each host, then one copy."""
    return [
        {"ansible.builtin.set_fact": {"winsim_dump": "{{ %s }}" % expression}, "check_mode": False},
        {"ansible.builtin.copy": {"content": "{{ dict(ansible_play_hosts | zip(ansible_play_hosts"
                                             " | map('extract', hostvars, 'winsim_dump'))) | to_json }}",
                                  "dest": str(dest)},
         "delegate_to": "localhost", "run_once": True, "check_mode": False, "diff": False,
         "changed_when": False},
    ]


def run_play(fleet: Fleet, directory, hosts, tasks: list, cases: Optional[dict] = None, collect: str = "r",
             timeout: float = 300, extra_env=None):
    """Run ONE ansible-playbook play of TASKS over HOSTS of FLEET; collect each host's results.

    cases: the play's `cases` variable (per host: options, check, diff; see case_task).
    collect: a Jinja expression over the registered variables; a last task writes its value for
    every host as JSON to DIRECTORY/facts.json on the controller (dump_tasks). Returns ({host: that value},
    the CompletedProcess). A host without a result fails the calling test with the end of the
    playbook's output.
    """
    directory = str(directory)
    dump = os.path.join(directory, DUMP)
    play = [{"hosts": ",".join(hosts), "gather_facts": False, "vars": {"cases": dict(cases or {})},
             "tasks": list(tasks) + dump_tasks("(%s)" % collect, dump)}]
    playbook = os.path.join(directory, "play.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        json.dump(play, handle)
    proc = subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), "-i", fleet.inventory_path, playbook],
                          env=ansible_env(extra=extra_env), capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, check=False)
    dumped = {}
    if os.path.exists(dump):
        with open(dump, encoding="utf-8") as handle:
            dumped = json.load(handle)
        os.unlink(dump)  # a later play in the same directory writes its own
    results = {}
    for name in hosts:
        assert name in dumped, proc.stdout[-4000:] + proc.stderr[-4000:]
        results[name] = dumped[name]
    return results, proc


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
