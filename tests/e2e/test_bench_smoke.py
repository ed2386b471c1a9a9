# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmarks of bench/ still run: each one at a tiny size (bench/run_all.py --quick
sizes), against the simulator, checking the SHAPE of what the harness reports - rows with
numbers where numbers belong, every host accounted for, the playbooks ran - never the
figures (benchmarks do not fail on a figure). One test per benchmark so pytest-xdist can
spread them; together about a minute of CPU.
"""
from __future__ import annotations

import datetime
import numbers
import os
import sys
import types

import pytest

from winsim.model import HostModel

BENCH = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import common  # noqa: E402
import makespan  # noqa: E402
import run_all  # noqa: E402
import time_to_green  # noqa: E402

ROW_KEYS = {"metric", "ours", "baseline", "ratio", "target", "met", "unit"}


def _run(number):
    module, _full, quick = run_all.BENCHMARKS[number]
    return module.run(**quick)


def _check_rows(result, expected_metrics):
    assert result.get("ok"), result.get("notes")
    rows = result["rows"]
    assert set(expected_metrics) <= {r["metric"] for r in rows}, [r["metric"] for r in rows]
    for r in rows:
        assert set(r) == ROW_KEYS, r
        assert isinstance(r["ours"], numbers.Number), r
        assert r["met"] in (True, False, None), r
        if r["target"] and "(" not in r["target"]:
            assert r["met"] in (True, False), r  # a row with a target says whether it was met
        if isinstance(r["baseline"], numbers.Number) and r["baseline"]:
            assert r["ratio"] == pytest.approx(r["ours"] / r["baseline"]), r
    table = common.table([result])
    assert table.count("\n") == len(rows) + 1


def test_time_to_green_harness():
    # Quick size: fix_wu.yml and the target's baseline (baseline_every_step.yml); the stricter
    # stop-early fleet and the oracle are left out here to keep make test short (their rows: the
    # tests below).
    result = _run("1")
    _check_rows(result, ["host-hours to green (modelled)", "fix rate"])
    rows = {r["metric"]: r for r in result["rows"]}
    # P1's host-hours target is stated against the oracle (not run here); the fix rate and the
    # controller's CPU have theirs against every step.
    assert rows["host-hours to green (modelled)"]["met"] is None
    assert rows["fix rate"]["met"] in (True, False) and rows["controller CPU"]["met"] in (True, False)
    d = result["details"]
    assert d["target_baseline"] == "every_step" and "stop_early" not in d and "oracle" not in d
    assert not any("oracle" in r["metric"] for r in result["rows"])
    for side in ("ours", "every_step"):
        r = d[side]
        assert r["rc"] in (0, 2), r["tail"]
        assert r["hosts"] == d["hosts"] and 0 <= r["fixed"] <= r["hosts"]
        assert r["host_hours"] > 0  # the hosts answered requests that took modelled time
        assert sum(c["hosts"] for c in r["per_cause"].values()) == r["hosts"]
        assert r["refused_requests"] == 0  # nothing the simulator does not model
    assert rows["host-hours to green (modelled)"]["baseline"] == d["every_step"]["host_hours"]
    # One run of each at the quick size: the controller-CPU rows are those runs' (the medians of
    # several pairs: test_time_to_green_cpu_medians).
    runs = d["controller_cpu_runs"]
    assert [r["cpu"] for r in runs["ours"]] == [d["ours"]["controller_cpu"]] and runs["ours"][0]["cpu"] > 0
    assert rows["controller CPU"]["baseline"] == d["every_step"]["controller_cpu"]
    # Every step of the ladder costs a host that needed a repair more than the plain install.
    assert d["every_step"]["host_hours"] > d["ours"]["per_cause"]["no_cause"]["host_hours"] * d["hosts"]
    table = run_all.per_cause_table(result)
    assert table.startswith("| root cause |") and "(every step)" in table and "(stop early)" not in table
    assert "(oracle)" not in table
    assert table.count("\n") == 1 + len(d["ours"]["per_cause"])


def test_time_to_green_cpu_medians(monkeypatch):
    """With cpu_pairs, fix_wu and every step run in turn, each repeat in a fresh folder, and the
    controller-CPU rows give each side's median (no fleet: _one is replaced)."""
    cpu = {"ours": iter([300.0, 250.0, 280.0]), "every_step": iter([150.0, 200.0, 170.0])}
    own = {"ours": 50.0, "every_step": 20.0}
    calls = []

    def one(kind, hosts, forks, time_scale, tmp, catalog):
        calls.append((kind, os.path.basename(tmp)))
        return {"host_hours": 1.0, "fixed": hosts, "hosts": hosts, "fix_rate": 1.0, "wall": 1.0, "rc": 0,
                "controller_cpu": next(cpu[kind]), "controller_own_cpu": own[kind], "refused_requests": 0,
                "heavy_runs_on_failing_disk": 0, "tail": "",
                "per_cause": {"no_cause": {"hosts": hosts, "fixed": hosts, "host_hours": 1.0}}}

    monkeypatch.setattr(time_to_green, "_one", one)
    result = time_to_green.run(hosts=2, forks=2, stop_early=False, oracle=False, cpu_pairs=3)
    assert [call[0] for call in calls] == ["ours", "every_step"] * 3
    assert len({call[1] for call in calls[2:]}) == 2  # each repeat pair in a folder of its own
    rows = {r["metric"]: r for r in result["rows"]}
    assert rows["controller CPU"]["ours"] == 280.0 and rows["controller CPU"]["baseline"] == 170.0
    assert rows["controller CPU"]["met"] is False  # 280 > 1.5 x 170
    assert rows["controller CPU: its task processes"]["ours"] == 230.0
    note = [n for n in result["notes"] if n.startswith("controller CPU, fix_wu / every step, in 3 pairs")]
    assert note and "300 / 150 s = 2.00" in note[0] and "250 / 200 s = 1.25" in note[0]


