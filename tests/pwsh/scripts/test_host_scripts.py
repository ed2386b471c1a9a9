# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host scripts run for real in pwsh against a simulated host (the PowerShell stage's runner,
tests/pwsh/runner.py): behaviour that needs the script's own code, with the host behind the stand-ins."""
from __future__ import annotations

from pwsh import cases, hosts


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


def test_time_stamps_are_written_in_the_invariant_culture_whatever_the_host_culture(pwsh_runner):
    # A custom format follows the culture: fi-FI's time separator is '.', th-TH counts Buddhist years.
    for culture in ("th-TH", "fi-FI", "ar-SA"):
        state = pwsh_runner.run("wu_reset_state", cases.PARAMETERS["wu_reset_state"][0], hosts.ALL["healthy"](),
                                culture=culture, now=hosts.NOW)["result"]
        assert state["now_utc"] == hosts.NOW.strftime("%Y%m%dT%H%M%S"), culture
        diag = pwsh_runner.run("wu_diagnose", {}, hosts.ALL["healthy"](), culture=culture, now=hosts.NOW)["result"]
        assert diag["collected_at"] == hosts.NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), culture


def test_the_restore_point_time_is_the_same_in_every_host_culture(pwsh_runner):
    params = cases.PARAMETERS["wu_restore_point"][0]
    english = pwsh_runner.run("wu_restore_point", params, hosts.ALL["restore_point_recent"](), now=hosts.NOW)["result"]
    assert english["latest"]
    for culture in ("th-TH", "fi-FI"):
        other = pwsh_runner.run("wu_restore_point", params, hosts.ALL["restore_point_recent"](), culture=culture,
                                now=hosts.NOW)["result"]
        assert other["latest"] == english["latest"], culture


def test_a_restore_point_windows_would_refuse_is_reported_as_frequency_limit_not_asked_for(pwsh_runner):
    # The newest point is 2 hours old, MaxAgeMinutes 60, SystemRestorePointCreationFrequency missing (1440):
    # Windows would create nothing and only warn.
    host = hosts.ALL["restore_point_recent"]()
    out = pwsh_runner.run("wu_restore_point", {"Description": "winrepair", "MaxAgeMinutes": 60}, host, now=hosts.NOW)
    result = out["result"]
    assert result["reason"] == "frequency_limit" and result["created"] is False
    assert result["creation_frequency_minutes"] == 1440
    assert "restore.create" not in out.get("_calls", [])
