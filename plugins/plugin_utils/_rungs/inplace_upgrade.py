# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Decisions of an in-place repair install (win_inplace_upgrade), without a host.

- setup.exe's command lines (compat scan, the upgrade itself);
- does the ISO's image fit the installed Windows (setup keeps apps and files
  only when edition, architecture and language match and the build is not older);
- the preflight's blocking problems;
- what setup's exit codes and, after the restarts, the host's state mean;
- the message of a rollback.

Sources: Microsoft Learn "Windows Setup Command-Line Options" (the /Auto exit
codes 0x3/0x5/0x7, /Compat ScanOnly result codes, /NoReboot suppressing only
the first restart, /CopyLogs); windows-itpro-docs
windows/deployment/upgrade/upgrade-error-codes.md (phases, result and extend
codes), resolution-procedures.md (0xC1900101 is a generic rollback code,
usually a driver; supplemental logs in $Windows.~BT\\Sources\\Rollback: setupmem.dmp,
*.evtx, setupapi\\setupapi.dev.log; a clean boot before a retry) and
log-files.md (log locations).
"""
from __future__ import annotations

import datetime

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.setup_result import (
    decode_exit_code, decode_rollback, parse_setup_log)

GIB = 1024 ** 3
DEFAULT_MIN_FREE_GB = 20
CONTINUE_REBOOT = 0x3
SCAN_CLEAN = 0xC1900210

# What the docs say it costs, repeated in refusals.
COST = ("an in-place repair install takes an hour or more, restarts the host several times (it is unreachable "
        "meanwhile) and needs about 20 GB free on the system drive")


def base_arguments(dynamic_update=False):
    return ["/auto", "upgrade", "/quiet", "/eula", "accept",
            "/dynamicupdate", "enable" if dynamic_update else "disable"]


def scan_arguments(copy_logs=None, dynamic_update=False):
    """setup.exe arguments of the compatibility scan (/Compat ScanOnly exits with a result code)."""
    args = base_arguments(dynamic_update) + ["/compat", "scanonly", "/compat", "ignorewarning"]
    if copy_logs:
        args += ["/copylogs", copy_logs]
    return args


def upgrade_arguments(copy_logs=None, dynamic_update=False):
    """setup.exe arguments of the repair install.

    /noreboot: setup ends after the downlevel phase with exit code 0x3
    (CONTINUE_REBOOT) instead of restarting by itself; the controller reads
    that exit code (a downlevel failure is known before any restart) and then
    starts the first restart itself with ansible.windows' reboot helper, which
    waits for the host. /NoReboot suppresses only the first restart: setup's
    later restarts (SafeOS -> first boot -> second boot) happen while the
    controller waits for the logon screen.
    """
    args = base_arguments(dynamic_update) + ["/compat", "ignorewarning", "/showoobe", "none", "/noreboot"]
    if copy_logs:
        args += ["/copylogs", copy_logs]
    return args


def os_report(info):
    """The version fields reported before/after."""
    info = info or {}
    return {k: info.get(k) for k in ("product_name", "edition_id", "display_version", "build", "ubr",
                                     "install_date") if k in info}


def preflight_problems(pre, min_free_gb=DEFAULT_MIN_FREE_GB):
    """Blocking problems found by inplace_preflight (each one sentence), in order."""
    problems = []
    path = pre.get("image_path") or ""
    if not pre.get("image_exists"):
        text = ("the ISO %s does not exist on the host: copy an ISO of the installed edition, language and "
                "build there, or set image to where it is" % path)
        if path.startswith("\\\\"):
            text += (" (or the share cannot be read from a WinRM session: a UNC path needs credential delegation "
                     "- CredSSP or Kerberos delegation - or become; else copy the ISO to a local disk first)")
        problems.append(text)
    free = pre.get("free_bytes")
    if free is not None and free < min_free_gb * GIB:
        problems.append("only %.1f GB free on %s; setup needs about %d GB"
                        % (free / float(GIB), pre.get("system_drive") or "the system drive", min_free_gb))
    if pre.get("reboot_pending"):
        problems.append("a restart is pending; restart the host first (ansible.windows.win_reboot)")
    return problems


def normalise_language(value):
    return (value or "").strip().lower()


def match_media(host, images, allow_newer_build=False):
    """Pick the image of the ISO setup will use for HOST and say what does not fit.

    host: inplace_preflight's result; images: inplace_media_info's `images`.
    Returns {ok, index, image, problems, warnings}. Windows Setup keeps apps
    and files only when the media has the installed edition, the same
    architecture and the same language and is not older; with other media it
    offers a clean install or data only, which /auto upgrade refuses (exit 0x7).
    """
    problems, warnings = [], []
    edition = host.get("edition_id")
    arch = host.get("architecture")
    build = host.get("build")
    language = normalise_language(host.get("install_language"))
    installation = host.get("installation_type")
    if not images:
        return {"ok": False, "index": None, "image": None, "warnings": warnings,
                "problems": ["the ISO has no sources\\install.wim or install.esd with images"]}
    # inplace_media_info reads the details only up to the image that fits; the rest are listed without.
    images = [i for i in images if i.get("edition") is not None] or images
    same_edition = [i for i in images if i.get("edition") == edition]
    # Server Core and Server with Desktop Experience share an EditionId; setup cannot turn one into the
    # other ("Install Server Core or Server with Desktop Experience", Microsoft Learn), so the type must match.
    same_type = [i for i in same_edition if not installation or not i.get("installation")
                 or i.get("installation") == installation]
    if not same_edition:
        problems.append("the ISO has no %s image (it has %s)"
                        % (edition, ", ".join(sorted({str(i.get("edition")) for i in images}))))
        candidates = images
    elif not same_type:
        problems.append("the ISO has %s only with installation type %s, the host has installation type %s"
                        % (edition, ", ".join(sorted({str(i.get("installation")) for i in same_edition})),
                           installation))
        candidates = same_edition
    else:
        candidates = same_type
    image = candidates[0]
    if image.get("architecture") != arch:
        problems.append("the ISO is %s, the host is %s" % (image.get("architecture"), arch))
    langs = [normalise_language(l) for l in image.get("languages") or []]
    if language and langs and language not in langs:
        problems.append("the ISO's language is %s, the host was installed in %s"
                        % (", ".join(image.get("languages")), host.get("install_language")))
    media_build = image.get("build")
    if media_build is not None and build is not None:
        if media_build < build:
            problems.append("the ISO is build %s, older than the installed build %s" % (media_build, build))
        elif media_build > build:
            text = ("the ISO is build %s, newer than the installed build %s: that is a feature update, not a "
                    "repair install" % (media_build, build))
            if allow_newer_build:
                warnings.append(text)
            else:
                problems.append(text + " (set allow_newer_build: true to do it anyway)")
    if (host.get("ubr") or 0) > (image.get("ubr") or 0) and media_build == build:
        warnings.append("the ISO's UBR %s is older than the installed %s.%s: after the repair the host is at "
                        "%s.%s until Windows Update installs the latest cumulative update again"
                        % (image.get("ubr"), build, host.get("ubr"), build, image.get("ubr")))
    ok = not problems
    return {"ok": ok, "index": image.get("index") if ok else None, "image": image, "problems": problems,
            "warnings": warnings}


def _code(exit_code):
    return exit_code & 0xFFFFFFFF if isinstance(exit_code, int) else exit_code


def interpret_scan(exit_code):
    """(ok, info) for the exit code of setup.exe /compat scanonly."""
    if exit_code is None:
        return False, {"outcome": "no_exit_code", "message": "setup.exe ended without an exit code", "code": None}
    decoded = decode_exit_code(exit_code)
    info = {"outcome": decoded["outcome"], "message": decoded["message"], "code": decoded["code"]["hex"],
            "name": decoded["code"]["name"]}
    return _code(exit_code) == SCAN_CLEAN, info


SCAN_ADVICE = {
    0xC1900208: "an installed app or driver blocks the upgrade: read the CompatData*.xml reports in "
                "C:\\$WINDOWS.~BT\\Sources\\Panther (Microsoft: 'Use Windows Setup compatibility scan logs to "
                "identify blocking issues'), remove or update it, and run again",
    0xC1900200: "the host does not meet the system requirements of this Windows version",
    0xC190020E: "not enough free disk space for the install payload: free about 20 GB on the system drive",
    0xC19001DF: "not enough free disk space: free about 20 GB on the system drive",
    0xC1900204: "keeping apps and files is not available with this media: use an ISO of the installed edition, "
                "architecture, language and build",
}


def scan_message(exit_code, info):
    advice = SCAN_ADVICE.get(_code(exit_code) if isinstance(exit_code, int) else None,
                             "read setuperr.log in C:\\$WINDOWS.~BT\\Sources\\Panther")
    return "compatibility scan found a blocking issue (%s %s): %s; the host was not changed" % (
        info.get("code"), info.get("name") or info.get("outcome"), advice)


def interpret_downlevel(exit_code):
    """(ok, info) for setup.exe /auto upgrade /noreboot: 0x3 means the downlevel phase succeeded."""
    if exit_code is None:
        return False, {"outcome": "no_exit_code", "message": "setup.exe ended without an exit code", "code": None,
                       "name": None}
    decoded = decode_exit_code(exit_code)
    info = {"outcome": decoded["outcome"], "message": decoded["message"], "code": decoded["code"]["hex"],
            "name": decoded["code"]["name"]}
    return _code(exit_code) == CONTINUE_REBOOT, info


def downlevel_message(exit_code, info, pairs=None):
    code = _code(exit_code) if isinstance(exit_code, int) else None
    if code == 0x5:
        what = "setup stopped on compatibility issues (0x5); run with compat_scan: true to see the result code"
    elif code == 0x7:
        what = ("setup cannot keep apps and files with this media (0x7): the ISO's edition, architecture, language "
                "or build does not fit the installed Windows")
    else:
        what = "setup failed in the downlevel phase (%s %s: %s)" % (info.get("code"), info.get("name") or "",
                                                                    info.get("message"))
    if pairs:
        what += "; logged result %s" % pairs[0]["summary"]
    return what + ". Nothing was restarted; the installed Windows is unchanged. Logs: C:\\$WINDOWS.~BT\\Sources\\Panther"


def judge_after(before, state, started):
    """Outcome after the restarts: completed | rolled_back | in_progress | unknown.

    before: inplace_preflight's result; state: inplace_setup_state's result;
    started: when setup.exe was started (aware datetime).
    A completed repair install (or feature update) sets InstallDate anew; a
    rollback writes $WINDOWS.~BT\\Sources\\Rollback\\setupact.log; setup still
    running keeps SetupProgress below 100.
    """
    rollback_time = isotime.parse(state.get("rollback_log_time"))
    if rollback_time and started and rollback_time >= started:
        return "rolled_back"
    install_before = isotime.parse(before.get("install_date"))
    install_after = isotime.parse(state.get("install_date"))
    if install_after and (install_before is None or install_after > install_before) and \
            (started is None or install_after >= started - datetime.timedelta(seconds=1)):
        return "completed"
    progress = state.get("setup_progress")
    if progress is not None and progress < 100:
        return "in_progress"
    return "unknown"


# What became of a repair install an earlier, cut-off run of the task started (earlier_setup).
EARLIER_NONE = "none"  # nothing to take up: start setup (again)
EARLIER_RUNNING = "running"  # setup still runs: starting with the same key attaches to it
EARLIER_RESTART_PENDING = "restart_pending"  # downlevel phase done, the host has not restarted since
EARLIER_COMPLETED = "completed"  # setup finished after it started (a new InstallDate)
EARLIER_ROLLED_BACK = "rolled_back"  # setup rolled back after it started


def earlier_setup(status, state):
    """What to do with the setup run an earlier run of the task started under the same key.

    status: detached_status's answer for that key (None when there is none); state:
    inplace_setup_state's answer now. Both clocks are the host's. A run a restart ended,
    or whose downlevel phase failed, left the installed Windows as it was (the downlevel
    phase runs within the previous operating system: Microsoft Learn, "Resolve Windows
    10 upgrade errors", The Windows 10 upgrade process): it is started again.
    """
    status = status or {}
    if status.get("state") == "running":
        return EARLIER_RUNNING
    if status.get("state") != "exited" or not interpret_downlevel(status.get("exit_code"))[0]:
        return EARLIER_NONE
    started = isotime.parse(status.get("start_time"))
    if started is None:
        return EARLIER_NONE
    rollback_time = isotime.parse(state.get("rollback_log_time"))
    if rollback_time and rollback_time >= started:
        return EARLIER_ROLLED_BACK
    installed = isotime.parse(state.get("install_date"))
    if installed and installed >= started - datetime.timedelta(seconds=1):
        return EARLIER_COMPLETED
    ended = isotime.parse(status.get("end_time")) or started
    booted = isotime.parse(state.get("boot_time"))
    if booted is not None and booted <= ended:
        return EARLIER_RESTART_PENDING
    return EARLIER_NONE  # restarted since, yet neither completed nor rolled back: start again


def restart_missed(state, downlevel_end):
    """Whether the host has not restarted since the downlevel phase ended at DOWNLEVEL_END (host
    clock): the restart that lets setup go on never happened (the request was lost)."""
    booted = isotime.parse((state or {}).get("boot_time"))
    ended = isotime.parse(downlevel_end)
    return booted is not None and ended is not None and booted <= ended


def summarize_logs(logs):
    """setup_result.parse_setup_log over the key lines inplace_setup_logs returned, per file and overall."""
    files = []
    pairs, lines = [], []
    for entry in (logs or {}).get("files") or []:
        if not entry.get("exists"):
            continue
        parsed = parse_setup_log("\n".join(entry.get("lines") or []))
        for pair in parsed["result_pairs"]:
            if pair["summary"] not in [p["summary"] for p in pairs]:
                pairs.append(pair)
        lines.extend(entry.get("lines") or [])
        files.append({"path": entry.get("path"), "size": entry.get("size"), "last_write": entry.get("last_write"),
                      "errors": [e["message"] for e in parsed["entries"] if e["level"] in ("Error", "Fatal Error")]})
    return {"files": files, "result_pairs": pairs, "lines": lines[-40:],
            "compat_data": list((logs or {}).get("compat_data") or [])}


def rollback_message(pair, antivirus=None):
    """The msg of a rollback: decoded code, the likely cause, next steps."""
    if pair is None:
        pair = decode_rollback("0xC1900101")
    phase = (pair.get("phase") or {}).get("short") or "an unknown phase"
    operation = (pair.get("operation") or {}).get("short") or "an unknown operation"
    third_party = [a for a in antivirus or [] if a and "defender" not in a.lower()]
    parts = ["Windows Setup rolled back (%s%s): it failed in the %s phase during %s and restored the previous "
             "installation; the host runs the build it had before"
             % (pair.get("result"), " - " + pair["extend"] if pair.get("extend") else "", phase, operation)]
    if (pair.get("result") or "").upper() == "0XC1900101":
        cause = "0xC1900101 is the generic rollback code and usually means an incompatible driver"
        if third_party:
            cause += " - third-party security software is installed (%s), whose filter drivers are a common " \
                     "cause" % ", ".join(third_party)
        parts.append(cause)
    parts.append("Next: read C:\\$WINDOWS.~BT\\Sources\\Rollback\\setupact.log and setupapi\\setupapi.dev.log "
                 "(and setupmem.dmp if present) for the driver; update or uninstall it (uninstall third-party "
                 "antivirus/VPN/disk-encryption agents), disconnect unneeded devices, do a clean boot, then run "
                 "again")
    return ". ".join(parts)


def decode_pair(text):
    """'0xC1900101 - 0x4000D' -> decode_rollback dict (None when not a pair)."""
    try:
        return decode_rollback(text)
    except (ValueError, TypeError, KeyError):
        return None