def test_time_to_green_stop_early_rows():
    """The stricter baseline's rows carry no target and the breakdown gets its columns (no fleet:
    the full run of make bench runs that fleet)."""
    def side(hours, fixed):
        return {"host_hours": hours, "fix_rate": fixed / 4.0, "wall": 1.0, "controller_cpu": 2.0,
                "per_cause": {"no_cause": {"hosts": 4, "fixed": fixed, "host_hours": hours}}}

    ours, stop = side(3.0, 4), side(6.0, 3)
    rows = time_to_green._comparison_rows(ours, stop, "baseline_ladder.yml", 6000.0, 2, target=False)
    hh = rows[0]
    assert hh["metric"] == "host-hours to green (modelled) vs stop-early baseline_ladder.yml"
    assert hh["ratio"] == pytest.approx(0.5) and hh["met"] is None and "no target" in hh["target"]
    assert all(r["met"] is None for r in rows)
    met = time_to_green._comparison_rows(ours, stop, "baseline_every_step.yml", 6000.0, 2, target=True)
    # Host-hours: no target against every step (P1 is against the oracle); fix rate 1.0 >= 0.75;
    # controller CPU 2.0 <= 1.5 x 2.0.
    assert [r["met"] for r in met] == [None, True, None, True]
    assert met[3]["met"] is not time_to_green._comparison_rows(
        dict(ours, controller_cpu=3.1), stop, "baseline_every_step.yml", 6000.0, 2, target=True)[3]["met"]
    result = {"benchmark": "1 time to green", "rows": met + rows, "notes": [], "ok": True,
              "details": {"ours": ours, "every_step": side(9.0, 3), "stop_early": stop}}
    _check_rows(result, [hh["metric"]])
    assert "| no_cause | 4 | 4 | 3 | 3 | 3.00 | 9.00 | 6.00 |" in run_all.per_cause_table(result)


def _oracle_side(per_cause):
    """A fleet result of the shape time_to_green._one gives, from {cause: (hosts, fixed, host_hours)}."""
    rows = {c: {"hosts": h, "fixed": f, "host_hours": hh} for c, (h, f, hh) in per_cause.items()}
    hosts, fixed = sum(r["hosts"] for r in rows.values()), sum(r["fixed"] for r in rows.values())
    return {"host_hours": sum(r["host_hours"] for r in rows.values()), "fixed": fixed, "hosts": hosts,
            "fix_rate": fixed / float(hosts), "wall": 1.0, "controller_cpu": 2.0, "per_cause": rows}


