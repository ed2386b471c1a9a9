# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows programs the scripts start: their output lines and exit codes.

The programs are modelled once for the simulator, with their sources, and
reused here: sc.exe sdshow/sdset, bcdedit.exe, netsh.exe, sfc.exe and DISM
/Cleanup-Image in tests/winsim/modules/win_command.py and windows_tools.py
(DISM /Get-WimInfo: windows_tools.wim_info), `fltmc filters` in
tests/winsim/scripts/wu_diagnose.py. Added here:
- `sc.exe config NAME start= auto|delayed-auto|demand|disabled` prints
  "[SC] ChangeServiceConfig SUCCESS" (Microsoft Learn "sc.exe config"); on a
  service the caller may not open "[SC] OpenService FAILED 5:" / "Access is
  denied." and exits 5, as win_command.py's sc.exe does for sdset;
- `reg.exe export KEY FILE /y` writes FILE and prints "The operation completed
  successfully." (Microsoft Learn "reg export"); the .reg content is not
  modelled: the same marker text the wu_insider_leave model writes;
- regsvr32.exe exits 0 for the DLLs present (tests/winsim/scripts/wu_reset_apply.py).
All write to stdout; what a program writes to stderr on Windows is not modelled
separately (an assumption for error texts of bcdedit and reg).
"""
from __future__ import annotations

import os

from winsim import winpath
from winsim.model import NotModelled, RunContext
from winsim.modules import win_command
from winsim.scripts import wu_diagnose
from winsim.scripts.wu_reset_state import pid_of

from . import handler
from .registry import norm_key, view

REG_MARKER = b"Windows Registry Editor Version 5.00\r\n; winsim: content not modelled\r\n"
_SC_MODES = {"auto": "auto", "delayed-auto": "delayed", "demand": "manual", "disabled": "disabled"}


class _Clock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


def _lines(data: bytes, encoding: str = "ascii") -> list:
    text = data.decode(encoding, "replace").replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def _answer(rc, stdout=b"", encoding="ascii"):
    return {"exit_code": int(rc), "stdout": _lines(stdout, encoding), "stderr": []}


def _sc_config(session, argv):
    # sc.exe config NAME start= MODE  (argv: config, NAME, start=, MODE)
    if len(argv) != 4 or argv[2].lower() != "start=" or argv[3].lower() not in _SC_MODES:
        raise NotModelled("sc.exe %s" % " ".join(argv))
    svc = session.host.services.get(argv[1].lower())
    if svc is None:
        return _answer(1060, b"[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an "
                             b"installed service.\r\n\r\n")
    if svc.access_denied or winpath.fault_fires(session.host, "access_denied_on", session.step):
        return _answer(5, b"[SC] OpenService FAILED 5:\r\n\r\nAccess is denied.\r\n\r\n")
    svc.start_mode = _SC_MODES[argv[3].lower()]
    return _answer(0, b"[SC] ChangeServiceConfig SUCCESS\r\n")


def _reg_export(session, argv):
    if len(argv) != 4 or argv[0].lower() != "export" or argv[3].lower() != "/y":
        raise NotModelled("reg.exe %s" % " ".join(argv))
    key = norm_key(argv[1])
    if key.lower() not in view(session.host, session.now):
        # reg export of a missing key: "ERROR: The system was unable to find the specified registry key or value." exit 1
        return _answer(1, b"ERROR: The system was unable to find the specified registry key or value.\r\n")
    target = argv[2]
    with open(target if target.startswith(session.drive.root) else session.drive.to_local(target), "wb") as handle:
        handle.write(REG_MARKER)
    return _answer(0, b"The operation completed successfully.\r\n")


def _dism(session, argv):
    low = [a.lower() for a in argv]
    if "/get-wiminfo" in low:
        wim = next((a.split(":", 1)[1] for a in argv if a.lower().startswith("/wimfile:")), None)
        index = next((int(a.split(":", 1)[1]) for a in argv if a.lower().startswith("/index:")), None)
        if wim is None or set(low) - {"/english", "/get-wiminfo"} - {a for a in low if a.startswith(("/wimfile:", "/index:"))}:
            raise NotModelled("dism.exe %s" % " ".join(argv))
        text, code = win_command.windows_tools.wim_info(session.host, _windows(session, wim), index)
        return {"exit_code": code, "stdout": _lines(text.encode("ascii")), "stderr": []}
    args = [a for a in argv if a.lower() != "/english"]
    return _generic(session, "dism.exe", args)


def _windows(session, path: str) -> str:
    if path.startswith(session.drive.root):
        return session.drive.to_windows(os.path.normpath(path))
    return path


def _generic(session, name, argv):
    tool = win_command.find_tool(session.host, name)
    if tool is None:
        raise NotModelled("the program %s" % name)
    ctx = RunContext(host=session.host, clock=_Clock(session.now), check_mode=session.check_mode, step=session.step)
    outcome = tool.run(session.host, [_windows(session, a) for a in argv], ctx)
    encoding = "utf-16-le" if name == "sfc.exe" else "ascii"
    answer = _answer(outcome.rc, outcome.stdout, encoding)
    answer["stderr"] = _lines(outcome.stderr, encoding)
    return answer


@handler("tool.run")
def run_tool(session, args):
    name = str(args["tool"]).lower()
    argv = [str(a) for a in args.get("args") or []]
    if name == "sc.exe" and argv and argv[0].lower() == "config":
        return _sc_config(session, argv)
    if name == "reg.exe":
        return _reg_export(session, argv)
    if name == "dism.exe":
        return _dism(session, argv)
    if name == "fltmc.exe":
        if [a.lower() for a in argv] != ["filters"]:
            raise NotModelled("fltmc.exe %s" % " ".join(argv))
        return {"exit_code": 0, "stdout": wu_diagnose._fltmc(session.host), "stderr": []}  # pylint: disable=protected-access
    if name == "regsvr32.exe":
        return {"exit_code": 0, "stdout": [], "stderr": [], "pid": 4242}
    return _generic(session, name, argv)


@handler("com.create")
def com_create(session, args):
    prog = str(args["prog_id"])
    if prog != "Microsoft.Update.Session":
        raise NotModelled("the COM object %s" % prog)
    if winpath.fault_fires(session.host, "access_denied_on", "Microsoft.Update.Session"):
        # New-Object -ComObject over a denied DCOM launch (the text wu_diagnose's model uses).
        from . import WinError
        raise WinError("System.UnauthorizedAccessException",
                       "Retrieving the COM class factory for component with CLSID {4CB43D7F-7EEE-4906-8698-"
                       "60DA1C38F2FE} failed due to the following error: 80070005 Access is denied.",
                       "System.UnauthorizedAccessException,Microsoft.PowerShell.Commands.NewObjectCommand",
                       "NotSpecified", hresult=-2147024891, terminating=True)
    return None


def _history(session):
    import datetime

    def when(entry):
        return datetime.datetime.fromisoformat(str(entry.date).replace("Z", "+00:00"))
    return sorted(session.host.update_history, key=when, reverse=True), when


@handler("com.history_count")
def history_count(session, args):
    return len(session.host.update_history)


@handler("com.history")
def history(session, args):
    # IUpdateSearcher.QueryHistory(start, count): newest first; Date is UTC (IUpdateHistoryEntry.Date).
    entries, when = _history(session)
    start, count = int(args["start"]), int(args["count"])
    out = []
    for entry in entries[start:start + count]:
        out.append({"__type__": "System.__ComObject#{c2bfb780-4539-4132-ab8c-0a8772013ab6}",
                    "Date": {"__datetime__": when(entry).isoformat()}, "Title": entry.title, "Operation": 1,
                    "ResultCode": int(entry.result_code), "HResult": int(entry.hresult)})
    return out


@handler("process.pid")
def service_pid(session, args):
    svc = session.host.services.get(str(args["name"]).lower())
    return pid_of(svc) if svc else 0
