# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host scripts run for real in pwsh against a simulated host (the PowerShell stage's runner,
tests/pwsh/runner.py): behaviour that needs the script's own code, with the host behind the stand-ins."""
from __future__ import annotations

from pwsh import hosts


def _probe_errors(result, probe):
    return [e for e in (result.get("probe_errors") or []) if e.get("probe") == probe]


def test_wu_diagnose_reads_defender_turned_off_by_another_antivirus_as_an_answer_not_a_probe_error(pwsh_runner):
    # Get-MpComputerStatus throws CimException "HRESULT 0x800106ba" then (tests/pwsh/hostapi/defender.py).
    out = pwsh_runner.run("wu_diagnose", {}, hosts.ALL["third_party_filter_driver"](), now=hosts.NOW)
    result = out["result"]
    assert result["defender"]["available"] is True
    assert result["defender"]["am_service_enabled"] is False
    assert result["defender"]["am_running_mode"] == "Not running"
    assert _probe_errors(result, "defender") == []
