# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sfc.exe and DISM as the simulator models them: their texts, exit codes,
durations and effects, in one place for every way a host runs them.

A run is a ToolRun: what the process prints first, the progress redraws it
prints over its run, its last words, its exit code, how long it takes
(modelled seconds) and what it changes on the host when it ends.
- modules/win_command.py runs one in a single request: spends the duration,
  applies the effect, answers all the output at once;
- detached/tools.py turns one into a Plan whose output appears over the run
  and whose effect applies when the process ends.
Anything outside what is modelled raises NotModelled.

Sources for the imitated behaviour:
- DISM /Online /Cleanup-Image /CheckHealth|/ScanHealth|/RestoreHealth
  [/Source:wim:<file>:<index>|esd:...] [/LimitAccess]: Microsoft Learn "Repair
  a Windows Image" (windows-hardware/manufacture/desktop/repair-a-windows-image)
  and "DISM Operating System Package Servicing Command-Line Options"; DISM
  returns failures as a signed HRESULT exit code (-2146498529 = 0x800f081f
  CBS_E_SOURCE_MISSING, winerror.h) and prints "Error: 0x800f081f" and "The
  source files could not be found." with the fwlink (the signed exit code is an
  ASSUMPTION, see plugins/plugin_utils/_rungs/kb_install.py interpret_exit).
- DISM /Get-WimInfo: "DISM Image Management Command-Line Options"
  (/Get-ImageInfo, alias /Get-WimInfo) for the field names.
- sfc /scannow: Microsoft support article 929833 "Use the System File Checker
  tool to repair missing or corrupted system files" for the sentences; sfc
  writes UTF-16LE without a BOM when its output is redirected and has no
  documented exit codes (greenmtnit/windows-scripts Run-SFCAndDISM.ps1 sets a
  Unicode console encoding for it; the model
  exits 0 for every outcome - read the text); details go to CBS.log lines
  tagged [SR]; sfc runs its scan in the Windows Modules Installer
  (TrustedInstaller) service.
Durations: RestoreHealth 10-30 minutes by the component store's state, sfc
10-15 minutes: ASSUMPTIONS (fixed, so tests are repeatable). Microsoft gives no
figure: "it may take several minutes for the command operation to be
completed", for both (Microsoft Learn, "Fix Windows Update errors by using the
DISM or System Update Readiness tool", KB 947821); real runs vary with disk
speed and the store's size.

Simulated WIM and ISO files are JSON descriptions kept in host.files
(detached/tools.py make_wim / make_iso build them); read_media reads them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable

from . import locales, winpath
from .model import HostModel, NotModelled

ERROR_SOURCE_MISSING = -2146498529  # 0x800f081f CBS_E_SOURCE_MISSING, signed as DISM exits
ERROR_SXS_COMPONENT_STORE_CORRUPT = -2147010798  # 0x80073712 HRESULT_FROM_WIN32(14098)
ERROR_FILE_NOT_FOUND = 2
ERROR_INVALID_PARAMETER = 87

WIM_KEY = "winsim_wim"  # the JSON key of a simulated WIM (make_wim)
ISO_KEY = "winsim_iso"  # ... and of a simulated ISO (make_iso)


@dataclass
class ToolRun:
    label: str
    duration: float  # modelled seconds
    exit_code: int  # as the process exits (DISM: a signed HRESULT)
    encoding: str  # how the redirected output is written: the OEM code page's codec (DISM) or "utf-16-le" (sfc)
    head: str = ""  # printed when the process starts
    progress: list = field(default_factory=list)  # [(fraction of duration, text)] redraws, in order
    tail: str = ""  # printed when it ends
    effect: Callable = lambda host, when: None  # applied when the process ends (when: its end time)

    def text(self) -> str:
        return self.head + "".join(redraw for _fraction, redraw in self.progress) + self.tail

    def output(self) -> bytes:
        """All the bytes the process writes, as a redirected stdout gets them."""
        return self.text().encode(self.encoding)


# ----------------------------------------------------------------- media

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
    if not isinstance(media, dict) or WIM_KEY not in media:
        return None
    return media[WIM_KEY]


# ----------------------------------------------------------------- DISM texts

def english(host: HostModel, args: list) -> bool:
    """Does DISM print English here? With /English, or on an en-US host (locales.py)."""
    return any(a.lower() == "/english" for a in args) or locales.of(host).tag == "en-US"


def dism_text(host: HostModel, in_english: bool, key: str, text: str) -> str:
    """TEXT (DISM's English for KEY), or the host's language from the sourced tables (locales.py)."""
    return text if in_english else locales.sentence("dism", host, key)


