# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decode what ansible-core sends over WinRM into an `Invocation`.

Every command ansible-core runs on Windows is
`PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted
-EncodedCommand <base64 of UTF-16-LE script>` (ansible/plugins/shell/powershell.py
`_encode_script`; 2.21 sends the whole line as the WinRS Command, older ones
split it into Command + Arguments). What follows on stdin depends on the
version:

* ansible-core >= 2.19 (ansible/executor/powershell/module_manifest.py): the
  script is bootstrap_wrapper.ps1; stdin is the bootstrap JSON (name
  "exec_wrapper"), `\\n\\0\\0\\0\\0\\n`, the exec manifest JSON (scripts, actions,
  signed_hashlist) and, for scripts that read input (put_file), another
  `\\n\\0\\0\\0\\0\\n` followed by that input. A module is the action
  module_wrapper.ps1 whose params name the module
  (`ansible_collections.<ns>.<coll>.plugins.modules.<name>.ps1`) and carry its
  arguments as the global variable complex_args. Other actions
  (winrm_put_file.ps1, winrm_fetch_file.ps1, powershell_mkdtemp.ps1, ...) are
  raw commands of the connection or shell plugin.
* ansible-core <= 2.18: the script is the bootstrap wrapper of that release;
  stdin is exec_wrapper.ps1 text, `\\0\\0\\0\\0`, then a JSON manifest with
  module_entry (base64 module source), module_args (with _ansible_module_name)
  and actions (module_powershell_wrapper, become_wrapper, async_*).
