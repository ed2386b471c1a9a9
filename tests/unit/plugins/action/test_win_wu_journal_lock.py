# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_journal lock=acquire|release against a simulated host (script wu_journal_lock)."""
from __future__ import annotations

import json
import threading

import pytest

from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_journal import ActionModule
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import run_lock

JOURNAL = "C:\\ProgramData\\winrepair\\journal.json"
LOCK = (JOURNAL + ".lock").lower()


@pytest.fixture
def fake():
    return FakeHost(HostModel(name="win01", address="127.0.0.2"))


def _lock(fake, what, run_id, check_mode=False, **extra):
    return fake.run(ActionModule, dict({"kb": "KB5043080", "lock": what, "run_id": run_id}, **extra),
                    check_mode=check_mode)


def _holder(fake):
    data = fake.host.files.get(LOCK)
    return json.loads(data) if data is not None else None


def test_acquire_writes_the_holder_and_reads_the_journal(fake):
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed"), res
    assert res["changed"] and res["lock"]["state"] == "acquired"
    holder = _holder(fake)
    assert holder["run_id"] == "run-a" and holder["pid"] and holder["controller"] and holder["acquired"]
    assert "entry" in res and res["entry"] is None  # the journal was read under the lock
    assert res["exists"] is False and res["revision"] == "none" and res["entries"] == {}
    assert fake.script_names() == ["wu_journal_lock"]  # by the lock script, once it held the lock


def test_second_run_is_refused_naming_the_first(fake):
    _lock(fake, "acquire", "run-a")
    res = _lock(fake, "acquire", "run-b")
    assert res["failed"] and res["lock"]["state"] == "held"
    assert "run-a" in res["msg"] and "Nothing was changed" in res["msg"]
    assert _holder(fake)["run_id"] == "run-a"
    assert "wu_journal_read" not in fake.script_names()[-1:]


def test_acquire_is_reentrant_for_the_same_run(fake):
    _lock(fake, "acquire", "run-a")
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed") and not res["changed"] and res["lock"]["state"] == "acquired"


def test_release_only_removes_its_own_lock(fake):
    _lock(fake, "acquire", "run-a")
    res = _lock(fake, "release", "run-b")
    assert not res["changed"] and res["lock"]["state"] == "not_held" and "run-a" in " ".join(res["warnings"])
    assert _holder(fake)["run_id"] == "run-a"
    res = _lock(fake, "release", "run-a")
    assert res["changed"] and res["lock"]["state"] == "released" and _holder(fake) is None
    res = _lock(fake, "release", "run-a")
    assert not res["changed"] and res["lock"]["state"] == "not_held"


def test_stale_lock_is_taken_over_with_a_warning(fake):
    fake.host.files[LOCK] = run_lock.dump(run_lock.holder("old", "elsewhere", 1, None,
                                                          now="2020-01-01T00:00:00Z")).encode()
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed"), res
    assert res["lock"]["state"] == "taken_over" and res["lock"]["holder"]["run_id"] == "old"
    assert "Took over" in " ".join(res["warnings"]) and "stale_after" in " ".join(res["warnings"])
    assert _holder(fake)["run_id"] == "run-a"


def test_abandoned_lock_of_this_controller_is_taken_over(fake, monkeypatch):
    name, _pid, _user = run_lock.controller_identity()
    fake.host.files[LOCK] = run_lock.dump(run_lock.holder("cut-off", name, 99999999, None)).encode()
    monkeypatch.setattr(run_lock, "pid_running", lambda pid: int(pid) != 99999999)
    res = _lock(fake, "acquire", "run-a")
    assert res["lock"]["state"] == "taken_over", res
    assert "no longer runs" in " ".join(res["warnings"])


def test_live_lock_of_another_controller_is_not_taken(fake):
    fake.host.files[LOCK] = run_lock.dump(run_lock.holder("live", "other-controller", 1, None)).encode()
    res = _lock(fake, "acquire", "run-a")
    assert res["failed"] and "live" in res["msg"] and _holder(fake)["run_id"] == "live"
    # stale_after=0: a person says the other run is gone.
    res = _lock(fake, "acquire", "run-a", stale_after=0)
    assert res["lock"]["state"] == "taken_over" and _holder(fake)["run_id"] == "run-a"