def dism_header(host: HostModel, with_image: bool = True, in_english: bool = True) -> str:
    if not in_english:
        # The version lines' labels are in no public capture of most languages: left out.
        return "\r\n%s\r\n\r\n" % locales.sentence("dism", host, "header")
    text = "\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.%d.1\r\n\r\n" % host.os.build
    if with_image:
        text += "Image Version: %s.%d\r\n\r\n" % (host.os.version, host.os.ubr)
    return text


def dism_error(code: int, message: str, host: HostModel = None, in_english: bool = True) -> str:
    shown = ("0x%08x" % (code & 0xFFFFFFFF)) if code < 0 else str(code)
    if not in_english:
        # The error line's word and the log line are in no sourced table: markers, the exit code tells.
        tag = locales.of(host).tag
        return "%s\r\n\r\n%s\r\n\r\n%s\r\n" % (
            locales.marker("dism", tag, "error"), message, locales.marker("dism", tag, "log"))
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
        # An index that is not in the file fails with ERROR_INVALID_PARAMETER (87).
        return head + dism_error(ERROR_INVALID_PARAMETER, "The parameter is incorrect."), ERROR_INVALID_PARAMETER
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


# ----------------------------------------------------------------- DISM /Cleanup-Image

STORE_SENTENCES = {  # what /CheckHealth and /ScanHealth report (unverified for not_repairable)
    "healthy": "No component store corruption detected.",
    "repairable": "The component store is repairable.",
    "repairable_from_source": "The component store is repairable.",
    "not_repairable": "The component store cannot be repaired.",
}
_STORE_KEYS = {"healthy": "no_corruption", "repairable": "repairable", "repairable_from_source": "repairable",
               "not_repairable": "not_repairable"}  # languages/dism.py keys of STORE_SENTENCES
SOURCE_MISSING = ("The source files could not be found. \r\nUse the \"Source\" option to specify the location of "
                  "the files that are required to restore the feature. For more information on specifying a "
                  "source location, see https://go.microsoft.com/fwlink/?LinkId=243077.")
_SOURCE_RE = re.compile(r"^/source:(wim|esd):(.+):(\d+)$", re.I)
_CLEANUP_SWITCHES = {"/online", "/cleanup-image", "/checkhealth", "/scanhealth", "/restorehealth", "/limitaccess",
                     "/english", "/startcomponentcleanup"}
# CBS_E_PENDING (winerror.h): servicing takes no new work while a restart is pending.
CBS_E_PENDING = 0x800F082F - 0x100000000  # signed, as DISM exits


def source_usable(host: HostModel, path: str, index: int) -> bool:
    """Can DISM repair this host's store from image INDEX of PATH?

    The image must match the installed build, edition and architecture
    (Repair a Windows Image: the source must be the same version, edition and
    language). A simulated WIM (make_wim) describes its images; a file without
    that description may be described in component_store.sources
    ({index: EditionID}, edition checked only); any other existing file is
    not modelled.
    """
    try:
        if not winpath.is_file(host, path):
            return False
        key = winpath.key(path, host)
    except ValueError:
        return False
    images = wim_images(host, path)
    if images is not None:
        for image in images:
            if int(image["index"]) == index:
                return (int(image["build"]) == host.os.build and image["edition"] == host.os.edition_id
                        and image["architecture"] == host.os.architecture)
        return False
    described = host.component_store.sources.get(key)
    if described is None:
        raise NotModelled("DISM source %s whose images are not described (make_wim or component_store.sources)"
                          % path)
    edition = described.get(index, described.get(str(index)))
    return edition is not None and str(edition).lower() == host.os.edition_id.lower()


def _bars(until: float, start_at: float = 0.05, end_at: float = 1.0) -> list:
    # One redraw per 10% of the bar, spread over the run.
    steps = [p for p in (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 62.3, 70.0, 80.0, 90.0, 100.0) if p <= until]
    return [(start_at + (end_at - start_at) * (i / max(1, len(steps) - 1)) * 0.98, progress_bar(pct))
            for i, pct in enumerate(steps)]


def _cbs(host: HostModel, when, level: str, component: str, text: str) -> None:
    # CBS.log line layout: "<local time>, <Level> <Component> <sequence> <text>"
    # (sfc_output.py / cbs_log.py read the same layout).
    host.cbs_log.append("%s, %-5s                 %-4s   %08x %s"
                        % (when.strftime("%Y-%m-%d %H:%M:%S"), level, component, len(host.cbs_log) + 1, text))


def _store_repaired(host: HostModel, when) -> None:
    host.component_store.health = "healthy"
    _cbs(host, when, "Info", "CBS", "Repr: CBS Store check completes")


