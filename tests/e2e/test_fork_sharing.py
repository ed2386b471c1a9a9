# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long waits give their fork back: playbooks/fix_wu.yml on 6 hosts with -f 2.

Each host needs a long step (the verifying install through Windows Update,
DISM and sfc, the repair install's setup.exe) and there are fewer forks than hosts, so with
wu_remediate_yield_after (which the ladder passes on to the repair install as
wu_inplace_upgrade_yield_after) the tasks that wait end early and take the wait
up again in a new task. What the run must show:
- the long steps of more hosts than forks ran at the same time (sampled on
  the simulated hosts while the run goes on);
- each host ends with the verdict its cause calls for, as at one fork a host;
- nothing ran twice: one DISM and one sfc run a host that repairs, one
  compatibility scan and one setup.exe for the repair install, one update task
  a verification (the waits were taken up, not started again).
"""
from __future__ import annotations

import threading

import pytest

from winsim import fix_wu_run
from winsim.detached import setup_exe
from winsim.modules import win_updates as win_updates_model

KB = "KB5043080"
ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
SCENARIO = {
    # 600: a 40-minute install takes 4 s, DISM /RestoreHealth 2 s.
    "fleet": {"time_scale": 600, "base_address": "127.0.93.1", "port": 0},
    "defaults": {"target_kb": KB},
    "hosts": [
        {"name": "plain"},
        {"name": "cache", "root_cause": "corrupt_download_cache"},
        {"name": "sysfiles", "root_cause": "corrupt_system_files"},
        {"name": "store", "root_cause": "corrupt_component_store"},
        {"name": "catroot", "root_cause": "inconsistent_catroot2"},
        {"name": "sysfiles2", "root_cause": "corrupt_system_files"},
        {"name": "fwd", "root_cause": "forward_delta_hydration",
         "vars": {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO},
         "files": {ISO: setup_exe.make_media(26100, 1742).decode("utf-8")}},
    ],
}
EXPECT = {"plain": ("installed", "install"), "cache": ("fixed", "reset"), "sysfiles": ("fixed", "sfc_dism"),
          "store": ("fixed", "sfc_dism"), "catroot": ("fixed", "reset"), "sysfiles2": ("fixed", "sfc_dism"),
          "fwd": ("fixed", "inplace_upgrade")}
# Detached runs a host makes: DISM, and sfc only where system files are corrupt (the plan's sfc);
# the repair install's compatibility scan and setup.exe.
RUNS = {"sysfiles": 2, "store": 1, "sysfiles2": 2, "fwd": 2}
FORKS = 2


def _long_steps_running(fleet):
    """Hosts with an update task started and not yet ended by its cancel, or a DISM/sfc run not done, now.
    (A task that holds its fork starts and cancels its update task within itself.)"""
    busy = set()
    for name, host in fleet.hosts.items():
        with host.lock:
            dism_or_sfc = any(not plan.get("done") for plan in host.detached_runs.values())
            if dism_or_sfc or win_updates_model.jobs_running(host):
                busy.add(name)
    return busy


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("forks")
    with fix_wu_run.fleet_and_catalog(SCENARIO, tmp) as (fleet, catalog):
        # The ladder passes wu_remediate_yield_after on to the repair install.
        variables = dict(fix_wu_run.fix_wu_vars(catalog, tmp / "cache"), wu_remediate_yield_after=0.05)
        run = fix_wu_run.start(fleet, tmp / "run", variables, "-f", str(FORKS))
        most, stop = [0], threading.Event()

        def sample():
            while not stop.wait(0.02):
                most[0] = max(most[0], len(_long_steps_running(fleet)))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            fix_wu_run.finish(run)
        finally:
            stop.set()
            sampler.join()
        run["most_at_once"] = most[0]
        run["detached"] = {n: list(fleet.host(n).detached_runs) for n in fleet.hosts}
        yield run


def test_more_hosts_than_forks_ran_their_long_steps_at_once(shared_run):
    assert shared_run["rc"] == 0, fix_wu_run.why(shared_run)
    # The includes that take up a wait ran: the verifying install's, DISM's and sfc's, the repair install's.
    for include in ("Wait on for the install]", "Wait on for the repair]", "Wait on for the repair install]"):
        assert include in shared_run["stdout"], include
    assert shared_run["most_at_once"] > FORKS, shared_run["most_at_once"]
    print("long steps at once: %d of %d hosts, %d forks" % (shared_run["most_at_once"], len(EXPECT), FORKS))


def test_every_host_ends_with_the_verdict_of_its_cause(shared_run):
    facts = shared_run["facts"]
    for name, verdict in EXPECT.items():
        assert (facts[name]["verdict"], facts[name]["fixed_by"]) == verdict, (name, facts[name]["reason"])


def test_no_long_step_ran_twice(shared_run):
    for name, records in shared_run["records"].items():
        facts = shared_run["facts"][name]
        verifications = sum(1 for step in facts["rungs_run"] if step.get("verify")) + 1  # + the plain install first
        starts = [r for r in records if r.name == "win_updates" and r.args.get("_operation") in (None, "start")]
        assert len(starts) <= verifications, (name, len(starts), verifications)
        runs = shared_run["detached"][name]
        assert len(runs) == RUNS.get(name, 0), (name, runs)
