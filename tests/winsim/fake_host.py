# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run an action plugin of the collection against one simulated host, in-process.

For unit tests of action plugins: no WinRM, no ansible-playbook. The action's
``_execute_module`` is replaced by a router into the simulator's own dispatch
(tests/winsim/dispatch.py run_module), so a module call is answered exactly as
the simulated fleet would answer it over WinRM:

- ``ansible.windows.win_powershell`` runs the simulator's win_powershell model,
  which recognises a collection script by its exact text and runs
  tests/winsim/scripts/<name>.run (parameter binding, -WhatIf rules, result depth);
- any other module runs tests/winsim/modules/<name>.run when that model exists,
  and fails with ``winsim does not model module ...`` otherwise;
- the host's faults (HostModel.faults) fire, and every call leaves one Record in
  ``host.records`` (kind, name, args, check_mode, modelled seconds, outcome);
- arguments and results pass through JSON, as they do on the wire.

Usage::

    from winsim.fake_host import FakeHost
    fake = FakeHost(HostModel(name="win01", address="127.0.0.2"))
    result = fake.run(ActionModule, {"min_free_gb": 30}, check_mode=True)
    assert [r.name for r in fake.records()] == ["wu_diagnose"]

A protocol fault listed for a step (drop, http500) is raised as
AnsibleConnectionFailure, which is what ansible-core's winrm plugin raises.
A reboot_on fault does the same after the step ran, and the host restarts
at once in between (winsim/power.py restart: detached runs killed, new boot
time, a `boot` record; the downtime passes in no time, ``restarts`` counts them).
``fail_on[(step, n)] = exc`` raises EXC (e.g. an AnsibleConnectionFailure) on the
n-th call of STEP (a collection script's name, else the module's) instead of
running it: a fault at one exact poll, which the host's fault lists (first N
calls) cannot say. ``reboot_after`` is the same for a restart: a set of
(step, n); the n-th call of STEP runs, then the host restarts and the call
raises AnsibleConnectionFailure, as a reboot_on fault at that call would. ``scripts`` lists (script name, parameters, check_mode) of
every collection script run; ``only_scripts=True`` fails the test on a call of
anything else (another module, or a script text that is no collection script),
``only_scripts=(names)`` also on a collection script not named there.
"""
from __future__ import annotations

import datetime
import json
from unittest.mock import MagicMock

from ansible.errors import AnsibleConnectionFailure

from winsim import dispatch, power, scripts
from winsim.model import Clock, HostModel, ProtocolFault
from winsim.payload import Invocation

# The fleet clock's default start (winsim.model.Clock); tests can pass their own.
DEFAULT_START = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)


class FakeHost(object):
    """One HostModel and a replacement for ActionBase._execute_module that answers from it."""

    POWERSHELL = "ansible.windows.win_powershell"

    def __init__(self, host=None, clock=None, only_scripts=False):
        self.host = host if host is not None else HostModel(name="win01", address="127.0.0.2")
        self.clock = clock if clock is not None else Clock(600.0, DEFAULT_START)
        self.only_scripts = only_scripts
        self.calls = []  # (module_name, args without _ansible_*, check_mode), in order
        self.scripts = []  # (collection script name, parameters, check_mode), in order
        self.fail_on = {}  # (step, nth call of it) -> exception raised instead of the call
        self.reboot_after = set()  # (step, nth call of it): the host restarts once that call ran
        self.steps = []  # the step name of every call, in order
        self.restarts = 0  # restarts a reboot_on fault made

    # -- the router ------------------------------------------------------------------

    def execute_module(self, check_mode=False):
        """A function with _execute_module's signature; CHECK_MODE is the task's."""

        def _execute_module(module_name=None, module_args=None, tmp=None, task_vars=None,
                            persist_files=False, delete_remote_tmp=None, wrap_async=False,
                            ignore_unknown_opts=False):
            args = json.loads(json.dumps(dict(module_args or {})))  # what goes over the wire
            mode = bool(args.get("_ansible_check_mode", check_mode))
            args["_ansible_check_mode"] = mode
            self.calls.append((module_name, {k: v for k, v in args.items() if not k.startswith("_ansible_")}, mode))
            step = self._step(module_name, args, mode)
            nth = (step, sum(1 for c in self.steps if c == step))
            failure = self.fail_on.pop(nth, None)
            if failure is not None:
                raise failure
            inv = Invocation(kind="module", script="", name=module_name, args=args, check_mode=mode)
            try:
                outcome = dispatch.run_module(self.host, self.clock, inv)
            except ProtocolFault as fault:
                if fault.kind == "reboot":
                    self._restart()
                raise AnsibleConnectionFailure("winsim protocol fault %s on %s" % (fault.kind, module_name))
            if nth in self.reboot_after:
                self.reboot_after.discard(nth)
                self._restart()
                raise AnsibleConnectionFailure("winsim: the host restarted after %s call %d" % nth)
            return json.loads(outcome.stdout.decode("utf-8"))

        return _execute_module

    def _restart(self):
        """What server.py does over WinRM, without the wait: the host goes down
        (detached runs killed) and boots before the controller's next call."""
        power.restart(self.host, self.clock)
        self.restarts += 1

    def _step(self, module_name, args, check_mode):
        """The name a call is counted under: its collection script's, else the module's."""
        name = scripts.lookup(args.get("script") or "") if module_name == self.POWERSHELL else None
        if self.only_scripts:
            assert module_name == self.POWERSHELL, "not a collection script: module %s" % module_name
            assert name, "unknown script text"
            if self.only_scripts is not True:
                assert name in self.only_scripts, "script %s is not one this test expects" % name
        if name:
            self.scripts.append((name, args.get("parameters") or {}, check_mode))
        self.steps.append(name or module_name)
        return name or module_name

    # -- building and running an action --------------------------------------------------

    def action(self, action_class, args=None, check_mode=False, diff=False, task_action=None):
        """An instance of ACTION_CLASS for a task with ARGS, its _execute_module routed here."""
        task = MagicMock()
        task.args = dict(args or {})
        task.check_mode = check_mode
        task.diff = diff
        task.async_val = 0
        task.action = task_action or getattr(action_class, "__module__", "action").rsplit(".", 1)[-1]
        connection = MagicMock()
        connection._shell.tmpdir = "C:\\Windows\\Temp"
        instance = action_class(task, connection, MagicMock(), None, None, None)
        instance._execute_module = self.execute_module(check_mode)
        return instance

    def run(self, action_class, args=None, check_mode=False, diff=False, task_vars=None):
        """Run the action once and return its result dict."""
        return self.action(action_class, args, check_mode, diff).run(task_vars=dict(task_vars or {}))

    # -- what happened on the host -----------------------------------------------------

    def script_names(self):
        return [c[0] for c in self.scripts]

    def records(self, kind=None):
        """The host's request log (optionally only one kind: module, script, raw)."""
        return [r for r in self.host.records if kind is None or r.kind == kind]
