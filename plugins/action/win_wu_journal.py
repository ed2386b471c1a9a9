# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_journal.

Read: one read-only script run (also in check mode). Write: read, merge the
entry on the controller (plugin_utils/_ladder/journal.py), write the whole text
atomically; nothing is written when the entry is unchanged or in check mode.
Lock (lock=acquire|release): the run lock next to the journal
(plugin_utils/_ladder/run_lock.py, script wu_journal_lock); an acquire then reads the
journal, so the caller sees the entry as it is under the lock. Check mode
takes no lock (it changes nothing).
"""
from __future__ import annotations

from ansible.plugins.action import ActionBase

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
}


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC,
                                                        required_by={"entry": ["kb"]},
                                                        required_if=[("lock", "acquire", ["run_id"]),
                                                                     ("lock", "release", ["run_id"])],
                                                        mutually_exclusive=[("lock", "entry")])
        kb = None
        if args["kb"] is not None:  # kb: '' is a bad KB, not "no kb" (entry needs one)
            try:
                kb = remediation.norm_kb(args["kb"])
            except ValueError as err:
                return self._fail(result, str(err))
        if args["lock"] is not None:
            if not args["run_id"].strip():
                return self._fail(result, "run_id must not be empty: it names the run that holds the lock.")
            if args["stale_after"] < 0:
                return self._fail(result, "stale_after must be 0 or more seconds, not %d." % args["stale_after"])
            result["lock"] = {"path": run_lock.lock_path(args["path"]), "run_id": args["run_id"],
                              "state": None, "holder": None}
            if self._task.check_mode:
                # Check mode reads only: it neither takes nor needs the lock.
                result["lock"]["state"] = "check_mode"
                if args["lock"] == "release":
                    return result
            elif args["lock"] == "release":
                return self._release(result, args, task_vars)
            else:
                failed = self._acquire(result, args, task_vars)
                if failed:
                    return failed
        try:
            raw = script_runner.run_script(self, "wu_journal_read", {"Path": args["path"]}, task_vars)
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not read the journal %s: %s. Nothing was changed." % (args["path"], exc.message))
        current, warning = journal.load(raw.get("content"), raw.get("backup_content"))
        if warning:
            result.setdefault("warnings", []).append(warning)
        result.update(path=args["path"], exists=bool(raw.get("exists")), kb=kb,
                      changed=result.get("changed", False), entries=current.get("entries") or {})
        result["entry"] = (current.get("entries") or {}).get(kb) if kb else None
        if args["entry"] is None:
            return result

        entry = args["entry"]
        if journal.same_entry(current, kb, entry):
            return result
        result["changed"] = True
        result["entry"] = entry
        result["entries"] = dict(result["entries"], **{kb: entry})
        if self._task.check_mode:
            return result
        text = journal.dump(journal.merge(current, kb, entry))
        try:
            script_runner.run_script(self, "wu_journal_write", {"Path": args["path"], "Content": text}, task_vars)
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not write the journal %s: %s. The previous journal is unchanged "
                              "(or kept as %s.bak); check free space and the account's rights on its folder."
                              % (args["path"], exc.message, args["path"]))
        return result

    def _lock_script(self, args, task_vars, **params):
        params = dict(Path=run_lock.lock_path(args["path"]), RunId=args["run_id"], **params)
        return script_runner.run_script(self, "wu_journal_lock", params, task_vars)

    def _acquire(self, result, args, task_vars):
        """Take the lock (result['lock'] filled, changed set); a failed result when it cannot."""
        lock = result["lock"]
        controller, pid, user = run_lock.controller_identity()
        content = run_lock.dump(run_lock.holder(args["run_id"], controller, pid, user))
        try:
            raw = self._lock_script(args, task_vars, Action="acquire", Content=content)
            state = raw.get("state")
            if state == "held":
                found = run_lock.parse(raw.get("holder"))
                verdict, why = run_lock.decide(found, args["run_id"], args["stale_after"], controller)
                lock["holder"] = found
                if verdict == "ours":
                    state = "acquired"  # this run took it before (the role included twice): nothing to do
                elif verdict in ("stale", "abandoned"):
                    raw = self._lock_script(args, task_vars, Action="acquire", Content=content,
                                            Replace=raw.get("holder"))
                    state = raw.get("state")
                    if state == "taken_over":
                        result.setdefault("warnings", []).append(
                            "Took over the run lock %s from %s: %s." % (lock["path"], run_lock.describe(found), why))
                    elif state == "held":  # someone else changed it meanwhile
                        lock["holder"] = found = run_lock.parse(raw.get("holder"))
                if state == "held":
                    lock["state"] = "held"
                    return self._fail(result, run_lock.refusal(lock["path"], found, args["stale_after"]))
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not take the run lock %s: %s. Nothing was changed; check free "
                              "space and the account's rights on its folder." % (lock["path"], exc.message))
        lock["state"] = state
        result["changed"] = state in ("acquired", "taken_over") and raw.get("state") != "held"
        return None

    def _release(self, result, args, task_vars):
        lock = result["lock"]
        try:
            raw = self._lock_script(args, task_vars, Action="release")
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not release the run lock %s: %s. Delete it on the host once no run "
                              "of the ladder works on it (or let it go stale)." % (lock["path"], exc.message))
        lock["state"] = raw.get("state")
        if raw.get("holder") is not None and raw.get("state") != "released":
            lock["holder"] = run_lock.parse(raw.get("holder"))
            result.setdefault("warnings", []).append(
                "The run lock %s is held by %s, not by run %s: left as it is."
                % (lock["path"], run_lock.describe(lock["holder"]), args["run_id"]))
        result["changed"] = raw.get("state") == "released"
        return result

    @staticmethod
    def _fail(result, msg):
        result.update({"failed": True, "changed": False, "msg": msg})
        return result
