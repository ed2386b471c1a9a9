# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's free strategy: a host whose task of this collection answered pending with resume_after
gets no task until that many seconds passed, and when more hosts have a task than forks are free, the free
forks go to the highest wu_fork_priority, then to the host served longest ago; every other result is as
ansible.builtin.free handles it. ansible.builtin.free's own parts are replaced at the calls the strategy
makes of them."""
from __future__ import annotations

import types

import pytest

from ansible.plugins.strategy.free import StrategyModule as BuiltinFree

from ansible_collections.winrepair.windows_update.plugins.strategy import free

PENDING = {"pending": True, "resume": {"rounds": 1}, "resume_after": 30.0, "changed": False}


class Result(object):
    """A task result as ansible-core 2.19 and later hand it to the strategy."""

    def __init__(self, host, action, data):
        self.host = types.SimpleNamespace(get_name=lambda: host)
        self.task = types.SimpleNamespace(action=action.split(".")[-1], resolved_action=action)
        self._return_data = data


class OldResult(object):
    """A task result as ansible-core 2.17 and 2.18 hand it to the strategy (TaskResult)."""

    def __init__(self, host, action, data):
        self._host = types.SimpleNamespace(get_name=lambda: host)
        self._task = types.SimpleNamespace(action=action)
        self._result = data


class UnifiedResult(object):
    """A task result as ansible-core 2.21 hands it to the strategy (HostTaskResult and its UnifiedTaskResult,
    which keeps what the module returned beyond the common keys in result_data)."""

    def __init__(self, host, action, data):
        self.host = types.SimpleNamespace(get_name=lambda: host)
        self.task = types.SimpleNamespace(action=action, resolved_action=action)
        common = {"changed": data.get("changed")}
        self.utr = types.SimpleNamespace(result_data={k: v for k, v in data.items() if k not in common},
                                         as_result_dict=lambda: dict(data))


class Worker(object):
    def __init__(self, alive):
        self.alive = alive

    def is_alive(self):
        return self.alive


class Iterator(object):
    """What the strategy peeks at: each host's next task (NEXT: host name -> action, or None when done)."""

    def __init__(self, nxt):
        self.next = nxt

    def get_next_task_for_host(self, host, peek=False):
        assert peek, "the strategy only peeks"
        action = self.next.get(host.name)
        return None, (types.SimpleNamespace(action=action) if action else None)


def hosts(*names):
    return [types.SimpleNamespace(name=n) for n in names]


@pytest.fixture
def strategy(monkeypatch):
    """The strategy with builtin free's processing replaced: it hands back the results queued in
    `answers` and unblocks their hosts, as ansible-core does once a result is processed. Two forks,
    both free, and two hosts (w1, w2) left unless a test says otherwise."""
    now = [1000.0]
    queued = []
    left = hosts("w1", "w2")
    built = free.StrategyModule.__new__(free.StrategyModule)
    built._resting = {}
    built._blocked_hosts = {}
    built._held = set()
    built._priority = {}
    built._served = {}
    built._given = 0
    built._done = set()
    built._workers = [None, Worker(False)]
    built._tqm = types.SimpleNamespace(_unreachable_hosts={}, _terminated=False)
    built._clock = lambda: now[0]

    def process(self, iterator, *args, **kwargs):
        results = list(queued)
        del queued[:]
        for result in results:
            self._blocked_hosts.pop(free.host_name(result), None)
        return results
    monkeypatch.setattr(BuiltinFree, "_process_pending_results", process)
    monkeypatch.setattr(BuiltinFree, "get_hosts_left", lambda self, iterator: left)
    monkeypatch.setattr(BuiltinFree, "_queue_task", lambda self, host, task, task_vars, play_context: None)
    return types.SimpleNamespace(built=built, now=now, queued=queued, left=left)


def test_a_pending_answer_of_this_collection_rests_its_host_for_resume_after(strategy):
    s = strategy.built
    strategy.queued.extend([Result("w1", "winrepair.windows_update.win_wu_verify", dict(PENDING)),
                            Result("w2", "winrepair.windows_update.win_wu_verify", {"changed": True})])
    assert len(s._process_pending_results(None)) == 2
    assert s._blocked_hosts == {"w1": True}  # w2 answered: free to get its next task
    strategy.now[0] += 29.9
    assert s.get_hosts_left(None) == strategy.left and s._blocked_hosts == {"w1": True}
    strategy.now[0] += 0.1
    s.get_hosts_left(None)
    assert s._blocked_hosts == {} and s._resting == {}


