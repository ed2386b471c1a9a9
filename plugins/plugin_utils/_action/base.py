# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's action plugins: one opening, one way to fail.

Internal to winrepair.windows_update: not a public API, it may change in any
release.

A plugin sets ``argument_spec`` (and ``validation``: validate_argument_spec's
other keywords, ``ranges``: the bounds of its numeric options) and writes
``act(result, options, task_vars)``. The base:

- validates the task's arguments against the spec; a bad type, choice or a
  missing required option raises ansible-core's AnsibleActionFail, as
  validate_argument_spec does everywhere;
- checks the ranges, so a number out of bounds fails naming the option
  before anything reaches the host;
- turns a failure into the result: ``act`` raises ActionFailure (or lets a
  ScriptError, DetachedError or KbInstallError through), and the task's
  result gets ``failed: true`` and ``msg``, keeping what ``act`` already put
  in it (an outcome, what was done before the failure).
"""
from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager

from ansible.plugins.action import ActionBase

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.detached import DetachedError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.script_runner import ScriptError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs.kb_install import KbInstallError


class ActionFailure(Exception):
    """End the task as failed with MSG; FIELDS are set on the result too (changed=False, outcome=...)."""

    def __init__(self, msg, **fields):
        super(ActionFailure, self).__init__(msg)
        self.msg = msg
        self.fields = fields


# The exceptions the base turns into a failed result; anything else is a bug and shows as one.
FAILURES = (ActionFailure, ScriptError, DetachedError, KbInstallError)


def host_error_text(exc):
    """The host's own words for a failed collection script (ScriptError).

    win_powershell's first error record: its exception message (the bare
    text), else its output (the text with PowerShell's CategoryInfo lines),
    else the module's msg (win_powershell itself failed).
    """
    for record in (exc.module_result or {}).get("error") or []:
        text = (record.get("exception") or {}).get("message") or record.get("output")
        if text:
            return text.strip()
    return exc.message


def failure_message(exc):
    """The msg of a failed task for one of FAILURES."""
    if isinstance(exc, ActionFailure):
        return exc.msg
    if isinstance(exc, ScriptError):
        return host_error_text(exc)
    if isinstance(exc, DetachedError):
        return exc.message
    return str(exc)


@contextmanager
def failing(what, next_step="", **fields):
    """Inside: a ScriptError, DetachedError or KbInstallError fails the task as
    "WHAT: <its message>. NEXT_STEP", with FIELDS set on the result."""
    try:
        yield
    except (ScriptError, DetachedError, KbInstallError) as exc:
        text = failure_message(exc).rstrip(".")
        raise ActionFailure(("%s: %s. %s" % (what, text, next_step)).strip(), **fields) from exc


# An inclusive bound; low_open: the low end itself is out (poll_interval > 0); why: said after the numbers.
Bound = namedtuple("Bound", "low high low_open why")


def at_least(low, why=""):
    return Bound(low, None, False, why)


def between(low, high, why=""):
    return Bound(low, high, False, why)


def above(low, why=""):
    return Bound(low, None, True, why)


def range_problem(name, value, bound):
    """The msg for option NAME whose VALUE is outside BOUND, or None (a None value is not checked)."""
    if value is None:
        return None
    too_low = bound.low is not None and (value <= bound.low if bound.low_open else value < bound.low)
    too_high = bound.high is not None and value > bound.high
    if not (too_low or too_high):
        return None
    if bound.high is not None:
        text = "%s must be between %s and %s, got %s" % (name, bound.low, bound.high, value)
    elif bound.low_open:
        text = "%s must be more than %s, got %s" % (name, bound.low, value)
    else:
        text = "%s must be %s or more, got %s" % (name, bound.low, value)
    return "%s: %s" % (text, bound.why) if bound.why else text


class WinRepairAction(ActionBase):
    """Base of the action plugins: see the module docstring."""

    _supports_check_mode = True
    _supports_async = False

    argument_spec = {}
    validation = {}  # mutually_exclusive, required_if, required_by, ... of validate_argument_spec
    ranges = {}  # option -> Bound

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(WinRepairAction, self).run(tmp, task_vars)
        del tmp
        _validation, options = self.validate_argument_spec(argument_spec=self.argument_spec, **self.validation)
        try:
            for name, bound in self.ranges.items():
                problem = range_problem(name, options[name], bound)
                if problem:
                    raise ActionFailure(problem)
            self.act(result, options, task_vars)
        except FAILURES as exc:
            result.update(getattr(exc, "fields", {}))
            result.setdefault("changed", False)
            result.update(failed=True, msg=failure_message(exc))
        return result

    def act(self, result, options, task_vars):
        """Do the task's work into RESULT; raise ActionFailure (or one of FAILURES) to fail it."""
        raise NotImplementedError
