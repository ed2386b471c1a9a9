# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every host script gives the same answer and leaves the same host state
under the cultures of customers' hosts as under en-US.

CurrentCulture and CurrentUICulture are set for the run (harness/Runner.ps1):
it-IT, ja-JP, de-DE, fi-FI (time separator '.'), th-TH (Buddhist calendar:
year 2569), ru-RU and ar-SA (Um Al Qura calendar). Dates must be invariant
ISO 8601 and numbers invariant. The host state has failed installs, CBS.log
evidence and a restore point to print (hosts.py), so every date a script
writes is written. A script defect issue 15 fixes is xfail(strict=True) in KNOWN.
"""
from __future__ import annotations

import pytest

from winsim.model import NotModelled

from . import cases, hosts, locate
from .compare import answer_view, state_view
from .runner import STATS

CULTURES = ("it-IT", "ja-JP", "de-DE", "fi-FI", "th-TH", "ru-RU", "ar-SA")
STATE = {"wu_insider_leave": "insider_build_conflict", "inplace_media_info": "corrupt_system_files_mounted",
         "wu_restore_point": "restore_point_recent"}
DEFAULT_STATE = "corrupt_system_files"
# The parameter set run, where the script's first one is not the call the collection makes: win_wu_journal's
# acquire also reads the journal (JournalPath), so the culture matrix reads it too.
PARAMETER_SET = {"wu_journal_lock": lambda params: "JournalPath" in params}

# (script, culture) -> reason, for a script defect issue 15 fixes (xfail strict: the case
# flips when the fix lands). Item 7 (culture-dependent date formats) is fixed: none left.
KNOWN: dict = {}

_BASELINE = {}


def _run(runner, script, culture):
    wanted = PARAMETER_SET.get(script, lambda params: True)
    params = next(p for p in cases.PARAMETERS[script] if wanted(p))
    host = hosts.ALL[STATE.get(script, DEFAULT_STATE)]()
    try:
        answer = runner.run(script, params, host, culture=culture, now=hosts.NOW)
    except NotModelled as err:
        pytest.skip("stand-in not modelled: %s" % err)
    return answer_view(answer), state_view(host)


def _cases():
    out = []
    for script in locate.script_names():
        for culture in CULTURES:
            reason = KNOWN.get((script, culture))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(script, culture, marks=marks, id="%s-%s" % (script, culture)))
    return out


@pytest.mark.parametrize("script,culture", _cases())
def test_same_answer_as_en_us(pwsh_runner, script, culture):
    if script not in _BASELINE:
        _BASELINE[script] = _run(pwsh_runner, script, "en-US")
    base_answer, base_state = _BASELINE[script]
    answer, state = _run(pwsh_runner, script, culture)
    assert answer == base_answer
    assert state == base_state
    STATS["culture_cases"] += 1


def test_runner_sets_the_culture(pwsh_runner):
    """The check above can fail: a script printing a date with the culture's format differs by culture."""
    text = ("[CmdletBinding()]\nparam()\n$Ansible.Changed = $false\n"
            "$Ansible.Result = @{ culture = [cultureinfo]::CurrentCulture.Name; ui = [cultureinfo]::CurrentUICulture.Name;"
            " stamp = (Get-Date).ToString('yyyy-MM-dd HH:mm') }\n")
    host = hosts.healthy()
    fi = pwsh_runner.run(text, {}, host, culture="fi-FI", now=hosts.NOW)["result"]
    th = pwsh_runner.run(text, {}, host, culture="th-TH", now=hosts.NOW)["result"]
    assert fi == {"culture": "fi-FI", "ui": "fi-FI", "stamp": "2026-11-02 09.00"}
    assert th["culture"] == "th-TH" and th["stamp"].startswith("2569-")
