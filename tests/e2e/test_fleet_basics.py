# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real ansible / ansible-playbook against a simulated five-host fleet.

The fleet runs in this process (winsim.pytest_plugin), ansible in a
subprocess with the environment CONTRIBUTING.md gives. Results are
read from `ansible --tree` JSON files and from the hosts' records.
"""
from __future__ import annotations

import datetime
import json
import os
import socket
import sys
import threading
import time

import pytest
import yaml

from winsim.pytest_plugin import REPO, VENV, VENV_CORE221, start_fleet

SCENARIO = os.path.join(REPO, "tests", "scenarios", "five_hosts.yml")
HOSTS = ["win01", "win02", "win03", "win04", "win05"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    f = start_fleet(SCENARIO, str(tmp_path_factory.mktemp("five")), time_scale=600)
    yield f
    f.stop()


def adhoc(fleet, tmp_path, pattern, *args, venv=None):
    """Run `ansible PATTERN ARGS --tree DIR`; (process, {host: result})."""
    tree = tmp_path / ("tree-%d" % time.monotonic_ns())
    kw = {"venv": venv} if venv else {}
    proc = fleet.ansible(pattern, *args, "--tree", str(tree), **kw)
    results = {}
    if tree.exists():
        for p in tree.iterdir():
            results[p.name] = json.loads(p.read_text())
    return proc, results


def test_win_ping_succeeds_on_every_host(fleet, tmp_path):
    before = {h: len(fleet.records(h)) for h in HOSTS}
    proc, res = adhoc(fleet, tmp_path, "all", "-m", "ansible.windows.win_ping", "-f", "5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(res) == HOSTS
    assert all(r["ping"] == "pong" and not r.get("failed") for r in res.values())
    for h in HOSTS:
        new = fleet.records(h)[before[h]:]
        assert [(r.kind, r.name, r.outcome) for r in new] == [("module", "win_ping", "ok")]


def test_win_ping_data_and_crash(fleet, tmp_path):
    proc, res = adhoc(fleet, tmp_path, "win01", "-m", "win_ping", "-a", "data=hello")
    assert proc.returncode == 0 and res["win01"]["ping"] == "hello"
    proc, res = adhoc(fleet, tmp_path, "win01", "-m", "win_ping", "-a", "data=crash")
    assert proc.returncode == 2
    assert res["win01"]["msg"] == "Unhandled exception while executing module: boom"
    assert fleet.records("win01")[-1].args == {"data": "crash"}


def test_setup_reports_facts_from_the_host_model(fleet, tmp_path):
    proc, res = adhoc(fleet, tmp_path, "all", "-m", "setup")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in HOSTS:
        facts = res[name]["ansible_facts"]
        host = fleet.hosts[name]
        assert facts["ansible_os_family"] == "Windows"
        assert facts["ansible_system"] == "Win32NT"
        assert facts["ansible_hostname"] == name.upper()
        assert facts["ansible_distribution_version"] == "%s.%d.0" % (host.os.version.rsplit(".", 1)[0], host.os.build)
        assert facts["ansible_distribution"] == "Microsoft " + host.os.product_name
        assert facts["ansible_lastboot"] == host.boot_time.strftime("%Y-%m-%d %H:%M:%SZ")
        assert facts["ansible_env"]["SystemDrive"] == "C:"
        assert facts["ansible_ip_addresses"] == [host.address]
    assert res["win05"]["ansible_facts"]["ansible_os_product_type"] == "server"
    assert res["win05"]["ansible_facts"]["ansible_os_installation_type"] == "Server"
    assert res["win05"]["ansible_facts"]["ansible_distribution_version"] == "10.0.20348.0"
    assert res["win01"]["ansible_facts"]["ansible_os_installation_type"] == "Client"
    # Only win03 has a pending CBS reboot in the scenario.
    assert [n for n in HOSTS if res[n]["ansible_facts"]["ansible_reboot_pending"]] == ["win03"]


def test_setup_gather_subset(fleet, tmp_path):
    proc, res = adhoc(fleet, tmp_path, "win02", "-m", "setup", "-a", "gather_subset=!all,uptime")
    assert proc.returncode == 0
    facts = res["win02"]["ansible_facts"]
    assert "ansible_uptime_seconds" in facts and "ansible_interfaces" not in facts
    assert "ansible_os_family" in facts  # min is always gathered


def test_wrong_password_is_an_authentication_failure(fleet, tmp_path):
    before = len(fleet.records("win01"))
    proc = fleet.ansible("win01", "-m", "ansible.windows.win_ping", "-e", "ansible_password=wrong")
    assert proc.returncode == 4  # unreachable
    assert "UNREACHABLE" in proc.stdout
    assert "basic: the specified credentials were rejected by the server" in proc.stdout + proc.stderr
    assert len(fleet.records("win01")) == before  # nothing ran


def test_unmodelled_module_is_refused_by_name(fleet, tmp_path):
    proc, res = adhoc(fleet, tmp_path, "win02", "-m", "ansible.windows.win_user", "-a", "name=bob")
    assert proc.returncode == 2
    assert res["win02"]["msg"] == "winsim does not model module ansible.windows.win_user"
    rec = fleet.records("win02")[-1]
    assert (rec.kind, rec.name, rec.args, rec.outcome) == ("module", "win_user", {"name": "bob"}, "refused")


def test_groups_from_the_scenario(fleet, tmp_path):
    proc, res = adhoc(fleet, tmp_path, "affected", "-m", "win_ping")
    assert proc.returncode == 0 and sorted(res) == ["win03"]


def _probe(address, port, stop, seen):
    """Connect every few ms; note when the host refuses."""
    while not stop.is_set():
        try:
            with socket.create_connection((address, port), timeout=0.5):
                seen.append((time.monotonic(), "up"))
        except ConnectionRefusedError:
            seen.append((time.monotonic(), "refused"))
        except OSError:
            seen.append((time.monotonic(), "error"))
        time.sleep(0.01)


def test_win_reboot_takes_the_host_away_and_boots_it(winsim_fleet, tmp_path):
    scenario = {
        "fleet": {"time_scale": 120},  # 120 modelled seconds of downtime = 1 real second
        "hosts": [{"name": "rb01",
                   "pending_reboot": {"cbs_reboot_pending": True, "wu_reboot_required": True},
                   "services": {"cryptsvc": {"state": "stopped"}, "msiserver": {"state": "running"}}}],
    }
    fleet = winsim_fleet(scenario)
    host = fleet.hosts["rb01"]
    old_boot = host.boot_time
    book = tmp_path / "reboot.yml"
    book.write_text("- hosts: rb01\n  gather_facts: false\n  tasks:\n"
                    "    - ansible.windows.win_reboot:\n      register: r\n"
                    "    - assert: {that: [r.rebooted]}\n")
    stop, seen = threading.Event(), []
    probe = threading.Thread(target=_probe, args=(host.address, host.port, stop, seen), daemon=True)
    probe.start()
    try:
        proc = fleet.playbook(str(book))
    finally:
        stop.set()
        probe.join()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Unreachable in between: refused connections, bracketed by answered ones.
    states = [state for _when, state in seen]
    assert "refused" in states
    first_refused = states.index("refused")
    assert "up" in states[:first_refused] and "up" in states[first_refused:]
    outage = fleet.servers["rb01"].outages
    assert len(outage) == 1
    down_real = outage[0][1] - outage[0][0]
    assert 0.9 <= down_real < 3.0  # 120 modelled s at x120
    # Booted: new boot time, flags cleared, services per start mode.
    assert host.boot_time > old_boot + datetime.timedelta(hours=1)
    assert not host.pending_reboot.any()
    assert host.services["cryptsvc"].state == "running"  # auto
    assert host.services["msiserver"].state == "stopped"  # manual
    names = [(r.kind, r.name) for r in fleet.records("rb01")]
    assert names[:2] == [("raw", "boot_time"), ("raw", "reboot")]
    assert ("raw", "boot") in names and names[-1] == ("raw", "reboot_test")
    boot = [r for r in fleet.records("rb01") if r.name == "boot"][0]
    assert boot.modelled_seconds == 120.0


def test_reboot_downtime_fault_override(winsim_fleet, tmp_path):
    fleet = winsim_fleet({"fleet": {"time_scale": 1800},
                          "hosts": [{"name": "rb02", "faults": {"reboot_downtime_seconds": 900}}]})
    proc = fleet.ansible("rb02", "-m", "ansible.windows.win_reboot")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (down, up), = fleet.servers["rb02"].outages
    assert 0.45 <= up - down < 2.5  # 900 modelled s at x1800 = 0.5 s (the default 120 s would be 0.07 s)
    assert [r for r in fleet.records("rb02") if r.name == "boot"][0].modelled_seconds == 900


def test_protocol_faults_fire_once(winsim_fleet, tmp_path):
    fleet = winsim_fleet({"hosts": [
        {"name": "f500", "faults": {"http500_on": ["win_ping"]}},
        {"name": "fdrop", "faults": {"drop_connection_on": ["win_ping"]}},
        {"name": "ftime", "faults": {"operation_timeout_on": [{"step": "win_ping", "times": 2}]}},
    ]})
    proc, res = adhoc(fleet, tmp_path, "f500", "-m", "win_ping")
    assert proc.returncode != 0 and "marked for deletion" in proc.stdout + proc.stderr
    proc, res = adhoc(fleet, tmp_path, "fdrop", "-m", "win_ping")
    assert proc.returncode != 0
    assert "Connection aborted" in proc.stdout + proc.stderr or "RemoteDisconnected" in proc.stdout + proc.stderr
    # operation timeouts are retried by pywinrm: the task succeeds.
    proc, res = adhoc(fleet, tmp_path, "ftime", "-m", "win_ping")
    assert proc.returncode == 0 and res["ftime"]["ping"] == "pong"
    assert [r.outcome for r in fleet.records("f500")] == ["fault:http500"]
    assert [r.outcome for r in fleet.records("fdrop")] == ["fault:drop"]
    assert fleet.hosts["ftime"].faults.fired == {"operation_timeout:win_ping": 1}
    # the second time, the once-only faults are used up
    proc, res = adhoc(fleet, tmp_path, "f500:fdrop:ftime", "-m", "win_ping")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert fleet.hosts["ftime"].faults.fired == {"operation_timeout:win_ping": 2}


def test_ansible_commands_come_from_the_running_venv(fleet, tmp_path):
    # Each stage of tools/run_tests.sh runs these tests with one venv's python;
    # the ansible it drives must be that venv's, not .venv's.
    from ansible.release import __version__ as running
    assert os.path.samefile(VENV, sys.prefix) or sys.prefix == sys.base_prefix
    out = fleet.ansible("--version").stdout
    assert "[core %s]" % running in out, out
    proc, res = adhoc(fleet, tmp_path, "win01", "-m", "ansible.windows.win_ping")
    assert proc.returncode == 0 and res["win01"]["ping"] == "pong", proc.stdout + proc.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(VENV_CORE221, "bin", "ansible")),
                    reason=".venv-core221 missing: ansible-core 2.21 not installed (make setup-e2e-newest)")
def test_ansible_core_221_win_ping_and_setup(fleet, tmp_path):
    out = fleet.ansible("--version", venv=VENV_CORE221).stdout
    assert "core 2.21" in out
    proc, res = adhoc(fleet, tmp_path, "all", "-m", "ansible.windows.win_ping", venv=VENV_CORE221)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(res) == HOSTS and all(r["ping"] == "pong" for r in res.values())
    proc, res = adhoc(fleet, tmp_path, "all", "-m", "setup", venv=VENV_CORE221)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(r["ansible_facts"]["ansible_os_family"] == "Windows" for r in res.values())
    assert res["win05"]["ansible_facts"]["ansible_distribution_version"] == "10.0.20348.0"


# --- scenario loading (no ansible needed) -----------------------------------

def test_scenario_addresses_wrap_into_the_next_slash24():
    from winsim import scenario
    spec = scenario.load({"fleet": {"base_address": "127.0.10.250"}, "count": 7})
    assert [h.address for h in spec.hosts] == ["127.0.10.250", "127.0.10.251", "127.0.10.252", "127.0.10.253",
                                               "127.0.10.254", "127.0.11.1", "127.0.11.2"]


def test_scenario_overrides_merge_and_unknown_keys_fail():
    from winsim import scenario
    spec = scenario.load({
        "defaults": {"os": {"build": 19045}, "services": {"wuauserv": {"state": "stopped"}}},
        "count": 2,
        "hosts": [{"name": "win02", "os": {"display_version": "22H2"}, "groups": ["g"],
                   "services": {"mysvc": {"start_mode": "auto"}},
                   "update_history": [{"kb": "KB1", "title": "t", "date": "2026-01-01", "result_code": 4}],
                   "boot_time": "2026-10-01T00:00:00Z"}],
    })
    h1, h2 = spec.hosts
    assert h1.os.build == 19045 and h1.os.display_version == "24H2"
    assert h2.os.build == 19045 and h2.os.display_version == "22H2"
    assert h1.services["wuauserv"].state == "stopped" and h1.services["bits"].state == "running"
    assert h2.services["mysvc"].start_mode == "auto" and "mysvc" not in h1.services
    assert h2.update_history[0].result_code == 4 and h2.boot_time.year == 2026 and h2.boot_time.month == 10
    assert spec.groups == {"g": ["win02"]}
    with pytest.raises(scenario.ScenarioError, match="unknown keys"):
        scenario.load({"count": 1, "defaults": {"os": {"buidl": 1}}})
    with pytest.raises(scenario.ScenarioError, match="not loopback"):
        scenario.load({"fleet": {"base_address": "10.0.0.1"}, "count": 1})


def test_server_refuses_non_loopback_addresses():
    from winsim.model import Clock, HostModel
    from winsim.server import HostServer
    with pytest.raises(ValueError, match="only binds loopback"):
        HostServer(HostModel("x", "192.168.1.10"), Clock())


def test_cli_start_records_status_stop(tmp_path):
    import subprocess
    from winsim.pytest_plugin import ansible_env
    env = ansible_env()
    state = tmp_path / "state"

    def winsim(*args):
        return subprocess.run([sys.executable, "-m", "winsim", *args], env=env, capture_output=True,
                              text=True, timeout=60, cwd=REPO, check=False)

    started = winsim("start", SCENARIO, "--state-dir", str(state), "--port", "0")
    assert started.returncode == 0, started.stderr
    try:
        inventory = yaml.safe_load((state / "inventory.yml").read_text())["windows"]
        assert list(inventory["children"]["affected"]["hosts"]) == ["win03"]
        assert inventory["vars"]["ansible_connection"] == "winrm"
        pid = json.loads((state / "control.json").read_text())["pid"]
        proc = subprocess.run([os.path.join(VENV, "bin", "ansible"), "win03", "-i", str(state / "inventory.yml"),
                               "-m", "ansible.windows.win_ping"], env=env, capture_output=True, text=True, timeout=60,
                              check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        recs = json.loads(winsim("records", "--state-dir", str(state), "--host", "win03", "--json").stdout)
        assert [(r["kind"], r["name"], r["outcome"]) for r in recs["win03"]] == [("module", "win_ping", "ok")]
        status = winsim("status", "--state-dir", str(state))
        assert status.returncode == 0 and status.stdout.count(" up ") == 5
    finally:
        stopped = winsim("stop", "--state-dir", str(state))
    assert stopped.returncode == 0
    assert not (state / "control.json").exists()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("winsim child %d still running after stop" % pid)
