# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_verify: win_updates answers in turn (its call replaced), asked again only while they are no answer."""
from __future__ import annotations

import json

import pytest

from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_verify import ActionModule
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.fork_share import StillRunning

INSTALLED = {"changed": True, "updates": {"a1": {"kb": ["5043080"], "installed": True}}, "reboot_required": True,
             "invocation": {"module_args": {}}}
FAILED_INSTALL = {"changed": False, "failed": True, "updates": {"a1": {"kb": ["5043080"], "installed": False}},
                  "msg": "Failed to install all updates - see updates for more information"}
DROPPED = {"unreachable": True, "changed": False, "msg": "winrm connection error: connection reset by peer"}
HTTP_500 = {"failed": True, "changed": False,
            "msg": "winrm send_input failed; bad HTTP response returned from server. Code 500"}


TASK = {"poll_options": {"pipe_name": "p1"}, "cancel_options": {"cancel_id": "c1"}, "output": []}
LOST = object()  # an answer: the update task taken up was gone


def _verify(answers, task_vars=None, fake=None, **args):
    """Run win_wu_verify with win_updates' answers scripted in turn: a dict is an answer, a
    StillRunning the wait ending early, LOST a failed answer for a task that was gone.
    calls: (kb, the deadline was set, resume task given) of each. FAKE: the simulated host (its
    scripts run the journal's write); fake.installs_after: the host's script count at each call."""
    calls, sleeps = [], []
    fake = fake or FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.installs_after = []

    class Scripted(ActionModule):
        def _install(self, kb, task_vars, until=None, resume=None):
            calls.append((kb, until is not None, resume))
            fake.installs_after.append(len(fake.script_names()))
            answer = answers[len(calls) - 1]
            self._resume_lost = answer is LOST
            if isinstance(answer, StillRunning):
                raise answer
            return dict(FAILED_INSTALL if answer is LOST else answer)

        @staticmethod
        def _sleep(seconds):
            sleeps.append(seconds)

    return fake.run(Scripted, dict({"kb": "kb5043080"}, **args), task_vars=task_vars), calls, sleeps


def test_an_answer_is_returned_at_once_without_its_invocation():
    res, calls, sleeps = _verify([INSTALLED])
    assert calls == [("KB5043080", False, None)] and sleeps == []
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


# ------------------------------------------------------------------ giving the fork back
CROWDED = {"ansible_play_batch": ["win%02d" % n for n in range(10)]}  # more hosts than the default 5 forks


def test_a_wait_that_ends_early_answers_pending_with_what_the_next_call_needs():
    res, calls, _sleeps = _verify([StillRunning("the install", TASK)], task_vars=CROWDED, yield_after=30)
    assert calls == [("KB5043080", True, None)]
    assert res["pending"] and not res["changed"] and not res.get("failed") and "updates" not in res
    assert res["resume"] == {"task": TASK, "attempts": 0, "rounds": 1} and "resume" in res["msg"]
    assert res["resume_after"] == 150.0  # the rest without a fork the collection's strategy gives the host
    # The next call takes up that task and returns its answer.
    res, calls, _sleeps = _verify([INSTALLED], task_vars=CROWDED, yield_after=30, resume=res["resume"])
    assert calls == [("KB5043080", True, TASK)]
    assert not res.get("pending") and res["updates"] == INSTALLED["updates"] and res["attempts"] == 1


def test_a_wait_that_ends_early_rests_until_the_next_progress_line_is_due(monkeypatch):
    monkeypatch.setattr(ActionModule, "_clock", staticmethod(lambda: 1000.0))
    # Lines came 400 s apart, the last 100 s ago: the next is due in 300 s, more than the usual 150 s rest.
    spaced = dict(TASK, lines_at=900.0, line_gap=400.0)
    res, _calls, _sleeps = _verify([StillRunning("the install", spaced)], task_vars=CROWDED, yield_after=30)
    assert res["pending"] and res["resume_after"] == 300.0
    assert res["resume"]["task"]["line_gap"] == 400.0  # the next call goes on timing the lines


def test_with_no_more_hosts_than_forks_the_task_waits_to_the_end():
    _res, calls, _sleeps = _verify([INSTALLED], task_vars={"ansible_play_batch": ["win01", "win02"]}, yield_after=30)
    assert calls == [("KB5043080", False, None)]
    _res, calls, _sleeps = _verify([INSTALLED], task_vars=CROWDED, yield_after=0)
    assert calls == [("KB5043080", False, None)]