def test_take_over_is_compare_and_swap(fake, monkeypatch):
    """A lock that changed between the read and the take-over is not overwritten."""
    fake.host.files[LOCK] = run_lock.dump(run_lock.holder("old", "x", 1, None, now="2020-01-01T00:00:00Z")).encode()
    real_decide = run_lock.decide

    def decide_then_someone_else_takes_it(*a, **kw):
        fake.host.files[LOCK] = run_lock.dump(run_lock.holder("fresh", "y", 2, None)).encode()
        return real_decide(*a, **kw)
    monkeypatch.setattr(run_lock, "decide", decide_then_someone_else_takes_it)
    res = _lock(fake, "acquire", "run-a")
    assert res["failed"] and "fresh" in res["msg"] and _holder(fake)["run_id"] == "fresh"


def test_check_mode_neither_takes_nor_needs_the_lock(fake):
    _lock(fake, "acquire", "run-a")
    before = len(fake.host.records)
    res = _lock(fake, "acquire", "run-b", check_mode=True)
    assert not res.get("failed") and not res["changed"] and res["lock"]["state"] == "check_mode"
    res = _lock(fake, "release", "run-a", check_mode=True)
    assert res["lock"]["state"] == "check_mode" and _holder(fake)["run_id"] == "run-a"
    assert {r.name for r in fake.host.records[before:]} <= {"wu_journal_read"}


def test_many_runs_at_once_one_gets_it(fake):
    results = {}

    def go(i):
        results[i] = _lock(fake, "acquire", "run-%d" % i)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, r in results.items() if not r.get("failed")]
    assert len(winners) == 1, results
    assert _holder(fake)["run_id"] == "run-%d" % winners[0]
    assert all("run-%d" % winners[0] in r["msg"] for i, r in results.items() if i != winners[0])


def test_disk_full_leaves_no_lock_and_says_so(fake):
    fake.host.faults.disk_full_on.append("wu_journal_lock")
    res = _lock(fake, "acquire", "run-a")
    assert res["failed"] and "Could not take the run lock" in res["msg"]
    # The script's own terminating error, as Windows words it, not a simulator failure.
    assert "There is not enough space on the disk." in res["msg"] and "winsim" not in res["msg"]
    assert _holder(fake) is None


@pytest.mark.parametrize("args, words", [
    ({"lock": "acquire"}, "run_id"),
    ({"lock": "acquire", "run_id": "  "}, "run_id must not be empty"),
    ({"lock": "acquire", "run_id": "a", "stale_after": -1}, "stale_after"),
    ({"lock": "acquire", "run_id": "a", "kb": "KB5043080", "entry": {}}, "entry cannot be written with lock=acquire"),
    ({"lock": "acquire", "run_id": "a", "kb": None, "seen": {"revision": "none", "entries": {}}},
     "kb is required with lock=acquire and seen"),
])
def test_bad_arguments(fake, args, words):
    from ansible.errors import AnsibleActionFail
    try:
        res = fake.run(ActionModule, args)
    except AnsibleActionFail as exc:  # ansible-core's argument validation: the task fails with this
        res = {"failed": True, "msg": str(exc)}
    assert res.get("failed") and words in res["msg"], res
    assert fake.host.files.get(LOCK) is None


# ------------------------------------------------------------------ the lock riding on a read and a write
# The ladder takes the lock comparing the entry it planned from (seen), and writes its verdict and
# gives the lock back in one task.

def _entry(run_id):
    return {"run_id": run_id, "target_kb": "KB5043080", "rungs_run": []}


