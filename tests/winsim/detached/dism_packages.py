# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DISM /Online /Add-Package /PackagePath:<file.msu> [/NoRestart] as a detached-run plan.

install() adds this to the dism.exe planner of tools.py (its register()
hook): command lines with /Add-Package come here, the rest goes on to the
/Cleanup-Image planner as before.

Sources of the imitated behaviour:
- Microsoft Learn "DISM Operating System Package (.cab or .msu) Servicing
  Command-Line Options": /Add-Package /PackagePath takes a .cab or .msu;
  /NoRestart suppresses the restart prompt, so a package that needs a restart
  ends with exit code 3010 (ERROR_SUCCESS_REBOOT_REQUIRED, winerror.h) and
  "Restart Windows to complete this operation."; a package for another image
  fails with 0x800f081e CBS_E_NOT_APPLICABLE "The specified package is not
  applicable to this image."; a path that does not exist fails with 2
  (ERROR_FILE_NOT_FOUND) "The system cannot find the file specified.".
  DISM exits with failures as signed HRESULTs (ASSUMPTION, see
  plugins/plugin_utils/_rungs/kb_install.py interpret_exit).
- Microsoft Learn "Checkpoint cumulative updates and Microsoft Update Catalog
  usage": a cumulative update of Windows 11 24H2 needs its checkpoint
  cumulative updates installed first; with the target and its checkpoint
  .msu files in one folder, DISM /Add-Package of the target applies the
  missing checkpoints from that folder, in order.
  ASSUMPTION (no public source names the code): a target whose checkpoint is
  neither installed nor in the folder fails as not applicable (0x800f081e).
- Durations: 25 modelled minutes for the target plus 10 per checkpoint, the
  same as a Windows Update install (ASSUMPTION). A report from Chef's
  cab_package provider, which runs DISM /Online /Add-Package, gives "nearly 45
  to 60 minutes" for large packages (github.com/chef/chef pull request #9649,
  2020: it raised the default timeout to 3600 s).

What the .msu files contain is the fake catalog's scenario
(winsim/fake_catalog.py SCENARIO): their names carry KB, architecture and
SHA-1 (windows11.0-kb5048667-x64_<sha1>.msu) and the checkpoints of each
target come from the scenario. A file whose bytes do not match the SHA-1 in
its name is a damaged package: not modelled (the collection must never hand
one to DISM).

Test knob: host.kb_install_exit = {"KB5048667": -2146498530} forces an exit
code for a KB (set on the HostModel object by a test; the scenario loader
does not know it).

Root causes (winsim/causes.py): causes.blocking(host, kb, "offline") says
whether an active cause stops the install and with which HRESULT (the exit
code of the run); when nothing does, the run's end calls
causes.apply(host, "catalog_install:<kb>"), which installs the KB through
the offline channel (causes.try_install: installed_kbs, history, restart
pending) and lets the causes that this install cures go.
"""
from __future__ import annotations

import hashlib
import re

from .. import locales, windows_tools, winpath
from ..model import HostModel, NotModelled
from . import tools

CBS_E_NOT_APPLICABLE = -2146498530  # 0x800f081e, signed as DISM exits
ERROR_SUCCESS_REBOOT_REQUIRED = 3010
ERROR_FILE_NOT_FOUND = 2
TARGET_SECONDS = 1500.0
CHECKPOINT_SECONDS = 600.0
_MSU_NAME = re.compile(r"^windows\d+\.\d+-(kb\d+)-(x64|arm64|x86)_([0-9a-f]{40})\.msu$", re.I)
# DISM names an architecture in package identities as amd64/arm64/x86.
_PKG_ARCH = {"x64": "amd64", "arm64": "arm64", "x86": "x86"}


def _checkpoints():
    """KB -> the checkpoint KBs its .msu needs, from the fake catalog's scenario."""
    from .. import fake_catalog
    out = {}
    for update in fake_catalog.SCENARIO:
        out.setdefault("KB" + update.kb, ["KB" + c for c in update.checkpoints])
    return out


def _causes():
    try:
        from .. import causes  # written by another helper; optional until it exists
    except ImportError:
        return None
    return causes


def _package(host: HostModel, path: str):
    """(kb, arch) of an intact scenario .msu at PATH."""
    name = winpath.leaf(path)
    match = _MSU_NAME.match(name)
    if not match:
        raise NotModelled("DISM /Add-Package of %s (only the fake catalog's .msu files are modelled)" % name)
    data = winpath.read(host, path)
    if hashlib.sha1(data).hexdigest() != match.group(3).lower():
        raise NotModelled("DISM /Add-Package of a damaged package %s (its bytes do not match its name)" % name)
    return match.group(1).upper(), match.group(2).lower()


def _identity(kb: str, arch: str, host: HostModel) -> str:
    # Shape of a package identity as DISM /Get-Packages lists it: name~publicKeyToken~arch~language~version.
    return "Package_for_%s~31bf3856ad364e35~%s~~%s.%d.1.0" % (kb, _PKG_ARCH[arch], host.os.version, host.os.build)


def _failure(host: HostModel, code: int, text: str, duration: float, en: bool = True) -> tools.Plan:
    # Without /English, in the host's language and OEM code page (winsim/locales.py).
    out = windows_tools.dism_header(host, in_english=en) + "\r\n" + windows_tools.dism_error(code, text, host, en)
    return tools.Plan("DISM Add-Package", duration, code, [(1.0, out.encode(locales.oem_codec(host)))])


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _forced(host: HostModel, kb: str):
    """The exit code a test knob or an active root cause imposes on installing KB, or None."""
    forced = host.kb_install_exit.get(kb)
    if forced is not None:
        return int(forced)
    causes = _causes()
    if causes is not None:
        # The offline channel: what stops DISM /Add-Package of the catalog .msu (causes.py table).
        block = causes.blocking(host, kb, "offline")
        if block is not None:
            return _signed(int(block["hresult"]))
    return None


