# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the powershell shell plugin (ansible/plugins/shell/powershell.py) runs
around modules that need a remote temporary directory (action plugins such as
win_copy): _expand_user2 (powershell_expand_user.ps1), _mkdtemp2
(powershell_mkdtemp.ps1) and remove() (`Remove-Item '<path>' -Force -Recurse;`)."""
from __future__ import annotations

import re

from ..model import Folder, NotModelled
from . import RawResult, strip_rc_suffix

# ansible-core <= 2.18 mkdtemp/expand_user scripts (shell/powershell.py).
_CONSOLE = r"try \{ \[Console\]::OutputEncoding = New-Object System\.Text\.UTF8Encoding \} catch \{\}"
_LEGACY_MKDTEMP_RE = re.compile(
    r"^Set-StrictMode -Version Latest\n" + _CONSOLE + r"\n"
    r"\$tmp_path = \[System\.Environment\]::ExpandEnvironmentVariables\('(?P<dir>(?:[^']|'')*)'\)\n"
    r"\$tmp = New-Item -Type Directory -Path \$tmp_path -Name '(?P<name>(?:[^']|'')*)'\n"
    r"Write-Output -InputObject \$tmp\.FullName$")
_LEGACY_EXPAND_RE = re.compile(
    r"^Set-StrictMode -Version Latest\n" + _CONSOLE + r"; (?:"
    r"(?P<home>Write-Output \(Get-Location\)\.Path)"
    r"|Write-Output \(\(Get-Location\)\.Path \+ '(?P<sub>(?:[^']|'')*)'\)"
    r"|Write-Output '(?P<lit>(?:[^']|'')*)')$")
_REMOVE_RE = re.compile(r"^Set-StrictMode -Version Latest\s+Remove-Item '(?P<path>(?:[^']|'')*)' -Force(?P<recurse> -Recurse)?;$")


def user_profile(host) -> str:
    # [Environment+SpecialFolder]::UserProfile of a local account.
    return "C:\\Users\\%s" % host.username


def expand_env(host, text: str) -> str:
    """[Environment]::ExpandEnvironmentVariables for the variables a Windows
    logon session has (names are case-insensitive)."""
    values = {
        "temp": user_profile(host) + "\\AppData\\Local\\Temp",
        "tmp": user_profile(host) + "\\AppData\\Local\\Temp",
        "userprofile": user_profile(host),
        "systemroot": "C:\\Windows",
        "windir": "C:\\Windows",
        "systemdrive": host.disk.system_drive,
        "programdata": "C:\\ProgramData",
        "allusersprofile": "C:\\ProgramData",
        "username": host.username,
    }

    def sub(m):
        return values.get(m.group(1).lower(), m.group(0))
    return re.sub(r"%([^%]+)%", sub, text)


class ExpandUser:
    NAME = "expand_user"

    def match(self, inv):
        if inv.kind != "raw":
            return False
        if inv.action == "powershell_expand_user.ps1":
            return True
        m = not inv.action and _LEGACY_EXPAND_RE.match(strip_rc_suffix(inv.script))
        if m:
            # The legacy script answers (Get-Location).Path, the profile directory
            # a WinRM session starts in.
            if m.group("home"):
                inv.args = {"Path": "~"}
            elif m.group("sub") is not None:
                inv.args = {"Path": "~" + m.group("sub").replace("''", "'")}
            else:
                inv.args = {"Path": m.group("lit").replace("''", "'")}
            return True
        return False

    def describe(self, inv):
        return {"path": inv.args.get("Path", "")}

    def run(self, host, inv, ctx, hooks):
        path = inv.args.get("Path", "")
        if path == "~":
            out = user_profile(host)
        elif path.startswith("~\\"):
            out = user_profile(host) + "\\" + path[2:]
        else:
            out = path
        return RawResult(stdout=(out + "\r\n").encode())


class MkDTemp:
    NAME = "mkdtemp"

    def match(self, inv):
        if inv.kind != "raw":
            return False
        if inv.action == "powershell_mkdtemp.ps1":
            return True
        m = not inv.action and _LEGACY_MKDTEMP_RE.match(strip_rc_suffix(inv.script))
        if m:
            inv.args = {"Directory": m.group("dir").replace("''", "'"), "Name": m.group("name").replace("''", "'")}
            return True
        return False

    def describe(self, inv):
        return {"directory": inv.args.get("Directory", ""), "name": inv.args.get("Name", "")}

    def run(self, host, inv, ctx, hooks):
        base = expand_env(host, inv.args.get("Directory", "")).replace("/", "\\").rstrip("\\")
        name = inv.args.get("Name", "")
        if not base or not name:
            raise NotModelled("mkdtemp without Directory/Name")
        full = base + "\\" + name
        host.folders[full.lower()] = Folder(full)
        return RawResult(stdout=(full + "\r\n").encode())


class Remove:
    NAME = "remove"

    def match(self, inv):
        return inv.kind == "raw" and not inv.action and _REMOVE_RE.match(strip_rc_suffix(inv.script)) is not None

    def describe(self, inv):
        m = _REMOVE_RE.match(strip_rc_suffix(inv.script))
        return {"path": m.group("path").replace("''", "'"), "recurse": bool(m.group("recurse"))}

    def run(self, host, inv, ctx, hooks):
        args = self.describe(inv)
        key = args["path"].replace("/", "\\").rstrip("\\").lower()
        for store in (host.folders, host.files):
            for k in [k for k in store if k == key or (args["recurse"] and k.startswith(key + "\\"))]:
                del store[k]
        return RawResult()


MODELS = [ExpandUser(), MkDTemp(), Remove()]