def test_time_to_green_oracle_rows_and_bound():
    """The oracle's own row carries no target, P1's rows (fix_wu against it) do; its bound leaves out the causes the every-step fleet fixed
    on none of its hosts, and the breakdown gets its columns (no fleet: the full run of make bench
    and time_to_green.py without --no-oracle run that fleet)."""
    every = _oracle_side({"no_cause": (2, 2, 2.0), "low_disk": (1, 1, 3.0), "insider_build_conflict": (1, 0, 2.0),
                          "storage_fault": (1, 0, 1.0)})
    oracle = _oracle_side({"no_cause": (2, 2, 1.5), "low_disk": (1, 1, 1.0), "insider_build_conflict": (1, 1, 0.5),
                           "storage_fault": (1, 0, 0.0)})
    ours = _oracle_side({"no_cause": (2, 2, 1.6), "low_disk": (1, 1, 1.1), "insider_build_conflict": (1, 1, 0.6),
                         "storage_fault": (1, 0, 0.1)})
    rows = time_to_green._oracle_rows(ours, every, oracle)
    assert [r["metric"] for r in rows] == [
        "host-hours to green (modelled): oracle (knows each cause, cheapest cure and install route) vs every step",
        "P1 host-hours: fix_wu vs oracle", "P1 fix rate: fix_wu vs oracle"]
    assert rows[0]["ours"] == oracle["host_hours"] and rows[0]["baseline"] == every["host_hours"]
    assert rows[1]["ours"] == ours["host_hours"] and rows[1]["baseline"] == oracle["host_hours"]
    assert rows[0]["met"] is None and rows[0]["target"] == "(lower bound; no target)"
    # 3.4 h against 3.0 h is 1.13 x: over 1.05; the fix rates are equal.
    assert (rows[1]["met"], rows[2]["met"]) == (False, True)
    near = time_to_green._oracle_rows(dict(ours, host_hours=3.1), every, oracle)
    assert near[1]["met"] is True  # 1.033 x
    fewer = time_to_green._oracle_rows(dict(ours, host_hours=3.1, fix_rate=0.5), every, oracle)
    assert fewer[1]["met"] is False and fewer[2]["met"] is False  # cheaper only by fixing fewer
    bound = time_to_green.oracle_bound(every, oracle)
    assert bound["left_out"] == ["insider_build_conflict", "storage_fault"]
    # Only what the oracle spent on the causes left out is taken away: 3.0 - (0.5 + 0.0).
    assert bound["host_hours_on_fixed"] == pytest.approx(oracle["host_hours"] - 0.5)
    assert bound["ratio_on_fixed"] == pytest.approx(bound["host_hours_on_fixed"] / every["host_hours"])
    # As many hosts as every step fixed (3), cheapest first: insider 0.5 + two no_cause 0.75.
    assert bound["host_hours_cheapest"] == pytest.approx(2.0)
    assert bound["cheapest_leaves_out"] == ["low_disk"]  # the dearest fixed host (1.0 h) is the one left broken
    oracle["rc"] = 0
    notes = time_to_green._oracle_notes(every, oracle)
    assert len(notes) == 1 and "lower bound" in notes[0] and "first target (0.35)" in notes[0]
    # A host with a cure the oracle did not fix, and a failed cure, are said.
    oracle["per_cause"]["low_disk"]["fixed"] = 0
    oracle["rc"] = 2
    notes = time_to_green._oracle_notes(every, oracle)
    assert any("low_disk 0/1" in n for n in notes) and any("exited 2" in n for n in notes)
    assert not any("storage_fault 0/1" in n for n in notes)  # no cure exists: not a miss
    result = {"benchmark": "1 time to green", "rows": rows, "notes": notes, "ok": True,
              "details": {"ours": ours, "every_step": every, "oracle": oracle}}
    _check_rows(result, [r["metric"] for r in rows])
    table = run_all.per_cause_table(result)
    assert "fixed (oracle)" in table and "host-h (oracle)" in table and "(stop early)" not in table
    assert "| low_disk | 1 | 1 | 1 | 0 | 1.10 | 3.00 | 1.00 |" in table
    result["details"]["oracle_wu"] = oracle
    assert "| low_disk | 1 | 1 | 1 | 0 | 0 | 1.10 | 3.00 | 1.00 | 1.00 |" in run_all.per_cause_table(result)


def test_time_to_green_install_route(monkeypatch):
    """The oracle's install route is the cheaper one under the simulator's own durations, and a
    cause the catalog install goes around gets no cure only on that route."""
    from winsim import downloads
    from winsim.detached import dism_packages
    from winsim.modules import win_updates
    r = time_to_green.install_route("KB5043080")
    assert r["costs"]["catalog"] == pytest.approx(533_761_740 / downloads.BYTES_PER_SECOND
                                                  + dism_packages.TARGET_SECONDS)
    assert r["costs"]["windows_update"] == pytest.approx(
        win_updates.SEARCH_SECONDS + downloads.wu_download_bytes("KB5043080") / downloads.BYTES_PER_SECOND
        + win_updates.CU_INSTALL_SECONDS)
    assert r["route"] == min(r["costs"], key=r["costs"].get)
    assert r["bypass"] == (["corrupt_download_cache"] if r["route"] == "catalog" else [])
    monkeypatch.setattr(win_updates, "CU_INSTALL_SECONDS", 60.0)  # a Windows Update install far cheaper
    quick = time_to_green.install_route("KB5043080")
    assert quick["route"] == "windows_update" and quick["bypass"] == []
    # The fifth fleet's route is Windows Update whatever it costs, so every cause gets its cure.
    forced = time_to_green.install_route("KB5043080", forced="windows_update")
    monkeypatch.setattr(win_updates, "CU_INSTALL_SECONDS", 1e6)
    dear = time_to_green.install_route("KB5043080", forced="windows_update")
    assert forced["route"] == dear["route"] == "windows_update" and dear["bypass"] == []
    assert dear["costs"]["windows_update"] > dear["costs"]["catalog"]


