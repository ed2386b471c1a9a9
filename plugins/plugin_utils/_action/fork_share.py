# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long waits that give their fork back: when a task ends its wait early.

Internal to winrepair.windows_update: not a public API, it may change in any
release.

A task that waits for a long step on the host (an install through Windows
Update, DISM) holds one of Ansible's forks all that time, and with fewer forks
than hosts the other hosts wait for a fork, not for their own work. With
O(yield_after) a long wait ends the task after that many seconds while the
step still runs on the host: the task returns ``pending: true`` and a
``resume`` value, and the same task called again with ``resume`` takes up the
wait where it stopped (the role calls it again in an include of itself, which
the free strategy queues behind the hosts waiting for a fork). The result also
asks for a rest, ``resume_after`` (rest_after): with the collection's strategy
(plugins/strategy/free.py) the host gets no task for that long, so the forks go
to the hosts with work instead of to rounds that would find the step still
running. Only worth it
when some host waits for a fork: with at least as many forks as hosts in the
play's batch, the task waits to the end as it would without O(yield_after).

Each round nests the role's task file one include deeper in ansible-core's
host state, whose walk is recursive and costs more with every level (it fails
with RecursionError at a few hundred levels). So the rounds are few: the first
FLAT_ROUNDS wait O(yield_after) each, each one after twice as long as the one
before, and round MAX_ROUNDS waits to the end (O(yield_after) 30 s: 5 minutes
in rounds of 30 s, a 24-hour wait in 21 rounds).
"""
from __future__ import annotations

import time

from ansible import context

YIELD_AFTER_SPEC = {"type": "float", "default": 0}
FLAT_ROUNDS = 10
MAX_ROUNDS = 30
RESUME_SPEC = {"type": "dict"}
# Measured with a prototype of the strategy on benchmark 5's fleet (40 hosts, -f 5, rounds of 30
# modelled seconds): resting as long as a round (1x) left the makespan where it was (3.84 h against
# 3.94 h and 4.03 h without rests), resting five rounds cut it to 3.46 h.
REST_FACTOR = 5.0
# A rest asked beyond the usual one (rest_after) is at most this many of those: a step whose progress
# comes rarely is still looked at every so often.
LONGEST_REST_FACTOR = 4.0


class StillRunning(BaseException):
    """The wait reached its deadline; STATE (plain JSON data) is what the next call needs.

    A BaseException: it passes the `except Exception` of the code that waits
    (ansible.windows.win_updates turns any Exception into a failed result).
    """

    def __init__(self, what, state):
        super(StillRunning, self).__init__(what)
        self.what = what
        self.state = state


def forks():
    """The run's -f (ansible-core's default 5 when the CLI left it unset)."""
    try:
        return int(context.CLIARGS.get("forks") or 5)
    except (TypeError, ValueError):
        return 5


def rounds_of(resume):
    """How many calls waited before this one (0 without RESUME)."""
    try:
        return max(0, int((resume or {}).get("rounds") or 0))
    except (TypeError, ValueError):
        return 0


def deadline(yield_after, task_vars, clock=time.monotonic, fork_count=None, rounds=0):
    """The clock time after which a wait ends early, or None when it waits to the end.

    None when YIELD_AFTER is 0, when no host waits for a fork (the play's
    batch, ansible_play_batch, has no more hosts than forks), or in round
    MAX_ROUNDS (ROUNDS: the calls that waited before this one).
    """
    if not yield_after or yield_after <= 0 or rounds >= MAX_ROUNDS:
        return None
    batch = task_vars.get("ansible_play_batch") or []
    if len(batch) <= (fork_count if fork_count is not None else forks()):
        return None
    return clock() + float(yield_after) * 2 ** max(0, rounds - FLAT_ROUNDS + 1)


def rest_after(yield_after):
    """Seconds a host whose round ended after YIELD_AFTER seconds can wait without a fork before the next
    round: REST_FACTOR times the round, so a host in a long wait holds a fork about a sixth of the time."""
    return REST_FACTOR * max(0.0, float(yield_after or 0))


def pending_result(result, exc, rounds=0, yield_after=0, rest=0.0):
    """Fill RESULT for a wait that ended early (StillRunning EXC) in the call after ROUNDS others.

    resume_after (rest_after of the task's YIELD_AFTER, or REST when longer, up to LONGEST_REST_FACTOR
    times that): the seconds the host can wait without a fork before the next call; the collection's
    strategy (plugins/strategy/free.py) gives the host no task for that long. REST: when the caller
    expects nothing new from the step before then (its next progress line)."""
    usual = rest_after(yield_after)
    result.update(changed=False, pending=True, resume=dict(exc.state, rounds=rounds + 1),
                  resume_after=max(usual, min(float(rest or 0), LONGEST_REST_FACTOR * usual)),
                  msg="%s still runs on the host; call the task again with resume to go on waiting" % exc.what)
    return result
