# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run lock's decisions (plugin_utils/_ladder/run_lock.py), without a host."""
from __future__ import annotations

import os

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import run_lock

NOW = "2026-11-22T12:00:00Z"


def _holder(run_id="abc-1", controller="ctl", pid=4242, acquired="2026-11-22T11:00:00Z"):
    return run_lock.holder(run_id, controller, pid, "ops", now=acquired)


def test_lock_path_is_next_to_the_journal():
    assert run_lock.lock_path("C:\\ProgramData\\winrepair\\journal.json") == \
        "C:\\ProgramData\\winrepair\\journal.json.lock"


def test_round_trip_and_age():
    h = _holder()
    assert run_lock.parse(run_lock.dump(h)) == h
    assert run_lock.age_seconds(h, NOW) == 3600


def test_unreadable_lock_is_a_nameless_holder_that_refuses():
    h = run_lock.parse("{half")
    assert h["unreadable"] and h["run_id"] is None
    assert run_lock.decide(h, "me", 14400, "ctl", NOW, alive=lambda pid: False)[0] == "held"
    assert "cannot be read" in run_lock.describe(h)


def test_own_lock_is_ours():
    assert run_lock.decide(_holder(run_id="me"), "me", 14400, "ctl", NOW)[0] == "ours"


def test_live_holder_is_held():
    verdict, _why = run_lock.decide(_holder(), "me", 14400, "ctl", NOW, alive=lambda pid: True)
    assert verdict == "held"


def test_stale_lock_may_be_taken_over():
    old = _holder(acquired="2026-11-22T07:00:00Z")  # 5 h ago
    verdict, why = run_lock.decide(old, "me", 14400, "other-ctl", NOW, alive=lambda pid: True)
    assert verdict == "stale" and "5h00m" in why and "14400" in why
    # One second short of stale_after: still held.
    assert run_lock.decide(_holder(acquired="2026-11-22T08:00:01Z"), "me", 14400, "other-ctl", NOW,
                           alive=lambda pid: True)[0] == "held"


def test_stale_after_zero_takes_any_lock():
    assert run_lock.decide(run_lock.parse("garbage"), "me", 0, "ctl", NOW)[0] == "stale"


def test_abandoned_only_from_the_same_controller():
    def dead(_pid):
        return False
    assert run_lock.decide(_holder(controller="ctl"), "me", 14400, "ctl", NOW, alive=dead)[0] == "abandoned"
    # Another controller's process cannot be checked from here: held until stale.
    assert run_lock.decide(_holder(controller="ctl2"), "me", 14400, "ctl", NOW, alive=dead)[0] == "held"
    # A holder without a pid: held.
    assert run_lock.decide(dict(_holder(), pid=None), "me", 14400, "ctl", NOW, alive=dead)[0] == "held"


def test_pid_running_sees_this_process_and_not_a_finished_one():
    assert run_lock.pid_running(os.getpid())
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not run_lock.pid_running(proc.pid)
    assert run_lock.pid_running("not a pid")  # unknown: the safe side


def test_refusal_names_holder_and_what_to_do():
    msg = run_lock.refusal("C:\\j.json.lock", _holder(), 14400, NOW)
    for word in ("abc-1", "ctl", "4242", "1h00m ago", "Nothing was changed", "wu_remediate_lock_stale_after=0",
                 "C:\\j.json.lock"):
        assert word in msg, word


def test_controller_identity_is_the_parent_process():
    name, pid, _user = run_lock.controller_identity()
    assert name and pid == os.getppid()


def test_an_unreadable_lock_goes_stale_by_the_age_of_its_file_on_the_host():
    # wu_journal_lock answers the file's owner and age (host clock) with the text it cannot parse,
    # e.g. the empty file a takeover cut off between truncating and writing left behind.
    answer = {"holder": "", "file_owner": "S-1-5-21-1-2-3-1001", "file_age_seconds": 5 * 3600, "readable": True}
    h = run_lock.parse(answer["holder"], answer)
    assert h["unreadable"] and run_lock.age_seconds(h, NOW) == 5 * 3600
    verdict, why = run_lock.decide(h, "me", 14400, "ctl", NOW, alive=lambda pid: True)
    assert verdict == "stale" and "5h00m" in why
    assert run_lock.describe(h, NOW) == ("a lock file that cannot be read (its text is no run's JSON, owned by "
                                         "S-1-5-21-1-2-3-1001, written 5h00m ago)")
    young = run_lock.parse("", dict(answer, file_age_seconds=60))
    assert run_lock.decide(young, "me", 14400, "ctl", NOW, alive=lambda pid: True)[0] == "held"


def test_a_lock_whose_acl_denies_reading_is_refused_with_how_to_clear_it():
    path = "C:\\ProgramData\\winrepair\\journal.json.lock"
    h = run_lock.parse(None, {"holder": None, "readable": False, "file_owner": "S-1-5-21-1-2-3-1001",
                              "file_age_seconds": 120})
    message = run_lock.refusal(path, h, 14400, NOW)
    assert "its ACL denies this account" in message and "owned by S-1-5-21-1-2-3-1001" in message
    assert 'takeown /F "%s" /A' % path in message
    assert "-NewName 'journal.json.lock.untrusted'" in message
