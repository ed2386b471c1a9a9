# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One WinRS command -> the model that answers it -> stdout, stderr, exit code.

Modules are looked up in modules/ (registry by FQCN or short name), raw
PowerShell in raw/. Anything else is refused loudly: a module gets the
failure JSON `winsim does not model ...`, a raw command exit code 1 and a
stderr naming it. Every command leaves one Record on the host.

Faults (HostModel.faults) are keyed by step name: module short name, script
name (a model calls ctx.record('script', name)) or raw command name. Choice:
an entry fires ONCE (then it is used up) unless written as
{"step": NAME, "times": N} (N times; -1 = every time). `drop` and `http500`
fire before the step runs (the host did nothing); `operation_timeout` makes
the first Receive of the command answer a wsman TimedOut fault, then the
real answer follows (pywinrm retries Receive on that fault). A model that
itself raises ProtocolFault('operation_timeout') means "this command never
finishes": every Receive times out (after the request's OperationTimeout, as
WinRM does) until the client signals it away; past the fleet's hang limit a
failure is answered instead so nothing hangs for ever.

`reboot` (list reboot_on) is the host restarting in the middle of a step.
Choice: the step runs to its end first (a script's or module's changes are
made: wu_reset_apply's renames happen), then, instead of the answer,
ProtocolFault('reboot') is raised (the record says fault:reboot). server.py
closes the connection as for `drop` (the controller sees the connection
lost, not an answer) and the host restarts at once: down for the reboot
downtime, every detached run killed (power.py), then a modelled boot. A
step the simulator refuses (NotModelled) or whose model breaks answers as
usual: nothing restarts then. The step's own modelled duration is not
waited for: the host goes down when the step's model returns.
"""
from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Optional

from . import modules as module_registry
from . import raw as raw_registry
from .model import Clock, HostModel, NotModelled, ProtocolFault, RunContext
from .payload import Invocation, decode

FAULT_LISTS = (
    ("drop", "drop_connection_on"),
    ("http500", "http500_on"),
    ("operation_timeout", "operation_timeout_on"),
    ("reboot", "reboot_on"),
)


class ModuleException(Exception):
    """A model raises this where the real module throws (an unhandled
    PowerShell exception); the answer is what ansible-core's module_wrapper.ps1
    prints for it."""


@dataclass
class Outcome:
    stdout: bytes = b""
    stderr: bytes = b""
    rc: int = 0
    modelled_seconds: float = 0.0
    timeouts: int = 0  # Receive answers TimedOut this many times first
    hang: bool = False  # a model raised operation_timeout: the command never completes
    record: object = None
    after: list = field(default_factory=list)  # callables the server runs once the answer is sent


def take_fault(host: HostModel, step: str) -> Optional[str]:
    """The fault kind listed for `step` that still has to fire, or None."""
    with host.lock:
        for kind, attr in FAULT_LISTS:
            allowed, listed = 0, False
            for entry in getattr(host.faults, attr) or []:
                if isinstance(entry, dict):
                    name, times = entry.get("step"), int(entry.get("times", 1))
                else:
                    name, times = entry, 1
                if name != step:
                    continue
                listed = True
                allowed = -1 if times < 0 or allowed < 0 else allowed + times  # entries add up
            if not listed:
                continue
            key = "%s:%s" % (kind, step)
            fired = host.faults.fired.get(key, 0)
            if allowed < 0 or fired < allowed:
                host.faults.fired[key] = fired + 1
                return kind
    return None


def _fault_hook(ctx: RunContext, pending: dict):
    def hook(step: str) -> None:
        kind = take_fault(ctx.host, step)
        if kind == "operation_timeout":
            pending["timeouts"] = pending.get("timeouts", 0) + 1
        elif kind == "reboot":
            pending["reboot"] = step  # after the step ran: _restart_if_listed
        elif kind:
            raise ProtocolFault(kind, "fault listed for step %s" % step)
    return hook


def _restart_if_listed(pending: dict) -> None:
    """The step has run; a reboot_on fault listed for it restarts the host now, before the answer."""
    step = pending.get("reboot")
    if step:
        raise ProtocolFault("reboot", "fault listed for step %s: the host restarts before answering" % step)


def _json_line(result: dict) -> bytes:
    # Ansible.Basic writes the result with ConvertTo-Json -Compress; ansible-core
    # reads the first JSON object of stdout.
    return (json.dumps(result, default=str) + "\r\n").encode("utf-8")


def _module_failure(msg: str, **extra) -> dict:
    res = {"failed": True, "msg": msg}
    res.update(extra)
    return res


def run_module(host: HostModel, clock: Clock, inv: Invocation, hooks=None) -> Outcome:
    public = inv.public_args()
    ctx = RunContext(host=host, clock=clock, check_mode=inv.check_mode, step=inv.short_name,
                     kind="module", args=public)
    ctx.hooks = hooks
    pending: dict = {}
    model, why = module_registry.lookup(inv.name)
    outcome = Outcome()
    if model is None:
        result = _module_failure("winsim does not model module %s%s" % (inv.name, why))
        return _finish(ctx, outcome, result, "refused")
    ctx.fault_hook = _fault_hook(ctx, pending)
    try:
        ctx.fault_hook(ctx.step)
        if inv.check_mode and not getattr(model, "SUPPORTS_CHECK_MODE", True):
            # Ansible.Basic (AnsibleModule.cs CheckArguments): modules without
            # supports_check_mode skip in check mode with this message.
            result = {"changed": False, "skipped": True,
                      "msg": "remote module (%s) does not support check mode" % inv.short_name}
            _restart_if_listed(pending)
            return _finish(ctx, outcome, result, "ok", pending)
        with host.lock:
            result = model.run(host, dict(public), ctx)
        if not isinstance(result, dict):
            raise TypeError("model %s returned %r, not a dict" % (inv.name, type(result)))
        result = dict(result)
        result.setdefault("changed", False)
        # Ansible.Basic adds the arguments it was given under invocation.
        result.setdefault("invocation", {"module_args": public})
        state = "failed" if result.get("failed") else ("changed" if result.get("changed") else "ok")
        _restart_if_listed(pending)
        return _finish(ctx, outcome, result, state, pending)
    except ProtocolFault as fault:
        if fault.kind == "operation_timeout":
            # The model says the command never finishes (e.g. Stop-Service waiting
            # on a service stuck in STOP_PENDING): every Receive times out until
            # the client gives up; after the fleet's hang limit this failure is
            # answered so a test without a task timeout fails instead of hanging.
            result = _module_failure("winsim: %s never finished (%s)" % (ctx.step, fault.detail))
            outcome.hang = True
            return _finish(ctx, outcome, result, "fault:operation_timeout")
        ctx_record(host, ctx, "fault:%s" % fault.kind)
        raise
    except NotModelled as e:
        result = _module_failure("winsim does not model %s" % e)
        return _finish(ctx, outcome, result, "refused", pending)
    except ModuleException as e:
        # module_wrapper.ps1 (ansible-core 2.19) on an unhandled exception.
        result = _module_failure("Unhandled exception while executing module: %s" % e,
                                 exception=str(e))
        outcome.stderr = str(e).encode("utf-8")
        return _finish(ctx, outcome, result, "failed", pending)
    except Exception as e:  # a bug in a model: fail loudly, never look like Windows
        result = _module_failure("winsim internal error in model %s: %r" % (inv.name, e),
                                 exception=traceback.format_exc())
        return _finish(ctx, outcome, result, "failed", pending)


def ctx_record(host: HostModel, ctx: RunContext, state: str):
    return host.record(ctx.kind, ctx.step, ctx.args, ctx.check_mode, ctx.modelled_seconds,
                       state, real_time=time.time())


def _finish(ctx: RunContext, outcome: Outcome, result: dict, state: str, pending: Optional[dict] = None) -> Outcome:
    outcome.stdout = _json_line(result)
    # Ansible.Basic ExitJson exits 0, FailJson and unhandled exceptions exit 1.
    outcome.rc = 1 if result.get("failed") else 0
    outcome.modelled_seconds = ctx.modelled_seconds
    if pending:
        outcome.timeouts += pending.get("timeouts", 0)
    outcome.record = ctx_record(ctx.host, ctx, state)
    return outcome


def run_raw(host: HostModel, clock: Clock, inv: Invocation, hooks=None) -> Outcome:
    model = raw_registry.identify(inv)
    outcome = Outcome()
    if model is None:
        snippet = " ".join(inv.script.split())[:200] if not inv.action else inv.action
        ctx = RunContext(host=host, clock=clock, check_mode=False, step="unknown", kind="raw",
                         args={"script": snippet})
        outcome.rc = 1
        outcome.stderr = ("winsim does not model raw command: %s\r\n" % snippet).encode("utf-8")
        outcome.record = ctx_record(host, ctx, "refused")
        return outcome
    ctx = RunContext(host=host, clock=clock, check_mode=False, step=model.NAME, kind="raw")
    ctx.hooks = hooks
    pending: dict = {}
    ctx.fault_hook = _fault_hook(ctx, pending)
    try:
        ctx.args = model.describe(inv)
        ctx.fault_hook(ctx.step)
        with host.lock:
            res = model.run(host, inv, ctx, hooks)
        _restart_if_listed(pending)
    except ProtocolFault as fault:
        if fault.kind == "operation_timeout":  # as for modules: the command hangs
            outcome.rc, outcome.hang = 1, True
            outcome.stderr = ("winsim: %s never finished (%s)\r\n" % (ctx.step, fault.detail)).encode()
            outcome.modelled_seconds = ctx.modelled_seconds
            outcome.record = ctx_record(host, ctx, "fault:operation_timeout")
            return outcome
        ctx_record(host, ctx, "fault:%s" % fault.kind)
        raise
    except NotModelled as e:
        outcome.rc = 1
        outcome.stderr = ("winsim does not model %s\r\n" % e).encode("utf-8")
        outcome.record = ctx_record(host, ctx, "refused")
        return outcome
    outcome.stdout, outcome.stderr, outcome.rc = res.stdout, res.stderr, res.rc
    outcome.after = list(res.after)
    outcome.modelled_seconds = ctx.modelled_seconds
    outcome.timeouts = pending.get("timeouts", 0)
    outcome.record = ctx_record(host, ctx, res.state or ("ok" if res.rc == 0 else "failed"))
    return outcome


def run_command(host: HostModel, clock: Clock, command: str, arguments: list, stdin: bytes,
                hooks=None) -> Outcome:
    """Entry point of server.py: one WinRS command with all its stdin."""
    try:
        inv = decode(command, arguments, stdin)
    except NotModelled as e:
        looks_like_module = b"\0\0\0\0" in stdin
        ctx = RunContext(host=host, clock=clock, check_mode=False, step="unknown",
                         kind="module" if looks_like_module else "raw", args={"detail": str(e)})
        outcome = Outcome(rc=1)
        if looks_like_module:
            outcome.stdout = _json_line(_module_failure("winsim does not model %s" % e))
        outcome.stderr = ("winsim does not model %s\r\n" % e).encode("utf-8")
        outcome.record = ctx_record(host, ctx, "refused")
        return outcome
    if inv.kind == "module":
        return run_module(host, clock, inv, hooks)
    return run_raw(host, clock, inv, hooks)
