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
the free strategy queues behind the hosts waiting for a fork). Only worth it
when some host waits for a fork: with at least as many forks as hosts in the
play's batch, the task waits to the end as it would without O(yield_after).
"""
from __future__ import annotations

import time

from ansible import context

YIELD_AFTER_SPEC = {"type": "float", "default": 0}
RESUME_SPEC = {"type": "dict"}


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


def deadline(yield_after, task_vars, clock=time.monotonic, fork_count=None):
    """The clock time after which a wait ends early, or None when it waits to the end.

    None when YIELD_AFTER is 0 or when no host waits for a fork: the play's
    batch (ansible_play_batch) has no more hosts than forks.
    """
    if not yield_after or yield_after <= 0:
        return None
    batch = task_vars.get("ansible_play_batch") or []
    if len(batch) <= (fork_count if fork_count is not None else forks()):
        return None
    return clock() + float(yield_after)


def pending_result(result, exc):
    """Fill RESULT for a wait that ended early (StillRunning EXC)."""
    result.update(changed=False, pending=True, resume=exc.state,
                  msg="%s still runs on the host; call the task again with resume to go on waiting" % exc.what)
    return result
