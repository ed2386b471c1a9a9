# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PowerShell stage: tests that run real pwsh.

Without pwsh every test here is skipped with the reason, unless
WINREPAIR_REQUIRE_PWSH=1 (tools/run_tests.sh sets it after finding pwsh), when
that is an error: the stage is never skipped silently. One PwshRunner serves
each pytest process (`pwsh_runner`); it counts its script runs.

At the end of the session the counts of every process (xdist workers report
theirs to the controller) are added up and printed, and written to
WINREPAIR_PWSH_STATS for tools/run_tests.sh. When every differential case was
selected (a full run, not -k), the session fails unless every host script ran
and matched its model in at least tally.MIN_STATES host states.
"""
from __future__ import annotations

import json
import os

import pytest

from pwsh import locate, tally
from pwsh.runner import PwshRunner, STATS

_MERGED = {"stats": {}, "ran": {}, "planned": set(), "reports": 0}
_PLANNED: set = set()  # this process's selected differential cases


@pytest.fixture(scope="session")
def pwsh_path():
    path = locate.find_pwsh()
    if path is None:
        if os.environ.get(locate.REQUIRE_ENV) == "1":
            pytest.fail("no pwsh found by tools/find_pwsh.sh, but %s=1" % locate.REQUIRE_ENV)
        pytest.skip("no pwsh on PATH or beside the repository (install PowerShell 7 to run these tests)")
    return path


@pytest.fixture(scope="session")
def pwsh_runner(pwsh_path):
    runner = PwshRunner(pwsh_path)
    yield runner
    runner.close()


def _differential_ids(items) -> set:
    prefix = "tests/pwsh/test_differential.py::test_script_matches_model["
    return {item.nodeid for item in items if item.nodeid.startswith(prefix)}


def pytest_collection_finish(session):
    _PLANNED.update(_differential_ids(session.items))  # after -k / --deselect


def _merge(report: dict) -> None:
    _MERGED["reports"] += 1
    _MERGED["planned"].update(report["planned"])
    for key, value in report["stats"].items():
        _MERGED["stats"][key] = _MERGED["stats"].get(key, 0) + value
    for script, states in report["ran"].items():
        _MERGED["ran"].setdefault(script, set()).update(states)


def _own_report() -> dict:
    return {"stats": dict(STATS), "ran": {s: sorted(v) for s, v in tally.RAN.items()}, "planned": sorted(_PLANNED)}


def pytest_testnodedown(node, error):
    """xdist controller: a worker's counts (sent in its workeroutput)."""
    data = getattr(node, "workeroutput", {}).get("pwsh_report")
    if data:
        _merge(json.loads(data))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    worker = hasattr(session.config, "workerinput")
    if worker:
        session.config.workeroutput["pwsh_report"] = json.dumps(_own_report())
        return
    if not _MERGED["reports"]:
        _merge(_own_report())  # a run without xdist workers
    target = os.environ.get("WINREPAIR_PWSH_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(_MERGED["stats"]) + "\n")
    full = _MERGED["planned"] and _MERGED["planned"] == _all_differential_ids(session)
    if full:
        short = tally.short_of_states(_MERGED["ran"], locate.script_names())
        _MERGED["short"], _MERGED["full"] = short, True
        if short and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _all_differential_ids(session) -> set:
    from pwsh import test_differential  # the module's own plan, unfiltered
    return {"tests/pwsh/test_differential.py::test_script_matches_model[%s]" % p.id for p in test_differential._cases()}


def pytest_terminal_summary(terminalreporter):
    stats = _MERGED["stats"]
    if stats.get("script_runs") or stats.get("differential_cases"):
        terminalreporter.write_line(
            "powershell stage: %d script runs in pwsh, %d differential cases matched (script == model), "
            "%d culture cases matched, %d Pester tests passed"
            % (stats.get("script_runs", 0), stats.get("differential_cases", 0), stats.get("culture_cases", 0),
               stats.get("pester_passed", 0)))
    if _MERGED.get("short"):
        terminalreporter.write_line(
            "powershell stage FAILED: host scripts that ran (and matched their model) in fewer than %d host "
            "states: %s" % (tally.MIN_STATES, ", ".join("%s (%d)" % kv for kv in sorted(_MERGED["short"].items()))),
            red=True)
    elif _MERGED.get("full") and _MERGED["ran"]:
        terminalreporter.write_line("powershell stage: every host script ran in >= %d host states (fewest: %d)"
                                    % (tally.MIN_STATES, min(len(v) for v in _MERGED["ran"].values())))