def test_a_task_taken_up_that_was_gone_is_asked_anew_once_without_counting_an_attempt():
    res, calls, sleeps = _verify([LOST, INSTALLED], task_vars=CROWDED, yield_after=30,
                                 resume={"task": TASK, "attempts": 0})
    assert [c[2] for c in calls] == [TASK, None] and sleeps == []
    assert res["updates"] == INSTALLED["updates"] and res["attempts"] == 1 and not res.get("failed")


def test_attempts_asked_before_a_wait_ended_early_count_against_the_retries():
    res, calls, _sleeps = _verify([DROPPED], task_vars=CROWDED, yield_after=30, retries=2,
                                  resume={"task": TASK, "attempts": 2})
    assert len(calls) == 1 and res["unreachable"] and res["transient"] and res["attempts"] == 3


def test_a_resume_that_is_no_earlier_result_is_refused_before_asking():
    res, calls, _sleeps = _verify([INSTALLED], resume={"pipe_name": "p1"})
    assert res["failed"] and "resume" in res["msg"] and calls == []


JOURNAL = "C:\\ProgramData\\winrepair\\journal.json"
ENTRY = {"run_id": "r1", "rungs_run": [{"rung": "reset", "outcome": "done"}]}


def _journal_on(fake):
    return json.loads(fake.host.files[JOURNAL.lower()])["entries"]


def test_the_journal_is_written_before_the_install_in_the_same_task():
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    res, calls, _sleeps = _verify([INSTALLED], fake=fake,
                                  journal={"path": JOURNAL, "kb": "KB5043080", "entry": ENTRY})
    assert fake.script_names() == ["wu_journal_read", "wu_journal_write"]
    assert fake.installs_after == [2] and len(calls) == 1  # the install was asked after the write
    assert _journal_on(fake) == {"KB5043080": ENTRY}
    assert res["journal"]["changed"] and res["journal"]["entry"] == ENTRY and res["journal"]["revision"]
    assert res["updates"] == INSTALLED["updates"] and not res.get("journal_failed")
    # What the write left is what a later write sees: given as seen, it writes without reading first.
    again, _calls, _sleeps = _verify([INSTALLED], fake=fake, journal={
        "path": JOURNAL, "kb": "KB5043080", "entry": dict(ENTRY, verdict="fixed"), "seen": res["journal"]})
    assert fake.script_names()[2:] == ["wu_journal_write"] and again["journal"]["changed"]


def test_a_journal_that_cannot_be_written_installs_nothing():
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    fake.host.faults.disk_full_on.append("wu_journal_write")
    res, calls, _sleeps = _verify([INSTALLED], fake=fake, journal={"path": JOURNAL, "kb": "KB5043080",
                                                                   "entry": ENTRY})
    assert calls == [] and res["failed"] and res["journal_failed"] and res["attempts"] == 0
    assert "Nothing was installed" in res["msg"] and "Could not write the journal" in res["msg"]
    assert res["journal"]["failed"] and JOURNAL.lower() not in fake.host.files


def test_the_journal_write_rides_along_a_wait_that_ends_early():
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    res, _calls, _sleeps = _verify([StillRunning("the install", TASK)], task_vars=CROWDED, yield_after=30,
                                   fake=fake, journal={"path": JOURNAL, "kb": "KB5043080", "entry": ENTRY})
    assert res["pending"] and res["journal"]["entry"] == ENTRY and res["resume"]["journal"] == res["journal"]
    written = len(fake.script_names())
    res, _calls, _sleeps = _verify([INSTALLED], task_vars=CROWDED, yield_after=30, fake=fake,
                                   resume=res["resume"])
    assert len(fake.script_names()) == written  # nothing written again
    assert res["journal"]["entry"] == ENTRY and res["updates"] == INSTALLED["updates"]


def test_a_journal_with_resume_is_refused_before_asking():
    res, calls, _sleeps = _verify([INSTALLED], resume={"task": TASK, "attempts": 0},
                                  journal={"path": JOURNAL, "kb": "KB5043080", "entry": ENTRY})
    assert res["failed"] and "journal" in res["msg"] and calls == []


def test_a_connection_lost_for_good_during_the_write_installs_nothing(monkeypatch):
    """pywinrm and requests raise a lost connection; the write's own retries (host_session) raise the last one."""
    from requests.exceptions import ConnectionError as RequestsConnectionError

    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session
    monkeypatch.setattr(host_session, "_sleep", lambda _seconds: None)
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    lost = RequestsConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection'))")
    for nth in range(1, len(host_session.RETRY_DELAYS) + 2):
        fake.fail_on[("wu_journal_read", nth)] = lost
    res, calls, _sleeps = _verify([INSTALLED], fake=fake, journal={"path": JOURNAL, "kb": "KB5043080",
                                                                   "entry": ENTRY})
    assert calls == [] and res["failed"] and res["journal_failed"] and "Connection aborted" in res["msg"]
