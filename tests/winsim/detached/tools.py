# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The long commands a detached run may start, as plans: how long they take
(modelled seconds), what they print over that time, their exit code and what
they change on the host when they end. Anything else raises NotModelled.

Sources for the imitated behaviour:
- DISM /Online /Cleanup-Image /CheckHealth|/ScanHealth|/RestoreHealth
  [/Source:wim:<file>:<index>|esd:...] [/LimitAccess]: Microsoft Learn "Repair
  a Windows Image" (windows-hardware/manufacture/desktop/repair-a-windows-image)
  and "DISM Operating System Package Servicing Command-Line Options"; DISM
  returns failures as a signed HRESULT exit code (-2146498529 = 0x800f081f
  CBS_E_SOURCE_MISSING) and prints "Error: 0x800f081f" and "The source files
  could not be found." (/work/shared/windows-facts.md, Error codes).
- sfc /scannow: Microsoft support "Use the System File Checker tool to repair
  missing or corrupted system files" (KB 929833) for the sentences; sfc writes
  UTF-16LE when its output is redirected and has no documented exit codes
  (windows-facts.md "Tools and their output"); details go to CBS.log lines
  tagged [SR].
- DISM /Get-WimInfo: "DISM Image Management Command-Line Options"
  (/Get-ImageInfo, alias /Get-WimInfo) for the field names.
Durations are the brief's: RestoreHealth 10-30 minutes by the component
store's state, sfc 10-15 minutes. (Real runs vary with disk speed; these are
the simulator's fixed values so tests are repeatable.)

WIM and ISO files of the simulated host are JSON descriptions kept in
host.files (make_wim / make_iso build them): a WIM lists its images, an ISO
lists the files on it; iso_mount's model copies an ISO's files to a drive.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable

from .. import winpath
from ..model import HostModel, NotModelled

ERROR_SOURCE_MISSING = -2146498529  # 0x800f081f CBS_E_SOURCE_MISSING, signed as DISM exits
ERROR_SXS_COMPONENT_STORE_CORRUPT = -2147010798  # 0x80073712 HRESULT_FROM_WIN32(14098)
ERROR_FILE_NOT_FOUND = 2


@dataclass
class Plan:
    label: str
    duration: float  # modelled seconds
    exit_code: int
    stdout: list = field(default_factory=list)  # [(fraction of duration, bytes)] in order
    stderr: list = field(default_factory=list)
    effect: Callable = lambda host, when: None  # applied when the process ends (when: its end time)


# ----------------------------------------------------------------- media

def make_wim(images: list) -> bytes:
    """A WIM file's content in the simulator: its images as JSON.

    images: dicts with index, name, edition (EditionID), architecture, build,
    installation ("Client", "Server", "Server Core")."""
    return json.dumps({"winsim_wim": images}).encode("utf-8")


def make_iso(files: dict) -> bytes:
    """An ISO file's content: {relative path: bytes (e.g. make_wim(...))}."""
    return json.dumps({"winsim_iso": {k: v.decode("utf-8") for k, v in files.items()}}).encode("utf-8")


# Windows 11 24H2 consumer media, install.wim images in their usual order
# (index 6 = Pro, the index most repair guides use).
WINDOWS11_EDITIONS = (
    ("Windows 11 Home", "Core"), ("Windows 11 Home N", "CoreN"),
    ("Windows 11 Home Single Language", "CoreSingleLanguage"), ("Windows 11 Education", "Education"),
    ("Windows 11 Education N", "EducationN"), ("Windows 11 Pro", "Professional"),
    ("Windows 11 Pro N", "ProfessionalN"), ("Windows 11 Pro Education", "ProfessionalEducation"),
    ("Windows 11 Pro Education N", "ProfessionalEducationN"),
    ("Windows 11 Pro for Workstations", "ProfessionalWorkstation"),
    ("Windows 11 Pro N for Workstations", "ProfessionalWorkstationN"),
)


def windows11_images(build: int = 26100, architecture: str = "x64") -> list:
    return [{"index": i + 1, "name": name, "edition": edition, "architecture": architecture,
             "build": build, "installation": "Client"}
            for i, (name, edition) in enumerate(WINDOWS11_EDITIONS)]


