# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as an audit trail: it says when and by what it was made, which clock its
durations are on (no simulator words in a production report), and what a person can still do."""
from __future__ import annotations

import json

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report, remediation

KB = "KB5043080"
RUN = {"id": "5f1c2a9e0b7d", "date": "2026-11-02T09:30:00Z", "ansible_core": "2.19.4",
       "collection": "winrepair.windows_update 0.1.0", "check_mode": False}


def _fixed():
    plan = remediation.plan({"causes": [{"name": "corrupt_download_cache"}]}, KB)
    rec = remediation.new_record("win01", KB, plan_=plan, now="2026-11-02T09:00:00Z")
    for rung, at in (("preflight", "2026-11-02T09:00:00Z"), ("reset", "2026-11-02T09:05:00Z")):
        rec = remediation.record_start(rec, rung, now=at)
        rec = remediation.record_finish(rec, rung, remediation.rung_outcome(rung, {"changed": True}),
                                        now=at.replace(":00Z", ":30Z"))
        rec["rungs_run"][-1]["host_seconds"] = 20.0
    rec = remediation.record_verify(rec, "reset", {"outcome": "installed", "kb": KB})
    return remediation.verdict(rec)


def _failing_disk():
    d = {"causes": [{"name": "storage_fault", "confidence": "high"}]}
    return remediation.verdict(remediation.new_record("win02", KB, d, remediation.plan(d, KB)))


def test_each_report_says_when_by_which_run_and_which_versions():
    summary = fleet_report.build_summary([_fixed()], run=RUN)
    assert summary["run"] == RUN and summary["generated_at"] == RUN["date"]
    for text in (fleet_report.render_markdown(summary), fleet_report.render_html(summary),
                 "\n".join(fleet_report.render_text(summary))):
        for value in ("2026-11-02T09:30:00Z", "5f1c2a9e0b7d", "ansible-core 2.19.4", "winrepair.windows_update 0.1.0"):
            assert value in text, value
    assert json.loads(fleet_report.render_json(summary))["run"]["id"] == "5f1c2a9e0b7d"


def test_a_production_report_says_which_clock_and_no_simulator_words():
    summary = fleet_report.build_summary([_fixed()], run=RUN)
    for text in (fleet_report.render_markdown(summary), fleet_report.render_html(summary),
                 "\n".join(fleet_report.render_text(summary))):
        lowered = text.lower()
        assert "simulat" not in lowered and "modelled" not in lowered
        assert "controller clock" in lowered


def test_modelled_durations_still_say_so():
    rec = dict(_fixed())
    rec["rungs_run"] = [dict(s, modelled_seconds=600) for s in rec["rungs_run"]]
    text = fleet_report.render_markdown(fleet_report.build_summary([rec], run=RUN))
    assert "modelled" in text


def test_a_failing_disk_hosts_last_resorts_are_back_up_and_replace_the_disk():
    rec = _failing_disk()
    assert [r["name"] for r in rec["last_resorts"]] == ["back_up_and_replace_disk"]
    summary = fleet_report.build_summary([rec], run=RUN)
    for text in (fleet_report.render_markdown(summary), fleet_report.render_html(summary)):
        assert "Reset this PC" not in text and "replace the disk" in text


def test_a_report_without_run_information_still_builds():
    summary = fleet_report.build_summary([_fixed()])
    assert summary["run"] is None and fleet_report.run_line(summary) is None
    assert "Run " not in fleet_report.render_markdown(summary)
