# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: free
short_description: The free strategy, where a host whose long wait gave its fork back waits without one
description:
  - Runs as C(ansible.builtin.free) does, with one difference. When a task of this collection gives its fork back
    while a long step runs on in the background on the host (its result has C(pending) and C(resume_after)), the host
    gets no task for C(resume_after) seconds; the forks go to the hosts that have work meanwhile.
  - With C(ansible.builtin.free), a host in such a wait is given its next round at once, so with more hosts than forks
    the forks are shared between the rounds of the waiting hosts and the work of the others.
  - Nothing changes when every host has a fork (the tasks then wait to the end and never answer C(pending)).
  - The playbook C(winrepair.windows_update.fix_wu) uses it unless C(wu_fix_strategy) says otherwise.
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
"""

import time
from collections.abc import Mapping

from ansible.plugins.strategy.free import StrategyModule as FreeStrategy

COLLECTION = "winrepair.windows_update."
MAX_REST = 3600.0  # a bound on what a result can ask for


def rest_asked(result):
    """Seconds the host of RESULT (a task result as the strategy reads it) may rest without a fork: its
    resume_after when it is a pending answer of this collection's task, else 0."""
    task = getattr(result, "task", None) or getattr(result, "_task", None)
    action = (getattr(task, "resolved_action", None) or getattr(task, "action", None) or "") if task else ""
    if not str(action).startswith(COLLECTION):
        return 0.0
    data = _result_data(result)
    if not isinstance(data, Mapping) or data.get("pending") is not True:
        return 0.0
    try:
        seconds = float(data.get("resume_after") or 0)
    except (TypeError, ValueError):
        return 0.0
    return min(max(seconds, 0.0), MAX_REST)


def _result_data(result):
    """What the task returned, as the result of each ansible-core version holds it."""
    unified = getattr(result, "utr", None)  # ansible-core 2.21
    if unified is not None:
        data = getattr(unified, "result_data", None)
        if not isinstance(data, Mapping) or "pending" not in data:
            data = unified.as_result_dict()
        return data
    data = getattr(result, "_return_data", None)  # 2.19 and 2.20
    return getattr(result, "_result", None) if data is None else data  # 2.17 and 2.18


def host_name(result):
    host = getattr(result, "host", None) or getattr(result, "_host")
    return host.get_name()


class StrategyModule(FreeStrategy):

    _clock = staticmethod(time.monotonic)

    def __init__(self, tqm):
        super(StrategyModule, self).__init__(tqm)
        self._resting = {}  # host name -> clock time its rest ends

    def _process_pending_results(self, iterator, *args, **kwargs):
        results = super(StrategyModule, self)._process_pending_results(iterator, *args, **kwargs)
        now = self._clock()
        for result in results:
            seconds = rest_asked(result)
            if seconds > 0:
                name = host_name(result)
                self._resting[name] = now + seconds
                # A blocked host gets no task and still counts as one with work to do (its next round).
                self._blocked_hosts[name] = True
        return results

    def get_hosts_left(self, iterator):
        # The free strategy calls this at the top of each pass over the hosts: the rests that ended end here.
        now = self._clock()
        for name, until in list(self._resting.items()):
            if now >= until:
                del self._resting[name]
                self._blocked_hosts.pop(name, None)
        return super(StrategyModule, self).get_hosts_left(iterator)
