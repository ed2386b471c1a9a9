# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_verify: win_updates answers in turn (its call replaced), asked again only while they are no answer."""
from __future__ import annotations

import pytest

from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_verify import ActionModule

INSTALLED = {"changed": True, "updates": {"a1": {"kb": ["5043080"], "installed": True}}, "reboot_required": True,
             "invocation": {"module_args": {}}}
FAILED_INSTALL = {"changed": False, "failed": True, "updates": {"a1": {"kb": ["5043080"], "installed": False}},
                  "msg": "Failed to install all updates - see updates for more information"}
DROPPED = {"unreachable": True, "changed": False, "msg": "winrm connection error: connection reset by peer"}
HTTP_500 = {"failed": True, "changed": False,
            "msg": "winrm send_input failed; bad HTTP response returned from server. Code 500"}


def _verify(answers, **args):
    calls, sleeps = [], []

    class Scripted(ActionModule):
        def _install(self, kb, task_vars):
            calls.append(kb)
            return dict(answers[len(calls) - 1])

        @staticmethod
        def _sleep(seconds):
            sleeps.append(seconds)

    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    return fake.run(Scripted, dict({"kb": "kb5043080"}, **args)), calls, sleeps


def test_an_answer_is_returned_at_once_without_its_invocation():
    res, calls, sleeps = _verify([INSTALLED])
    assert calls == ["KB5043080"] and sleeps == []
    assert res["updates"] == INSTALLED["updates"] and res["reboot_required"] and res["changed"]
    assert res["attempts"] == 1 and not res["transient"] and "invocation" not in res


def test_a_failed_install_is_an_answer_and_is_not_asked_again():
    res, calls, _sleeps = _verify([FAILED_INSTALL, INSTALLED])
    assert len(calls) == 1 and res["failed"] and res["msg"] == FAILED_INSTALL["msg"] and res["attempts"] == 1


def test_no_answer_is_asked_again_with_the_delay_doubled_each_time():
    res, calls, sleeps = _verify([DROPPED, HTTP_500, INSTALLED], retries=2, delay=10)
    assert len(calls) == 3 and sleeps == [10, 20]
    assert res["attempts"] == 3 and not res["transient"] and res["updates"] == INSTALLED["updates"]
    assert not res.get("failed") and not res.get("unreachable")


def test_when_the_retries_run_out_the_last_no_answer_is_returned_as_such():
    res, calls, sleeps = _verify([DROPPED, DROPPED, DROPPED], retries=1, delay=5)
    assert len(calls) == 2 and sleeps == [5]
    assert res["unreachable"] and res["transient"] and res["attempts"] == 2


@pytest.mark.parametrize("args, word", [({"kb": "5043"}, "KB"), ({"retries": -1}, "retries"),
                                        ({"delay": -1.0}, "delay")])
def test_bad_input_fails_naming_it_before_asking(args, word):
    res, calls, _sleeps = _verify([INSTALLED], **args)
    assert res["failed"] and word in res["msg"] and calls == []