def dism_cleanup_image(host: HostModel, args: list) -> ToolRun:
    """DISM /Online /Cleanup-Image /CheckHealth|/ScanHealth|/RestoreHealth [/Source:...] [/LimitAccess]."""
    lowered = [a.lower() for a in args]
    ops = [a for a in lowered if a in ("/checkhealth", "/scanhealth", "/restorehealth", "/startcomponentcleanup")]
    sources = [a for a in args if a.lower().startswith("/source:")]
    others = [a for a in lowered if a not in _CLEANUP_SWITCHES and not a.startswith("/source:")]
    if "/online" not in lowered or "/cleanup-image" not in lowered or len(ops) != 1 or others or len(sources) > 1:
        raise NotModelled("DISM command line %s" % " ".join(args))
    op = ops[0]
    if op != "/restorehealth" and (sources or "/limitaccess" in lowered):
        raise NotModelled("DISM %s with /Source or /LimitAccess" % op)
    source = None
    if sources:
        match = _SOURCE_RE.match(sources[0])
        if not match:
            raise NotModelled("DISM source %s (only wim:/esd:<file>:<index>)" % sources[0])
        source = (match.group(2), int(match.group(3)))
    health = host.component_store.health
    # Without /English DISM prints the host's language (locales.py), in its OEM code page.
    en = english(host, args)
    codec = locales.oem_codec(host)
    head = dism_header(host, in_english=en)
    completed = dism_text(host, en, "completed", "The operation completed successfully.")
    restored = " %s\r\n%s\r\n" % (
        dism_text(host, en, "repaired", "The restore operation completed successfully."), completed)

    if op == "/startcomponentcleanup":
        # Microsoft Learn "Clean Up the WinSxS Folder" (https://learn.microsoft.com/windows-hardware/
        # manufacture/desktop/clean-up-the-winsxs-folder): removes superseded components, can take a
        # while (modelled 10 minutes; the space it frees is not modelled). Refused while servicing
        # waits for a restart (CBS_E_PENDING; an assumption that DISM exits with that HRESULT).
        if host.pending_reboot.cbs_reboot_pending:
            # Wording not sourced (an assumption); the exit code is what is read.
            text = "The operation could not be completed because a restart is pending."
            return ToolRun("DISM StartComponentCleanup", 5.0, CBS_E_PENDING, codec, head, [],
                           "\r\n" + dism_error(CBS_E_PENDING, text, host, en))
        return ToolRun("DISM StartComponentCleanup", 600.0, 0, codec, head, _bars(100.0), "\r\n%s\r\n" % completed)
    if op in ("/checkhealth", "/scanhealth"):
        # CheckHealth reads the store's recorded state only (seconds, no bar); neither repairs anything.
        duration = 15.0 if op == "/checkhealth" else (360.0 if health == "healthy" else 540.0)
        told = dism_text(host, en, _STORE_KEYS[health], STORE_SENTENCES[health])
        return ToolRun("DISM %s" % op[1:], duration, 0, codec, head,
                       _bars(100.0) if op == "/scanhealth" else [],
                       "\r\n%s\r\n%s\r\n" % (told, completed))

    # /RestoreHealth: Windows Update is the source unless /LimitAccess; it
    # cannot supply what a repairable_from_source store lacks.
    usable = source is not None and source_usable(host, *source)
    if health in ("healthy", "repairable"):
        return ToolRun("DISM RestoreHealth", 600.0 if health == "healthy" else 1200.0, 0, codec, head,
                       _bars(100.0), restored, effect=_store_repaired)
    if health == "repairable_from_source" and usable:
        return ToolRun("DISM RestoreHealth", 1500.0, 0, codec, head, _bars(100.0), restored,
                       effect=_store_repaired)
    if health == "not_repairable" and usable:
        # Even a matching source cannot rebuild it: the store itself is damaged.
        corrupted = dism_text(host, en, "store_corrupted", "The component store has been corrupted.")
        return ToolRun("DISM RestoreHealth", 1800.0, ERROR_SXS_COMPONENT_STORE_CORRUPT, codec, head,
                       _bars(70.0), "\r\n\r\n" + dism_error(ERROR_SXS_COMPONENT_STORE_CORRUPT, corrupted, host, en))
    # repairable_from_source / not_repairable without a usable source.
    missing = dism_text(host, en, "source_missing", SOURCE_MISSING)
    return ToolRun("DISM RestoreHealth", 1080.0, ERROR_SOURCE_MISSING, codec, head, _bars(62.3),
                   "\r\n\r\n" + dism_error(ERROR_SOURCE_MISSING, missing, host, en))


# ----------------------------------------------------------------- sfc /scannow