def test_acquire_with_seen_holds_the_lock_when_the_entry_is_as_seen(fake):
    seen = fake.run(ActionModule, {"kb": "KB5043080", "entry": _entry("old")})
    fake.run(ActionModule, {"kb": "KB5044284", "entry": _entry("other-kb")})  # another KB's entry: no matter
    res = _lock(fake, "acquire", "run-a", seen=seen)
    assert not res.get("failed"), res
    assert res["lock"]["state"] == "acquired" and _holder(fake)["run_id"] == "run-a"
    assert res["entry"] == _entry("old")


def test_acquire_with_seen_gives_the_lock_back_and_fails_when_another_run_wrote_meanwhile(fake):
    seen = fake.run(ActionModule, {"kb": "KB5043080"})  # no entry when this run read the journal
    fake.run(ActionModule, {"kb": "KB5043080", "entry": _entry("run-b")})  # another run, while this one diagnosed
    before = fake.host.files[JOURNAL.lower()]
    res = _lock(fake, "acquire", "run-a", seen=seen)
    assert res["failed"] and "Another run of the repair ladder (run-b)" in res["msg"], res
    assert "Nothing was changed by this run" in res["msg"]
    assert res["lock"]["state"] == "released" and _holder(fake) is None
    assert fake.host.files[JOURNAL.lower()] == before
    assert fake.script_names()[-2:] == ["wu_journal_lock", "wu_journal_lock"]  # take with the read, give back


# ------------------------------------------------------------------ the read riding on the acquire
# Each script run costs the controller its payload and a WinRM round trip: the lock script reads the
# journal once it holds the lock, so an acquire is one run; the answer is the one a read gives.

_READ_KEYS = ("path", "exists", "kb", "entries", "entry", "revision")


def _read_alone(fake):
    """What a read of the journal (no lock) answers now, and the warnings it gives."""
    res = fake.run(ActionModule, {"kb": "KB5043080"}, check_mode=True)
    assert fake.script_names()[-1] == "wu_journal_read"
    return {k: res[k] for k in _READ_KEYS}, res.get("warnings", [])


def _on_disk(fake, text, backup=None):
    fake.host.files[JOURNAL.lower()] = text.encode("utf-8")
    if backup is not None:
        fake.host.files[JOURNAL.lower() + ".bak"] = backup.encode("utf-8")


JOURNAL_TEXT = json.dumps({"version": 1, "entries": {"KB5043080": {"run_id": "earlier", "rungs_run": ["reset"]}}})


@pytest.mark.parametrize("text, backup", [
    (None, None),  # no journal yet
    (JOURNAL_TEXT, None),
    (JOURNAL_TEXT, json.dumps({"version": 1, "entries": {}})),  # a .bak from the last write: not needed
    ("{not json", JOURNAL_TEXT),  # a journal that cannot be parsed: its .bak is used, with the read's warning
    ("{not json", None),  # neither: an empty journal, with the read's warning
])
def test_an_acquire_is_one_script_run_and_answers_what_a_read_answers(fake, text, backup):
    if text is not None:
        _on_disk(fake, text, backup)
    expected, warnings = _read_alone(fake)
    before = len(fake.script_names())
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed"), res
    assert fake.script_names()[before:] == ["wu_journal_lock"]
    assert {k: res[k] for k in _READ_KEYS} == expected
    assert res.get("warnings", []) == warnings
    assert res["changed"] and res["lock"]["state"] == "acquired" and _holder(fake)["run_id"] == "run-a"


def test_the_journal_is_read_after_the_lock_is_taken(fake, monkeypatch):
    """What another run wrote up to the moment the lock was taken is what the acquire answers."""
    from winsim.scripts import wu_journal_lock as model
    real = model._create

    def create_then_late_write(host, path, content, now):
        real(host, path, content, now)
        _on_disk(fake, JOURNAL_TEXT)
    monkeypatch.setattr(model, "_create", create_then_late_write)
    res = _lock(fake, "acquire", "run-a")
    assert res["entry"] == {"run_id": "earlier", "rungs_run": ["reset"]} and res["exists"]


