# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run lock through win_wu_journal against the simulator's model of wu_journal_lock.ps1:
a lock a standard user or an interrupted write left behind, and the lock's folder."""
from __future__ import annotations

import datetime

import pytest

from winsim import acl, winpath
from winsim.fake_host import FakeHost
from winsim.model import Folder, HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_journal import ActionModule

TOP = "C:\\ProgramData\\winrepair"
LOCK = TOP + "\\journal.json.lock"
USER = "S-1-5-21-1004336348-1177238915-682003330-1001"


@pytest.fixture
def fake():
    return FakeHost(HostModel(name="win01", address="127.0.0.2"))


def _acquire(fake, run_id="run-a"):
    return fake.run(ActionModule, {"kb": "KB5043080", "lock": "acquire", "run_id": run_id}, check_mode=False)


def _plant(fake, data, hours_ago, **meta):
    winpath.make_dirs(fake.host, TOP)
    winpath.write_file(fake.host, LOCK, data)
    written = fake.clock.now() - datetime.timedelta(hours=hours_ago)
    fake.host.file_meta[winpath.key(LOCK, fake.host)] = dict({"written": written, "owner": USER, "readable": True},
                                                             **meta)


def test_an_empty_lock_is_taken_over_once_its_file_is_older_than_stale_after(fake):
    _plant(fake, b"", hours_ago=5)
    res = _acquire(fake)
    assert not res.get("failed"), res
    assert res["lock"]["state"] == "taken_over"
    warning = " ".join(res["warnings"])
    assert "cannot be read" in warning and "owned by %s" % USER in warning and "written 5h00m ago" in warning


def test_an_empty_young_lock_is_refused_naming_its_owner_and_age(fake):
    _plant(fake, b"", hours_ago=1)
    res = _acquire(fake)
    assert res["failed"] and res["lock"]["state"] == "held"
    assert "owned by %s, written 1h00m ago" % USER in res["msg"] and "stale_after" in res["msg"]


def test_a_lock_whose_acl_denies_reading_is_refused_with_how_to_clear_it(fake):
    _plant(fake, b"x", hours_ago=9, readable=False)
    res = _acquire(fake)
    assert res["failed"] and res["lock"]["state"] == "held"
    assert "its ACL denies this account" in res["msg"] and "takeown" in res["msg"]
    assert winpath.read(fake.host, LOCK) == b"x"  # kept for a person to look at


def test_a_folder_a_standard_user_made_is_made_safe_before_the_lock_is_written(fake):
    fake.host.folders[winpath.key(TOP, fake.host)] = Folder(path=TOP, owner=USER, writers=[USER])
    res = _acquire(fake)
    assert res["lock"]["state"] == "acquired", res
    assert acl.is_safe(acl.security(fake.host, TOP))


def test_a_folder_that_cannot_be_made_safe_stops_the_acquire(fake):
    fake.host.folders[winpath.key(TOP, fake.host)] = Folder(path=TOP, owner=USER, writers=[USER], acl_locked=True)
    res = _acquire(fake)
    assert res["failed"] and "takeown" in res["msg"]
    assert not winpath.is_file(fake.host, LOCK)