def test_time_to_green_floor_of_a_verifying_playbook():
    """fix_wu against the oracle installing through Windows Update: a row without a target, and a note giving
    that oracle against the cheapest one and fix_wu against it."""
    every = _oracle_side({"no_cause": (2, 2, 2.0)})
    oracle = _oracle_side({"no_cause": (2, 2, 1.0)})
    oracle_wu = _oracle_side({"no_cause": (2, 2, 1.2)})
    ours = _oracle_side({"no_cause": (2, 2, 1.26)})
    rows = time_to_green._oracle_rows(ours, every, oracle, oracle_wu)
    assert len(rows) == 4 and rows[:3] == time_to_green._oracle_rows(ours, every, oracle)
    floor = rows[3]
    assert (floor["ours"], floor["baseline"], floor["met"]) == (1.26, 1.2, None)
    assert floor["ratio"] == pytest.approx(1.05) and "no target" in floor["target"]
    note = time_to_green._verifying_floor_note(ours, oracle, oracle_wu)
    assert "1.2 h, 1.200 x the oracle" in note and "fix_wu / it: 1.050" in note


def test_catalog_traffic_harness():
    result = _run("2")
    d = result["details"]
    assert set(d) == {"host", "controller", "mirror", "baseline"}
    for kind, r in d.items():
        assert r["rc"] == 0, (kind, r["tail"])
        assert r["installed"] == r["hosts"], kind
        assert r["winrm_requests"] > 0 and r["winrm_bytes_in"] > 0 and r["winrm_bytes_out"] > 0, kind
        assert r["searches"] >= 1 and r["dialogs"] >= 1, kind
    # The counters see the difference between the modes: only controller mode pushes files over
    # WinRM, only host/baseline make the hosts download from the catalog, mirror from the mirror.
    assert d["controller"]["update_bytes_via_winrm"] > 0
    assert d["host"]["update_bytes_via_winrm"] == d["mirror"]["update_bytes_via_winrm"] == 0
    assert d["mirror"]["mirror_requests"] > 0 and d["host"]["mirror_requests"] == 0
    assert d["controller"]["host_fetch_bytes"] == 0 < d["host"]["host_fetch_bytes"]
    _check_rows(result, ["host mode: catalog searches"])


def test_diagnose_cost_harness():
    result = _run("3")
    _check_rows(result, ["module runs per host", "WinRM requests per host"])
    d = result["details"]
    for side in ("ours", "baseline"):
        assert d[side]["rc"] == 0 and d[side]["refused_or_failed"] == 0, d[side]["tail"]
        assert d[side]["winrm_requests_per_host"] > 0


def test_controller_scale_harness():
    result = _run("4")
    sizes = result["details"]["sizes"]
    assert [s["hosts"] for s in sizes] == [2]
    for s in sizes:
        assert s["ours"]["rc"] == 0 and s["ping"]["rc"] == 0, s["ours"]["tail"]
        assert s["ours"]["diagnosed_hosts"] == s["hosts"] == s["ping"]["ok_hosts"]
        assert s["ours"]["report_written"]
        assert s["ours"]["cpu"] > 0 and s["ours"]["maxrss_kb"] > 0 and s["fleet_maxrss_kb"] > 0
    _check_rows(result, ["2 hosts: controller CPU per host"])


def test_makespan_harness():
    result = _run("5")
    _check_rows(result, ["makespan (modelled): forks 2 vs forks 3", "makespan (modelled): forks 3 vs the slowest "
                         "host's own path"])
    d = result["details"]
    for side in ("small", "wide"):
        assert d[side]["rc"] == 0 and d[side]["hosts"] == 3, d[side]["tail"]
        assert d[side]["makespan"] >= d[side]["last_host_span"] > 0 and d[side]["physical_limit"] > 0
    assert (d["small"]["forks"], d["wide"]["forks"]) == (2, 3)


class _Clock(object):
    scale = 60.0

    def now(self):
        return datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc)