def test_a_take_over_reads_the_journal_with_the_swap(fake):
    _on_disk(fake, JOURNAL_TEXT)
    fake.host.files[LOCK] = run_lock.dump(run_lock.holder("old", "elsewhere", 1, None,
                                                          now="2020-01-01T00:00:00Z")).encode()
    res = _lock(fake, "acquire", "run-a")
    assert res["lock"]["state"] == "taken_over" and "Took over" in " ".join(res["warnings"]), res
    assert fake.script_names() == ["wu_journal_lock", "wu_journal_lock"]
    assert res["entry"]["run_id"] == "earlier" and res["exists"]


def test_a_lock_this_run_holds_already_is_read_on_its_own(fake):
    _lock(fake, "acquire", "run-a")
    _on_disk(fake, JOURNAL_TEXT)
    before = len(fake.script_names())
    res = _lock(fake, "acquire", "run-a")  # held, and ours: the script read nothing
    assert not res.get("failed") and not res["changed"] and res["lock"]["state"] == "acquired", res
    assert fake.script_names()[before:] == ["wu_journal_lock", "wu_journal_read"]
    assert res["entry"]["run_id"] == "earlier"


def test_a_refused_acquire_reads_nothing(fake):
    _lock(fake, "acquire", "run-a")
    before = len(fake.script_names())
    res = _lock(fake, "acquire", "run-b")
    assert res["failed"] and fake.script_names()[before:] == ["wu_journal_lock"]
    assert "entries" not in res and "revision" not in res


def test_a_journal_the_lock_script_could_not_read_is_read_on_its_own(fake, monkeypatch):
    """The lock script answers a failed read as an error (it holds the lock then): the journal is read
    by wu_journal_read, which fails as a read fails, with the lock held for the release."""
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner
    real = script_runner.run_script
    _on_disk(fake, JOURNAL_TEXT)

    def denied(action, name, parameters, task_vars):
        answer = real(action, name, parameters, task_vars)
        if name == "wu_journal_lock" and answer.get("journal"):
            answer["journal"] = dict(answer["journal"], content=None, error="Access to the path is denied.")
        return answer
    monkeypatch.setattr(script_runner, "run_script", denied)
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed") and res["lock"]["state"] == "acquired", res
    assert fake.script_names() == ["wu_journal_lock", "wu_journal_read"]
    assert res["entry"]["run_id"] == "earlier"


def test_check_mode_acquire_only_reads(fake):
    _on_disk(fake, JOURNAL_TEXT)
    res = _lock(fake, "acquire", "run-a", check_mode=True)
    assert fake.script_names() == ["wu_journal_read"] and res["lock"]["state"] == "check_mode"
    assert res["entry"]["run_id"] == "earlier" and not res["changed"] and _holder(fake) is None


def test_script_runs_of_one_ladder_run_on_a_host(fake):
    """The lock's share of a ladder run: take it (with the read), then write the verdict and give it back."""
    taken = _lock(fake, "acquire", "run-a")
    _lock(fake, "release", "run-a", entry=_entry("run-a"), seen=taken)
    assert fake.script_names() == ["wu_journal_lock", "wu_journal_write", "wu_journal_lock"]


def test_acquire_with_a_skipped_tasks_result_as_seen_compares_nothing(fake):
    fake.run(ActionModule, {"kb": "KB5043080", "entry": _entry("earlier")})
    res = _lock(fake, "acquire", "run-a", seen={"skipped": True, "changed": False})
    assert not res.get("failed") and res["lock"]["state"] == "acquired", res


def test_release_with_entry_writes_then_gives_the_lock_back(fake):
    taken = _lock(fake, "acquire", "run-a")
    res = _lock(fake, "release", "run-a", entry=_entry("run-a"), seen=taken)
    assert not res.get("failed"), res
    assert res["changed"] and res["lock"]["state"] == "released" and _holder(fake) is None
    assert json.loads(fake.host.files[JOURNAL.lower()])["entries"]["KB5043080"] == _entry("run-a")
    assert res["entry"] == _entry("run-a") and res["revision"] not in (None, "none")
    # the write went straight on the revision seen under the lock, then the release: two calls
    assert fake.script_names()[-2:] == ["wu_journal_write", "wu_journal_lock"]


