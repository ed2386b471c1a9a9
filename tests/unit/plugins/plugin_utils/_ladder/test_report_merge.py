# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/_ladder/report_merge.py: several fleet reports -> one, each host from its latest run.

Slices of one fleet merge to the report of the whole fleet; a host in two
reports is taken from the run that finished last, whatever the order of the
files; a host without data never hides another report's data; ties, duplicate
hosts without a time and malformed files fail with a message naming the file.
"""
from __future__ import annotations

import json

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report as fr
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import report_merge as rm


def record(host, verdict="fixed", fixed_by="reset", finished="2026-11-02T10:00:00Z", run_id=None, seconds=600):
    """A wu_remediation fact as the repair role leaves it (one rung)."""
    rungs = [{"rung": fixed_by or "preflight", "started": "2026-11-02T09:00:00Z", "finished": finished,
              "outcome": "fixed" if verdict == "fixed" else "not_fixed", "modelled_seconds": seconds, "details": {}}]
    return {"host": host, "target_kb": "KB5066835", "run_id": run_id or "run-" + host, "started": "2026-11-02T09:00:00Z",
            "finished": finished, "verdict": verdict, "fixed_by": fixed_by if verdict == "fixed" else None,
            "causes": [{"name": "corrupt_download_cache", "confidence": "high", "evidence": ["big cache"]}],
            "rungs_run": rungs if verdict != "already_installed" else [],
            "last_resorts": ["clean_install"] if verdict == "needs_person" else [], "evidence": []}


FLEET = [record("win-a"), record("win-b", fixed_by="sfc_dism", seconds=2400),
         record("win-c", verdict="needs_person", fixed_by=None), record("win-d", verdict="already_installed"),
         {"host": "win-e", "wu_diagnosis": {"causes": [{"name": "low_disk"}], "recommended_rungs": ["preflight"]}},
         {"host": "win-f"}]
EMPTY = fr.build_summary([])


def write(path, summary):
    path.write_text(fr.render_json(summary), encoding="utf-8")
    return str(path)


def without_merged_from(summary):
    return {k: v for k, v in summary.items() if k != "merged_from"}


def verdicts(summary):
    return {h["host"]: h["verdict"] for h in summary["hosts"]}


# ------------------------------------------------------------------ slices

def test_three_slices_merge_to_the_report_of_the_whole_fleet(tmp_path):
    whole = fr.build_summary(FLEET)
    files = [write(tmp_path / ("slice%d.json" % i), fr.build_summary(FLEET[i::3])) for i in range(3)]
    merged = rm.merge_files(EMPTY, [str(tmp_path / "slice*.json")])
    assert without_merged_from(merged) == whole
    assert merged["merged_from"] == [{"input": f, "hosts": 2, "kept": 2} for f in files]
    # It renders like any report.
    for fmt in ("json", "markdown", "html"):
        assert "win-f" in fr.render(merged, fmt)[0]


def test_this_runs_hosts_take_part_and_a_merged_report_merges_again_unchanged(tmp_path):
    earlier = write(tmp_path / "earlier.json", fr.build_summary(FLEET[:3]))
    merged = rm.merge_files(fr.build_summary(FLEET[3:]), [earlier])
    assert without_merged_from(merged) == fr.build_summary(FLEET)
    assert merged["merged_from"] == [{"input": rm.THIS_RUN, "hosts": 3, "kept": 3},
                                     {"input": earlier, "hosts": 3, "kept": 3}]
    # The merged report and its own inputs again: the same runs seen twice are no conflict.
    again = write(tmp_path / "merged.json", merged)
    twice = rm.merge_files(EMPTY, [again, earlier])
    assert without_merged_from(twice) == without_merged_from(merged)
    assert twice["merged_from"][1] == {"input": earlier, "hosts": 3, "kept": 0}


# -------------------------------------------------------------- duplicates

@pytest.mark.parametrize("later_first", [False, True], ids=["later-last", "later-first"])
def test_a_host_in_two_reports_is_taken_from_its_latest_run(tmp_path, later_first):
    first = fr.build_summary([record("win-a", verdict="needs_person", fixed_by=None, finished="2026-11-02T10:00:00Z",
                                     run_id="r1"), record("win-b")])
    rerun = fr.build_summary([record("win-a", finished="2026-11-03T08:00:00Z", run_id="r2")])
    files = [write(tmp_path / "first.json", first), write(tmp_path / "rerun.json", rerun)]
    merged = rm.merge_files(EMPTY, files[::-1] if later_first else files)
    assert verdicts(merged) == {"win-a": "fixed", "win-b": "fixed"}
    assert {h["host"]: h["run_id"] for h in merged["hosts"]} == {"win-a": "r2", "win-b": "run-win-b"}
    assert merged["fleet"]["fixed"] == 2 and merged["fleet"]["left_for_person"]["count"] == 0
    kept = {m["input"]: m["kept"] for m in merged["merged_from"]}
    assert kept == {files[0]: 1, files[1]: 1}


def test_times_with_offsets_compare_as_moments(tmp_path):
    # 10:30+02:00 is 08:30Z: earlier than 09:00Z although its text sorts later.
    east = fr.build_summary([record("win-a", verdict="needs_person", fixed_by=None,
                                    finished="2026-11-02T10:30:00+02:00", run_id="r1")])
    utc = fr.build_summary([record("win-a", finished="2026-11-02T09:00:00Z", run_id="r2")])
    merged = rm.merge_files(EMPTY, [write(tmp_path / "utc.json", utc), write(tmp_path / "east.json", east)])
    assert verdicts(merged) == {"win-a": "fixed"}


def test_a_run_cut_off_before_its_verdict_counts_from_its_last_recorded_time(tmp_path):
    done = fr.build_summary([record("win-a", finished="2026-11-02T10:00:00Z", run_id="r1")])
    cut = record("win-a", verdict=None, finished=None, run_id="r2")
    cut["rungs_run"][0]["started"] = "2026-11-02T11:00:00Z"   # a later run, cut off in its first rung
    merged = rm.merge_files(EMPTY, [write(tmp_path / "cut.json", fr.build_summary([cut])),
                                    write(tmp_path / "done.json", done)])
    assert verdicts(merged) == {"win-a": fr.INCOMPLETE}


@pytest.mark.parametrize("data_first", [False, True])
def test_a_host_without_data_never_hides_the_data_of_another_report(tmp_path, data_first):
    data = write(tmp_path / "data.json", fr.build_summary([record("win-a")]))
    unreachable = write(tmp_path / "none.json", fr.build_summary([{"host": "win-a"}, {"host": "win-z"}]))
    merged = rm.merge_files(EMPTY, [data, unreachable] if data_first else [unreachable, data])
    assert verdicts(merged) == {"win-a": "fixed", "win-z": fr.NO_DATA}


def test_two_runs_ending_at_the_same_time_fail_naming_both_files(tmp_path):
    one = write(tmp_path / "one.json", fr.build_summary([record("win-a", run_id="r1")]))
    other = record("win-a", verdict="needs_person", fixed_by=None, run_id="r2")
    two = write(tmp_path / "two.json", fr.build_summary([other]))
    with pytest.raises(ValueError, match="host win-a") as err:
        rm.merge_files(EMPTY, [one, two])
    assert one in str(err.value) and two in str(err.value) and "same time" in str(err.value)


def test_a_duplicate_host_without_a_time_fails_naming_the_file(tmp_path):
    timed = write(tmp_path / "timed.json", fr.build_summary([record("win-a")]))
    old = fr.build_summary([record("win-a")])
    old["hosts"][0].update(started=None, finished=None)
    old["hosts"][0]["rungs_run"][0].update(started=None, finished=None)
    untimed = write(tmp_path / "untimed.json", old)
    with pytest.raises(ValueError, match="untimed.json gives no time") as err:
        rm.merge_files(EMPTY, [timed, untimed])
    assert timed in str(err.value)
    # The report's own time stands in for a host without one.
    old["generated_at"] = "2026-11-05T00:00:00Z"
    old["hosts"][0]["verdict"] = "needs_person"
    write(tmp_path / "untimed.json", old)
    assert verdicts(rm.merge_files(EMPTY, [timed, untimed])) == {"win-a": "needs_person"}
    # So does the date of the run that made it; an earlier one loses.
    old.update(generated_at=None, run={"id": "r9", "date": "2026-11-01T00:00:00Z"})
    write(tmp_path / "untimed.json", old)
    assert verdicts(rm.merge_files(EMPTY, [timed, untimed])) == {"win-a": "fixed"}


def test_a_report_of_an_older_layout_without_run_times_is_read(tmp_path):
    summary = fr.build_summary([record("win-a")])
    for key in ("started", "finished", "run_id"):
        del summary["hosts"][0][key]
    merged = rm.merge_files(EMPTY, [write(tmp_path / "old.json", summary)])
    assert merged["hosts"][0]["finished"] is None and verdicts(merged) == {"win-a": "fixed"}


# --------------------------------------------------------------- malformed

def _good():
    return json.loads(fr.render_json(fr.build_summary([record("win-a")])))


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return data
    return change


def _drop(path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return data
    return change


@pytest.mark.parametrize("change, message", [
    (lambda d: [d], "is not a fleet report (a JSON object), it is a list"),
    (_drop(["schema_version"]), "has no schema_version"),
    (_set(["schema_version"], fr.SCHEMA_VERSION + 1), "schema_version %d is not one this release reads"
     % (fr.SCHEMA_VERSION + 1)),
    (_set(["hosts"], {"win-a": {}}), "hosts is not a list"),
    (_set(["hosts", 0], "win-a"), "hosts[0] must be an object"),
    (_drop(["hosts", 0, "verdict"]), "host win-a has no verdict"),
    (_set(["hosts", 0, "host"], ""), "hosts[0]: host must be a non-empty string"),
    (_set(["hosts", 0, "rungs_run"], "reset"), "host win-a: rungs_run must be a list, it is a string"),
    (_set(["hosts", 0, "rungs_run", 0, "seconds"], "ten"), "rungs_run[0].seconds must be a number or null"),
    (_set(["hosts", 0, "duration", "by_basis"], {"real": "x"}), "duration.by_basis must be an object of numbers"),
    (_set(["hosts", 0, "needs_person"], "no"), "needs_person must be true or false"),
    (_set(["hosts", 0, "finished"], "yesterday"), "finished 'yesterday' is not an ISO 8601 time"),
    (lambda d: dict(d, hosts=d["hosts"] * 2), "lists host win-a more than once"),
])
def test_a_malformed_report_fails_naming_the_file_and_the_fault(tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(change(_good())), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        rm.merge_files(EMPTY, [str(path)])
    assert str(err.value).startswith(str(path) + ": ") and message in str(err.value), str(err.value)


def test_a_file_that_is_not_json_fails_naming_it(tmp_path):
    path = tmp_path / "wu-fleet-report.md"
    path.write_text("# Windows Update fleet report\n", encoding="utf-8")
    with pytest.raises(ValueError, match="^%s: is not JSON" % path):
        rm.merge_files(EMPTY, [str(path)])


def test_patterns_relative_paths_globs_and_each_file_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "wu-fleet-report.json", EMPTY)
    files = rm.expand(["*/wu-fleet-report.json", "a/wu-fleet-report.json"])
    assert files == [str(tmp_path / "a" / "wu-fleet-report.json"), str(tmp_path / "b" / "wu-fleet-report.json")]
    with pytest.raises(ValueError, match="^c/\\*.json matches no file$"):
        rm.expand(["c/*.json"])
    with pytest.raises(ValueError, match="^c.json does not exist$"):
        rm.expand(["c.json"])
    with pytest.raises(ValueError, match="^a is a directory"):
        rm.expand(["a"])