@pytest.mark.parametrize("result", [
    Result("w1", "ansible.windows.win_updates", dict(PENDING)),             # not this collection's task
    Result("w1", "winrepair.windows_update.win_sfc_dism", dict(PENDING, pending=False)),
    Result("w1", "winrepair.windows_update.win_sfc_dism", dict(PENDING, resume_after=0)),
    Result("w1", "winrepair.windows_update.win_sfc_dism", dict(PENDING, resume_after="soon")),
    Result("w1", "winrepair.windows_update.win_sfc_dism", {"pending": True}),  # no rest asked for
])
def test_other_results_do_not_rest_their_host(strategy, result):
    strategy.queued.append(result)
    strategy.built._process_pending_results(None)
    assert strategy.built._blocked_hosts == {} and strategy.built._resting == {}


def test_results_of_ansible_core_2_21_are_read_too():
    pending = UnifiedResult("w1", "winrepair.windows_update.win_sfc_dism", dict(PENDING, resume_after=7))
    assert free.rest_asked(pending) == 7.0 and free.host_name(pending) == "w1"
    assert free.rest_asked(UnifiedResult("w1", "winrepair.windows_update.win_sfc_dism", {"changed": True})) == 0.0


def test_results_of_ansible_core_2_17_are_read_too():
    pending = OldResult("w1", "winrepair.windows_update.win_kb_catalog_install", dict(PENDING, resume_after=12))
    assert free.rest_asked(pending) == 12.0 and free.host_name(pending) == "w1"
    assert free.rest_asked(OldResult("w1", "win_updates", dict(PENDING))) == 0.0


def test_a_rest_is_bounded():
    asked = Result("w1", "winrepair.windows_update.win_wu_verify", dict(PENDING, resume_after=10 ** 9))
    assert free.rest_asked(asked) == free.MAX_REST
    assert free.rest_asked(Result("w1", "winrepair.windows_update.win_wu_verify", dict(PENDING, resume_after=-5))) == 0


def test_free_forks_go_to_the_highest_priority_then_to_the_host_served_longest_ago(strategy):
    s = strategy.built
    strategy.left[:] = hosts("a", "b", "c", "d", "e")
    s._workers = [Worker(True), Worker(False), None]  # two forks free
    strategy.queued.extend([Result(n, "ansible.builtin.set_fact", {"ansible_facts": {"wu_fork_priority": p}})
                            for n, p in (("a", 1), ("b", 28), ("c", 28), ("d", 95), ("e", "30"))])
    s._process_pending_results(None)
    for name in ("c", "b", "a"):
        s._queue_task(types.SimpleNamespace(name=name), None, None, None)
    iterator = Iterator({"a": "win_ping", "b": "win_ping", "c": "win_ping", "d": "win_ping", "e": "win_ping"})
    s.get_hosts_left(iterator)
    assert sorted(n for n, blocked in s._blocked_hosts.items() if blocked) == ["a", "b", "c"]  # d, e go first
    # The next pass chooses again: d and e now run (blocked by ansible-core); b and c tie, c was served first.
    s._blocked_hosts.update(d=True, e=True)
    s._workers = [Worker(True), Worker(True), None]
    s.get_hosts_left(iterator)
    assert s._held == {"a", "b"}


def test_a_host_without_a_priority_yet_goes_first(strategy):
    s = strategy.built
    strategy.left[:] = hosts("planned", "new")
    s._workers = [Worker(True), None]
    strategy.queued.append(Result("planned", "ansible.builtin.set_fact", {"ansible_facts": {"wu_fork_priority": 124}}))
    s._process_pending_results(None)
    s.get_hosts_left(Iterator({"planned": "win_ping", "new": "win_ping"}))
    assert s._held == {"planned"}


def test_no_host_is_held_while_the_free_forks_are_enough(strategy):
    s = strategy.built
    strategy.left[:] = hosts("a", "b", "c", "d")
    s._workers = [None, None, None]
    iterator = Iterator({"a": "win_ping", "b": None, "c": "meta", "d": "win_ping"})  # b is done, c's meta task needs no fork
    s.get_hosts_left(iterator)
    assert s._blocked_hosts == {} and s._held == set() and s._done == {"b"}
    s._workers = [Worker(True), Worker(True), None]
    s.get_hosts_left(iterator)
    assert s._held == {"d"}  # a and d want the one free fork: neither was served, a comes first in the list