def plan_add_package(host: HostModel, args: list) -> tools.Plan:
    lowered = [a.lower() for a in args]
    paths = [a.split(":", 1)[1] for a in args if a.lower().startswith("/packagepath:")]
    others = [a for a in lowered if a not in ("/online", "/add-package", "/norestart", "/english")
              and not a.startswith("/packagepath:")]
    if "/online" not in lowered or "/norestart" not in lowered or len(paths) != 1 or others:
        raise NotModelled("DISM command line %s (modelled: /Online /Add-Package /PackagePath:<file> /NoRestart)"
                          % " ".join(args))
    path = paths[0]
    en = windows_tools.english(host, args)
    codec = locales.oem_codec(host)
    if not winpath.is_file(host, path):
        return _failure(host, ERROR_FILE_NOT_FOUND, windows_tools.dism_text(
            host, en, "file_not_found", "The system cannot find the file specified."), 5.0, en)
    kb, arch = _package(host, path)
    installed = {k.upper() for k in host.installed_kbs}
    not_applicable = windows_tools.dism_text(host, en, "not_applicable",
                                             "The specified package is not applicable to this image.")
    completed = windows_tools.dism_text(host, en, "completed", "The operation completed successfully.")
    if arch != host.os.architecture:
        return _failure(host, CBS_E_NOT_APPLICABLE, not_applicable, 20.0, en)
    forced = _forced(host, kb)
    if forced is not None and forced not in (0, ERROR_SUCCESS_REBOOT_REQUIRED):
        text = not_applicable if forced == CBS_E_NOT_APPLICABLE else windows_tools.dism_text(
            host, en, "operation_failed", "The operation failed.")
        return _failure(host, forced, text, 300.0, en)
    if kb in installed:
        # Nothing to add: DISM ends at once, successfully.
        text = windows_tools.dism_header(host, in_english=en) + completed + "\r\n"
        return tools.Plan("DISM Add-Package", 20.0, 0, [(1.0, text.encode(codec))])

    folder = winpath.parent(winpath.norm(path, host))
    present = {}
    for child in winpath.children(host, folder):
        match = _MSU_NAME.match(winpath.leaf(child))
        if match and match.group(2).lower() == arch:
            present[match.group(1).upper()] = child
    needed = [c for c in _checkpoints().get(kb, []) if c not in installed]
    missing = [c for c in needed if c not in present]
    if missing:
        return _failure(host, CBS_E_NOT_APPLICABLE, not_applicable, 30.0, en)
    for c in needed:
        _package(host, present[c])  # a damaged checkpoint is refused like a damaged target

    steps = needed + [kb]
    duration = TARGET_SECONDS + CHECKPOINT_SECONDS * len(needed)
    chunks = [(0.0, windows_tools.dism_header(host, in_english=en).encode(codec))]
    for i, step in enumerate(steps):
        begin = (CHECKPOINT_SECONDS * i) / duration
        span = (CHECKPOINT_SECONDS if step != kb else TARGET_SECONDS) / duration
        processing = ("Processing %d of %d - Adding package %s" % (i + 1, len(steps), _identity(step, arch, host))
                      if en else locales.marker("dism", locales.of(host).tag, "processing"))
        chunks.append((begin, (processing + "\r\n").encode(codec)))
        for pct in (10.0, 40.0, 70.0, 100.0):
            chunks.append((min(0.99, begin + span * pct / 100.0), windows_tools.progress_bar(pct).encode(codec)))
    exit_code = ERROR_SUCCESS_REBOOT_REQUIRED if forced is None else forced
    tail = "\r\n%s\r\n" % completed
    if exit_code == ERROR_SUCCESS_REBOOT_REQUIRED:
        tail += windows_tools.dism_text(host, en, "restart", "Restart Windows to complete this operation.") + "\r\n"
    chunks.append((1.0, tail.encode(codec)))

    def effect(h: HostModel, when) -> None:
        causes = _causes()
        for step in needed:
            if step not in h.installed_kbs:
                h.installed_kbs.append(step)
        if causes is not None and forced is None:
            # causes.apply installs the target through the offline channel (try_install):
            # installed_kbs, history entry, event 19, restart pending.
            causes.apply(h, "catalog_install:%s" % kb, clock=when)
        elif kb not in h.installed_kbs:
            h.installed_kbs.append(kb)
        if exit_code == ERROR_SUCCESS_REBOOT_REQUIRED:
            h.pending_reboot.cbs_reboot_pending = True
    return tools.Plan("DISM Add-Package", duration, exit_code, chunks, effect=effect)


def install() -> None:
    """Route dism.exe command lines with /Add-Package here (idempotent)."""
    current = tools.COMMANDS.get("dism.exe", tools.plan_dism)
    if getattr(current, "handles_add_package", False):
        return

    def plan_dism_any(host: HostModel, args: list) -> tools.Plan:
        if any(a.lower() == "/add-package" for a in args):
            return plan_add_package(host, args)
        return current(host, args)

    plan_dism_any.handles_add_package = True
    tools.register("dism.exe", plan_dism_any)
