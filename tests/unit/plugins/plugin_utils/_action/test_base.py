# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_action/base.py: the action plugins' opening, range checks and the one way a task fails."""
from __future__ import annotations

import importlib

import pytest
from ansible.errors import AnsibleActionFail
from winsim.fake_host import FakeHost
from winsim.model import HostModel

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import base
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.detached import DetachedError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.script_runner import ScriptError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs.kb_install import KbInstallError

PACKAGE = "ansible_collections.winrepair.windows_update.plugins.action."


def _record(message, output=None):
    return {"exception": {"message": message}, "output": output if output is not None else message + "\r\n    + x"}


@pytest.mark.parametrize("exc, msg", [
    (base.ActionFailure("plain words"), "plain words"),
    # The bare exception text, not PowerShell's formatted record with its CategoryInfo lines.
    (ScriptError("wu_diagnose", "Access denied\r\n    + CategoryInfo", {"error": [_record("Access denied")]}),
     "Access denied"),
    (ScriptError("wu_diagnose", "from output", {"error": [{"exception": {}, "output": "from output\n"}]}),
     "from output"),
    (ScriptError("wu_diagnose", "win_powershell failed: no session", {"failed": True}),
     "win_powershell failed: no session"),
    (DetachedError("run x is not known on the host", "x"), "run x is not known on the host"),
    (KbInstallError("kb must be 'KB' followed by 6 to 8 digits"), "kb must be 'KB' followed by 6 to 8 digits"),
])
def test_failure_message(exc, msg):
    assert base.failure_message(exc) == msg


@pytest.mark.parametrize("bound, value, msg", [
    (base.between(0, 1000), 1001, "n must be between 0 and 1000, got 1001"),
    (base.between(0, 1000), -1, "n must be between 0 and 1000, got -1"),
    (base.between(0, 1000), 1000, None),
    (base.at_least(1), 0, "n must be 1 or more, got 0"),
    (base.at_least(1, "why it is so"), 0, "n must be 1 or more, got 0: why it is so"),
    (base.at_least(1), 1, None),
    (base.above(0), 0.0, "n must be more than 0, got 0.0"),
    (base.above(0), 0.01, None),
    (base.at_least(0), None, None),  # an option left unset is not checked
])
def test_range_problem(bound, value, msg):
    assert base.range_problem("n", value, bound) == msg


def test_failing_says_what_failed_then_the_host_words_then_the_next_step():
    with pytest.raises(base.ActionFailure) as err:
        with base.failing("Could not read the journal C:\\j.json", "Nothing was changed.", changed=False):
            raise ScriptError("wu_journal_read", "x", {"error": [_record("The disk is full.")]})
    assert err.value.msg == "Could not read the journal C:\\j.json: The disk is full. Nothing was changed."
    assert err.value.fields == {"changed": False}


def test_failing_lets_other_errors_through():
    with pytest.raises(ZeroDivisionError):
        with base.failing("what"):
            raise ZeroDivisionError()


class Probe(base.WinRepairAction):
    argument_spec = {"count": {"type": "int", "default": 1}, "mode": {"type": "str", "choices": ["a", "b"]}}
    ranges = {"count": base.between(0, 5)}
    raise_this = None

    def act(self, result, options, task_vars):
        result["seen"] = options["count"]
        result["changed"] = True
        if self.raise_this is not None:
            raise self.raise_this


def _run_probe(args, exc=None):
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    action = fake.action(Probe, args)
    action.raise_this = exc
    return action.run(task_vars={})


def test_a_failure_keeps_what_act_put_in_the_result():
    res = _run_probe({}, DetachedError("lost"))
    assert res == {"seen": 1, "changed": True, "failed": True, "msg": "lost"}


def test_failure_fields_are_set_on_the_result():
    res = _run_probe({}, base.ActionFailure("refused", changed=False, outcome="refused"))
    assert res == {"seen": 1, "changed": False, "failed": True, "msg": "refused", "outcome": "refused"}


def test_out_of_range_fails_before_act():
    assert _run_probe({"count": 6}) == {"changed": False, "failed": True,
                                        "msg": "count must be between 0 and 5, got 6"}


def test_a_bad_choice_is_ansible_cores_validation_error():
    with pytest.raises(AnsibleActionFail, match="mode"):
        _run_probe({"mode": "c"})


def test_other_exceptions_are_not_turned_into_a_message():
    with pytest.raises(ZeroDivisionError):
        _run_probe({}, ZeroDivisionError())


# Each plugin's required options, so that only the range is wrong.
REQUIRED = {"win_inplace_upgrade": {"image": "C:\\iso\\win11.iso"}, "win_kb_catalog_install": {"kb": "KB5043080"},
            "wu_fleet_report": {"dest": "/nonexistent/report"}}
PLUGINS = ("win_inplace_upgrade", "win_kb_catalog_install", "win_sfc_dism", "win_wu_diagnose", "win_wu_journal",
           "win_wu_preflight", "win_wu_reset", "wu_fleet_report")
RANGED = [(name, option) for name in PLUGINS
          for option in sorted(importlib.import_module(PACKAGE + name).ActionModule.ranges)]


def _outside(bound, kind):
    value = bound.low if bound.low_open else bound.low - 1
    return float(value) if kind == "float" else int(value)


@pytest.mark.parametrize("name, option", RANGED)
def test_each_plugin_refuses_a_value_out_of_its_range_before_the_host(name, option):
    module = importlib.import_module(PACKAGE + name)
    bound = module.ActionModule.ranges[option]
    assert module.ARGUMENT_SPEC[option]["type"] in ("int", "float"), option
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    args = dict(REQUIRED.get(name, {}), **{option: _outside(bound, module.ARGUMENT_SPEC[option]["type"])})
    res = fake.run(module.ActionModule, args)
    assert res["failed"] is True and res["msg"].startswith(option + " must be"), res
    assert fake.records() == []


@pytest.mark.parametrize("name", PLUGINS)
def test_every_plugin_is_on_the_base(name):
    module = importlib.import_module(PACKAGE + name)
    assert issubclass(module.ActionModule, base.WinRepairAction)
    assert module.ActionModule.argument_spec is module.ARGUMENT_SPEC
    assert "run" not in vars(module.ActionModule)  # the opening is the base's
