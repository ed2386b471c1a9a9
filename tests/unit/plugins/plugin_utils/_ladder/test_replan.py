# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain install tried because the evidence named no cause, and failed: the driver
diagnoses again and plans from that failure (remediation.replan, roles/wu_remediate/tasks/replan.yml)."""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

KB = "KB5043080"
NOTHING_FOUND = {"causes": [], "installed_kbs": []}
# What the diagnosis finds once the install failed with 0x800F0922 beside a third-party antivirus.
AFTER = {"causes": [{"name": "third_party_filter_driver", "confidence": "high",
                     "evidence": ["third-party antivirus registered: Fabrikam Endpoint Protection"]}],
         "installed_kbs": [], "antivirus": [{"name": "Fabrikam Endpoint Protection", "third_party": True}]}
FAILED = {"outcome": "failed", "kb": KB, "hresult": "0x800F0922", "via": "windows_update"}


def _record():
    plan = remediation.plan(NOTHING_FOUND, KB)
    assert plan["try_install_first"] and "reset" in plan["rungs"]  # blind: every rung
    return remediation.new_record("h1", KB, NOTHING_FOUND, plan)


def test_a_failed_plain_install_asks_for_a_new_plan_and_gets_one():
    rec = remediation.record_verify(_record(), None, FAILED)
    assert rec["replan"] is True
    plan = remediation.plan(AFTER, KB)
    again = remediation.replan(rec, AFTER, plan)
    assert "replan" not in again
    assert again["plan"]["causes"] == ["third_party_filter_driver"] and again["plan"]["stop_for_person"]
    assert "reset" not in again["plan"]["rungs"] and not again["plan"]["try_install_first"]
    assert [c["name"] for c in again["causes"]] == ["third_party_filter_driver"]
    assert [s["rung"] for s in again["rungs_run"]] == ["install"]  # the attempt stays on record
    assert again["run_id"] == rec["run_id"] and rec["plan"]["try_install_first"]  # the input is not changed
    verdict = remediation.verdict(again)
    assert verdict["verdict"] == "needs_person" and "antivirus" in verdict["reason"]


def test_only_a_failed_plain_install_asks_for_it():
    for outcome in ("not_offered", "unverified", "installed"):
        rec = remediation.record_verify(_record(), None, dict(FAILED, outcome=outcome))
        assert "replan" not in rec, outcome
    # A rung's verification failing is the climb going on, not a reason to diagnose again.
    rec = remediation.record_start(_record(), "reset")
    rec = remediation.record_verify(rec, "reset", FAILED)
    assert "replan" not in rec
    # With a cause found, the plan had no plain install first.
    found = remediation.new_record("h1", KB, AFTER, remediation.plan(AFTER, KB))
    assert "replan" not in remediation.record_verify(found, None, FAILED)
