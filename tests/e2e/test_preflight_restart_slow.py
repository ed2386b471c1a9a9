# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight's own restart (a restart was pending) slower than the reboot timeout,
through playbooks/fix_wu.yml.

Chaos seed 1 found two defects here: on four hosts the driver's rescue task itself failed
(the pre-flight had registered no result yet); then, with that fixed, the rung was recorded
as failed and the ladder ended "every automated rung ran (preflight) and the update still
does not install" without trying the install, though the restart it needed had happened.
The pre-flight now waits once more for a host that is only slow to come back."""
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


def test_a_slow_preflight_restart_is_waited_for_and_the_install_tried(tmp_path):
    with fix_wu_run.fleet_and_catalog(SCENARIO, tmp_path) as (fleet, catalog):
        variables = fix_wu_run.fix_wu_vars(catalog, tmp_path / "catalog-cache", kb=KB)
        variables["wu_remediate_reboot_timeout"] = None  # the host's 6 s holds
        run = fix_wu_run.finish(fix_wu_run.start(fleet, tmp_path / "run", variables))
        installed = KB in fleet.host("slowpre").installed_kbs
    assert "Finalization of task args" not in run["stdout"], fix_wu_run.why(run)
    facts = run["facts"].get("slowpre") or {}
    steps = {s["rung"]: s for s in facts.get("rungs_run") or []}
    assert steps.get("preflight", {}).get("outcome") == "done", fix_wu_run.why(run)
    assert steps["preflight"]["details"].get("remedied") is True, steps["preflight"]
    assert facts.get("verdict") == "fixed" and facts.get("fixed_by") == "preflight", (facts.get("verdict"),
                                                                                      facts.get("reason"))
    assert installed
