# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_command for the commands the collection runs.

Module behaviour (ansible.windows 3.3.0 plugins/modules/win_command.ps1 and
plugins/module_utils/Process.psm1 / Process.cs):
- supports_check_mode is false: in check mode Ansible.Basic exits before
  anything runs with skipped=true and msg "remote module (win_command) does not
  support check mode" (ansible-core module_utils/csharp/Ansible.Basic.cs).
- `cmd` / `_raw_params` are used as the command line as given; `argv[0]` is
  resolved to the executable's full path (".exe" appended when there is no
  extension) and every argument escaped with C runtime rules.
- creates/removes skip with msg "skipped, since X exists" / "... does not exist".
- stdout/stderr are decoded as UTF-8 unless output_encoding_override names
  another .NET encoding (a BOM is honoured: StreamReader detectEncoding=true).
- rc is the process exit code read as UInt32 (Process.cs `public uint ExitCode`),
  so an HRESULT exit code such as DISM's 0x800f081f arrives as 2148468767, not
  the signed -2146498529 cmd.exe's %ERRORLEVEL% shows.
- rc != 0 -> failed with msg "non-zero return code"; start/end/delta are UTC
  "yyyy-MM-dd HH:mm:ss.ffffff" and TimeSpan "h:mm:ss.ffffff".
- The module prints no stdout_lines/stderr_lines: ansible-core's ActionBase
  (_parse_returned_data) adds them on the controller.