SFC_NO_VIOLATIONS = "Windows Resource Protection did not find any integrity violations."
_ONLINE_DETAILS = ("For online repairs, details are included in the CBS log file located at\r\n"
                   "windir\\Logs\\CBS\\CBS.log. For example C:\\Windows\\Logs\\CBS\\CBS.log. For offline\r\n"
                   "repairs, details are included in the log file provided by the /OFFLOGFILE flag.")
SFC_REPAIRED = "Windows Resource Protection found corrupt files and successfully repaired them.\r\n" + _ONLINE_DETAILS
SFC_UNABLE = ("Windows Resource Protection found corrupt files but was unable to fix some\r\n"
              "of them. " + _ONLINE_DETAILS)
SFC_NO_SERVICE = "Windows Resource Protection could not start the repair service."
SFC_REBOOT_PENDING = ("There is a system repair pending which requires reboot to complete.  "
                      "Restart Windows and run sfc again.")
SFC_EXIT_CODE = 0
SFC_HEAD = "\r\nBeginning system scan.  This process will take some time.\r\n\r\n"


def sfc_scannow(host: HostModel, args: list) -> ToolRun:
    """sfc /scannow: refused while a repair is pending or its service is disabled, else scan (and repair)."""
    if [a.lower() for a in args] != ["/scannow"]:
        raise NotModelled("sfc command line %s" % " ".join(args))
    # sfc has no /English: it prints the host's language (locales.py), always in UTF-16LE.
    en = locales.of(host).tag == "en-US"
    head = SFC_HEAD if en else "\r\n%s\r\n\r\n" % locales.sentence("sfc", host, "begin")
    if host.pending_reboot.cbs_reboot_pending:
        # Refused before any scan starts.
        return ToolRun("sfc /scannow", 5.0, SFC_EXIT_CODE, "utf-16-le",
                       tail="\r\n" + _sfc_text(host, en, "pending_reboot", SFC_REBOOT_PENDING) + "\r\n")
    installer = host.services.get("trustedinstaller")
    if installer is not None and installer.start_mode == "disabled":
        return ToolRun("sfc /scannow", 5.0, SFC_EXIT_CODE, "utf-16-le", head,
                       tail="\r\n" + _sfc_text(host, en, "service_not_started", SFC_NO_SERVICE) + "\r\n")
    store = host.component_store
    corrupt = store.system_files_corrupt
    # sfc repairs from the component store; a damaged store cannot supply the
    # good copies (KB 929833 runs DISM first for that reason).
    fixable = corrupt and store.sfc_can_fix and store.health == "healthy"
    # The verification lines are sourced in English only: other languages print none here.
    progress = [(0.02 + 0.95 * i / 7, "\rVerification %d%% complete." % pct)
                for i, pct in enumerate((1, 10, 25, 40, 55, 70, 85, 100))] if en else []
    key = "no_violations" if not corrupt else ("repaired" if fixable else "unable_to_fix")
    final = _sfc_text(host, en, key, {"no_violations": SFC_NO_VIOLATIONS, "repaired": SFC_REPAIRED,
                                      "unable_to_fix": SFC_UNABLE}[key])

    def effect(h: HostModel, when) -> None:
        _cbs(h, when, "Info", "CSI", "[SR] Beginning Verify and Repair transaction")
        if fixable:
            _cbs(h, when, "Info", "CSI", "[SR] Repairing corrupted file \\??\\C:\\Windows\\System32\\wuaueng.dll "
                                         "from store")
            h.component_store.system_files_corrupt = False
        elif corrupt:
            # File names in single quotes from Windows 10 1809 (build 17763) on, in double quotes
            # before (krlvm/AccentColorizer-E11#3 shows the single-quoted form on Windows 11).
            quote = "'" if h.os.build >= 17763 else '"'
            _cbs(h, when, "Info", "CSI", "[SR] Cannot repair member file [l:11]%swuaueng.dll%s of "
                 "Microsoft-Windows-WindowsUpdateClient-Core, version %s.%d, arch amd64, nonSxS, "
                 "pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch" % (quote, quote, h.os.version, h.os.ubr))
        _cbs(h, when, "Info", "CSI", "[SR] Verify complete")
    return ToolRun("sfc /scannow", 600.0 if not corrupt else 900.0, SFC_EXIT_CODE, "utf-16-le",
                   head + ("Beginning verification phase of system scan.\r\n" if en else ""), progress,
                   "\r\n\r\n" + final + "\r\n", effect=effect)


def _sfc_text(host: HostModel, en: bool, key: str, text: str) -> str:
    return text if en else locales.sentence("sfc", host, key)


COMMANDS = {"dism.exe": dism_cleanup_image, "sfc.exe": sfc_scannow}
