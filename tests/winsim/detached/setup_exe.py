# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""setup.exe of a mounted Windows ISO, run detached (an in-place repair install).

Registered with tools.register("setup.exe", plan) when this module is imported
(the models of the inplace_* scripts import it, and the win_inplace_upgrade
action always runs one of them before it starts setup.exe).

Sources of the imitated behaviour:
- Command line and exit codes: Microsoft Learn "Windows Setup Command-Line
  Options" (windows-hardware/manufacture/desktop/windows-setup-command-line-options):
  /Auto Upgrade exits 0x3 CONX_SETUP_EXITCODE_CONTINUE_REBOOT ("This upgrade was
  successful"), 0x5 CONX_SETUP_EXITCODE_RESUME_AT_COMPAT_REPORT (compatibility
  issues), 0x7 CONX_SETUP_EXITCODE_AUTO_INSTALL_FAIL (the upgrade option is not
  available, e.g. media of another edition or language); /Compat ScanOnly exits
  0xC1900210 (no issue), 0xC1900208 (actionable compat issue such as an app),
  0xC1900204 (migration choice not available), 0xC1900200 (system requirements),
  0xC190020E (disk space); /NoReboot suppresses only the first restart, setup
  restarts by itself after that.
- Phases, reboots and rollback: windows-itpro-docs
  windows/deployment/upgrade/upgrade-error-codes.md ("Windows upgrade process
  phases": downlevel, SafeOS, first boot, second boot (OOBE), rollback) and
  resolution-procedures.md (0xC1900101 - 0x4000D: rollback in the second boot
  phase during MIGRATE_DATA, usually a driver; rollback logs in
  $Windows.~BT\\Sources\\Rollback, incl. setupapi\\setupapi.dev.log and setupmem.dmp).
- Log locations and line layout (date time, level, component, message):
  windows-itpro-docs windows/deployment/upgrade/log-files.md. The message texts
  below are the simulator's own wording, not copies of Windows' lines.
- SetupProgress (percent, DWORD) under HKLM\\SYSTEM\\Setup\\MoSetup\\Volatile
  while setup runs: not documented by Microsoft; read by public deployment
  scripts (OS-upgrade splash screens of ConfigMgr task sequences) - modelled as
  the downlevel phase's progress.
- A mounted ISO does not stay mounted over a restart (Mount-DiskImage mounts
  are not persistent), so the mount is gone after the reboot.

Durations (modelled seconds) are the simulator's fixed choices (ASSUMPTIONS):
compat scan 15 min, downlevel 30 min, SafeOS 10 min, first boot 15 min, second
boot 10 min, rollback 15 min; 80 minutes in all, 35 of them offline. Microsoft
measured an average offline time of 82 minutes for the Windows 10 Creators
Update, 51 for the Fall Creators Update and 30 for the next release's Insider
builds ("We're listening to you", Windows Insider, March 2018,
insider.windows.com/en-us/articles/were-listening-to-you/), and advises
Configuration Manager to let a feature update run up to 240 minutes instead of
the default 60 (Microsoft Learn, "Deploy feature updates during maintenance
windows").
"""
from __future__ import annotations

import datetime
import json

from .. import windows_tools, winpath
from ..model import HostModel, NotModelled
from . import runs, settle, tools

BT = "C:\\$WINDOWS.~BT"
PANTHER = BT + "\\Sources\\Panther"
ROLLBACK = BT + "\\Sources\\Rollback"
NEW_PANTHER = "C:\\Windows\\Panther"

CONTINUE_REBOOT = 0x3
RESUME_AT_COMPAT_REPORT = 0x5
AUTO_INSTALL_FAIL = 0x7
SCAN_CLEAN = 0xC1900210
SCAN_APP_BLOCK = 0xC1900208
SCAN_MIGCHOICE_BLOCK = 0xC1900204
SCAN_SYSREQ_BLOCK = 0xC1900200
SCAN_DISK_BLOCK = 0xC190020E
ROLLBACK_RESULT = 0xC1900101
ERROR_FILE_CORRUPT = 0x80070570  # HRESULT_FROM_WIN32(1392) "The file or directory is corrupted and unreadable."
MIN_FREE_BYTES = 20 * 1024 ** 3  # the simulator's disk space requirement (the brief's ~20 GB)

SCAN_SECONDS = 900.0
DOWNLEVEL_SECONDS = 1800.0
SAFEOS_SECONDS = 600.0
FIRST_BOOT_SECONDS = 900.0
SECOND_BOOT_SECONDS = 600.0
ROLLBACK_SECONDS = 900.0
LABEL_SCAN = "Windows Setup compat scan"
LABEL_UPGRADE = "Windows Setup downlevel"

DEFAULT_INSTALL_DATE = "2025-03-14T09:30:00+00:00"


def signed(value: int) -> int:
    """An exit code as a process reports it (a 32-bit signed integer)."""
    return value - 0x100000000 if value >= 0x80000000 else value


# ----------------------------------------------------------------- media

def make_setup_exe(version: str = "10.0.26100.1742") -> bytes:
    return json.dumps({"winsim_exe": {"name": "setup.exe", "product_version": version}}).encode("utf-8")


def media_images(build: int = 26100, ubr: int = 1742, architecture: str = "x64", languages=("en-US",)) -> list:
    images = tools.windows11_images(build, architecture)
    for image in images:
        image["ubr"] = ubr
        image["languages"] = list(languages)
    return images


def make_media(build: int = 26100, ubr: int = 1742, architecture: str = "x64", languages=("en-US",),
               esd: bool = False) -> bytes:
    """The content of a simulated Windows ISO with setup.exe and sources\\install.wim (or .esd)."""
    wim = tools.make_wim(media_images(build, ubr, architecture, languages))
    name = "sources\\install.esd" if esd else "sources\\install.wim"
    return tools.make_iso({"setup.exe": make_setup_exe("10.0.%d.%d" % (build, ubr)), name: wim})


def read_exe(host: HostModel, path: str):
    media = windows_tools.read_media(host, path)
    if isinstance(media, dict) and "winsim_exe" in media:
        return media["winsim_exe"]
    return None


def mounted_media(host: HostModel) -> tuple:
    """(drive letter, images) of the one mounted ISO that has setup.exe."""
    found = []
    for letter in host.mounted_images.values():
        if winpath.is_file(host, letter + "\\setup.exe"):
            for name in ("install.wim", "install.esd"):
                images = windows_tools.wim_images(host, "%s\\sources\\%s" % (letter, name))
                if images is not None:
                    found.append((letter, images))
                    break
    if len(found) != 1:
        raise NotModelled("setup.exe with %d mounted Windows ISOs (the model needs exactly one)" % len(found))
    return found[0]


def keeps_apps(host: HostModel, images: list):
    """The image an upgrade keeping apps and files can use, or None (edition,
    architecture, language must match and the build must not be older)."""
    for image in images:
        if (image["edition"] == host.os.edition_id and image["architecture"] == host.os.architecture
                and int(image["build"]) >= host.os.build
                and host.os.install_language in image.get("languages", ["en-US"])):
            return image
    return None


# ----------------------------------------------------------------- state

def setup_state(host: HostModel) -> dict:
    return host.setup.setdefault("_state", {})


def dotnet_o(text) -> str:
    """A time as .NET DateTime.ToString('o') writes a UTC DateTime: 2025-03-14T09:30:00.0000000Z
    (Microsoft Learn "Standard date and time format strings", the round-trip "O" specifier)."""
    moment = text if isinstance(text, datetime.datetime) else datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d" % (moment.microsecond * 10) + "Z"


def install_date(host: HostModel) -> str:
    state = setup_state(host)
    return state.get("install_date") or host.setup.get("install_date") or DEFAULT_INSTALL_DATE


def _line(when: datetime.datetime, level: str, component: str, message: str) -> str:
    return "%s, %-21s%-6s %s" % (when.strftime("%Y-%m-%d %H:%M:%S"), level, component, message)


def _write(host: HostModel, path: str, data: bytes) -> None:
    """Setup creates its log folders as it goes."""
    winpath.make_dirs(host, winpath.parent(path))
    winpath.write_file(host, path, data)


def _append_log(host: HostModel, path: str, lines: list, when: datetime.datetime = None) -> None:
    old = winpath.read(host, path).decode("utf-8") if winpath.is_file(host, path) else ""
    _write(host, path, (old + "".join(l + "\r\n" for l in lines)).encode("utf-8"))
    # host.files keeps no times: LastWriteTime of the logs is kept here.
    stamp = when or datetime.datetime.strptime(lines[-1][:19], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    setup_state(host).setdefault("log_times", {})[winpath.key(path, host)] = stamp.isoformat()


def write_time(host: HostModel, path: str):
    """LastWriteTimeUtc of a setup log the model wrote, ISO 8601, or None."""
    if not winpath.is_file(host, path):
        return None
    return setup_state(host).get("log_times", {}).get(winpath.key(path, host))


def setup_running(host: HostModel, clock) -> bool:
    """Is a setup.exe run still going (its SetupHost.exe process alive)? Not after the downlevel phase
    ended (setup.exe /noreboot returns then; the restart it waits for is another state)."""
    settle(host, clock)
    return any(not plan["done"] and plan["label"] in (LABEL_SCAN, LABEL_UPGRADE) for plan in runs(host).values())


def running_progress(host: HostModel, clock) -> tuple:
    """(SetupProgress percent or None, label) of a setup.exe run that is still going."""
    settle(host, clock)
    now = clock.now()
    for plan in runs(host).values():
        if plan["done"] or plan["label"] not in (LABEL_SCAN, LABEL_UPGRADE):
            continue
        elapsed = (now - plan["start"]).total_seconds()
        fraction = 0.0 if plan["duration"] <= 0 else min(1.0, elapsed / plan["duration"])
        return int(fraction * 100), plan["label"]
    state = setup_state(host)
    if state.get("pending"):
        return 100, LABEL_UPGRADE  # downlevel finished, waiting for the restart
    return None, None


# ----------------------------------------------------------------- command line

_VALUES = {"/auto": {"upgrade", "clean", "dataonly"}, "/eula": {"accept"}, "/dynamicupdate": {"enable", "disable"},
           "/compat": {"scanonly", "ignorewarning"}, "/showoobe": {"none", "full"}}


def parse(argv: list) -> dict:
    opts = {"compat": set(), "flags": set()}
    i = 0
    while i < len(argv):
        arg = argv[i].lower()
        if arg in _VALUES:
            if i + 1 >= len(argv) or argv[i + 1].lower() not in _VALUES[arg]:
                raise NotModelled("setup.exe %s %s" % (argv[i], argv[i + 1] if i + 1 < len(argv) else ""))
            value = argv[i + 1].lower()
            if arg == "/compat":
                opts["compat"].add(value)
            else:
                opts[arg[1:]] = value
            i += 2
        elif arg in ("/quiet", "/noreboot"):
            opts["flags"].add(arg[1:])
            i += 1
        elif arg == "/copylogs":
            if i + 1 >= len(argv):
                raise NotModelled("setup.exe /copylogs without a location")
            opts["copylogs"] = argv[i + 1]
            i += 2
        else:
            raise NotModelled("setup.exe option %s" % argv[i])
    return opts


def plan(host: HostModel, argv: list) -> tools.Plan:
    opts = parse(argv)
    if opts.get("auto") != "upgrade":
        raise NotModelled("setup.exe without /auto upgrade")
    if "quiet" not in opts["flags"]:
        raise NotModelled("setup.exe without /quiet (its wizard)")
    letter, images = mounted_media(host)
    image = keeps_apps(host, images)
    if "scanonly" in opts["compat"]:
        return _plan_scan(host, image, opts)
    if "noreboot" not in opts["flags"]:
        raise NotModelled("setup.exe without /noreboot (restarts setup makes by itself before the controller "
                          "asked are not modelled)")
    return _plan_upgrade(host, image, opts)


def _compat_finding(host: HostModel, image) -> tuple:
    """(scan result code, log message) from the host's state."""
    knobs = host.setup
    if image is None:
        return SCAN_MIGCHOICE_BLOCK, "Keeping apps and files is not available with this media (edition, " \
                                     "architecture, language or build differs)"
    if knobs.get("compat_block") == "requirements":
        return SCAN_SYSREQ_BLOCK, "The system does not meet the minimum requirements"
    if host.disk.free_bytes < MIN_FREE_BYTES:
        return SCAN_DISK_BLOCK, "Not enough free space on %s: %d bytes free" % (
            host.disk.system_drive, host.disk.free_bytes)
    if knobs.get("compat_block") == "app":
        return SCAN_APP_BLOCK, "Hard block: application %s is not compatible" % knobs.get(
            "blocking_app", "Contoso Agent")
    return SCAN_CLEAN, None


def _plan_scan(host: HostModel, image, opts) -> tools.Plan:
    code, finding = _compat_finding(host, image)

    def effect(h: HostModel, when) -> None:
        lines = [_line(when - datetime.timedelta(seconds=SCAN_SECONDS), "Info", "MOUPG", "Setup started: compat scan only"),
                 _line(when, "Info", "MOUPG", "Compatibility scan finished: result 0x%08X" % code)]
        if finding:
            lines.insert(1, _line(when, "Error", "MOUPG", "%s [0x%08X]" % (finding, code)))
            _append_log(h, PANTHER + "\\setuperr.log", lines[1:2])
            report = "<CompatReport><Finding Result=\"0x%08X\">%s</Finding></CompatReport>" % (code, finding)
            _write(h, PANTHER + "\\CompatData_%s.xml" % when.strftime("%Y_%m_%d_%H_%M_%S"), report.encode("utf-8"))
        _append_log(h, PANTHER + "\\setupact.log", lines)
        setup_state(h)["box_result"] = code

    return tools.Plan(LABEL_SCAN, SCAN_SECONDS, signed(code), effect=effect)


def _failing_storage(host: HostModel) -> bool:
    return bool(host.disk.failing)


def _rollback_driver(host: HostModel):
    """A third-party filter driver that makes the second boot roll back (the
    model's rule for resolution-procedures.md's 0x4000D case)."""
    for av in host.antivirus:
        if av.third_party and av.enabled and av.filter_driver:
            return av
    return None


def _plan_upgrade(host: HostModel, image, opts) -> tools.Plan:
    if image is None:
        def refused(h: HostModel, when) -> None:
            _append_log(h, PANTHER + "\\setuperr.log", [_line(when, "Error", "MOUPG",
                        "Upgrade keeping apps and files is not available with this media [0x%X]" % AUTO_INSTALL_FAIL)])
        return tools.Plan(LABEL_UPGRADE, 300.0, AUTO_INSTALL_FAIL, effect=refused)
    code, finding = _compat_finding(host, image)
    if code != SCAN_CLEAN:
        def blocked(h: HostModel, when) -> None:
            _append_log(h, PANTHER + "\\setuperr.log", [_line(when, "Error", "MOUPG", "%s [0x%08X]" % (finding, code))])
        return tools.Plan(LABEL_UPGRADE, SCAN_SECONDS, RESUME_AT_COMPAT_REPORT, effect=blocked)
    if _failing_storage(host):
        # Reading the payload from a failing disk: downlevel fails in COPY_PAYLOAD (extend 0x10001).
        def failed(h: HostModel, when) -> None:
            _append_log(h, PANTHER + "\\setuperr.log", [
                _line(when, "Error", "SP", "Copying the install payload failed: read error on %s [0x%08X]"
                      % (h.disk.system_drive, ERROR_FILE_CORRUPT)),
                _line(when, "Error", "MOUPG", "Setup failed: result 0x%08X - 0x10001" % ERROR_FILE_CORRUPT)])
        return tools.Plan(LABEL_UPGRADE, DOWNLEVEL_SECONDS * 0.6, signed(ERROR_FILE_CORRUPT), effect=failed)
    driver = _rollback_driver(host)
    copylogs = opts.get("copylogs")

    def downlevel_done(h: HostModel, when) -> None:
        begin = when - datetime.timedelta(seconds=DOWNLEVEL_SECONDS)
        _append_log(h, PANTHER + "\\setupact.log", [
            _line(begin, "Info", "MOUPG", "Setup started: /auto upgrade, keeping apps and files"),
            _line(when, "Info", "MOUPG", "Downlevel phase complete; restart required (exit 0x3)")])
        state = setup_state(h)
        offline = SAFEOS_SECONDS + FIRST_BOOT_SECONDS + SECOND_BOOT_SECONDS
        if driver is not None:
            offline += ROLLBACK_SECONDS
        state["pending"] = {
            "downlevel_end": when.isoformat(), "outcome": "rolled_back" if driver else "completed",
            "build": int(image["build"]), "ubr": int(image.get("ubr", 1742)),
            "driver": driver.filter_driver if driver else None, "copylogs": copylogs,
            "offline_seconds": offline, "saved_downtime": h.faults.reboot_downtime_seconds,
        }
        # The restart the controller starts now keeps the host away for the offline phases.
        h.faults.reboot_downtime_seconds = offline

    return tools.Plan(LABEL_UPGRADE, DOWNLEVEL_SECONDS, CONTINUE_REBOOT, effect=downlevel_done)


# ----------------------------------------------------------------- after the restart

def settle_boot(host: HostModel, clock=None) -> None:
    """Apply the offline phases once the host has booted after the downlevel phase."""
    if clock is not None:
        settle(host, clock)
    state = setup_state(host)
    pending = state.get("pending")
    if not pending:
        return
    end = datetime.datetime.fromisoformat(pending["downlevel_end"])
    if host.boot_time <= end:
        return  # not restarted yet
    state.pop("pending")
    host.faults.reboot_downtime_seconds = pending["saved_downtime"]
    # Mounted ISOs are gone after a restart.
    for letter in list(host.mounted_images.values()):
        for k in list(host.files):
            if k.startswith(letter.lower() + "\\"):
                del host.files[k]
    host.mounted_images.clear()
    booted = host.boot_time
    start = booted - datetime.timedelta(seconds=pending["offline_seconds"])
    t_safeos = start
    t_first = t_safeos + datetime.timedelta(seconds=SAFEOS_SECONDS)
    t_second = t_first + datetime.timedelta(seconds=FIRST_BOOT_SECONDS)
    reboots = [t_safeos.isoformat(), t_first.isoformat(), t_second.isoformat()]
    if pending["outcome"] == "completed":
        host.os.build = pending["build"]
        host.os.version = "10.0.%d" % pending["build"]
        host.os.ubr = pending["ubr"]
        state["install_date"] = booted.replace(microsecond=0).isoformat()  # InstallDate holds whole seconds
        state["last_result"] = "completed"
        _repair_effect(host)
        _append_log(host, NEW_PANTHER + "\\setupact.log", [
            _line(t_safeos, "Info", "SP", "SafeOS phase started (restart 1)"),
            _line(t_first, "Info", "SP", "First boot phase started (restart 2)"),
            _line(t_second, "Info", "SP", "Second boot (OOBE) phase started (restart 3)"),
            _line(booted, "Info", "SP", "Setup completed successfully")])
    else:
        t_rollback = t_second + datetime.timedelta(seconds=SECOND_BOOT_SECONDS)
        reboots.append(t_rollback.isoformat())
        state["last_result"] = "rolled_back"
        state["box_result"] = ROLLBACK_RESULT
        lines = [
            _line(t_second, "Info", "SP", "Second boot (OOBE) phase started"),
            _line(t_rollback, "Error", "MIG", "Migrating data failed: driver %s did not load in the new OS"
                  % pending["driver"]),
            _line(t_rollback, "Error", "SP", "Operation failed: MIGRATE_DATA. Result 0x%08X - 0x4000D, rolling back"
                  % ROLLBACK_RESULT),
            _line(booted, "Info", "SP", "Rollback complete; the previous Windows installation was restored")]
        _append_log(host, ROLLBACK + "\\setupact.log", lines)
        _append_log(host, ROLLBACK + "\\setuperr.log", [l for l in lines if ", Error" in l])
        driver_line = "!!!  dvi: Device install of %s failed\r\n" % pending["driver"]
        _write(host, ROLLBACK + "\\setupapi\\setupapi.dev.log", driver_line.encode("utf-8"))
    state["reboots"] = reboots


def _repair_effect(host: HostModel) -> None:
    """What a repair install fixes. tests/winsim/causes.py (another helper's)
    decides when it exists; otherwise the store and system files are rebuilt."""
    try:
        from .. import causes  # noqa: WPS433 - optional, written by another helper
    except ImportError:
        causes = None
    if causes is not None and hasattr(causes, "apply"):
        causes.apply(host, "inplace_upgrade")
        return
    # A repair install lays down a fresh copy of the OS components (same build):
    # store corruption and files that could not be rebuilt from deltas are gone.
    host.component_store.health = "healthy"
    host.component_store.system_files_corrupt = False
    host.cbs_log = [l for l in host.cbs_log if "Hydration failed" not in l]


tools.register("setup.exe", plan)