def test_release_with_entry_gives_the_lock_back_when_the_write_fails(fake):
    _lock(fake, "acquire", "run-a")
    fake.host.faults.disk_full_on.append("wu_journal_write")
    res = _lock(fake, "release", "run-a", entry=_entry("run-a"))
    assert res["failed"] and "Could not write the journal" in res["msg"], res
    assert res["lock"]["state"] == "released" and _holder(fake) is None


def test_release_with_entry_in_check_mode_writes_and_releases_nothing(fake):
    _lock(fake, "acquire", "run-a")
    res = _lock(fake, "release", "run-a", check_mode=True, entry=_entry("run-a"))
    assert not res.get("failed") and res["changed"] and res["lock"]["state"] == "check_mode"
    assert _holder(fake)["run_id"] == "run-a" and JOURNAL.lower() not in fake.host.files


# ------------------------------------------------------------------ a connection that fails once
# Every journal and lock call is safe to send again: a read reads, a write writes the same text,
# an acquire by the same run finds its own lock ("ours"), a release only removes the caller's lock.
# So a dropped connection or a WinRM HTTP 500 on one of them is retried, not a failed task that
# leaves the lock behind (chaos fleet seed 1: a release dropped left c124's lock on the host).

@pytest.fixture
def no_wait(monkeypatch):
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session
    waits = []
    monkeypatch.setattr(host_session, "_sleep", waits.append)
    return waits


def _cut(step="wu_journal_lock", nth=1):
    from ansible.errors import AnsibleConnectionFailure
    return {(step, nth): AnsibleConnectionFailure("winrm: connection aborted (test)")}


def test_a_release_whose_connection_drops_is_sent_again(fake, no_wait):
    _lock(fake, "acquire", "run-a")
    fake.fail_on.update(_cut(nth=2))  # the release: the second lock call
    res = _lock(fake, "release", "run-a")
    assert not res.get("failed"), res
    assert res["changed"] and res["lock"]["state"] == "released" and _holder(fake) is None
    assert len(no_wait) == 1 and no_wait[0] > 0  # it waited before sending it again


def test_an_acquire_whose_answer_was_lost_finds_its_own_lock(fake, no_wait):
    _on_disk(fake, JOURNAL_TEXT)
    fake.reboot_after.add(("wu_journal_lock", 1))  # the lock was written, then the connection went
    res = _lock(fake, "acquire", "run-a")
    assert not res.get("failed"), res
    assert res["lock"]["state"] == "acquired" and _holder(fake)["run_id"] == "run-a"
    # Sent again it found its own lock and read nothing: the journal is read on its own.
    assert fake.script_names() == ["wu_journal_lock", "wu_journal_lock", "wu_journal_read"]
    assert res["entry"]["run_id"] == "earlier"


def test_a_journal_write_and_read_survive_one_drop_each(fake, no_wait):
    entry = {"run_id": "r1", "target_kb": "KB5043080", "rungs_run": []}
    fake.fail_on.update(_cut("wu_journal_write"))
    res = fake.run(ActionModule, {"kb": "KB5043080", "entry": entry})
    assert not res.get("failed") and res["changed"], res
    fake.fail_on.update(_cut("wu_journal_read", 3))  # reads: before the write, after the cut, now
    res = fake.run(ActionModule, {"kb": "KB5043080"})
    assert res["entry"]["run_id"] == "r1"


def test_a_connection_that_stays_down_still_fails(fake, no_wait):
    from ansible.errors import AnsibleConnectionFailure
    _lock(fake, "acquire", "run-a")
    for nth in range(2, 12):
        fake.fail_on[("wu_journal_lock", nth)] = AnsibleConnectionFailure("winrm: connection refused (test)")
    with pytest.raises(AnsibleConnectionFailure):
        _lock(fake, "release", "run-a")
    assert _holder(fake)["run_id"] == "run-a"
