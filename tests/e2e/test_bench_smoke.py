# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmarks of bench/ still run: each one at a tiny size (bench/run_all.py --quick
sizes), against the simulator, checking the SHAPE of what the harness reports - rows with
numbers where numbers belong, every host accounted for, the playbooks ran - never the
figures (benchmarks do not fail on a figure). One test per benchmark so pytest-xdist can
spread them; together about a minute of CPU.
"""
from __future__ import annotations

import numbers
import os
import sys

import pytest

BENCH = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import common  # noqa: E402
import run_all  # noqa: E402

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
    result = _run("1")
    _check_rows(result, ["host-hours to green (modelled)", "fix rate"])
    d = result["details"]
    for side in ("ours", "baseline"):
        r = d[side]
        assert r["rc"] in (0, 2), r["tail"]
        assert r["hosts"] == d["hosts"] and 0 <= r["fixed"] <= r["hosts"]
        assert r["host_hours"] > 0  # the hosts answered requests that took modelled time
        assert sum(c["hosts"] for c in r["per_cause"].values()) == r["hosts"]
        assert r["refused_requests"] == 0  # nothing the simulator does not model
    assert run_all.per_cause_table(result).startswith("| root cause |")


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
