# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_powershell running the collection's own scripts.

Only scripts whose exact text is one of plugins/plugin_utils/_host/powershell/*.ps1
run (see winsim/scripts/__init__.py); any other text is NotModelled, named by
its first line. Behaviour after ansible.windows 3.3.0
plugins/modules/win_powershell.ps1 / win_powershell.py:
- the result always carries result ({}), host_out, host_err ('') and the
  output/error/warning/verbose/debug/information lists;
- creates/removes skip with "skipped, since X exists / does not exist";
- in check mode a script runs only when its param block declares
  [CmdletBinding(SupportsShouldProcess)] (then with -WhatIf); otherwise
  changed=true, msg "skipped, running in check mode" and nothing runs;
- `parameters` bind to the script's param() names (case-insensitively, as
  PowerShell binds); an unknown name is a terminating ParameterBindingException
  ("A parameter cannot be found that matches parameter name 'X'."): failed=true
  with that error record, and the script does not run;
- changed is $Ansible.Changed (the model's "changed"); failed is a terminating
  error or $Ansible.Failed; no msg is added on failure;
- result/output pass through Convert-OutputObject with `depth` (default 2):
  containers nested deeper become their [string] form.
A fleet with real_scripts (winsim/real_scripts.py) runs the script itself in
PowerShell 7 after the same checks, instead of its model.
"""
from __future__ import annotations

from .. import pwsh_parse, real_scripts, scripts, winpath
from ..model import HostModel, NotModelled, RunContext

OPTIONS = {"script", "parameters", "depth", "error_action", "creates", "removes", "remote_src",
           "arguments", "chdir", "executable", "path", "sensitive_parameters"}
_UNMODELLED_OPTIONS = ("arguments", "chdir", "executable", "path", "sensitive_parameters")


def _ps_string(value) -> str:
    """[string]$value as PowerShell renders it (a depth-flattened value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, (list, tuple)):
        return " ".join(_ps_string(v) for v in value)  # $OFS is a space
    return str(value)


def convert_output(value, depth: int):
    """Convert-OutputObject of win_powershell.ps1 for JSON-like values:
    scalars stay, containers below depth 0 become strings, others recurse with depth-1."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth < 0:
        return _ps_string(value)
    if isinstance(value, (list, tuple)):
        return [convert_output(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return {k: convert_output(v, depth - 1) for k, v in value.items()}
    raise NotModelled("win_powershell output value of type %s" % type(value).__name__)


def _base() -> dict:
    return {"changed": False, "result": {}, "host_out": "", "host_err": "", "output": [], "error": [],
            "warning": [], "verbose": [], "debug": [], "information": []}


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_powershell options %s" % ", ".join(sorted(unknown)))
    for opt in _UNMODELLED_OPTIONS:
        if args.get(opt):
            raise NotModelled("win_powershell option %s" % opt)
    if args.get("remote_src"):
        raise NotModelled("win_powershell remote_src=true")
    error_action = args.get("error_action", "continue")
    if error_action != "continue":
        raise NotModelled("win_powershell error_action=%s" % error_action)
    depth = int(args.get("depth", 2))
    text = args.get("script")
    if not isinstance(text, str) or not text:
        # Ansible.Basic required_one_of(path, script) message.
        return dict(_base(), failed=True, msg="one of the following is required: path, script")

    result = _base()
    for opt, want, msg in (("creates", True, "skipped, since %s exists"),
                           ("removes", False, "skipped, since %s does not exist")):
        value = args.get(opt)
        if value:
            if any(c in str(value) for c in "*?["):
                raise NotModelled("win_powershell %s with a wildcard" % opt)
            if winpath.exists(host, winpath.expand(str(value), host)) == want:
                result["msg"] = msg % value
                return result

    name = scripts.lookup(text)
    if name is None:
        raise NotModelled("win_powershell script that is not a collection script (first line: %r, %d chars)"
                          % (pwsh_parse.first_line(text), len(text)))
    model = scripts.model_for(name)
    parameters = dict(args.get("parameters") or {})
    # From here on the request is this script: its faults fire and the record names it.
    ctx.record("script", name, parameters)

    if ctx.check_mode and not pwsh_parse.supports_should_process(text):
        result.update(changed=True, msg="skipped, running in check mode")
        return result

    declared = {p.lower(): p for p in model.PARAMETERS}
    bound = {}
    for key, value in parameters.items():
        canonical = declared.get(str(key).lower())
        if canonical is None:
            # PowerShell parameter binding (ParameterBindingException, NamedParameterNotFound).
            message = "A parameter cannot be found that matches parameter name '%s'." % key
            result.update(changed=True, failed=True, error=[scripts.error_record(
                message, category="InvalidArgument", category_id=5, activity="", reason="ParameterBindingException",
                fqid="NamedParameterNotFound", exception_type="System.Management.Automation.ParameterBindingException",
                hresult=-2146233087)])
            return result
        bound[canonical] = value

    runner = getattr(ctx.hooks, "script_runner", None)
    if runner is not None:
        # The fleet runs the real scripts (winsim/real_scripts.py): the script itself answers.
        real = real_scripts.run(runner, name, bound, host, ctx, depth)
        result.update({k: v for k, v in real.items() if k in result or k in ("failed", "msg")})
        return result

    try:
        outcome = model.run(host, bound, ctx)
    except winpath.WinIOError as err:
        # A file-system error the script does not catch (a full disk under a journal write):
        # with $ErrorActionPreference = 'Stop' it ends the script as a terminating error.
        # The message is Windows' (winpath); the record's other fields are an assumption.
        return dict(result, failed=True, error=[scripts.error_record(
            err.message, category="WriteError", category_id=23, activity="", reason="IOException",
            fqid="System.IO.IOException", exception_type="System.IO.IOException",
            hresult=-2147024896 | err.win32)])
    res = outcome.get("result", {})
    if not isinstance(res, dict):
        raise NotModelled("script model %s returned a non-dict result" % name)
    extra = set(res) - set(model.RESULT_KEYS)
    if extra:
        raise NotModelled("script model %s returned keys its script does not set: %s"
                          % (name, ", ".join(sorted(extra))))
    result.update(
        changed=bool(outcome["changed"]),
        result=convert_output(res, depth),
        output=convert_output(list(outcome.get("output", [])), depth),
        error=list(outcome.get("error", [])),
        warning=list(outcome.get("warning", [])),
        verbose=list(outcome.get("verbose", [])),
        debug=list(outcome.get("debug", [])),
        information=list(outcome.get("information", [])),
        host_out=outcome.get("host_out", ""),
        host_err=outcome.get("host_err", ""),
    )
    if outcome.get("failed"):
        result["failed"] = True
    return result
