# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Differential tests: the real script and its Python model, on the same host state.

For every host script: the healthy host and one host per root cause of
tests/winsim/causes.py (hosts.py), the states with the knobs that script
reads, its parameter sets (cases.py) and, for scripts that declare
SupportsShouldProcess, check mode. The real script runs in pwsh through the
stand-ins (runner.py), the model through winsim's win_powershell model
(model_run.py), each on its own copy of the host. They must give the
controller the same answer and leave the same host state (compare.py).

A divergence is a bug in the script or in the model. Where it is a script
defect that issue 15 fixes, the case is xfail(strict=True) with the item
(KNOWN below), so it flips to a failure the moment the fix lands and the
mark must go.
"""
from __future__ import annotations

import pytest

from winsim import pwsh_parse
from winsim.model import NotModelled

from . import cases, hosts, locate
from .compare import answer_view, state_view
from .model_run import run_model
from .runner import STATS
from .tally import MIN_STATES, record_state, short_of_states

# States beyond healthy + the causes that a script reads something from.
EXTRA_STATES = {
    "kb_installed": ["server", "pending_renames"],
    "sfc_dism_preflight": ["server", "iso_mounted"],
    "wu_diagnose": ["server", "pending_renames", "restore_point_recent", "old_backups", "folder_locked"],
    "wu_disk_cleanup": ["old_backups"],
    "wu_restore_point": ["server", "restore_point_recent"],
    "wu_reset_state": ["old_backups", "stuck_service", "folder_locked"],
    "wu_reset_apply": ["stuck_service", "folder_locked", "old_backups"],
    "inplace_preflight": ["iso_mounted", "server", "pending_renames"],
    "inplace_media_info": ["iso_mounted"],
    "iso_mount": ["iso_mounted"],
    "inplace_setup_state": ["server"],
    "wu_defender_rtp": ["server"],
    "wu_insider_leave": ["server"],
    "detached_start": [fn.__name__ for fn in hosts.RUN_STATES],
    "detached_status": [fn.__name__ for fn in hosts.RUN_STATES],
    "wu_journal_lock": [fn.__name__ for fn in hosts.LOCK_STATES] + ["tree_safe", "tree_user_made", "tree_acl_locked",
                                                                    "tree_reparse"],
}
# (state, parameter set index) pairs beyond the healthy host's: the states a parameter set is about.
EXTRA_COMBOS = {
    "detached_start": [("run_running", 1), ("run_exited", 2), ("run_collected", 2), ("tree_user_made", 2)],
    "detached_status": [("run_running", 1), ("run_exited", 1), ("run_timed_out", 1)],
    "wu_journal_lock": [("lock_held", 2), ("lock_held", 1), ("lock_mine", 1), ("lock_mine", 2), ("lock_empty", 3),
                        ("lock_unreadable", 1), ("lock_garbage", 1), ("lock_garbage", 2),
                        # -JournalPath: no journal, a journal with its .bak, a lock held (nothing read),
                        # this run's own lock (nothing read: the controller reads), a take-over.
                        ("journal_absent", 4), ("journal_backed_up", 4), ("lock_held", 4), ("lock_mine", 4),
                        ("lock_unreadable", 4), ("lock_held", 5), ("journal_backed_up", 5)],
}
# One state per root cause (the variants run for wu_diagnose, which reports their evidence).
CAUSE_STATES = [fn.__name__ for fn in hosts.CAUSE_STATES if "_" + fn.__name__.rsplit("_", 1)[-1] not in (
    "_reboot", "_sxs", "_source") or fn.__name__ in ("pending_reboot",)]

# (script, state or "*", parameter set index or "*", check mode or "*") -> reason
KNOWN = {}


def _known(script, state, index, check):
    for (s, st, i, c), reason in KNOWN.items():
        if s == script and st in ("*", state) and i in ("*", index) and c in ("*", check):
            return reason
    return None


def _cases():
    out = []
    for script in locate.script_names():
        with open(locate.script_path(script), encoding="utf-8") as handle:
            ssp = pwsh_parse.supports_should_process(handle.read())
        params = cases.PARAMETERS[script]
        states = ["healthy"] + CAUSE_STATES + EXTRA_STATES.get(script, [])
        if script == "inplace_media_info":
            # Read after iso_mount mounted the media (the controller's order): every state mounted.
            states = [s + "_mounted" for s in states if s != "iso_mounted"]
        combos = [(state, 0, False) for state in states]
        combos += [("healthy", i, False) for i in range(1, len(params))]
        combos += [(state, i, False) for state, i in EXTRA_COMBOS.get(script, [])]
        if ssp:
            combos += [(states[0], 0, True), (states[1], 0, True)]
        for state, index, check in combos:
            reason = _known(script, state, index, check)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(script, state, index, check, marks=marks,
                                    id="%s-%s-p%d%s" % (script, state, index, "-check" if check else "")))
    return out


@pytest.mark.parametrize("script,state,index,check_mode", _cases())
def test_script_matches_model(pwsh_runner, script, state, index, check_mode):
    params = cases.PARAMETERS[script][index]
    build = hosts.ALL[state]
    model_host, real_host = build(), build()
    try:
        model = run_model(script, params, model_host, check_mode, hosts.NOW)
        real = pwsh_runner.run(script, params, real_host, check_mode=check_mode, now=hosts.NOW)
    except NotModelled as err:
        # A planned case the model or a stand-in cannot answer is a gap to close, not a skip.
        pytest.fail("not modelled: %s" % err)
    assert answer_view(real) == answer_view(model)
    assert state_view(real_host) == state_view(model_host)
    STATS["differential_cases"] += 1
    record_state(script, state)


def test_every_script_has_cases_in_ten_states():
    """The plan: every script has cases in at least MIN_STATES host states (conftest.py checks
    at the end of a full run that they ran and matched, not only that they were planned)."""
    per_script = {}
    for param in _cases():
        script, state = param.values[0], param.values[1]
        per_script.setdefault(script, set()).add(state)
    assert sorted(per_script) == locate.script_names()
    assert short_of_states(per_script, locate.script_names()) == {}


def test_the_end_of_run_check_names_scripts_that_ran_in_too_few_states():
    ran = {"a": {"s%d" % i for i in range(MIN_STATES)}, "b": {"s1", "s2"}}
    assert short_of_states(ran, ["a", "b", "c"]) == {"b": 2, "c": 0}
