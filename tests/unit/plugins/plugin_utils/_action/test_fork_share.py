# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fork_share: when a long wait gives its fork back, and how long each round waits."""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share

CROWD = {"ansible_play_batch": ["h%d" % n for n in range(6)]}


def _wait(yield_after, task_vars=None, fork_count=5, rounds=0):
    task_vars = CROWD if task_vars is None else task_vars
    until = fork_share.deadline(yield_after, task_vars, clock=lambda: 100.0, fork_count=fork_count, rounds=rounds)
    return None if until is None else until - 100.0


def test_no_early_end_without_yield_after_or_without_a_host_waiting_for_a_fork():
    assert _wait(0) is None
    assert _wait(30, fork_count=6) is None  # as many forks as hosts
    assert _wait(30, task_vars={}) is None
    assert _wait(30, fork_count=5) == 30


def test_rounds_wait_yield_after_then_twice_as_long_each_and_the_last_waits_to_the_end():
    waits = [_wait(30, rounds=r) for r in range(fork_share.MAX_ROUNDS + 1)]
    assert waits[:fork_share.FLAT_ROUNDS] == [30] * fork_share.FLAT_ROUNDS
    assert waits[fork_share.FLAT_ROUNDS:fork_share.FLAT_ROUNDS + 3] == [60, 120, 240]
    assert waits[fork_share.MAX_ROUNDS - 1] is not None and waits[fork_share.MAX_ROUNDS] is None
    # A day's wait at the default 30 s takes fewer rounds than the cap.
    total, rounds = 0, 0
    while total < 24 * 3600:
        total += _wait(30, rounds=rounds)
        rounds += 1
    assert rounds < fork_share.MAX_ROUNDS


@pytest.mark.parametrize("resume, rounds", [(None, 0), ({}, 0), ({"rounds": 3}, 3), ({"rounds": "x"}, 0),
                                            ({"rounds": -2}, 0)])
def test_rounds_of_a_resume(resume, rounds):
    assert fork_share.rounds_of(resume) == rounds


def test_a_pending_result_carries_the_state_and_counts_the_round():
    result = fork_share.pending_result({"changed": True}, fork_share.StillRunning("DISM", {"run_id": "r1"}), rounds=2)
    assert result["pending"] is True and result["changed"] is False
    assert result["resume"] == {"run_id": "r1", "rounds": 3}
    assert result["msg"].startswith("DISM still runs on the host")
    assert result["resume_after"] == 0.0  # no rounds of yield_after: no rest asked for
    rested = fork_share.pending_result({}, fork_share.StillRunning("DISM", {}), yield_after=30)
    assert rested["resume_after"] == 150.0  # five rounds of 30 s


def test_still_running_passes_an_except_exception():
    with pytest.raises(fork_share.StillRunning):
        try:
            raise fork_share.StillRunning("x", {})
        except Exception:  # noqa: BLE001 - what ansible.windows.win_updates does around its wait
            pytest.fail("caught as an Exception")


def test_the_rest_is_five_rounds_and_none_without_rounds():
    assert fork_share.rest_after(30) == 150.0
    assert fork_share.rest_after(0) == 0.0 and fork_share.rest_after(None) == 0.0 and fork_share.rest_after(-1) == 0.0


def test_a_longer_rest_asked_is_kept_up_to_four_usual_rests():
    def rest(asked):
        return fork_share.pending_result({}, fork_share.StillRunning("x", {}), yield_after=30, rest=asked)["resume_after"]
    assert rest(0) == 150.0 and rest(100) == 150.0  # never shorter than the usual rest
    assert rest(400) == 400.0
    assert rest(5000) == 600.0
