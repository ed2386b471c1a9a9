# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's model of detached_start.ps1's run tree: owners, DACLs and the wrapper's time limit.

A standard user may create folders under C:\\ProgramData and owns them
(tests/winsim/acl.py has the sources). These tests pre-create the tree as
such a user would and show the start repairing it, or refusing, before any
file is written or run as SYSTEM; and the wrapper ending a run at MaxRunSeconds.
"""
from __future__ import annotations

import datetime
import json

import pytest

from winsim import acl, detached, winpath
from winsim.model import Folder, HostModel, SteppingClock

T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
TOP = "C:\\ProgramData\\winrepair"
ROOT = TOP + "\\runs"
RESTORE = "/Online /Cleanup-Image /RestoreHealth"
USER = "S-1-5-21-1004336348-1177238915-682003330-1001"


def user_made(host, path, **extra):
    # Created by a standard user: they own it; CREATOR OWNER gives them full control.
    host.folders[winpath.key(path, host)] = Folder(path=path, owner=USER, writers=[USER], **extra)


def files_under(host, folder):
    return sorted(k for k in host.files if winpath.is_under(k, winpath.key(folder, host)))


def test_a_folder_the_collection_creates_under_programdata_inherits_users_write_until_protected():
    host, clock = HostModel(name="w", address="127.0.0.2"), SteppingClock()
    winpath.make_dirs(host, TOP)
    assert acl.security(host, TOP)["writers"] == [acl.USERS]
    began, _changed = detached.start(host, clock, "dism-1", "dism.exe", RESTORE, ROOT, 7200, 0)
    # It existed (made by another step) and let Users write: repaired, and said so.
    assert began["started"] is True and began["repaired"] == [TOP]
    for folder in (TOP, ROOT, ROOT + "\\dism-1"):
        assert acl.is_safe(acl.security(host, folder)), folder


def test_a_tree_a_standard_user_pre_created_is_repaired_and_their_run_folder_never_reused():
    host, clock = HostModel(name="w", address="127.0.0.2"), SteppingClock()
    for folder in (TOP, ROOT, ROOT + "\\dism-1"):
        user_made(host, folder)
    # A "finished, uncollected" run planted where a retry would hand it out.
    end = T0.isoformat()
    winpath.write_file(host, ROOT + "\\dism-1\\command.json", json.dumps(
        {"run_id": "dism-1", "file_path": "dism.exe", "arguments": RESTORE, "requested_time": end}).encode())
    winpath.write_file(host, ROOT + "\\dism-1\\exit.json", json.dumps(
        {"exit_code": 0, "end_time": end, "error": None}).encode())
    began, changed = detached.start(host, clock, "dism-1", "dism.exe", RESTORE, ROOT, 7200, 3600)
    assert changed and began["started"] is True
    assert began["repaired"] == [TOP, ROOT]
    assert began["archived"] == "dism-1.20261102T090000Z"
    assert winpath.is_file(host, ROOT + "\\dism-1.20261102T090000Z\\exit.json")  # kept, not deleted
    assert acl.is_safe(acl.security(host, ROOT + "\\dism-1"))
    assert not winpath.is_file(host, ROOT + "\\dism-1\\run.ps1")  # the task runs no file from disk


@pytest.mark.parametrize("extra, why", [
    ({"acl_locked": True}, "its owner and ACL could not be set"),
    ({"reparse_point": True}, "reparse point"),
])
def test_a_collection_folder_that_cannot_be_made_safe_stops_the_start_before_anything_is_written(extra, why):
    host, clock = HostModel(name="w", address="127.0.0.2"), SteppingClock()
    user_made(host, TOP, **extra)
    with pytest.raises(RuntimeError) as err:
        detached.start(host, clock, "dism-1", "dism.exe", RESTORE, ROOT, 7200, 0)
    message = str(err.value)
    assert "C:\\ProgramData\\winrepair is not safe for a run as SYSTEM" in message and why in message
    assert "nothing was written or started" in message and "takeown" in message
    assert files_under(host, TOP) == [] and not winpath.is_dir(host, ROOT)
    assert host.detached_runs == {}


def test_the_wrapper_ends_a_run_at_max_run_seconds_and_nothing_of_it_is_applied():
    host, clock = HostModel(name="w", address="127.0.0.2"), SteppingClock()
    host.component_store.health = "repairable"  # RestoreHealth takes 1200 s here
    detached.start(host, clock, "dism-1", "dism.exe", RESTORE, ROOT, 300, 0)
    clock.advance(400)
    st = detached.status(host, clock, "dism-1", ROOT, 0, 0, 1 << 20)[0]
    assert st["state"] == "exited" and st["exit_code"] is None and st["timed_out"] is True
    assert "MaxRunSeconds (300 s)" in str(st["error"])
    assert st["duration_seconds"] == 300
    assert host.component_store.health == "repairable"