* anything else without such stdin is a raw script (the reboot helper of
  ansible.windows, 2.18's put_file/fetch_file, ...), recognised by raw/.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field

from .model import NotModelled

SEPARATOR_219 = b"\n\0\0\0\0\n"
SEPARATOR_218 = b"\0\0\0\0"
_MODULE_SCRIPT_RE = re.compile(
    r"^ansible_collections\.(?P<ns>\w+)\.(?P<coll>\w+)\.plugins\.modules\.(?P<name>\w+)\.ps1$")
# Wrappers ansible-core puts before module_wrapper.ps1 / module_powershell_wrapper.
_KNOWN_WRAPPERS = {"become_wrapper.ps1", "become_wrapper", "coverage_wrapper.ps1"}
_ASYNC_WRAPPERS = {"async_wrapper.ps1", "async_watchdog.ps1", "async_wrapper", "async_watchdog"}


@dataclass
class Invocation:
    kind: str  # module | raw
    script: str  # the decoded -EncodedCommand text
    stdin: bytes = b""
    name: str = ""  # module: FQCN as ansible named it (or short name); raw: set by raw/
    args: dict = field(default_factory=dict)  # module arguments incl. _ansible_* / raw action params
    check_mode: bool = False
    protocol: str = ""  # "2.19+" | "<=2.18" | "" (raw script)
    action: str = ""  # 2.19+: the last manifest action (module_wrapper.ps1, winrm_put_file.ps1, ...)
    extra_input: bytes = b""  # input after the manifest (put_file's base64 lines)
    wrappers: list = field(default_factory=list)  # become/coverage wrappers seen
    module_source: bytes = b""
    manifest: dict = field(default_factory=dict, repr=False)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def public_args(self) -> dict:
        """Arguments without ansible-core's internal _ansible_* keys (what records show)."""
        return {k: v for k, v in self.args.items() if not str(k).startswith("_ansible_")}


def decode_command_line(command: str, arguments: list) -> str:
    """Return the PowerShell script a WinRS command line runs.

    ansible-core <= 2.17 wraps every exec_command in another -EncodedCommand,
    so a script that is itself such a command line is decoded once more."""
    script = _decode_line(" ".join([command] + [a for a in arguments if a]))
    inner = script.strip()
    if "\n" not in inner and inner.lower().startswith("powershell ") and " -encodedcommand " in inner.lower():
        script = _decode_line(inner)
    return script


def _decode_line(line: str) -> str:
    tokens = line.split()
    if not tokens or tokens[0].lower().rsplit("\\", 1)[-1] not in ("powershell", "powershell.exe", "pwsh", "pwsh.exe"):
        raise NotModelled("command line %r (only PowerShell -EncodedCommand is modelled)" % line[:120])
    lowered = [t.lower() for t in tokens]
    for flag in ("-encodedcommand", "-enc", "-e"):
        if flag in lowered:
            idx = lowered.index(flag)
            if idx + 1 >= len(tokens):
                raise NotModelled("command line ends after %s" % tokens[idx])
            try:
                return base64.b64decode(tokens[idx + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError) as e:
                raise NotModelled("undecodable -EncodedCommand: %s" % e)
    raise NotModelled("PowerShell command line without -EncodedCommand: %r" % line[:120])


def _json(data: bytes, what: str) -> dict:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise NotModelled("%s is not JSON: %s" % (what, e))


def _decode_219(inv: Invocation) -> Invocation:
    parts = inv.stdin.split(SEPARATOR_219, 2)
    if len(parts) < 2:
        raise NotModelled("bootstrap input without a manifest")
    boot = _json(parts[0], "bootstrap JSON")
    if boot.get("name") != "exec_wrapper":
        raise NotModelled("bootstrap of %r" % boot.get("name"))
    manifest = _json(parts[1], "exec manifest")
    inv.manifest = manifest
    inv.protocol = "2.19+"
    inv.extra_input = parts[2] if len(parts) > 2 else b""
    actions = manifest.get("actions") or []
    if not actions:
        raise NotModelled("exec manifest without actions")
    names = [a.get("name", "") for a in actions]
    async_used = [n for n in names if n in _ASYNC_WRAPPERS]
    if async_used:
        raise NotModelled("async tasks (%s)" % ", ".join(async_used))
    last = actions[-1]
    inv.action = last.get("name", "")
    inv.wrappers = list(names[:-1])
    unknown = [n for n in inv.wrappers if n not in _KNOWN_WRAPPERS]
    if unknown:
        raise NotModelled("exec wrapper actions %s" % ", ".join(unknown))
    params = last.get("params") or {}
    if inv.action != "module_wrapper.ps1":
        inv.kind = "raw"
        inv.args = dict(params)
        return inv
    script = params.get("Script", "")
    m = _MODULE_SCRIPT_RE.match(script)
    if not m:
        # ansible-core's own action/script.py runs scripts through the same
        # wrapper; a module outside a collection does not exist for Windows.
        raise NotModelled("module_wrapper script %r" % script)
    inv.kind = "module"
    inv.name = "%s.%s.%s" % (m.group("ns"), m.group("coll"), m.group("name"))
    if not params.get("ForModule"):
        raise NotModelled("module_wrapper not ForModule (%s)" % script)
    args = None
    for var in params.get("Variables") or []:
        if var.get("Name") == "complex_args":
            args = var.get("Value")
    if not isinstance(args, dict):
        raise NotModelled("module %s without complex_args" % inv.name)
    inv.args = args
    inv.check_mode = bool(args.get("_ansible_check_mode", False))
    src = (manifest.get("scripts") or {}).get(script, {}).get("script")
    if src:
        inv.module_source = base64.b64decode(src)
    return inv


def _decode_218(inv: Invocation) -> Invocation:
    head, _separator, rest = inv.stdin.partition(SEPARATOR_218)
    manifest = _json(rest, "exec manifest (ansible-core <= 2.18)")
    inv.manifest = manifest
    inv.protocol = "<=2.18"
    actions = manifest.get("actions") or []
    async_used = [n for n in actions if n in _ASYNC_WRAPPERS]
    if async_used:
        raise NotModelled("async tasks (%s)" % ", ".join(async_used))
    inv.wrappers = [a for a in actions if a != "module_powershell_wrapper"]
    if "module_powershell_wrapper" not in actions:
        raise NotModelled("exec manifest actions %s" % actions)
    unknown = [n for n in inv.wrappers if n not in _KNOWN_WRAPPERS]
    if unknown:
        raise NotModelled("exec wrapper actions %s" % ", ".join(unknown))
    inv.action = "module_powershell_wrapper"
    args = manifest.get("module_args")
    if not isinstance(args, dict):
        raise NotModelled("exec manifest without module_args")
    inv.kind = "module"
    inv.args = args
    inv.check_mode = bool(args.get("_ansible_check_mode", False))
    inv.name = str(args.get("_ansible_module_name") or "")
    if manifest.get("module_entry"):
        inv.module_source = base64.b64decode(manifest["module_entry"])
    if not inv.name:
        raise NotModelled("module without _ansible_module_name")
    return inv


def decode(command: str, arguments: list, stdin: bytes) -> Invocation:
    script = decode_command_line(command, arguments)
    inv = Invocation(kind="raw", script=script, stdin=stdin)
    if stdin.startswith(b"{") and SEPARATOR_219 in stdin:
        return _decode_219(inv)
    if SEPARATOR_218 in stdin and b"module_entry" in stdin:
        return _decode_218(inv)
    return inv


def source_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
