# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_journal.

Read: one read-only script run (also in check mode). Write: read, merge the
entry on the controller (plugin_utils/journal.py), write the whole text
atomically; nothing is written when the entry is unchanged or in check mode.
"""
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.winrepair.windows_update.plugins.plugin_utils import journal
from ansible_collections.winrepair.windows_update.plugins.plugin_utils import remediation
from ansible_collections.winrepair.windows_update.plugins.plugin_utils import script_runner

ARGUMENT_SPEC = {
    "path": {"type": "str", "default": journal.DEFAULT_PATH},
    "kb": {"type": "str"},
    "entry": {"type": "dict"},
}


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC,
                                                        required_by={"entry": ["kb"]})
        kb = None
        if args["kb"] is not None:  # kb: '' is a bad KB, not "no kb" (entry needs one)
            try:
                kb = remediation.norm_kb(args["kb"])
            except ValueError as err:
                return self._fail(result, str(err))
        try:
            raw = script_runner.run_script(self, "wu_journal_read", {"Path": args["path"]}, task_vars)
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not read the journal %s: %s. Nothing was changed." % (args["path"], exc.message))
        current, warning = journal.load(raw.get("content"), raw.get("backup_content"))
        if warning:
            result.setdefault("warnings", []).append(warning)
        result.update(path=args["path"], exists=bool(raw.get("exists")), kb=kb, changed=False,
                      entries=current.get("entries") or {})
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

    @staticmethod
    def _fail(result, msg):
        result.update({"failed": True, "changed": False, "msg": msg})
        return result