def test_with_no_fork_free_the_pass_waits_for_one(strategy, monkeypatch):
    s = strategy.built
    strategy.left[:] = hosts("a", "b")
    busy = Worker(True)
    s._workers = [busy]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        busy.alive = len(slept) < 3  # the task ends while the strategy waits
    monkeypatch.setattr(free.time, "sleep", sleep)
    s.get_hosts_left(Iterator({"a": "win_ping", "b": "win_ping"}))
    assert len(slept) == 3 and s._held == {"b"}


def test_an_unreachable_or_resting_host_is_not_chosen_nor_held(strategy):
    s = strategy.built
    strategy.left[:] = hosts("a", "b", "c")
    s._workers = [Worker(True), None]
    s._tqm._unreachable_hosts["a"] = True
    s._resting["b"] = strategy.now[0] + 60
    s._blocked_hosts["b"] = True
    s.get_hosts_left(Iterator({"a": "win_ping", "b": "win_ping", "c": "win_ping"}))
    assert s._held == set() and s._blocked_hosts == {"b": True}


@pytest.mark.parametrize("data, priority", [
    ({"ansible_facts": {"wu_fork_priority": 95}}, 95.0),
    ({"ansible_facts": {"wu_fork_priority": "28"}}, 28.0),
    ({"ansible_facts": {"wu_fork_priority": "soon"}}, None),
    ({"ansible_facts": {"other": 1}}, None),
    ({"changed": True}, None),
])
def test_the_priority_is_read_from_the_fact_a_result_sets(data, priority):
    for kind in (Result, OldResult, UnifiedResult):
        assert free.priority_set(kind("w1", "ansible.builtin.set_fact", dict(data))) == priority


def test_warm_caches_leaves_the_task_processes_no_module_scan_pattern_to_compile():
    """After warm_caches, the patterns ansible-core scans each PowerShell module with are compiled already: a
    process forked afterwards (a task process) compiles none of them again. Run in a fresh interpreter, so that
    nothing this test session compiled before counts."""
    code = "\n".join([
        "import re, os",
        "from ansible.executor.powershell.module_manifest import PSModuleDepFinder",
        "from ansible_collections.winrepair.windows_update.plugins.strategy import free",
        "def compiled():",  # patterns compiled anew: re's cache did not have them
        "    seen = []",
        "    real = re._compiler.compile",
        "    def spy(pattern, flags):",
        "        seen.append(pattern)",
        "        return real(pattern, flags)",
        "    re._compiler.compile = spy",
        "    try:",
        "        PSModuleDepFinder()",
        "    finally:",
        "        re._compiler.compile = real",
        "    return len(seen)",
        "import sys",
        "if sys.argv[1] == 'warm':",
        "    free.warm_caches()",
        "print(compiled())",
    ])
    import os
    import subprocess
    import sys
    counts = {}
    for mode in ("cold", "warm"):
        out = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)))
        counts[mode] = int(out.stdout.split()[-1])
    assert counts["cold"] > 0 and counts["warm"] == 0, counts


@pytest.mark.parametrize("ends", ["returns", "raises"])
def test_the_play_runs_with_the_template_cache_and_leaves_nothing_behind(monkeypatch, ends):
    """The play (ansible.builtin.free's run) runs with the template cache installed in a folder of its own; the
    folder is gone and Jinja's compile is its own again when the play ends, also when it ends with an error."""
    import os

    import jinja2

    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._strategy import template_cache

    own = jinja2.Environment.compile
    seen = {}

    def builtin_run(self, iterator, play_context):
        seen["dir"] = template_cache._state["dir"]
        seen["exists"] = os.path.isdir(seen["dir"] or "")
        seen["patched"] = jinja2.Environment.compile is not own
        if ends == "raises":
            raise RuntimeError("the play failed")
        return 0

    monkeypatch.setattr(BuiltinFree, "run", builtin_run)
    iterator = types.SimpleNamespace(_play=types.SimpleNamespace(strategy="winrepair.windows_update.free"))
    built = free.StrategyModule.__new__(free.StrategyModule)
    if ends == "raises":
        with pytest.raises(RuntimeError):
            built.run(iterator, None)
    else:
        assert built.run(iterator, None) == 0
    assert seen["exists"] and seen["patched"]
    assert not os.path.exists(seen["dir"])
    assert jinja2.Environment.compile is own and template_cache._state["dir"] is None
