# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_journal.

Read: one read-only script run (also in check mode). Write: read, merge the
entry on the controller (plugin_utils/_ladder/journal.py), write the whole text
atomically; nothing is written when the entry is unchanged or in check mode.
Given `seen` (an earlier result of this module on the host: its revision and
entries), a write skips the read: the script writes only while the journal is
still at that revision, and the write falls back to read-merge-write when it is not.
Lock (lock=acquire|release): the run lock next to the journal
(plugin_utils/_ladder/run_lock.py, script wu_journal_lock); an acquire then reads the
journal, so the caller sees the entry as it is under the lock, and given `seen` it gives
the lock back and fails when KB's entry changed since (another run worked on the host).
The lock script reads the journal itself once it has taken the lock (its JournalPath):
one script run for an acquire (two for a take-over); only when it did not (the lock was
this run's already, a read that failed there) the journal is read by a run of its own.
A release with `entry` writes the entry first and releases whatever the write did: the
last write and the release in one task. Check mode takes no lock (it changes nothing).
Every script call here does the same when sent
twice, so a dropped connection or a WinRM error is retried (script_runner.SAFE_TO_SEND_AGAIN):
a release lost that way would leave the lock on the host.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, at_least, failing)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import journal
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import run_lock
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner

ARGUMENT_SPEC = {
    "path": {"type": "str", "default": journal.DEFAULT_PATH},
    "kb": {"type": "str"},
    "entry": {"type": "dict"},
    "lock": {"type": "str", "choices": ["acquire", "release"]},
    "run_id": {"type": "str"},
    "stale_after": {"type": "int", "default": run_lock.DEFAULT_STALE_AFTER},
    "seen": {"type": "dict"},
}


