# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""script_runner.run_script: which scripts are sent again after a connection error, and which never are."""
from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session, script_runner

ANSWER = {"changed": False, "result": {"ok": 1}, "error": []}


class _Connection:
    def __init__(self):
        self.closed = 0

    def close(self):
        self.closed += 1


class _Action:
    """An ActionBase stand-in whose win_powershell raises FAILURES first, then answers."""

    def __init__(self, *failures):
        self.failures = list(failures)
        self.calls = 0
        self._connection = _Connection()

    def _execute_module(self, module_name=None, module_args=None, task_vars=None):
        assert module_name == "ansible.windows.win_powershell"
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return dict(ANSWER)


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    waits = []
    monkeypatch.setattr(host_session, "_sleep", waits.append)
    return waits


def _scripts():
    return sorted(f[:-4] for f in os.listdir(script_runner.SCRIPT_DIR) if f.endswith(".ps1"))


def test_the_set_names_scripts_that_exist():
    assert script_runner.SAFE_TO_SEND_AGAIN <= set(_scripts())


@pytest.mark.parametrize("name", sorted(script_runner.SAFE_TO_SEND_AGAIN))
def test_a_script_safe_to_send_again_survives_two_dropped_connections(name, no_wait):
    action = _Action(AnsibleConnectionFailure("dropped"), OSError("reset by peer"))
    assert script_runner.run_script(action, name, {}, {}) == {"ok": 1}
    assert action.calls == 3 and action._connection.closed == 2 and no_wait == list(host_session.RETRY_DELAYS)


@pytest.mark.parametrize("name", [n for n in _scripts() if n not in script_runner.SAFE_TO_SEND_AGAIN])
def test_a_script_that_changes_the_host_is_never_sent_twice(name):
    # wu_reset_apply, wu_restore_point, wu_insider_leave...: a lost answer may hide work done.
    action = _Action(AnsibleConnectionFailure("dropped"))
    with pytest.raises(AnsibleConnectionFailure):
        script_runner.run_script(action, name, {}, {})
    assert action.calls == 1


def test_an_answer_from_the_host_is_not_a_connection_error():
    class _Failing(_Action):
        def _execute_module(self, **kw):
            self.calls += 1
            return {"failed": True, "msg": "the script threw"}
    action = _Failing()
    with pytest.raises(script_runner.ScriptError):
        script_runner.run_script(action, "kb_installed", {}, {})
    assert action.calls == 1


def test_after_the_last_attempt_the_connection_error_is_raised(no_wait):
    action = _Action(*[AnsibleConnectionFailure("down %d" % i) for i in range(5)])
    with pytest.raises(AnsibleConnectionFailure, match="down 2"):
        script_runner.run_script(action, "kb_installed", {}, {})
    assert action.calls == 3