def test_makespan_measures_from_the_first_request_to_the_end_of_the_last():
    """Two hosts' request logs (real times, modelled seconds): the makespan runs from the first
    request's arrival to the end of the last one, a boot record counting when the host was back;
    the physical limit is the larger host's own modelled seconds."""
    a, b = HostModel(name="a", address="127.0.0.2"), HostModel(name="b", address="127.0.0.3")
    a.record("script", "wu_diagnose", {}, False, 60.0, "ok", real_time=100.0)     # 100 .. 101 real
    a.record("module", "win_updates", {}, False, 600.0, "ok", real_time=110.0)    # .. 120 real
    b.record("script", "wu_diagnose", {}, False, 60.0, "ok", real_time=102.0)
    b.record("raw", "boot", {}, False, 300.0, "ok", real_time=130.0)              # down 125 .. 130
    fleet = types.SimpleNamespace(clock=_Clock(), hosts={"a": a, "b": b}, records=lambda n: {"a": a, "b": b}[n].records)
    m = makespan.measure(fleet)
    assert m["makespan"] == pytest.approx((130.0 - 100.0) * 60.0)
    assert m["last_host"] == "b" and m["last_host_span"] == pytest.approx((130.0 - 102.0) * 60.0)
    assert m["physical_limit"] == pytest.approx(660.0) and m["slowest_host"] == "a"
    assert m["controller_share"] == pytest.approx(1 - 360.0 / ((130.0 - 102.0) * 60.0))


def test_merge_replaces_one_benchmark_only():
    """run_all.py --merge: one benchmark's rows and section change, the others' stay, and the top
    says when the merged one was measured (no fleet needed)."""
    old_1 = {"benchmark": "1 time to green", "rows": [common.row("fix rate", 0.5, 0.25, ">= baseline", True)],
             "notes": ["old note"], "details": {}, "seconds": 10.0, "args": {"hosts": 4}}
    other = {"benchmark": "2 catalog traffic", "rows": [common.row("searches", 1, 100, "<= 1", True)],
             "notes": ["kept note"], "details": {}, "seconds": 20.0, "args": {"hosts": 4}}
    started = run_all.datetime.datetime(2026, 1, 2, 3, 4, tzinfo=run_all.datetime.timezone.utc)
    text = run_all.markdown([old_1, other], started, 30.0, quick=True) + "\n## Fault matrix\n\nkept table\n"
    new_1 = dict(old_1, rows=[common.row("fix rate", 0.75, 0.5, ">= baseline", True),
                              common.row("extra", 2.0, 4.0)], notes=["new note"], date="2026-02-03 04:05 UTC")
    merged = run_all.merge(text, [new_1])
    assert "old note" not in merged and "- new note" in merged
    assert "| 1 time to green | fix rate | 0.75 | 0.5 | 1.500 |" in merged
    assert "| 1 time to green | extra |" in merged and "| 1 time to green | fix rate | 0.5 |" not in merged
    assert "| 2 catalog traffic | searches |" in merged and "- kept note" in merged and "kept table" in merged
    assert "measured separately, 2026-02-03 04:05 UTC" in merged and "- date: 2026-01-02 03:04 UTC" in merged
    # The rows of benchmark 1 stay before those of benchmark 2, sections too; merging again changes nothing.
    assert merged.index("| 1 time to green | extra |") < merged.index("| 2 catalog traffic |")
    assert merged.index("## 1 time to green") < merged.index("## 2 catalog traffic") < merged.index("## Fault")
    assert run_all.merge(merged, [new_1]) == merged


def test_fault_summary_reads_the_fix_wu_level_junit_report(tmp_path):
    import faults_summary
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="t" name="test_rerun_finishes[cat_html]"/>'
        '<testcase classname="t" name="test_host_consistent_after_the_fault[cat_html]"/>'
        '<testcase classname="t" name="test_rerun_finishes[iso_missing]"><failure message="x"/></testcase>'
        '<testcase classname="t" name="test_host_consistent_after_the_fault[dl_badhash]"><failure message="y"/>'
        '</testcase><testcase classname="t" name="test_dism_rode_out_the_dropped_poll"/>'
        '</testsuite></testsuites>')
    hosts = faults_summary.fix_wu_outcomes(str(report))
    assert sorted(hosts) == ["cat_html", "dl_badhash", "iso_missing"]
    assert hosts["cat_html"] == {"tests": 2, "failed": [], "consistent": True}
    assert hosts["iso_missing"]["failed"] == ["test_rerun_finishes"] and hosts["iso_missing"]["consistent"]
    assert not hosts["dl_badhash"]["consistent"]
    assert faults_summary.fix_wu_table(hosts)[-1].endswith("| 3 | 1 | 1 |")