VALIDATION = {
    "required_by": {"entry": ["kb"]},
    "required_if": [("lock", "acquire", ["run_id"]), ("lock", "release", ["run_id"])],
}
RANGES = {"stale_after": at_least(0, "seconds after which a lock counts as stale")}


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    validation = VALIDATION
    ranges = RANGES

    def act(self, result, options, task_vars):
        kb = read = None
        if options["kb"] is not None:  # kb: '' is a bad KB, not "no kb" (entry needs one)
            try:
                kb = remediation.norm_kb(options["kb"])
            except ValueError as err:
                raise ActionFailure(str(err)) from err
        if options["lock"] == "acquire" and options["entry"] is not None:
            raise ActionFailure("entry cannot be written with lock=acquire: take the lock, then write.")
        if options["lock"] == "acquire" and options["seen"] and kb is None:
            raise ActionFailure("kb is required with lock=acquire and seen: it names the entry compared.")
        if options["lock"] is not None:
            if not options["run_id"].strip():
                raise ActionFailure("run_id must not be empty: it names the run that holds the lock.")
            result["lock"] = {"path": run_lock.lock_path(options["path"]), "run_id": options["run_id"],
                              "state": None, "holder": None}
            if self._task.check_mode:
                # Check mode reads only: it neither takes nor needs the lock.
                result["lock"]["state"] = "check_mode"
                if options["lock"] == "release" and options["entry"] is None:
                    return
            elif options["lock"] == "release":
                self._write_then_release(result, options, kb, task_vars)
                return
            else:
                read = self._acquire(result, options, task_vars)
        self._read_or_write(result, options, kb, task_vars, read=read)
        if options["lock"] == "acquire" and options["seen"] and not self._task.check_mode:
            self._refuse_if_changed_since_seen(result, options, kb, task_vars)

    def _read_or_write(self, result, options, kb, task_vars, read=None):
        """READ: the journal as the lock script read it under the lock (wu_journal_read's fields), if it did."""
        seen = self._seen(options)
        if seen is not None and options["entry"] is not None and not self._task.check_mode:
            if self._write(result, options, kb, seen, task_vars, expected=seen["revision"]):
                return
        raw = read
        if raw is None:
            with failing("Could not read the journal %s" % options["path"], "Nothing was changed."):
                raw = script_runner.run_script(self, "wu_journal_read", {"Path": options["path"]}, task_vars)
        current, warning = journal.load(raw.get("content"), raw.get("backup_content"))
        if warning:
            result.setdefault("warnings", []).append(warning)
        result.update(path=options["path"], exists=bool(raw.get("exists")), kb=kb,
                      changed=result.get("changed", False), entries=current.get("entries") or {},
                      revision=journal.revision(raw.get("content") if raw.get("exists") else None))
        result["entry"] = (current.get("entries") or {}).get(kb) if kb else None
        if options["entry"] is not None:
            self._write(result, options, kb, current, task_vars)

    def _write_then_release(self, result, options, kb, task_vars):
        """lock=release, after writing O(entry) when given: the lock is released whether the write worked or not
        (a failed write fails the task after the release)."""
        try:
            if options["entry"] is not None:
                self._read_or_write(result, options, kb, task_vars)
        finally:
            written = result.get("changed", False)
            self._release(result, options, task_vars)
            result["changed"] = written or result["changed"]

    def _refuse_if_changed_since_seen(self, result, options, kb, task_vars):
        """KB's entry under the lock differs from the one in O(seen): another run of the ladder worked on the
        host since the caller read it (while it diagnosed the host). Give the lock back; fail."""
        seen = self._seen(options)  # a result without a revision (a skipped task's) is as good as none
        if seen is None or result.get("entry") == seen["entries"].get(kb):
            return
        self._release(result, options, task_vars)
        raise ActionFailure(
            "Another run of the repair ladder (%s) worked on this host for %s while this run was diagnosing it "
            "(the journal changed before this run took the lock). Nothing was changed by this run; run it again "
            "to continue from what that run did." % ((result.get("entry") or {}).get("run_id") or "?", kb))

    @staticmethod
    def _seen(options):
        """{revision, entries} of O(seen), None when it carries no revision (a skipped task's result)."""
        seen = options["seen"]
        if not seen or seen.get("revision") is None:
            return None
        if not journal.is_revision(seen["revision"]) or not isinstance(seen.get("entries"), dict):
            raise ActionFailure("seen must be an earlier result of win_wu_journal on this host (its revision: "
                                "'none' or a SHA-256 in hex, and its entries); got revision %r" % seen["revision"])
        return {"revision": seen["revision"], "entries": seen["entries"]}

    def _write(self, result, options, kb, current, task_vars, expected=None):
        """Store O(entry) under KB in CURRENT's journal; False when the journal is no longer at EXPECTED."""
        entry = options["entry"]
        entries = current.get("entries") or {}
        result.update(path=options["path"], kb=kb, changed=result.get("changed", False), entries=entries,
                      entry=entries.get(kb))
        if expected is not None:
            result.update(exists=expected != journal.NO_REVISION, revision=expected)
        if journal.same_entry(current, kb, entry):
            return True
        result["changed"] = True
        result["entry"] = entry
        result["entries"] = dict(entries, **{kb: entry})
        if self._task.check_mode:
            result["revision"] = None  # not written
            return True
        text = journal.dump(journal.merge(current, kb, entry))
        params = {"Path": options["path"], "Content": text}
        if expected is not None:
            params["Expected"] = expected
        with failing("Could not write the journal %s" % options["path"],
                     "The previous journal is unchanged (or kept as %s.bak); check free space and the account's "
                     "rights on its folder." % options["path"], changed=False):
            raw = script_runner.run_script(self, "wu_journal_write", params, task_vars)
        if raw.get("conflict"):
            # Changed since it was seen: read it, merge and write once more.
            result["changed"] = False
            return False
        result.update(exists=True, revision=journal.revision(text))
        return True

    def _lock_script(self, options, task_vars, **params):
        params = dict(Path=run_lock.lock_path(options["path"]), RunId=options["run_id"], **params)
        return script_runner.run_script(self, "wu_journal_lock", params, task_vars)

    def _acquire(self, result, options, task_vars):
        """Take the lock (result['lock'] filled, changed set); ActionFailure when it cannot.

        Returns the journal as the lock script read it once it had taken the lock (the fields of
        wu_journal_read's answer), or None when it did not read it (then the caller reads it)."""
        lock = result["lock"]
        controller, pid, user = run_lock.controller_identity()
        content = run_lock.dump(run_lock.holder(options["run_id"], controller, pid, user))
        with failing("Could not take the run lock %s" % lock["path"],
                     "Nothing was changed; check free space and the account's rights on its folder."):
            raw = self._lock_script(options, task_vars, Action="acquire", Content=content,
                                    JournalPath=options["path"])
            state = raw.get("state")
            if state == "held":
                found = run_lock.parse(raw.get("holder"), raw)
                verdict, why = run_lock.decide(found, options["run_id"], options["stale_after"], controller)
                lock["holder"] = found
                if verdict == "ours":
                    state = "acquired"  # this run took it before (the role included twice): nothing to do
                elif verdict in ("stale", "abandoned"):
                    judged = raw.get("holder")
                    swap = {"ReplaceEmpty": True} if judged == "" else {"Replace": judged}
                    raw = self._lock_script(options, task_vars, Action="acquire", Content=content,
                                            JournalPath=options["path"], **swap)
                    state = raw.get("state")
                    if state == "taken_over":
                        result.setdefault("warnings", []).append(
                            "Took over the run lock %s from %s: %s." % (lock["path"], run_lock.describe(found), why))
                    elif state == "held":  # someone else changed it meanwhile
                        lock["holder"] = found = run_lock.parse(raw.get("holder"), raw)
                if state == "held":
                    lock["state"] = "held"
                    raise ActionFailure(run_lock.refusal(lock["path"], found, options["stale_after"]))
        lock["state"] = state
        result["changed"] = state in ("acquired", "taken_over") and raw.get("state") != "held"
        read = raw.get("journal") if raw.get("state") in ("acquired", "taken_over") else None
        return read if isinstance(read, dict) and not read.get("error") else None

    def _release(self, result, options, task_vars):
        lock = result["lock"]
        with failing("Could not release the run lock %s" % lock["path"],
                     "Delete it on the host once no run of the ladder works on it (or let it go stale)."):
            raw = self._lock_script(options, task_vars, Action="release")
        lock["state"] = raw.get("state")
        if raw.get("holder") is not None and raw.get("state") != "released":
            lock["holder"] = run_lock.parse(raw.get("holder"), raw)
            result.setdefault("warnings", []).append(
                "The run lock %s is held by %s, not by run %s: left as it is."
                % (lock["path"], run_lock.describe(lock["holder"]), options["run_id"]))
        result["changed"] = raw.get("state") == "released"
