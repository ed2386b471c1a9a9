# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight's own restart (a restart was pending) slower than the reboot timeout,
through playbooks/fix_wu.yml: the rung is recorded as failed with the restart's message,
and the ladder goes on to its verdict (chaos seed 1: on four hosts the driver's rescue
task itself failed, as the pre-flight had registered no result yet)."""
from __future__ import annotations

from winsim import fix_wu_run

KB = "KB5043080"
SCALE = 600
SCENARIO = {
    "fleet": {"time_scale": SCALE, "base_address": "127.0.94.1", "port": 0},
    "defaults": {"target_kb": KB},
    # Back after 10 real seconds, against a reboot timeout of 6: within the second wait.
    "hosts": [{"name": "slowpre", "root_cause": "pending_reboot", "faults": {"reboot_downtime_seconds": SCALE * 10},
               "vars": {"wu_remediate_reboot_timeout": 6}}],
}


def test_a_slow_preflight_restart_is_the_rung_failing_not_the_driver(tmp_path):
    with fix_wu_run.fleet_and_catalog(SCENARIO, tmp_path) as (fleet, catalog):
        variables = fix_wu_run.fix_wu_vars(catalog, tmp_path / "catalog-cache", kb=KB)
        variables["wu_remediate_reboot_timeout"] = None  # the host's 6 s holds
        run = fix_wu_run.finish(fix_wu_run.start(fleet, tmp_path / "run", variables))
    assert "Finalization of task args" not in run["stdout"], fix_wu_run.why(run)
    facts = run["facts"].get("slowpre") or {}
    steps = {s["rung"]: s for s in facts.get("rungs_run") or []}
    assert steps.get("preflight", {}).get("outcome") == "failed", fix_wu_run.why(run)
    assert "boot" in str(steps["preflight"]["details"].get("msg", "")).lower(), steps["preflight"]
    assert facts.get("verdict"), fix_wu_run.why(run)
