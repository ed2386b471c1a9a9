# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_wu_journal writes with `seen` (an earlier result) against a simulated host (scripts wu_journal_read/write)."""
from __future__ import annotations

import hashlib
import json

import pytest

from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.action.win_wu_journal import ActionModule

JOURNAL = "C:\\ProgramData\\winrepair\\journal.json"
KEY = JOURNAL.lower()


@pytest.fixture
def fake():
    return FakeHost(HostModel(name="win01", address="127.0.0.2"))


def _run(fake, check_mode=False, **args):
    return fake.run(ActionModule, dict({"kb": "KB5043080"}, **args), check_mode=check_mode)


def _on_host(fake):
    return json.loads(fake.host.files[KEY])["entries"]


def test_a_read_names_the_revision_of_the_text_on_the_host(fake):
    assert _run(fake)["revision"] == "none"
    _run(fake, entry={"step": 1})
    text = fake.host.files[KEY]
    assert _run(fake)["revision"] == hashlib.sha256(text).hexdigest()


def test_a_write_after_a_write_it_saw_does_not_read_the_journal_first(fake):
    first = _run(fake, entry={"step": 1})
    assert first["changed"] and first["revision"] == hashlib.sha256(fake.host.files[KEY]).hexdigest()
    calls = len(fake.script_names())
    second = _run(fake, kb="KB5044284", entry={"step": 2}, seen=first)
    assert fake.script_names()[calls:] == ["wu_journal_write"]
    assert second["changed"] and second["revision"] == hashlib.sha256(fake.host.files[KEY]).hexdigest()
    # The other update's entry is kept: the write merged into what it saw.
    assert _on_host(fake) == {"KB5043080": {"step": 1}, "KB5044284": {"step": 2}}
    assert second["entries"] == _on_host(fake)


def test_a_journal_changed_since_it_was_seen_is_read_merged_and_written(fake):
    seen = _run(fake, entry={"step": 1})
    # Another writer (another KB's run) changed it since.
    _run(fake, kb="KB5048667", entry={"other": True})
    calls = len(fake.script_names())
    res = _run(fake, entry={"step": 2}, seen=seen)
    assert fake.script_names()[calls:] == ["wu_journal_write", "wu_journal_read", "wu_journal_write"]
    assert res["changed"]
    assert _on_host(fake) == {"KB5043080": {"step": 2}, "KB5048667": {"other": True}}


def test_a_journal_that_appeared_since_none_was_seen_is_not_overwritten(fake):
    seen = _run(fake)
    assert seen["revision"] == "none"
    _run(fake, kb="KB5048667", entry={"other": True})
    _run(fake, entry={"step": 1}, seen=seen)
    assert _on_host(fake) == {"KB5043080": {"step": 1}, "KB5048667": {"other": True}}


def test_an_entry_unchanged_since_it_was_seen_sends_nothing(fake):
    seen = _run(fake, entry={"step": 1})
    calls = len(fake.script_names())
    res = _run(fake, entry={"step": 1}, seen=seen)
    assert not res["changed"] and fake.script_names()[calls:] == []
    assert res["revision"] == seen["revision"] and res["entry"] == {"step": 1}


def test_a_skipped_tasks_result_is_no_knowledge(fake):
    calls = len(fake.script_names())
    res = _run(fake, entry={"step": 1}, seen={"changed": False, "skipped": True})
    assert fake.script_names()[calls:] == ["wu_journal_read", "wu_journal_write"] and res["changed"]


def test_a_revision_that_is_no_revision_is_refused_and_nothing_is_written(fake):
    res = _run(fake, entry={"step": 1}, seen={"revision": "abc", "entries": {}})
    assert res["failed"] and "seen" in res["msg"] and "'abc'" in res["msg"]
    assert KEY not in fake.host.files and fake.script_names() == []


def test_check_mode_reads_and_writes_nothing_whatever_was_seen(fake):
    seen = _run(fake, entry={"step": 1})
    before = fake.host.files[KEY]
    calls = len(fake.script_names())
    res = _run(fake, check_mode=True, entry={"step": 2}, seen=seen)
    assert res["changed"] and res["revision"] is None
    assert fake.script_names()[calls:] == ["wu_journal_read"] and fake.host.files[KEY] == before
