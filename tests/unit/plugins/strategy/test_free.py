# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's free strategy: a host whose task of this collection answered pending with resume_after
gets no task until that many seconds passed; every other result is as ansible.builtin.free handles it.
ansible.builtin.free's own parts are replaced at the two calls the strategy makes of them."""
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


@pytest.fixture
def strategy(monkeypatch):
    """The strategy with builtin free's processing replaced: it hands back the results queued in
    `answers` and unblocks their hosts, as ansible-core does once a result is processed."""
    now = [1000.0]
    queued = []
    built = free.StrategyModule.__new__(free.StrategyModule)
    built._resting = {}
    built._blocked_hosts = {}
    built._clock = lambda: now[0]

    def process(self, iterator, *args, **kwargs):
        results = list(queued)
        del queued[:]
        for result in results:
            self._blocked_hosts.pop(free.host_name(result), None)
        return results
    monkeypatch.setattr(BuiltinFree, "_process_pending_results", process)
    monkeypatch.setattr(BuiltinFree, "get_hosts_left", lambda self, iterator: ["w1", "w2"])
    return types.SimpleNamespace(built=built, now=now, queued=queued)


def test_a_pending_answer_of_this_collection_rests_its_host_for_resume_after(strategy):
    s = strategy.built
    strategy.queued.extend([Result("w1", "winrepair.windows_update.win_wu_verify", dict(PENDING)),
                            Result("w2", "winrepair.windows_update.win_wu_verify", {"changed": True})])
    assert len(s._process_pending_results(None)) == 2
    assert s._blocked_hosts == {"w1": True}  # w2 answered: free to get its next task
    strategy.now[0] += 29.9
    assert s.get_hosts_left(None) == ["w1", "w2"] and s._blocked_hosts == {"w1": True}
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