The commands themselves (sfc, DISM, netsh, sc, bcdedit) are modelled in the
second half of this file; any other executable raises NotModelled naming the
command line.
"""
from __future__ import annotations

import codecs
import datetime
import re

from .. import windows_tools, winpath
from ..model import HostModel, NotModelled, RunContext

# Ansible.Basic answers check mode for this module (supports_check_mode=$false);
# dispatch reads this, and run() gives the same answer when called directly.
SUPPORTS_CHECK_MODE = False
OPTIONS = {"_raw_params", "cmd", "argv", "chdir", "creates", "removes", "stdin", "output_encoding_override"}


def split_command_line(line: str) -> list:
    """CommandLineToArgvW rules (Microsoft docs "Parsing C++ command-line arguments"):
    whitespace separates; "..." groups; 2n backslashes + quote -> n backslashes and a
    quote toggle; 2n+1 backslashes + quote -> n backslashes and a literal quote;
    "" inside quotes -> a literal quote."""
    args, cur, have, quoted, i = [], [], False, False, 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            j = i
            while j < len(line) and line[j] == "\\":
                j += 1
            n = j - i
            if j < len(line) and line[j] == '"':
                cur.append("\\" * (n // 2))
                if n % 2:
                    cur.append('"')
                    i = j + 1
                else:
                    i = j
                have = True
                continue
            cur.append("\\" * n)
            i = j
            have = True
            continue
        if c == '"':
            if quoted and i + 1 < len(line) and line[i + 1] == '"':
                cur.append('"')
                i += 2
                continue
            quoted = not quoted
            have = True
            i += 1
            continue
        if c in " \t" and not quoted:
            if have:
                args.append("".join(cur))
                cur, have = [], False
            i += 1
            continue
        cur.append(c)
        have = True
        i += 1
    if have:
        args.append("".join(cur))
    return args


def escape_argument(arg: str) -> str:
    """ConvertTo-EscapedArgument (Process.psm1): quote when empty or when it holds
    whitespace or a quote; escape quotes and the backslashes before them."""
    if not arg:
        return '""'
    if not re.search(r'[\s"]', arg):
        return arg
    arg = arg.replace('"', '\\"')
    arg = re.sub(r'(\\+)\\"', lambda m: m.group(1) * 2 + '\\"', arg)
    arg = re.sub(r'(\\+)$', lambda m: m.group(1) * 2, arg)
    return '"%s"' % arg


# .NET Encoding.GetEncoding names -> Python codecs. "unicode" and "utf-16" are
# UTF-16LE in .NET (Encoding.Unicode); "unicodeFFFE" is big-endian.
_DOTNET_ENCODINGS = {
    "utf-8": "utf-8", "utf8": "utf-8", "unicode": "utf-16-le", "utf-16": "utf-16-le",
    "utf-16le": "utf-16-le", "unicodefffe": "utf-16-be", "utf-16be": "utf-16-be",
    "us-ascii": "ascii", "ascii": "ascii", "windows-1252": "cp1252", "ibm437": "cp437",
    "cp437": "cp437", "big5": "big5", "shift_jis": "shift_jis", "gb2312": "gb2312",
}


def decode_output(data: bytes, encoding_name) -> str:
    """Decode as Process.cs does: StreamReader(stream, encoding, detectBOM=true)."""
    name = (encoding_name or "utf-8").lower()
    codec = _DOTNET_ENCODINGS.get(name)
    if codec is None:
        raise NotModelled("win_command output_encoding_override %r" % encoding_name)
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le", errors="replace")
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be", errors="replace")
    return data.decode(codec, errors="replace")


def _fmt_time(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _fmt_delta(seconds: float) -> str:
    # TimeSpan.ToString("h\:mm\:ss\.ffffff"): hours of the day, not zero-padded.
    micro = int(round(seconds * 1000000))
    hours, rest = divmod(micro, 3600 * 1000000)
    minutes, rest = divmod(rest, 60 * 1000000)
    secs, micro = divmod(rest, 1000000)
    return "%d:%02d:%02d.%06d" % (hours % 24, minutes, secs, micro)


def _resolve_executable(host: HostModel, name: str) -> str:
    """Resolve-ExecutablePath: add .exe, then find it like Get-Command on PATH."""
    if not re.search(r"\.[^\\/.]+$", name):
        name += ".exe"
    tool = find_tool(host, name)
    if tool is None:
        raise NotModelled("win_command executable %r" % name)
    return tool.path(host)


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_command options %s" % ", ".join(sorted(unknown)))
    if ctx.check_mode:
        # Ansible.Basic.cs CheckArguments: supports_check_mode=$false.
        return {"changed": False, "skipped": True,
                "msg": "remote module (win_command) does not support check mode"}
    given = [k for k in ("_raw_params", "cmd", "argv") if args.get(k)]
    if len(given) != 1:
        # Ansible.Basic required_one_of / mutually_exclusive messages.
        if not given:
            return {"changed": False, "failed": True,
                    "msg": "one of the following is required: _raw_params, argv, cmd"}
        return {"changed": False, "failed": True,
                "msg": "parameters are mutually exclusive: %s" % ", ".join(sorted(given))}

    chdir = args.get("chdir")
    if args.get("cmd"):
        line = str(args["cmd"])
    elif args.get("_raw_params"):
        line = str(args["_raw_params"]).strip()
    else:
        argv = [str(a) for a in args["argv"]]
        exe = _resolve_executable(host, argv[0])
        line = " ".join([escape_argument(exe)] + [escape_argument(a) for a in argv[1:]])

    result = {"changed": False, "cmd": line, "rc": 0}
    for opt, want, text in (("creates", True, "skipped, since %s exists"),
                            ("removes", False, "skipped, since %s does not exist")):
        value = args.get(opt)
        if value:
            path = winpath.expand(str(value), host)
            if winpath.exists(host, path) == want:
                result.update(msg=text % path, skipped=True)
                return result

    if chdir:
        chdir = winpath.expand(str(chdir), host)
        if not winpath.is_dir(host, chdir):
            # Start-AnsibleWindowsProcess Write-Error -> catch in win_command.ps1, rc 2.
            result.update(rc=2, failed=True,
                          msg="Failed to run: '%s': Could not find specified -WorkingDirectory '%s'" % (line, chdir))
            return result

    argv = split_command_line(line)
    tool = find_tool(host, argv[0]) if argv else None
    if tool is None:
        raise NotModelled("win_command command line %r" % line)
    start = ctx.clock.now()
    spent_before = ctx.modelled_seconds
    outcome = tool.run(host, argv[1:], ctx)
    duration = ctx.modelled_seconds - spent_before
    end = start + datetime.timedelta(seconds=duration)

    result.update(
        changed=True,
        stdout=decode_output(outcome.stdout, args.get("output_encoding_override")),
        stderr=decode_output(outcome.stderr, args.get("output_encoding_override")),
        rc=outcome.rc & 0xFFFFFFFF,
        start=_fmt_time(start),
        end=_fmt_time(end),
        delta=_fmt_delta(duration),
    )
    if result["rc"] != 0:
        result.update(failed=True, msg="non-zero return code")
    return result


# =====================================================================
# The executables. Each takes (host, arguments after argv[0], ctx) and
# returns an Outcome with the raw bytes the process wrote.
# =====================================================================

class Outcome:
    def __init__(self, rc: int, stdout: bytes = b"", stderr: bytes = b""):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


class Tool:
    def __init__(self, filename: str, handler):
        self.filename = filename  # as on disk in System32
        self.handler = handler

    def path(self, host: HostModel) -> str:
        # (Get-Command X).Path comes from the PATH entry, which client installs
        # spell C:\WINDOWS\system32 (SystemRoot is C:\WINDOWS there; Server: C:\Windows).
        windir = "WINDOWS" if host.os.product_type == "workstation" else "Windows"
        return "%s\\%s\\system32\\%s" % (winpath.system_drive(host), windir, self.filename)

    def run(self, host: HostModel, argv: list, ctx: RunContext) -> Outcome:
        return self.handler(host, argv, ctx)


def find_tool(host: HostModel, name: str):
    """The modelled executable a command line's argv[0] names (bare name, name.exe
    or a full path into System32), or None."""
    text = name.replace("/", "\\")
    base = text.rpartition("\\")[2].lower()
    if not re.search(r"\.[^.]+$", base):
        base += ".exe"
    tool = _TOOLS.get(base)
    if tool is None:
        return None
    if "\\" in text:
        folder = text.rpartition("\\")[0]
        try:
            if winpath.key(folder, host) != winpath.key(winpath.environment(host)["windir"] + "\\System32", host):
                return None
        except ValueError:
            return None
    return tool


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _oem(text: str) -> bytes:
    # Console tools write in the OEM code page when redirected; the texts here are ASCII.
    return _crlf(text).encode("ascii")


def _lower_args(argv: list) -> list:
    return [a.lower() for a in argv]


# ------------------------------------------------------------ sfc, DISM
# Modelled once, with their sources, in tests/winsim/windows_tools.py (a
# detached run uses the same model): here the whole run happens within the
# request, its effect applies at its end and all its output comes at once.
# The exit code is passed on as the process's; run() reads it as UInt32.
def _tool_run(model):
    def run_tool(host: HostModel, argv: list, ctx: RunContext) -> Outcome:
        tool_run = model(host, argv)
        ctx.spend(tool_run.duration)
        tool_run.effect(host, ctx.clock.now())
        return Outcome(tool_run.exit_code, tool_run.output())
    return run_tool


_sfc = _tool_run(windows_tools.sfc_scannow)
_dism = _tool_run(windows_tools.dism_cleanup_image)
SFC_NO_VIOLATIONS = windows_tools.SFC_NO_VIOLATIONS


# ---------------------------------------------------------------- netsh
# Commands from Microsoft's "Reset Windows Update components manually" steps
# (learn.microsoft.com/troubleshoot/windows-client/installing-updates-features-roles/
# additional-resources-for-windows-update); texts as netsh prints them (unverified wording).
def _netsh(host: HostModel, argv: list, ctx: RunContext) -> Outcome:
    low = _lower_args(argv)
    ctx.spend(2.0)
    if low == ["winsock", "reset"]:
        return Outcome(0, _oem("\nSuccessfully reset the Winsock Catalog.\n"
                               "You must restart the computer in order to complete the reset.\n\n"))
    if low == ["winhttp", "reset", "proxy"]:
        return Outcome(0, _oem("\nCurrent WinHTTP proxy settings:\n\n    Direct access (no proxy server).\n\n"))
    raise NotModelled("netsh %s" % " ".join(argv))


# ------------------------------------------------------------------- sc
# Default descriptors of bits and wuauserv as Microsoft's reset steps set them
# (same article as netsh above). Errors: "[SC] <API> FAILED <code>:" + the
# FormatMessage text of the Win32 code (winerror.h: 5, 1060, 1336).
DEFAULT_SDDL = {
    "bits": "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
            "(A;;CCLCSWLOCRRC;;;AU)(A;;CCLCSWRPWPDTLOCRRC;;;PU)",
    "wuauserv": "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
                "(A;;CCLCSWLOCRRC;;;AU)(A;;CCLCSWRPWPDTLOCRRC;;;PU)",
}
_SDDL_RE = re.compile(r"^(O:[A-Z0-9-]+)?(G:[A-Z0-9-]+)?(D:[A-Z]*(\([^()]*\))+)?(S:[A-Z]*(\([^()]*\))*)?$")


def _sc_fail(api: str, code: int, text: str) -> Outcome:
    return Outcome(code, _oem("[SC] %s FAILED %d:\n\n%s\n\n" % (api, code, text)))


def _sc(host: HostModel, argv: list, ctx: RunContext) -> Outcome:
    low = _lower_args(argv)
    ctx.spend(0.5)
    if len(low) < 2 or low[0] not in ("sdshow", "sdset") or (low[0] == "sdset") != (len(low) == 3) \
            or len(low) > 3:
        raise NotModelled("sc.exe %s" % " ".join(argv))
    svc = host.services.get(low[1])
    if svc is None:
        return _sc_fail("OpenService", 1060, "The specified service does not exist as an installed service.")
    if svc.access_denied or winpath.fault_fires(host, "access_denied_on", ctx.step):
        return _sc_fail("OpenService", 5, "Access is denied.")
    if low[0] == "sdshow":
        sddl = svc.security_descriptor or DEFAULT_SDDL.get(svc.name.lower())
        if not sddl:
            raise NotModelled("sc.exe sdshow %s (no descriptor modelled)" % svc.name)
        return Outcome(0, _oem("\n%s\n\n" % sddl))
    sddl = argv[2]
    if not sddl or not _SDDL_RE.match(sddl):
        return _sc_fail("ConvertStringSecurityDescriptorToSecurityDescriptor", 1336,
                        "The security descriptor structure is invalid.")
    svc.security_descriptor = sddl
    return Outcome(0, _oem("[SC] SetServiceObjectSecurity SUCCESS\n"))


# -------------------------------------------------------------- bcdedit
# Layout of `bcdedit /enum {current}` (Microsoft docs "BCDEdit /enum"); the
# flightsigning element is present when Insider flight signing is on
# (abbodi1406/offlineinsiderenroll tests `flightsigning *Yes`). GUIDs are fixed stand-ins.
def _bcdedit(host: HostModel, argv: list, ctx: RunContext) -> Outcome:
    low = _lower_args(argv)
    ctx.spend(0.5)
    if low == ["/enum", "{current}"]:
        client = host.os.product_type == "workstation"
        windir = "\\WINDOWS" if client else "\\Windows"
        drive = winpath.system_drive(host)
        rows = [
            ("identifier", "{current}"),
            ("device", "partition=%s" % drive),
            ("path", windir + "\\system32\\winload.efi"),
            ("description", "Windows 11" if client else "Windows Server"),
            ("locale", host.os.install_language),
            ("inherit", "{bootloadersettings}"),
            ("recoverysequence", "{4c9d1b5e-0f0a-11ef-a3b1-9a1c2d3e4f50}"),
            ("displaymessageoverride", "Recovery"),
            ("recoveryenabled", "Yes"),
            ("isolatedcontext", "Yes"),
        ]
        if host.insider.flightsigning:
            rows.append(("flightsigning", "Yes"))
        rows += [
            ("allowedinmemorysettings", "0x15000075"),
            ("osdevice", "partition=%s" % drive),
            ("systemroot", windir),
            ("resumeobject", "{4c9d1b5d-0f0a-11ef-a3b1-9a1c2d3e4f50}"),
            ("nx", "OptIn"),
            ("bootmenupolicy", "Standard"),
        ]
        text = "\nWindows Boot Loader\n-------------------\n" + "".join("%-24s%s\n" % r for r in rows)
        return Outcome(0, _oem(text))
    if low == ["/deletevalue", "{current}", "flightsigning"]:
        if not host.insider.flightsigning:
            return Outcome(1, _oem("An error has occurred while attempting to delete the specified data "
                                   "element.\nElement not found.\n"))
        host.insider.flightsigning = False
        return Outcome(0, _oem("The operation completed successfully.\n"))
    raise NotModelled("bcdedit %s" % " ".join(argv))


_TOOLS = {
    "sfc.exe": Tool("sfc.exe", _sfc),
    "dism.exe": Tool("Dism.exe", _dism),
    "netsh.exe": Tool("netsh.exe", _netsh),
    "sc.exe": Tool("sc.exe", _sc),
    "bcdedit.exe": Tool("bcdedit.exe", _bcdedit),
}
