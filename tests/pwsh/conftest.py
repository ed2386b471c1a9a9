# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PowerShell stage: tests that run real pwsh.

Without pwsh every test here is skipped with the reason, unless
WINREPAIR_REQUIRE_PWSH=1 (tools/run_tests.sh sets it after finding pwsh), when
that is an error: the stage is never skipped silently. One PwshRunner serves
the whole session (`pwsh_runner`); it counts its script runs, and the session
ends by printing them with the differential cases that matched.
"""
from __future__ import annotations

import json
import os

import pytest

from pwsh import locate
from pwsh.runner import PwshRunner, STATS


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


def pytest_sessionfinish(session):
    """Each process (an xdist worker, the controller, a plain run) adds its counts to
    WINREPAIR_PWSH_STATS; tools/run_tests.sh sums them (a controller ran nothing: zeros)."""
    target = os.environ.get("WINREPAIR_PWSH_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(STATS) + "\n")


def pytest_terminal_summary(terminalreporter):
    if STATS["script_runs"] or STATS["differential_cases"]:
        terminalreporter.write_line(
            "powershell stage: %d script runs in pwsh, %d differential cases matched (script == model), "
            "%d culture cases matched, %d Pester tests passed"
            % (STATS["script_runs"], STATS["differential_cases"], STATS["culture_cases"], STATS["pester_passed"]))