def read_media(host: HostModel, path: str):
    """The decoded JSON of a simulated WIM/ISO file, or None when absent or not media."""
    if not winpath.is_file(host, path):
        return None
    try:
        return json.loads(winpath.read(host, path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def wim_images(host: HostModel, path: str):
    media = read_media(host, path)
    if not isinstance(media, dict) or "winsim_wim" not in media:
        return None
    return media["winsim_wim"]


_ARCH_NAMES = {"x64": "x64", "arm64": "arm64", "x86": "x86"}


def wim_info(host: HostModel, path: str, index=None) -> tuple:
    """(text, exit code) of `dism /Get-WimInfo /WimFile:<path> [/Index:<n>]`."""
    head = dism_header(host, with_image=False)
    images = wim_images(host, path)
    if images is None:
        if not winpath.is_file(host, path):
            return head + dism_error(ERROR_FILE_NOT_FOUND, "The system cannot find the file specified."), \
                ERROR_FILE_NOT_FOUND
        raise NotModelled("dism /Get-WimInfo of a file that is no simulated WIM: %s" % path)
    lines = ["Details for image : %s" % winpath.norm(path, host), ""]
    chosen = images if index is None else [i for i in images if int(i["index"]) == int(index)]
    if not chosen:
        # DISM: "The specified image in the specified wim is already mounted..." is another case;
        # an index that is not in the file fails with ERROR_INVALID_PARAMETER (87).
        return head + dism_error(87, "The parameter is incorrect."), 87
    for image in chosen:
        lines += ["Index : %d" % image["index"], "Name : %s" % image["name"],
                  "Description : %s" % image["name"], "Size : 18,665,222,083 bytes"]
        if index is not None:
            lines += ["WIM Bootable : No", "Architecture : %s" % _ARCH_NAMES[image["architecture"]],
                      "Hal : <undefined>", "Version : 10.0.%d" % image["build"],
                      "ServicePack Build : %d" % image.get("ubr", 1742), "ServicePack Level : 0",
                      "Edition : %s" % image["edition"], "Installation : %s" % image["installation"],
                      "ProductType : %s" % ("ServerNT" if image["installation"].startswith("Server") else "WinNT"),
                      "ProductSuite : Terminal Server", "System Root : WINDOWS",
                      "Languages :", "        en-US (Default)"]
        lines.append("")
    lines.append("The operation completed successfully.")
    return head + "\r\n".join(lines) + "\r\n", 0


# ----------------------------------------------------------------- DISM

def dism_header(host: HostModel, with_image: bool = True) -> str:
    text = "\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.%d.1\r\n\r\n" % host.os.build
    if with_image:
        text += "Image Version: %s.%d\r\n\r\n" % (host.os.version, host.os.ubr)
    return text


def dism_error(code: int, message: str) -> str:
    shown = ("0x%08x" % (code & 0xFFFFFFFF)) if code < 0 else str(code)
    return ("Error: %s\r\n\r\n%s\r\n\r\nThe DISM log file can be found at C:\\WINDOWS\\Logs\\DISM\\dism.log\r\n"
            % (shown, message))


def progress_bar(percent: float) -> str:
    """DISM's console bar, redrawn with a carriage return: [====   42.0%    ]."""
    width = 58
    filled = int(round(width * percent / 100.0))
    cells = list("=" * filled + " " * (width - filled))
    text = "%.1f%%" % percent
    mid = (width - len(text)) // 2
    cells[mid:mid + len(text)] = list(text)
    return "\r[" + "".join(cells) + "]"


_SOURCE_RE = re.compile(r"^/source:(wim|esd):(.+):(\d+)$", re.I)


def _usable_source(host: HostModel, source) -> bool:
    """A /Source is usable when its image exists and matches the installed
    build, edition and architecture (Repair a Windows Image: the source must be
    the same version, edition and language)."""
    if source is None:
        return False
    kind, path, index = source
    images = wim_images(host, path)
    if images is None:
        return False
    for image in images:
        if int(image["index"]) == index:
            return (int(image["build"]) == host.os.build and image["edition"] == host.os.edition_id
                    and image["architecture"] == host.os.architecture)
    return False


def plan_dism(host: HostModel, args: list) -> Plan:
    lowered = [a.lower() for a in args]
    ops = [a for a in lowered if a in ("/checkhealth", "/scanhealth", "/restorehealth")]
    known = {"/online", "/cleanup-image", "/checkhealth", "/scanhealth", "/restorehealth", "/limitaccess"}
    sources = [a for a in args if a.lower().startswith("/source:")]
    others = [a for a in lowered if a not in known and not a.startswith("/source:")]
    if "/online" not in lowered or "/cleanup-image" not in lowered or len(ops) != 1 or others or len(sources) > 1:
        raise NotModelled("DISM command line %s" % " ".join(args))
    op = ops[0]
    source = None
    if sources:
        match = _SOURCE_RE.match(sources[0])
        if not match:
            raise NotModelled("DISM source %s (only wim:/esd:<file>:<index>)" % sources[0])
        source = (match.group(1).lower(), match.group(2), int(match.group(3)))
        if op != "/restorehealth":
            raise NotModelled("DISM /Source with %s" % op)
    health = host.component_store.health
    head = dism_header(host)
    store = host.component_store

    def bars(until: float, start_at: float = 0.05, end_at: float = 1.0) -> list:
        # One redraw per 10% of the bar, spread over the run.
        steps = [p for p in (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 62.3, 70.0, 80.0, 90.0, 100.0) if p <= until]
        out = []
        for i, pct in enumerate(steps):
            at = start_at + (end_at - start_at) * (i / max(1, len(steps) - 1)) * 0.98
            out.append((at, progress_bar(pct).encode("ascii")))
        return out

    def finish(text: str) -> list:
        return [(1.0, text.encode("ascii"))]

    if op in ("/checkhealth", "/scanhealth"):
        duration = 15.0 if op == "/checkhealth" else (360.0 if health == "healthy" else 540.0)
        sentence = {"healthy": "No component store corruption detected.",
                    "repairable": "The component store is repairable.",
                    "repairable_from_source": "The component store is repairable.",
                    "not_repairable": "The component store cannot be repaired."}[health]
        chunks = [(0.0, head.encode("ascii"))]
        if op == "/scanhealth":
            chunks += bars(100.0)
        chunks += finish("\r\n%s\r\nThe operation completed successfully.\r\n" % sentence)
        return Plan("DISM %s" % op[1:], duration, 0, chunks)

    # /RestoreHealth: Windows Update is the source unless /LimitAccess; it
    # cannot supply what a repairable_from_source store lacks.
    usable = _usable_source(host, source)
    chunks = [(0.0, head.encode("ascii"))]
    missing = ("The source files could not be found. \r\nUse the \"Source\" option to specify the location of "
               "the files that are required to restore the feature. For more information on specifying a "
               "source location, see https://go.microsoft.com/fwlink/?LinkId=243077.")
    if health == "healthy" or health == "repairable":
        duration = 600.0 if health == "healthy" else 1200.0
        chunks += bars(100.0)
        chunks += finish(" The restore operation completed successfully.\r\nThe operation completed successfully.\r\n")

        def effect(h: HostModel, when) -> None:
            h.component_store.health = "healthy"
            _cbs(h, when, "Info", "CBS", "Repr: CBS Store check completes")
        return Plan("DISM RestoreHealth", duration, 0, chunks, effect=effect)
    if health == "repairable_from_source" and usable:
        chunks += bars(100.0)
        chunks += finish(" The restore operation completed successfully.\r\nThe operation completed successfully.\r\n")

        def effect(h: HostModel, when) -> None:
            h.component_store.health = "healthy"
            _cbs(h, when, "Info", "CBS", "Repr: CBS Store check completes")
        return Plan("DISM RestoreHealth", 1500.0, 0, chunks, effect=effect)
    if health == "not_repairable" and usable:
        # Even a matching source cannot rebuild it: the store itself is damaged.
        chunks += bars(70.0)
        chunks += finish("\r\n\r\n" + dism_error(ERROR_SXS_COMPONENT_STORE_CORRUPT,
                                                 "The component store has been corrupted."))
        return Plan("DISM RestoreHealth", 1800.0, ERROR_SXS_COMPONENT_STORE_CORRUPT, chunks)
    # repairable_from_source / not_repairable without a usable source.
    chunks += bars(62.3)
    chunks += finish("\r\n\r\n" + dism_error(ERROR_SOURCE_MISSING, missing))
    return Plan("DISM RestoreHealth", 1080.0, ERROR_SOURCE_MISSING, chunks)


# ----------------------------------------------------------------- sfc

def _cbs(host: HostModel, when, level: str, component: str, text: str) -> None:
    # CBS.log line layout: "<local time>, <Level> <Component> <sequence> <text>"
    # (sfc_output.py / cbs_log.py read the same layout).
    host.cbs_log.append("%s, %-5s                 %-4s   %08x %s"
                        % (when.strftime("%Y-%m-%d %H:%M:%S"), level, component, len(host.cbs_log) + 1, text))


def _utf16(text: str) -> bytes:
    # sfc writes UTF-16LE without a BOM when redirected (windows-facts.md).
    return text.encode("utf-16-le")


def plan_sfc(host: HostModel, args: list) -> Plan:
    if [a.lower() for a in args] != ["/scannow"]:
        raise NotModelled("sfc command line %s" % " ".join(args))
    if host.pending_reboot.cbs_reboot_pending:
        text = ("\r\nThere is a system repair pending which requires reboot to complete.  Restart Windows "
                "and run sfc again.\r\n")
        return Plan("sfc /scannow", 5.0, 0, [(1.0, _utf16(text))])
    corrupt = host.component_store.system_files_corrupt
    # sfc repairs from the component store; a damaged store cannot supply the
    # good copies (KB 929833 runs DISM first for that reason).
    fixable = corrupt and host.component_store.sfc_can_fix and host.component_store.health == "healthy"
    duration = 600.0 if not corrupt else 900.0
    chunks = [(0.0, _utf16("\r\nBeginning system scan.  This process will take some time.\r\n\r\n"
                           "Beginning verification phase of system scan.\r\n"))]
    for i, pct in enumerate((1, 10, 25, 40, 55, 70, 85, 100)):
        chunks.append((0.02 + 0.95 * i / 7, _utf16("\rVerification %d%% complete." % pct)))
    if not corrupt:
        final = "\r\n\r\nWindows Resource Protection did not find any integrity violations.\r\n"
    elif fixable:
        final = ("\r\n\r\nWindows Resource Protection found corrupt files and successfully repaired them.\r\n"
                 "For online repairs, details are included in the CBS log file located at\r\n"
                 "windir\\Logs\\CBS\\CBS.log. For example C:\\Windows\\Logs\\CBS\\CBS.log. For offline\r\n"
                 "repairs, details are included in the log file provided by the /OFFLOGFILE flag.\r\n")
    else:
        final = ("\r\n\r\nWindows Resource Protection found corrupt files but was unable to fix some of them.\r\n"
                 "For online repairs, details are included in the CBS log file located at\r\n"
                 "windir\\Logs\\CBS\\CBS.log. For example C:\\Windows\\Logs\\CBS\\CBS.log. For offline\r\n"
                 "repairs, details are included in the log file provided by the /OFFLOGFILE flag.\r\n")
    chunks.append((1.0, _utf16(final)))

    def effect(h: HostModel, when) -> None:
        _cbs(h, when, "Info", "CSI", "[SR] Beginning Verify and Repair transaction")
        if corrupt and fixable:
            _cbs(h, when, "Info", "CSI", '[SR] Repairing corrupted file \\??\\C:\\Windows\\System32\\wuaueng.dll from store')
            h.component_store.system_files_corrupt = False
        elif corrupt:
            _cbs(h, when, "Info", "CSI", '[SR] Cannot repair member file [l:11]"wuaueng.dll" of '
                 'Microsoft-Windows-WindowsUpdateClient-Core, version 10.0.26100.2033')
        _cbs(h, when, "Info", "CSI", "[SR] Verify complete")
    # Exit code: not documented; 0 here, the text is what the collection reads.
    return Plan("sfc /scannow", duration, 0, chunks, effect=effect)


# ----------------------------------------------------------------- registry

COMMANDS = {"dism.exe": plan_dism, "sfc.exe": plan_sfc}


def register(exe_name: str, planner) -> None:
    """Add a command (e.g. setup.exe for win_inplace_upgrade): planner(host, argv) -> Plan."""
    COMMANDS[exe_name.lower()] = planner


def split_command_line(line: str) -> list:
    # The same CommandLineToArgvW rules win_command's model implements.
    from ..modules.win_command import split_command_line as split
    return split(line)


def plan(host: HostModel, file_path: str, arguments: str) -> Plan:
    name = winpath.leaf(file_path.replace("/", "\\")).lower()
    if "." not in name:
        name += ".exe"
    folder = winpath.parent(file_path.replace("/", "\\"))
    if folder and not folder.lower().endswith("\\system32") and name in ("dism.exe", "sfc.exe"):
        raise NotModelled("%s outside System32: %s" % (name, file_path))
    planner = COMMANDS.get(name)
    if planner is None:
        raise NotModelled("detached command %s %s" % (file_path, arguments))
    return planner(host, split_command_line(arguments))
