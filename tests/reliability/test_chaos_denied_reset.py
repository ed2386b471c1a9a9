# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chaos seed 3, host c110, as the smallest fleet: a reset stopped once by a denied service.

The host (an Insider build, an inconsistent catroot2, a corrupt download cache)
met "Access is denied" stopping cryptsvc in run 1: the reset rolled back, and
the catalog install after it failed on the catroot2 the reset would have
renamed (DISM 0x80092003). The reset was held back "until something changes",
the denial was gone but nothing the product reads had changed, so nothing was
tried again: needs a person for ever, where the fault-free twin was fixed in
run 1. A reset that failed stopping a service is now run once more on the next
run, and the catalog install that failed after it is judged again once it is
done. The catalog answers without faults here, so the catalog install fails
on the host's own state, as in the 200-host run.
"""
from __future__ import annotations

import json

import pytest

from reliability import chaos as chaos_mod
from reliability import chaos_run
from winsim import fix_wu_run

C110 = chaos_mod.HostPlan(
    name="c110-ic-cdc-ibc", twin="t110-ic-cdc-ibc",
    causes=[{"name": "inconsistent_catroot2"}, {"name": "corrupt_download_cache"},
            {"name": "insider_build_conflict", "superseding_kb": "KB5048667"}],
    faults=[chaos_mod.Fault(kind="access_denied", run=1, arg="cryptsvc")])


@pytest.fixture(scope="module")
def denied(tmp_path_factory):
    fleet = chaos_mod.generate(3, 1)
    plan = chaos_mod.Chaos(seed=3, hosts=[C110], catalog_faults={}, target_kb=fleet.target_kb, iso=fleet.iso)
    work = tmp_path_factory.mktemp("denied")
    result = chaos_run.run(plan, work, forks=2, reboot_timeout=10, slow_restart_seconds=15)
    first = json.loads((work / "run1" / fix_wu_run.DUMP).read_text(encoding="utf-8"))[C110.name]
    return result, result["per_host"][C110.name], first


def test_the_denial_failed_the_reset_and_the_catalog_install_in_run_1(denied):
    result, host, first = denied
    assert result["faults_fired"].get("access_denied"), result["faults_fired"]
    assert host["twin_fixed_run"] == 1
    steps = [(s["rung"], s["outcome"], s["details"].get("failed_step")) for s in first["rungs_run"]]
    assert steps == [("preflight", "done", None), ("reset", "failed", "stop:cryptsvc"),
                     ("catalog_install", "failed", None)], first["rungs_run"]
    assert first["verdict"] == "needs_person"


def test_the_host_is_fixed_within_3_runs_without_repeating_a_completed_reset(denied):
    result, host, _first = denied
    assert host["fixed_run"] is not None and host["fixed_run"] <= 3, (result["runs"], host["verdict"], host["log"])
    assert chaos_run.repeated(host["destructive"]) == 0, host["destructive"]
    assert not host["inconsistent"] and not host["journal_lost"]
