# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Pure logic of win_wu_reset: the plan of a Windows Update components reset and
the reading of the journal the host sends back.

Why the work is split this way:
- wu_reset_state.ps1 only reads the host (services, folders, backups, BITS queue
  files, DLLs present). It runs in check mode too, so check mode plans from the
  real host state.
- Every decision (which services, in which order, backup names, what to prune,
  what `aggressive` adds, what a rollback must undo) is made here, on the
  controller, where it is unit-tested without a host.
- wu_reset_apply.ps1 carries out the plan in ONE round trip with its own
  rollback. Stopping the services, renaming the folders and starting them again
  must not be spread over several WinRM calls: wuauserv and bits are trigger-start
  services that Windows can start again between two calls (then a rename fails),
  and a connection lost between two calls would leave the host with Windows
  Update stopped and its folders renamed. ansible.windows.win_service is not used
  for the same reason (one call per service, no way to end a process stuck in
  STOP_PENDING, no rollback across steps).

Facts used (public sources):
- Services, order, files, security descriptors and DLL list: Microsoft support
  article "Additional resources for Windows Update" (formerly KB971058, "How do I
  reset Windows Update components?").
- appidsvc depends on cryptsvc (sc.exe qc appidsvc: DEPENDENCIES RpcSs, CryptSvc,
  AppID), so it is stopped before and started after cryptsvc.
- BITS keeps its queue in qmgr0.dat/qmgr1.dat up to Windows 8.1 and in an ESE
  database (qmgr.db with qmgr.jfm, edb.chk, edb*.log, edb*.jrs) from Windows 10
  on, in %ALLUSERSPROFILE%\\Microsoft\\Network\\Downloader (BITS documentation;
  public forensic write-ups of the BITS database).
- Update Orchestrator Service (UsoSvc), Delivery Optimization (DoSvc) and Windows
  Modules Installer (TrustedInstaller) also work in SoftwareDistribution and can
  hold it open (service names and roles: Microsoft Learn "Guidance on disabling
  system services on Windows Server 2016 with Desktop Experience",
  https://learn.microsoft.com/windows-server/security/windows-services/security-guidelines-for-disabling-system-services-in-windows-server).
  They are only
  stopped (their start type is not held: that they can lock the folder is the
  reason; an assumption is that changing their start type may be refused on
  newer builds) and started again if they ran before.
- The descriptor the Microsoft article sets with `sc.exe sdset` dates from Windows 7:
  its SYSTEM entry lacks SERVICE_CHANGE_CONFIG (DC), WRITE_DAC (WD) and WRITE_OWNER
  (WO) that Windows 10/11 give SYSTEM on bits and wuauserv (sc.exe sdshow on a
  current host; ACE rights: Microsoft Learn "Service Security and Access Rights"
  and "ACE Strings"). Applied there it takes rights from SYSTEM, so the plan sets
  no descriptor; the apply script only ever sets back one it read from the host.
- `netsh winsock reset` needs a restart to take effect (netsh winsock docs).
- regsvr32 exit codes: 0 ok, 3 LoadLibrary failed, 4 no DllRegisterServer entry
  point, 5 DllRegisterServer failed (Raymond Chen, "What do the various regsvr32
  exit codes mean?", The Old New Thing).
"""
from __future__ import annotations

import fnmatch
import re

LEVELS = ("standard", "aggressive")

# Stop order: services that depend on others first (appidsvc before cryptsvc).
STOP_ORDER = ("bits", "wuauserv", "appidsvc", "cryptsvc", "msiserver")
# Only stopped (see the module documentation), before the others; absent ones
# (before Windows 10) are left out without a warning.
STOP_ONLY = ("usosvc", "dosvc", "trustedinstaller")
# Start order: dependencies first.
START_ORDER = ("cryptsvc", "appidsvc", "bits", "wuauserv", "msiserver")
START_ONLY_ORDER = ("trustedinstaller", "dosvc", "usosvc")
# Started after the reset even when they were stopped before: they are the
# services Windows Update needs, and starting them is the check that the reset
# worked. (bits and wuauserv are manual, trigger-start services that stop by
# themselves when idle.) Others are started only if they ran before.
ALWAYS_START = ("cryptsvc", "bits", "wuauserv")

# The two folders renamed to backups: name -> (base key in state["paths"], leaf).
FOLDERS = (
    ("SoftwareDistribution", "windir", "SoftwareDistribution"),
    ("catroot2", "system32", "catroot2"),
)
QUEUE_NAME = "Downloader"
# What the Microsoft article moves away (it deletes them; this module renames).
QUEUE_PATTERNS_STANDARD = ("qmgr*.dat",)
# The Windows 10+ BITS database, with its ESE logs: moved as a set, aggressive only,
# because it holds the BITS jobs of every application, not only Windows Update.
QUEUE_PATTERNS_ESE = ("qmgr.db", "qmgr.jfm", "edb.chk", "edb*.log", "edb*.jrs")

SD_SERVICES = ("bits", "wuauserv")
# The Windows 7-era descriptor the Microsoft article sets with `sc.exe sdset` for
# both bits and wuauserv (SY without DC/WD/WO, BA full, AU read, PU start/stop).
# Not applied any more (module documentation); kept to recognise it.
DEFAULT_SDDL = ("D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
                "(A;;CCLCSWLOCRRC;;;AU)(A;;CCLCSWRPWPDTLOCRRC;;;PU)")

# The DLL list of the Microsoft article (Windows 7 era). Only the names found in
# System32 of the host are registered; see the module documentation for why.
DEFAULT_DLLS = (
    "atl.dll", "urlmon.dll", "mshtml.dll", "shdocvw.dll", "browseui.dll", "jscript.dll",
    "vbscript.dll", "scrrun.dll", "msxml.dll", "msxml3.dll", "msxml6.dll", "actxprxy.dll",
    "softpub.dll", "wintrust.dll", "dssenh.dll", "rsaenh.dll", "gpkcsp.dll", "sccbase.dll",
    "slbcsp.dll", "cryptdlg.dll", "oleaut32.dll", "ole32.dll", "shell32.dll", "initpki.dll",
    "wuapi.dll", "wuaueng.dll", "wuaueng1.dll", "wucltui.dll", "wups.dll", "wups2.dll",
    "wuweb.dll", "qmgr.dll", "qmgrprxy.dll", "wucltux.dll", "muweb.dll", "wuwebv.dll",
)

# Our own backup names only: <leaf>.bak-YYYYMMDDTHHMMSS[-n]. Nothing else is pruned.
_STAMP_RE = re.compile(r"^\d{8}T\d{6}$")
_BACKUP_TAIL = r"\.bak-(?P<stamp>\d{8}T\d{6})(?:-(?P<n>\d+))?$"

STATE_KEYS = ("now_utc", "paths", "services", "folders", "backups", "queue_files", "dlls_present")


class PlanError(Exception):
    """The host state cannot be planned from (missing keys, bad values)."""


# ---------------------------------------------------------------- paths
def win_join(parent, child):
    return parent.rstrip("\\") + "\\" + child


def win_parent(path):
    stripped = path.rstrip("\\")
    idx = stripped.rfind("\\")
    return stripped[:idx] if idx > 0 else stripped


def win_leaf(path):
    return path.rstrip("\\").rsplit("\\", 1)[-1]


def backup_regex(leaf):
    return re.compile("^" + re.escape(leaf) + _BACKUP_TAIL, re.IGNORECASE)


def backup_sort_key(leaf, name):
    """Sort key (stamp, n) of one of our backup names, or None if it is not ours."""
    m = backup_regex(leaf).match(name)
    if not m:
        return None
    return (m.group("stamp"), int(m.group("n") or 1))


# ---------------------------------------------------------------- state
def check_state(state):
    """Raise PlanError unless STATE is what wu_reset_state.ps1 answers."""
    if not isinstance(state, dict):
        raise PlanError("the state script answered %r, not a dictionary" % type(state).__name__)
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise PlanError("the state script answer lacks %s" % ", ".join(missing))
    for key in ("windir", "system32", "downloader"):
        if not (state["paths"] or {}).get(key):
            raise PlanError("the state script did not report the path %s" % key)
    if not _STAMP_RE.match(str(state["now_utc"])):
        raise PlanError("the host clock %r is not in the form YYYYMMDDTHHMMSS" % state["now_utc"])


def services_by_name(state):
    return {str(s["name"]).lower(): s for s in state.get("services") or []}


def _present(service):
    return bool(service) and service.get("exists", True)


# ---------------------------------------------------------------- plan
def backup_suffix(stamp, taken_names):
    """'bak-<stamp>', or 'bak-<stamp>-<n>' if a backup of that second already exists."""
    taken = {n.lower() for n in taken_names}
    n = 1
    while True:
        suffix = "bak-%s" % stamp if n == 1 else "bak-%s-%d" % (stamp, n)
        if not any(name.endswith("." + suffix.lower()) for name in taken):
            return suffix
        n += 1


def select_queue_files(queue_files, level):
    patterns = QUEUE_PATTERNS_STANDARD + (QUEUE_PATTERNS_ESE if level == "aggressive" else ())
    chosen = []
    for entry in queue_files or []:
        name = win_leaf(entry["path"]).lower()
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            chosen.append(entry["path"])
    return sorted(chosen, key=str.lower)


def plan_prune(existing_backups, leaf, new_backup_name, keep):
    """Paths of our backups of LEAF to delete so that KEEP remain, the new one included.

    existing_backups: [{"name": leaf, "path": ...}] as the state script lists them.
    """
    ours = []
    for b in existing_backups:
        if str(b.get("name", "")).lower() != leaf.lower():
            continue
        key = backup_sort_key(leaf, win_leaf(b["path"]))
        if key is not None:
            ours.append((key, b["path"]))
    if new_backup_name is not None:
        ours.append((backup_sort_key(leaf, new_backup_name), None))
    ours.sort(key=lambda item: item[0], reverse=True)
    return [path for _key, path in ours[keep:] if path is not None]


def build_plan(state, level="standard", keep_backups=2, stop_timeout=60,
               kill_stuck_services=True, dlls=None):
    """The ordered reset of one host, from the state wu_reset_state.ps1 read."""
    check_state(state)
    if level not in LEVELS:
        raise PlanError("level must be one of %s" % ", ".join(LEVELS))
    if int(keep_backups) < 1:
        raise PlanError("keep_backups must be at least 1: the backup just made is always kept")
    aggressive = level == "aggressive"
    paths = state["paths"]
    svcs = services_by_name(state)
    warnings = []

    stop = [n for n in STOP_ORDER if _present(svcs.get(n))]
    absent = [n for n in STOP_ORDER if not _present(svcs.get(n))]
    for name in absent:
        warnings.append("service %s does not exist on this host; it is left out" % name)
    stop_only = [n for n in STOP_ONLY if _present(svcs.get(n))]
    start_modes = {n: svcs[n]["start_mode"] for n in stop}
    running_before = [n for n in START_ORDER if n in stop and svcs[n]["state"] == "running"]
    running_before += [n for n in START_ONLY_ORDER if n in stop_only and svcs[n]["state"] == "running"]
    start = []
    for name in START_ORDER:
        if name not in stop:
            continue
        if svcs[name]["start_mode"] == "disabled":
            if name in ALWAYS_START:
                warnings.append(
                    "service %s is disabled: it keeps that start type and is not started; "
                    "Windows Update cannot work until it is enabled" % name)
            continue
        if name in ALWAYS_START or name in running_before:
            start.append(name)
    start.extend(n for n in START_ONLY_ORDER if n in running_before)

    existing_backup_leaves = [win_leaf(b["path"]) for b in state["backups"] or []]
    suffix = backup_suffix(state["now_utc"], existing_backup_leaves)
    folders = {str(f["name"]).lower(): f for f in state["folders"] or []}

    renames = []
    prune = []
    for name, base, leaf in FOLDERS:
        path = win_join(paths[base], leaf)
        info = folders.get(name.lower()) or {}
        if not info.get("exists"):
            warnings.append("%s does not exist; there is nothing to rename" % path)
            prune.extend(plan_prune(state["backups"], leaf, None, keep_backups))
            continue
        backup = "%s.%s" % (path, suffix)
        renames.append({"name": name, "path": path, "backup": backup,
                        "size_bytes": int(info.get("size_bytes") or 0)})
        prune.extend(plan_prune(state["backups"], leaf, win_leaf(backup), keep_backups))

    queue_files = select_queue_files(state["queue_files"], level)
    downloader = paths["downloader"]
    queue_backup = "%s.%s" % (downloader, suffix) if queue_files else ""
    prune.extend(plan_prune(state["backups"], QUEUE_NAME,
                            win_leaf(queue_backup) if queue_backup else None, keep_backups))

    present_dlls = {win_leaf(p).lower(): p for p in state["dlls_present"] or []}
    wanted = [d.lower() for d in (DEFAULT_DLLS if dlls is None else dlls)]
    register = [present_dlls[d] for d in wanted if d in present_dlls] if aggressive else []
    skipped_dlls = [d for d in wanted if d not in present_dlls] if aggressive else []
    sddl = {}

    plan = {
        "level": level,
        "suffix": suffix,
        "stop": stop,
        "stop_only": stop_only,
        "start": start,
        "start_modes": start_modes,
        "running_before": running_before,
        "stop_timeout": int(stop_timeout),
        "kill_stuck": bool(kill_stuck_services),
        "renames": renames,
        "queue_files": queue_files,
        "queue_backup": queue_backup,
        "prune": sorted(set(prune), key=str.lower),
        "reset_winhttp_proxy": aggressive,
        "reset_winsock": aggressive,
        "register_dlls": register,
        "skipped_dlls": skipped_dlls,
        "security_descriptors": sddl,
        "warnings": warnings,
    }
    plan["steps"] = planned_steps(plan)
    return plan


def planned_steps(plan):
    """The steps in the order wu_reset_apply.ps1 runs them (ids match its journal)."""
    steps = []
    for name in plan.get("stop_only") or []:
        steps.append({"id": "stop:%s" % name, "action": "stop (%ds timeout; its start type is kept, its process is "
                      "never ended)" % plan["stop_timeout"], "target": name})
    for name in plan["stop"]:
        steps.append({"id": "stop:%s" % name, "action": "set start type Disabled for the duration, stop "
                      "(%ds timeout%s)" % (plan["stop_timeout"],
                                           ", end the process if stuck in STOP_PENDING" if plan["kill_stuck"] else ""),
                      "target": name})
    if plan["queue_files"]:
        steps.append({"id": "move_queue", "action": "move BITS queue files into %s" % plan["queue_backup"],
                      "target": ", ".join(plan["queue_files"])})
    for r in plan["renames"]:
        steps.append({"id": "rename:%s" % r["name"], "action": "rename to %s" % r["backup"], "target": r["path"]})
    for name in sorted(plan["security_descriptors"]):
        steps.append({"id": "sdset:%s" % name, "action": "set the default security descriptor (the previous one "
                      "is returned)", "target": name})
    if plan["reset_winhttp_proxy"]:
        steps.append({"id": "winhttp_reset_proxy", "action": "netsh winhttp reset proxy", "target": "WinHTTP"})
    if plan["reset_winsock"]:
        steps.append({"id": "winsock_reset", "action": "netsh winsock reset (needs a reboot)", "target": "Winsock"})
    if plan["register_dlls"]:
        steps.append({"id": "register_dlls", "action": "regsvr32 /s each DLL present in System32",
                      "target": ", ".join(plan["register_dlls"])})
    for name in plan["stop"]:
        steps.append({"id": "restore_start_mode:%s" % name,
                      "action": "restore start type %s" % plan["start_modes"][name], "target": name})
    for name in plan["start"]:
        steps.append({"id": "start:%s" % name, "action": "start and check it runs", "target": name})
    for path in plan["prune"]:
        steps.append({"id": "prune:%s" % path, "action": "delete old backup (keep_backups)", "target": path})
    return steps


def apply_parameters(plan):
    """The param() values of wu_reset_apply.ps1 for PLAN."""
    return {
        "StopServices": list(plan["stop"]),
        "StopOnly": list(plan.get("stop_only") or []),
        "StartServices": list(plan["start"]),
        "StartModes": dict(plan["start_modes"]),
        "RunningBefore": list(plan["running_before"]),
        "StopTimeoutSeconds": plan["stop_timeout"],
        "KillStuck": plan["kill_stuck"],
        "Renames": [{"path": r["path"], "backup": r["backup"], "name": r["name"]} for r in plan["renames"]],
        "QueueFiles": list(plan["queue_files"]),
        "QueueBackup": plan["queue_backup"],
        "Prune": list(plan["prune"]),
        "ResetWinHttpProxy": plan["reset_winhttp_proxy"],
        "ResetWinsock": plan["reset_winsock"],
        "RegisterDlls": list(plan["register_dlls"]),
        "SecurityDescriptors": dict(plan["security_descriptors"]),
    }


# ---------------------------------------------------------------- results
def service_view(service):
    return {"state": service.get("state"), "start_mode": service.get("start_mode"),
            "pid": int(service.get("pid") or 0)}


def services_summary(services):
    """{name: {state, start_mode, pid}} from a list of service entries."""
    out = {}
    for s in services or []:
        if s.get("exists", True):
            out[str(s["name"]).lower()] = service_view(s)
    return out


def stuck_services(result):
    """Names of the services the module RESULT (interpret()) shows still STOP_PENDING after the reset."""
    after = result.get("services_after") or {}
    return sorted(name for name, view in after.items() if (view or {}).get("state") == "stop_pending")


def backups_made(plan, journal):
    """{name: backup path} for the renames/moves the journal reports done."""
    done = {e["id"] for e in journal if e.get("status") == "ok"}
    out = {}
    for r in plan["renames"]:
        if "rename:%s" % r["name"] in done:
            out[r["name"]] = r["backup"]
    if plan["queue_backup"] and "move_queue" in done:
        out[QUEUE_NAME] = plan["queue_backup"]
    return out


def failure_message(plan, result):
    """A msg that says what failed, what was undone and what to do."""
    step = result.get("failed_step") or "?"
    error = (result.get("error") or "").strip()
    parts = ["The Windows Update reset failed at step %s: %s." % (step, error or "no detail")]
    hint = _hint(step, error)
    if hint:
        parts.append(hint)
    rollback = result.get("rollback") or []
    undone = [r for r in rollback if r.get("status") == "ok"]
    not_undone = [r for r in rollback if r.get("status") != "ok"]
    if undone and not not_undone:
        parts.append("The host was put back as it was (%d rollback steps)." % len(undone))
    elif undone or not_undone:
        parts.append("Rollback: %d steps undone; NOT undone: %s." % (
            len(undone), "; ".join("%s (%s)" % (r.get("id"), r.get("detail") or r.get("status"))
                                   for r in not_undone) or "none"))
    else:
        parts.append("Nothing had been changed.")
    return " ".join(parts)


def _hint(step, error):
    low = error.lower()
    if "access" in low and "denied" in low:
        return ("Access denied: the connecting account must be a local administrator with an elevated "
                "token (UAC remote restrictions), and no security product may lock the service or folder.")
    if step.startswith("stop:") and ("stop_pending" in low or "stop pending" in low):
        return ("The service did not stop. Set kill_stuck_services=true to end its process, or reboot the "
                "host and run the reset again.")
    if step.startswith("stop:") and "shared" in low:
        return "Its process hosts other services, so it was not ended; reboot the host and run the reset again."
    if step.startswith("rename:"):
        return "A process still holds the folder open (antivirus, a backup agent, a running installer)."
    if step.startswith("start:"):
        return "Look at the System event log (Service Control Manager) for why the service did not start."
    return ""


def diff_text(services, folder_lines):
    lines = ["services:"]
    for name in sorted(services):
        s = services[name]
        lines.append("  %s: %s, %s" % (name, s.get("state"), s.get("start_mode")))
    lines.append("folders:")
    for path in sorted(folder_lines, key=str.lower):
        lines.append("  %s: %s" % (path, folder_lines[path]))
    return "\n".join(lines) + "\n"


def _size(n):
    return "present (%d bytes)" % int(n or 0)


def diff_before(state, plan):
    svcs = {n: v for n, v in services_summary(state["services"]).items() if n in plan["stop"]}
    folders = {}
    for r in plan["renames"]:
        folders[r["path"]] = _size(r["size_bytes"])
        folders[r["backup"]] = "absent"
    if plan["queue_backup"]:
        folders[plan["queue_backup"]] = "absent"
        for f in plan["queue_files"]:
            folders[f] = "present"
    for p in plan["prune"]:
        folders[p] = "present (old backup)"
    return diff_text(svcs, folders)


def diff_after_planned(state, plan):
    """What diff_before becomes if every step succeeds (check mode)."""
    before = services_summary(state["services"])
    svcs = {}
    for name in plan["stop"]:
        svcs[name] = {"state": "running" if name in plan["start"] else "stopped",
                      "start_mode": before[name]["start_mode"]}
    return diff_text(svcs, _folders_after(plan, {r["name"] for r in plan["renames"]},
                                          bool(plan["queue_backup"]), plan["prune"]))


def _folders_after(plan, renamed, queue_moved, pruned):
    folders = {}
    for r in plan["renames"]:
        if r["name"] in renamed:
            folders[r["path"]] = "new, created by Windows"
            folders[r["backup"]] = _size(r["size_bytes"]) + " (backup)"
        else:
            folders[r["path"]] = _size(r["size_bytes"])
            folders[r["backup"]] = "absent"
    if plan["queue_backup"]:
        folders[plan["queue_backup"]] = "present (backup)" if queue_moved else "absent"
        for f in plan["queue_files"]:
            folders[f] = "absent (moved)" if queue_moved else "present"
    for p in plan["prune"]:
        folders[p] = "absent (pruned)" if p in pruned else "present (old backup)"
    return folders


def diff_after_result(plan, result):
    svcs = {n: v for n, v in services_summary(result.get("services_after")).items() if n in plan["stop"]}
    made = backups_made(plan, result.get("journal") or [])
    return diff_text(svcs, _folders_after(plan, set(made) - {QUEUE_NAME}, QUEUE_NAME in made,
                                          set(result.get("pruned") or [])))


def interpret(plan, state, result):
    """The module's return values from the apply script's RESULT."""
    journal = list(result.get("journal") or [])
    failed = bool(result.get("failed_step"))
    out = {
        "failed": failed,
        "changed": bool(result.get("changed", True)) if failed else True,
        "level": plan["level"],
        "steps": journal,
        "backups": {} if failed else backups_made(plan, journal),
        "pruned": list(result.get("pruned") or []),
        "services_before": services_summary(state["services"]),
        "services_after": services_summary(result.get("services_after")),
        "reboot_required": bool(result.get("reboot_required")),
        "previous_security_descriptors": dict(result.get("previous_security_descriptors") or {}),
        "dll_results": list(result.get("dll_results") or []),
        "skipped_dlls": list(plan["skipped_dlls"]),
        "rollback": list(result.get("rollback") or []),
        "warnings": list(plan["warnings"]) + list(result.get("warnings") or []),
    }
    if failed:
        out["msg"] = failure_message(plan, result)
        # Backups a rollback could not rename back are still on the host: say where.
        kept = [r for r in out["rollback"] if r.get("status") == "kept"]
        out["backups"] = {r["name"]: r["backup"] for r in kept if r.get("name") and r.get("backup")}
    else:
        out["msg"] = "Windows Update components reset (%s)" % plan["level"]
    return out
