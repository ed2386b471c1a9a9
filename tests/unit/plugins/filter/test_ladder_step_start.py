# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wu_step_start with the journal write of the start: the record starts the step at the time the journal holds
(the driver journals the start before the rung and records it after), and starts it now without such a write."""
from __future__ import annotations

import json

from ansible_collections.winrepair.windows_update.plugins.filter.ladder import FilterModule
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

KB = "KB5043080"
STEP_START = FilterModule().filters()["wu_step_start"]
JOURNAL_ENTRY = FilterModule().filters()["wu_journal_entry"]
DIAGNOSIS = {"backups": [{"path": "C:\\Windows\\SoftwareDistribution.bak"}]}


def _written(entry):
    """win_wu_journal's result for a write of ENTRY, as the next task reads the registered value (JSON)."""
    return json.loads(json.dumps({"changed": True, "revision": "none", "entry": entry}))


def _record(*rungs):
    rec = remediation.new_record("win01", KB)
    for rung in rungs:
        rec = remediation.record_finish(remediation.record_start(rec, rung, now="2026-11-02T09:00:00Z"), rung,
                                        {"outcome": "failed"}, now="2026-11-02T09:10:00Z")
    return rec


def test_the_step_starts_at_the_time_its_journal_write_holds():
    rec = _record("preflight")
    entry = JOURNAL_ENTRY(remediation.record_start(rec, "reset", now="2026-11-02T10:00:00Z", diagnosis=DIAGNOSIS))
    started = STEP_START(rec, "reset", DIAGNOSIS, _written(entry))
    assert started["rungs_run"][-1]["started"] == "2026-11-02T10:00:00Z"
    assert JOURNAL_ENTRY(started) == entry  # the record holds what the journal holds
    assert rec["rungs_run"][-1]["rung"] == "preflight" and len(rec["rungs_run"]) == 1  # its input unchanged


def test_the_attempt_of_a_repair_install_is_the_journaled_one():
    rec = _record()
    entry = JOURNAL_ENTRY(remediation.record_start(rec, "inplace_upgrade", now="2026-11-02T10:00:00Z"))
    started = STEP_START(rec, "inplace_upgrade", None, _written(entry))
    assert started["rungs_run"][-1]["details"]["attempt"] == "2026-11-02T10:00:00Z"


def test_without_a_write_of_this_start_the_step_starts_now():
    rec = _record("preflight")
    other = JOURNAL_ENTRY(remediation.record_start(rec, "sfc_dism", now="2026-11-02T10:00:00Z"))
    earlier = JOURNAL_ENTRY(rec)  # the write before: no start of this rung in it
    for journaled in ({"skipped": True, "changed": False}, _written(other), _written(earlier), None):
        started = STEP_START(rec, "reset", DIAGNOSIS, journaled)
        step = started["rungs_run"][-1]
        assert step["rung"] == "reset" and step["outcome"] == "started"
        assert step["started"] != "2026-11-02T10:00:00Z" and step["started"] > "2026-11-02T09:10:00Z"
        assert step["details"]["backups_before"] == ["C:\\Windows\\SoftwareDistribution.bak"]
