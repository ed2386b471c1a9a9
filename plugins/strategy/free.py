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
  - When more hosts have a task to run than forks are free, the free forks go first to the hosts whose fact
    C(wu_fork_priority) is highest (a number; the role C(winrepair.windows_update.wu_remediate) sets it to the expected
    minutes of the host's climb, so the host with the longest path does not queue behind short work), then to the host
    whose last task was given out longest ago. A host that has not set it yet goes before those that
    have. C(ansible.builtin.free) gives every host one task in turn and waits
    for a fork before each, so a host whose task ended waits for the whole turn.
  - Nothing changes when every host has a fork (the tasks then wait to the end and never answer C(pending)).
  - Callbacks see the play as one of C(ansible.builtin.free), so the default callback prints each result under the
    banner of its own task.
  - The task processes of a play share the templates they compile (Jinja's compiled code, kept for the play in a
    private temporary folder that is removed at its end), so a template is compiled once, not once for each task of
    each host. C(wu_fix_strategy=ansible.builtin.free) runs without it.
  - The playbook C(winrepair.windows_update.fix_wu) uses it unless C(wu_fix_strategy) says otherwise.
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
"""

import time
from collections.abc import Mapping

from ansible import constants as C
from ansible.plugins.strategy.free import StrategyModule as FreeStrategy

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._strategy import template_cache

COLLECTION = "winrepair.windows_update."
MAX_REST = 3600.0  # a bound on what a result can ask for
PRIORITY_FACT = "wu_fork_priority"
UNKNOWN_PRIORITY = float("inf")


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


def priority_set(result):
    """The wu_fork_priority fact RESULT sets (a number), or None when it sets none."""
    data = _result_data(result)
    facts = data.get("ansible_facts") if isinstance(data, Mapping) else None
    if not isinstance(facts, Mapping) or PRIORITY_FACT not in facts:
        return None
    try:
        return float(facts[PRIORITY_FACT])
    except (TypeError, ValueError):
        return None


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


def warm_caches():
    """Compile here, once, the regular expressions with which ansible-core scans every PowerShell module for the
    module_utils it needs (PSModuleDepFinder compiles them for each module it builds). Every task process is forked
    from this process and finds them in re's cache, instead of compiling them again for each module it sends.
    Best effort: a cold cache only costs time."""
    try:
        from ansible.executor.powershell.module_manifest import PSModuleDepFinder
        PSModuleDepFinder()
    except Exception:  # pylint: disable=broad-except
        pass


def host_name(result):
    host = getattr(result, "host", None) or getattr(result, "_host")
    return host.get_name()


class StrategyModule(FreeStrategy):

    _clock = staticmethod(time.monotonic)

    def __init__(self, tqm):
        super(StrategyModule, self).__init__(tqm)
        self._resting = {}  # host name -> clock time its rest ends
        self._held = set()  # hosts kept from this pass over the hosts: no fork was free for them
        self._priority = {}  # host name -> its wu_fork_priority
        self._served = {}  # host name -> when its last task was given out (a count)
        self._given = 0
        self._done = set()  # hosts found with no task left

    def run(self, iterator, play_context):
        # Callbacks read the play's strategy to know how results come: interleaved under ansible.builtin.free.
        # Under this plugin's name the default callback takes the play for a linear one, prints a banner at every
        # task start of every host and each result under the banner of the task started last, whatever task
        # the result is of. The play object is this run's own copy (TaskQueueManager.run).
        iterator._play.strategy = "ansible.builtin.free"
        warm_caches()
        # The task processes of this play share the templates they compile (template_cache): each task process
        # would otherwise compile every template and condition of its task anew.
        template_cache.install()
        try:
            return super(StrategyModule, self).run(iterator, play_context)
        finally:
            template_cache.uninstall()

    def _process_pending_results(self, iterator, *args, **kwargs):
        results = super(StrategyModule, self)._process_pending_results(iterator, *args, **kwargs)
        now = self._clock()
        for result in results:
            name = host_name(result)
            priority = priority_set(result)
            if priority is not None:
                self._priority[name] = priority
            seconds = rest_asked(result)
            if seconds > 0:
                self._resting[name] = now + seconds
                # A blocked host gets no task and still counts as one with work to do (its next round).
                self._blocked_hosts[name] = True
        return results

    def _queue_task(self, host, task, task_vars, play_context):
        self._given += 1
        self._served[host.name] = self._given
        return super(StrategyModule, self)._queue_task(host, task, task_vars, play_context)

    def get_hosts_left(self, iterator):
        # The free strategy calls this at the top of each pass over the hosts: the rests that ended end here,
        # and the hosts held from the last pass are free to be chosen again.
        now = self._clock()
        for name, until in list(self._resting.items()):
            if now >= until:
                del self._resting[name]
                self._blocked_hosts.pop(name, None)
        for name in self._held:
            self._blocked_hosts.pop(name, None)
        self._held.clear()
        hosts = super(StrategyModule, self).get_hosts_left(iterator)
        self._hold_back(iterator, hosts)
        return hosts

    def _free_forks(self):
        return sum(1 for worker in self._workers if worker is None or not worker.is_alive())

    def _wait_for_a_fork(self):
        """Wait until a fork is free. ansible-core's queueing checks every 0.1 ms, which keeps this process
        busy while every fork is; here the check comes every internal_poll_interval, the pause between its
        passes over the hosts."""
        free = self._free_forks()
        while not free and not self._tqm._terminated:
            time.sleep(C.DEFAULT_INTERNAL_POLL_INTERVAL)
            free = self._free_forks()
        return free

    def _hold_back(self, iterator, hosts):
        """Block, for this pass, the hosts with a task beyond the free forks, lowest wu_fork_priority first,
        then the ones served last: the pass then never waits for a fork (the builtin waits in _queue_task
        without reading results), and the next pass chooses again from every host whose task ended. A host
        found done stays out of the choice (its tasks only grow while it is blocked: includes, handlers)."""
        unreachable = self._tqm._unreachable_hosts
        ready = [h for h in hosts if not self._blocked_hosts.get(h.name) and not unreachable.get(h.name)
                 and h.name not in self._done]
        if not ready:
            return
        free = self._wait_for_a_fork()
        if len(ready) <= free:
            return
        waiting = []
        for host in ready:
            _state, task = iterator.get_next_task_for_host(host, peek=True)
            if task is None:
                self._done.add(host.name)
            elif task.action not in C._ACTION_META:  # a meta task runs in this process, without a fork
                waiting.append(host)
        if len(waiting) <= free:
            return
        # A host that set no priority yet (still diagnosing) may be the one with the longest path: it goes first.
        waiting.sort(key=lambda h: (-self._priority.get(h.name, UNKNOWN_PRIORITY), self._served.get(h.name, 0)))
        for host in waiting[free:]:
            self._held.add(host.name)
            self._blocked_hosts[host.name] = True
