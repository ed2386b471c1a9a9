# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two runs of playbooks/fix_wu.yml started at the same time against one
simulated host (a corrupt download cache: the ladder climbs pre-flight, then
the component reset) never interleave: exactly one climbs the ladder; the
other refuses with a message naming the run that holds the host's lock (or,
had it come after the first one finished, finds the update installed), and
the host's request log shows every changing step inside the one lock
interval of the climbing run, its journal writes carrying that run's id.
"""
from __future__ import annotations

import json

import pytest

from reliability import fixwu

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.93.1", "port": 0},
    "defaults": {"target_kb": fixwu.KB},
    "hosts": [{"name": "cache", "root_cause": "corrupt_download_cache"}],
}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("concurrent")
    with fixwu.fleet_and_catalog(SCENARIO, tmp) as (fleet, catalog):
        a = fixwu.start(fleet, catalog, tmp, "a")
        b = fixwu.start(fleet, catalog, tmp, "b")
        runs = [fixwu.finish(a), fixwu.finish(b)]
        yield {"fleet": fleet, "runs": runs, "host": fleet.host("cache"), "records": list(fleet.records("cache"))}


def _climbed(run):
    facts = run["facts"].get("cache") or {}
    return bool(facts.get("rungs_run"))


def test_exactly_one_run_climbs(both):
    runs = both["runs"]
    climbers = [r for r in runs if _climbed(r)]
    assert len(climbers) == 1, [fixwu.why(r) for r in runs]
    winner = climbers[0]
    assert winner["rc"] == 0, fixwu.why(winner)
    facts = winner["facts"]["cache"]
    assert (facts["verdict"], facts["fixed_by"]) == ("fixed", "reset"), facts["reason"]
    assert fixwu.KB in both["host"].installed_kbs


def test_the_other_refuses_with_a_clear_message(both):
    other = [r for r in both["runs"] if not _climbed(r)][0]
    facts = other["facts"].get("cache") or {}
    if facts.get("verdict") == "already_installed":
        # It came after the first one had finished: nothing to do, nothing changed.
        assert fixwu.changing(other["records"]["cache"]) == []
        return
    assert other["rc"] != 0 and "failed=1" in fixwu.recap(other, "cache"), fixwu.why(other)
    text = " ".join(other["stdout"].split())
    assert "Another run of the repair ladder" in text and "Nothing was changed" in text, fixwu.why(other)
    winner = [r for r in both["runs"] if _climbed(r)][0]
    run_id = winner["facts"]["cache"]["run_id"]
    assert run_id in text, fixwu.why(other)  # names the run that holds the host


def test_request_log_shows_no_interleaving(both):
    """Every changing step lies between the one successful acquire and its release,
    and every journal write in it carries the lock holder's run id."""
    holder, acquires, releases, writes = None, [], [], 0
    attempts = set()
    for rec in both["records"]:
        if rec.check_mode:
            continue
        if rec.name == "wu_journal_lock":
            run_id = rec.args["RunId"]
            if rec.args["Action"] == "acquire":
                attempts.add(run_id)
                if rec.outcome == "changed":
                    assert holder is None, "lock taken by %s while %s held it" % (run_id, holder)
                    holder = run_id
                    acquires.append(run_id)
            elif rec.outcome == "changed":
                assert run_id == holder, (run_id, holder)
                releases.append(run_id)
                holder = None
            continue
        if (rec.kind, rec.name) in fixwu.READ_ONLY:
            continue
        assert holder is not None, "changing step outside the lock: %r" % (rec,)
        if rec.name == "wu_journal_write":
            entry = json.loads(rec.args["Content"])["entries"][fixwu.KB]
            # The lock id is "<the record's run id>-<random>": the writer is the holder.
            assert holder.startswith(entry["run_id"] + "-"), (holder, entry["run_id"])
            writes += 1
    assert len(acquires) == 1 and releases == acquires, (acquires, releases)
    assert holder is None and fixwu.LOCK not in both["host"].files  # given back
    assert writes >= 3  # start and outcome of each rung, the verification, the verdict
    assert len(fixwu.resets(both["records"])) == 1
    # Both runs reached the lock (or the second found the update installed and never needed it).
    assert len(attempts) == 2 or any((r["facts"].get("cache") or {}).get("verdict") == "already_installed"
                                     for r in both["runs"])
