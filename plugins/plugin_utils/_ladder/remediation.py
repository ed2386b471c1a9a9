# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The decisions of the ladder driver (role wu_remediate), as pure functions.

The role only runs what these functions decide; the host work is in the
modules. The policy itself (rungs, cause -> rung map) is ladder.py; this
module turns a diagnosis into a climbing plan, keeps the record of one
remediation (the fact ``wu_remediation`` and the host journal), resumes an
interrupted run from the journal, reads each rung's module result and names
the verdict.

The record (``new_record``) is a dict:

  version, host, target_kb, run_id, started, finished, check_mode, resumed,
  causes [{name, confidence, evidence}], plan {...}, rungs_run [step, ...],
  fixed_by, installed_kb, verdict, reason, next_steps [str], last_resorts [...],
  evidence {...}

A step: {rung, started, finished, outcome, changed, reboot_required,
elapsed_seconds, host_seconds, details, verify, resumed}. ``outcome`` is one
of STEP_OUTCOMES; ``verify`` is null or {outcome, kb, hresult, message, via}.
"""
from __future__ import annotations

import datetime
import re
import uuid

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import dead_ends, ladder

RECORD_VERSION = 1

# Rungs the driver may use without being asked: cheap and safe first. The
# repair install (hours, several restarts) is opt-in.
DEFAULT_ENABLED = ("preflight", "sfc_dism", "reset", "catalog_install")
OPT_IN_RUNGS = ("inplace_upgrade",)
AUTOMATED_RUNGS = tuple(r for r in ladder.RUNGS if r != "manual")

# A rung interrupted (connection lost, host restarted) is run again only when
# running it again is safe: its module attaches to the run still going on the
# host (sfc_dism, catalog_install, inplace_upgrade keep detached runs keyed by
# their command line) or only reads and re-checks (preflight). The component
# reset renames folders each time it runs: an interrupted reset is treated as
# done and verified instead of being repeated.
REPEAT_SAFE = frozenset(("preflight", "sfc_dism", "catalog_install", "inplace_upgrade"))

STEP_OUTCOMES = ("started", "done", "failed", "skipped", "interrupted", "planned")
# "unverified": Windows Update could not be asked (WinRM errors, a dropped connection) even after the retries.
VERIFY_OUTCOMES = ("installed", "failed", "not_offered", "reboot_pending", "unverified")
VERDICTS = ("fixed", "installed", "already_installed", "needs_person", "skipped_failing_disk", "check_mode",
            "unverified")

# What a person does when the evidence or the ladder hands over.
_PERSON_STEPS = {
    "third_party_filter_driver": "pause or uninstall the third-party antivirus with its vendor's tool "
                                 "for the update, then run the ladder again",
    "forward_delta_hydration": "a repair install (in-place upgrade from an ISO of the installed edition, "
                               "keeping files and apps) is the fix: set wu_remediate_allow_inplace_upgrade "
                               "and wu_remediate_inplace_image, or do it by hand",
    "insider_build_conflict": "leave the Windows Insider programme (set wu_remediate_leave_insider) and wait "
                              "for the release channel to catch up, or install the next cumulative update",
    "storage_fault": "back up the host's data first, then check or replace the disk; no repair was run",
}


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def norm_kb(kb):
    """'kb5043080' / '5043080' -> 'KB5043080'; ValueError for anything else."""
    text = str(kb or "").strip().upper()
    if text and not text.startswith("KB"):
        text = "KB" + text
    # ASCII digits only (str.isdigit() also takes "²" and other scripts' digits), 6 to 8 of them.
    if not (8 <= len(text) <= 10 and all("0" <= ch <= "9" for ch in text[2:])):
        raise ValueError("not a KB number: %r (expected KB followed by 6 to 8 digits)" % (kb,))
    return text


# ------------------------------------------------------------------ settings

def enabled_rungs(enabled=None, allow_inplace_upgrade=False):
    """The automated rungs the driver may climb: ENABLED (default DEFAULT_ENABLED),
    plus inplace_upgrade only when ALLOW_INPLACE_UPGRADE. 'manual' is always there."""
    chosen = list(DEFAULT_ENABLED if enabled is None else enabled)
    for rung in chosen:
        ladder.rung_index(rung)  # refuse typos
    if allow_inplace_upgrade:
        chosen.append("inplace_upgrade")
    else:
        chosen = [r for r in chosen if r != "inplace_upgrade"]
    chosen.append("manual")
    return [r for r in ladder.RUNGS if r in chosen]  # in climbing order, each once


def catalog_product(os_info):
    """The catalog product and architecture for win_wu_diagnose's ``os`` value:
    {"product": "Windows 11 Version 24H2", "architecture": "x64"}; ValueError when unknown."""
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install
    os_info = os_info or {}
    host = {"product_name": os_info.get("product_name"), "display_version": os_info.get("display_version"),
            "build": os_info.get("build"), "architecture": os_info.get("architecture"),
            "installation_type": "Client" if os_info.get("product_type") == "workstation" else "Server"}
    try:
        product, arch = kb_install.catalog_target(host)
    except Exception as err:  # kb_install's own error classes
        raise ValueError(str(err))
    return {"product": product, "architecture": arch}


# ---------------------------------------------------------------------- plan

SFC_POLICIES = ("auto", "always")


# Rungs whose changes a System Restore point can take back: the pre-flight's own
# restart, clean-up and service start types are not among them.
RESTORE_POINT_RUNGS = ("sfc_dism", "reset", "catalog_install", "inplace_upgrade")


def plan(diagnosis, target_kb, enabled=None, allow_inplace_upgrade=False, cause_map=None, journal_entry=None,
         sfc="auto"):
    """Which rungs to climb for this host (see _plan), and restore_point: whether the pre-flight makes a
    System Restore point - only when a rung that changes the system follows it (never on a host that is
    handed over after the pre-flight, has the update, or has a failing disk); fork_priority: the rough
    minutes of the climb up to its first repair rung and its install (ladder.expected_minutes; 0 when
    nothing is to be done), which the collection's strategy gives forks by."""
    out = _plan(diagnosis, target_kb, enabled, allow_inplace_upgrade, cause_map, journal_entry, sfc)
    out["restore_point"] = out["try_install_first"] or any(r in RESTORE_POINT_RUNGS for r in out["rungs"])
    idle = out["installed"] or out["blocked"]
    out["fork_priority"] = 0 if idle else ladder.expected_minutes(
        out["rungs"], out["try_install_first"], out["stop_for_person"])
    return out


def _plan(diagnosis, target_kb, enabled, allow_inplace_upgrade, cause_map, journal_entry, sfc):
    """Which rungs to climb for this host, in order.

    diagnosis: the win_wu_diagnose result (causes, installed_kbs, ...).
    sfc: 'auto' (sfc /scannow runs on the sfc_dism rung unless every cause that
    rung was chosen for is cured by DISM alone: cause map "sfc": false) or
    'always'.
    Returns {target_kb, installed, causes, blocked, block_reason,
    try_install_first, rungs, sfc, stop_for_person, person_reasons, recommended, enabled}.

    - target installed: nothing to do (rungs []).
    - storage_fault: blocked, no rung at all (every rung writes to the disk).
    - no cause: try the plain install first, then climb every enabled rung.
    - a cause routed to 'manual' (its rungs disabled or none automated): run only
      the recommended automated rungs (preflight) and hand over to a person.
    - otherwise: preflight, then from the lowest recommended repair rung up
      through the enabled rungs; a cause whose fallback is 'manual' caps the climb
      at its own rung (a higher rung cannot fix it).
    """
    kb = norm_kb(target_kb)
    if sfc not in SFC_POLICIES:
        raise ValueError("sfc must be one of %s, not %r" % (", ".join(SFC_POLICIES), sfc))
    diagnosis = diagnosis or {}
    causes = list(diagnosis.get("causes") or [])
    names = [c.get("name") for c in causes]
    have = {str(k).upper() for k in diagnosis.get("installed_kbs") or []}
    installed = kb in have
    satisfied_by = kb if installed else None
    # An earlier run may have installed an update that supersedes the target
    # (catalog rung for an Insider build): that counts while it is installed.
    earlier = (journal_entry or {}).get("installed_kb")
    if not installed and (journal_entry or {}).get("verdict") == "fixed" and earlier and earlier.upper() in have:
        installed, satisfied_by = True, earlier.upper()
    usable = enabled_rungs(enabled, allow_inplace_upgrade)
    out = {
        "target_kb": kb, "installed": installed, "satisfied_by": satisfied_by, "causes": names, "blocked": False, "block_reason": None,
        "try_install_first": False, "rungs": [], "sfc": True, "stop_for_person": False, "person_reasons": [],
        "recommended": [], "enabled": [r for r in usable if r != "manual"], "left_out": [],
        # Every automated rung in climbing order, the same for every host: the
        # driver loops over it (and runs those in "rungs"), so that Ansible's
        # include de-duplication across hosts cannot change the order.
        "ladder": list(AUTOMATED_RUNGS),
    }
    if installed:
        return out
    merged = dict(ladder.DEFAULT_CAUSE_MAP)
    merged.update(cause_map or {})
    if "storage_fault" in names:
        out["blocked"] = True
        out["block_reason"] = merged["storage_fault"].get("why")
        out["stop_for_person"] = True
        out["person_reasons"] = [{"cause": "storage_fault", "why": out["block_reason"], "note": None}]
        return out
    automated = [r for r in usable if r != "manual"]
    if not causes:
        out["try_install_first"] = True
        out["rungs"] = automated
        return out

    recommended = ladder.recommended_rungs(causes, merged, usable)
    out["recommended"] = [{"rung": r["rung"], "causes": r["causes"], "blocking": r["blocking"]} for r in recommended]
    out["sfc"] = sfc == "always" or _sfc_needed(recommended, merged)
    chosen = [r["rung"] for r in recommended]  # "manual" among them: only the automated ones run (below)
    manual = [r for r in recommended if r["rung"] == "manual"]
    futile = _futile(names, merged)
    out["left_out"] = [{"rung": rung, "causes": futile[rung]} for rung in automated if rung in futile]
    if manual:
        out["rungs"] = [r for r in automated if r in chosen and r not in futile]
        out["stop_for_person"] = True
        out["person_reasons"] = [{"cause": x["cause"], "why": x["why"], "note": x["note"]}
                                 for x in manual[0]["reasons"]]
        return out
    repair = [r for r in chosen if r != "preflight"]
    first = repair[0] if repair else None
    cap = None
    for entry in recommended:
        for reason in entry["reasons"]:
            if "manual" in (reason.get("fallbacks") or []):
                idx = ladder.rung_index(entry["rung"])
                cap = idx if cap is None else min(cap, idx)
                out["stop_for_person"] = True
                out["person_reasons"].append({"cause": reason["cause"], "why": reason["why"],
                                              "note": reason.get("note")})
    rungs = ["preflight"] if "preflight" in automated else []
    if first is not None:
        low = ladder.rung_index(first)
        for rung in automated:
            idx = ladder.rung_index(rung)
            if idx >= low and (cap is None or idx <= cap):  # low is above the pre-flight's
                rungs.append(rung)
    elif "preflight" not in rungs:
        rungs = automated
    out["rungs"] = [r for r in rungs if r not in futile]
    if first in futile and not any(ladder.rung_index(r) > ladder.rung_index(first) for r in out["rungs"]):
        # The only rung the evidence called for cannot help while another cause is there.
        out["stop_for_person"] = True
    return out


def _futile(names, cause_map):
    """{rung: [causes]} of the rungs that cannot help while one of the causes NAMES is there
    (cause map "futile": e.g. no install of any kind while a third-party antivirus filter is loaded)."""
    out = {}
    for name in names:
        for rung in (cause_map.get(name) or {}).get("futile") or ():
            ladder.rung_index(rung)  # refuse typos in an override
            out.setdefault(rung, []).append(name)
    return out


def _sfc_needed(recommended, cause_map):
    """False only when the sfc_dism rung was chosen for causes that DISM alone
    cures (cause map "sfc": false): sfc /scannow then costs its run (10-15
    minutes) and repairs nothing the install needs. Any other cause there, or a
    cause that reached the rung as a fallback, keeps it."""
    for entry in recommended:
        if entry["rung"] == "sfc_dism":
            names = entry["causes"]
            return not names or any((cause_map.get(name) or {}).get("sfc", True) for name in names)
    return True


# -------------------------------------------------------------------- record

# The role's settings a record keeps: what a person changes to get past a dead
# end (a repair source, media), so a re-run can tell that something changed;
# "retry" only asks to repeat a failed step anyway: it is no change.
_CHANGE_SETTINGS = ("sfc_dism_source", "inplace_image", "allow_inplace_upgrade", "cleanup", "leave_insider")
SETTINGS = _CHANGE_SETTINGS + ("retry",)
# The settings a person changes to get past a failure ("retry" only asks to repeat it anyway).
_SETTING_OF_VARIABLE = {"wu_remediate_sfc_dism_source": "sfc_dism_source", "wu_remediate_inplace_image": "inplace_image",
                        "wu_remediate_allow_inplace_upgrade": "allow_inplace_upgrade"}


def new_record(host, target_kb, diagnosis=None, plan_=None, check_mode=False, now=None, settings=None):
    """A fresh remediation record for HOST and TARGET_KB; SETTINGS: the role's values of SETTINGS."""
    diagnosis = diagnosis or {}
    return {
        "version": RECORD_VERSION,
        "host": host,
        "target_kb": norm_kb(target_kb),
        "run_id": uuid.uuid4().hex[:12],
        "started": now or utc_now(),
        "finished": None,
        "check_mode": bool(check_mode),
        "resumed": False,
        "causes": [{"name": c.get("name"), "confidence": c.get("confidence"),
                    "evidence": list(c.get("evidence") or [])} for c in diagnosis.get("causes") or []],
        "plan": plan_ or {},
        "rungs_run": [],
        "fixed_by": None,
        "installed_kb": None,
        "verdict": None,
        "reason": None,
        "next_steps": [],
        "last_resorts": [],
        "dead_ends": [],
        "settings": {k: (settings or {}).get(k) for k in SETTINGS},
        "evidence": evidence_summary(diagnosis),
    }


def evidence_summary(diagnosis):
    """The evidence a person (or the fleet report) needs, small enough for the journal."""
    d = diagnosis or {}
    failures = []
    for f in (d.get("update_failures") or [])[:10]:
        code = f.get("hresult") or {}
        failures.append({"kb": f.get("kb"), "hresult": code.get("hex"), "name": code.get("name"),
                         "count": f.get("count"), "last_seen": f.get("last_seen"),
                         "resolved": f.get("resolved")})
    osinfo = d.get("os") or {}
    drive = d.get("system_drive") or {}
    disk = d.get("disk_health") or {}
    return {
        "os": {k: osinfo.get(k) for k in ("product_name", "display_version", "full_build", "architecture",
                                          "product_type", "edition_id", "install_language")},
        "free_gb": drive.get("free_gb"),
        "pending_reboot": (d.get("pending_reboot") or {}).get("any"),
        "update_failures": failures,
        "cbs_signals": [s.get("name") for s in (d.get("cbs") or {}).get("signals") or []],
        "forward_delta_lines": list(((d.get("cbs") or {}).get("forward_delta_lines") or [])[:3]),
        "insider": d.get("insider"),
        "third_party_antivirus": [a.get("name") for a in d.get("antivirus") or [] if a.get("third_party")],
        "disk_healthy": disk.get("healthy"),
        "storage_events": len(disk.get("storage_events") or []),
        "probe_errors": [e.get("probe") for e in d.get("probe_errors") or []],
    }


def _step(record, rung):
    for step in reversed(record.get("rungs_run") or []):
        if step.get("rung") == rung:
            return step
    return None


def _backup_paths(diagnosis):
    return sorted(b.get("path") for b in (diagnosis or {}).get("backups") or [] if b.get("path"))


def record_start(record, rung, now=None, resumed=False, diagnosis=None):
    """A copy of RECORD with RUNG started (journal this before the rung's host work).

    For the reset, the backups that exist before it are noted: after a lost
    connection, a backup that was not there shows that the reset ran."""
    rec = _copy(record)
    details = {}
    started = now or utc_now()
    if rung == "reset":
        details["backups_before"] = _backup_paths(diagnosis)
    if rung == "inplace_upgrade":
        details["attempt"] = _attempt(rec["rungs_run"], rung, started)
    rec["rungs_run"].append({
        "rung": rung, "started": started, "finished": None, "outcome": "started",
        "changed": None, "reboot_required": False, "elapsed_seconds": None, "host_seconds": None,
        "details": details, "verify": None, "resumed": bool(resumed),
    })
    return rec


def journaled_start(record, rung, journaled):
    """When the step of RUNG was started in the journal: its start time in JOURNALED (the result of
    the win_wu_journal write that journaled RECORD with RUNG started), else None (no such write:
    check mode writes nothing). The driver journals the start first and records it after the rung,
    from the same time, so the record and the journal hold the same step."""
    steps = ((journaled or {}).get("entry") or {}).get("rungs_run") or []
    if len(steps) != len(record.get("rungs_run") or []) + 1:
        return None
    last = steps[-1]
    if last.get("rung") != rung or last.get("outcome") != "started":
        return None
    return last.get("started")


def _attempt(steps, rung, started):
    """Which attempt at RUNG a step started at STARTED is: the attempt of the step of RUNG before
    it when that one was cut off (this step takes it up), else STARTED (a new attempt, e.g. a
    failed step tried again). win_inplace_upgrade keys its setup run on it (resume_id), so a
    resumed run finds the setup it started and a retry starts a new one."""
    earlier = [s for s in steps if s.get("rung") == rung]
    if earlier and earlier[-1].get("outcome") in ("started", "interrupted"):
        return (earlier[-1].get("details") or {}).get("attempt") or earlier[-1].get("started") or started
    return started


_NOTED_AT_START = ("backups_before", "attempt")


def record_finish(record, rung, outcome, now=None):
    """A copy of RECORD with RUNG's step finished with OUTCOME (from rung_outcome())."""
    rec = _copy(record)
    step = _step(rec, rung)
    if step is None:
        rec = record_start(rec, rung, now)
        step = _step(rec, rung)
    step["finished"] = now or utc_now()
    start, end = isotime.parse(step["started"]), isotime.parse(step["finished"])
    step["elapsed_seconds"] = round((end - start).total_seconds(), 1) if start and end else None
    noted = {k: v for k, v in (step.get("details") or {}).items() if k in _NOTED_AT_START}
    for key in ("outcome", "changed", "reboot_required", "host_seconds", "details"):
        if key in outcome:
            step[key] = outcome[key]
    # What record_start noted stays: a resume reads it (a cut-off reset's backups before it, the
    # attempt a repair install keys its setup run on).
    step["details"] = dict(noted, **(step.get("details") or {}))
    if outcome.get("dead_end"):
        step["dead_end"] = outcome["dead_end"]
    if outcome.get("installed"):
        # The rung installed the update itself (catalog_install): that is its verification.
        step["verify"] = {"outcome": "installed", "kb": outcome.get("installed_kb") or rec["target_kb"],
                          "hresult": None, "message": outcome.get("details", {}).get("msg"), "via": rung}
        rec["fixed_by"] = rung
        rec["installed_kb"] = step["verify"]["kb"]
    return rec


def record_verify(record, rung, verify):
    """A copy of RECORD with VERIFY (from verify_outcome()) attached to RUNG's step
    (rung None: the plain install tried before any rung, step 'install')."""
    rec = _copy(record)
    name = rung or "install"
    step = _step(rec, name)
    if step is None:
        now = utc_now()
        rec["rungs_run"].append({"rung": name, "started": now, "finished": now, "outcome": "done",
                                 "changed": verify.get("outcome") == "installed", "reboot_required": False,
                                 "elapsed_seconds": None, "host_seconds": verify.get("host_seconds"),
                                 "details": {}, "verify": None, "resumed": False})
        step = rec["rungs_run"][-1]
    step["verify"] = {k: verify.get(k) for k in ("outcome", "kb", "hresult", "message", "via")}
    if verify.get("attempts"):
        step["verify"]["attempts"] = verify["attempts"]
    if verify.get("journal_failed"):
        step["verify"]["journal_failed"] = True
    if verify.get("outcome") == "installed":
        rec["fixed_by"] = name
        rec["installed_kb"] = verify.get("kb") or rec["target_kb"]
    elif name == "install" and verify.get("outcome") == "failed" and (rec.get("plan") or {}).get("try_install_first"):
        # The plain install was tried because the evidence named no cause (none within the
        # diagnosis window, e.g. a re-run weeks later). Its failure is fresh evidence: the
        # driver diagnoses again and plans from it (replan()) instead of climbing blind.
        rec["replan"] = True
    return rec


def replan(record, diagnosis, plan_):
    """A copy of RECORD planned again from DIAGNOSIS (read after the plain install failed) and its
    PLAN_: the causes, evidence and plan are the new ones, the steps run so far stay."""
    rec = _copy(record)
    fresh = new_record(rec["host"], rec["target_kb"], diagnosis, plan_)
    for key in ("causes", "plan", "evidence"):
        rec[key] = fresh[key]
    rec.pop("replan", None)
    return rec


def record_restart(record, rung, message, answered=None):
    """A copy of RECORD noting that the restart after RUNG (its repair, or the install its
    verification made) took longer than the timeout: MESSAGE is Ansible's, ANSWERED whether
    the host answered again within one more timeout (None: not known yet)."""
    rec = _copy(record)
    step = _step(rec, rung or "install")
    if step is not None:
        step["restart"] = {"outcome": "slow", "message": message, "answered": answered}
    return rec


def _copy(record):
    rec = dict(record)
    rec["rungs_run"] = [dict(s) for s in record.get("rungs_run") or []]
    return rec


# --------------------------------------------------------------------- resume

def _ran_meanwhile(step, diagnosis):
    """Whether an interrupted step shows on the host that it ran (reset: a new backup)."""
    if step.get("rung") != "reset" or diagnosis is None:
        return None
    before = set((step.get("details") or {}).get("backups_before") or [])
    return any(path not in before for path in _backup_paths(diagnosis))


def resume(record, entry, diagnosis=None):
    """Merge an unfinished journal ENTRY for the same target into RECORD.

    An entry with a verdict belongs to a finished run: the new run starts fresh
    (the entry stays in the journal as ``previous``). Otherwise its steps are
    taken over: finished rungs are not run again; an interrupted rung is run
    again only when that is safe (REPEAT_SAFE). An interrupted reset is run
    again only when DIAGNOSIS (read now) shows it did not run (no backup it
    would have made); otherwise it counts as done and is verified first.

    Returns a copy of RECORD with keys resumed, rungs_run (taken over),
    done_rungs [rungs not to run again], verify_pending (verify before climbing).
    """
    rec = _copy(record)
    rec.setdefault("done_rungs", [])
    rec.setdefault("verify_pending", False)
    if entry and entry.get("verdict") == "needs_person" and _cut_off_for_good(entry.get("rungs_run") or [], diagnosis):
        # A rung was cut off (lost connection) and not run again after, so the
        # ladder did not really run out: resume that run instead of letting its
        # verdict stand.
        entry = {k: v for k, v in entry.items() if k not in ("verdict", "fixed_by", "finished")}
    if entry and entry.get("verdict") == "unverified":
        # The last run could not ask Windows Update whether its rung worked (no answer): it did not end,
        # it stopped short of that answer. Take it up with that verification instead of starting afresh,
        # which would run its rungs again (a second component reset).
        entry = {k: v for k, v in entry.items() if k not in ("verdict", "fixed_by", "finished")}
    changed = conditions_changed(entry, rec)
    old_steps = (entry or {}).get("rungs_run") or []
    repeat = [i for i, s in enumerate(old_steps)
              if _worth_repeating(s, changed, rec, _failures(old_steps, s.get("rung")))
              and not _tried_later(old_steps, i)]
    if entry and entry.get("verdict") == "needs_person" and repeat:
        # A rung failed for a reason outside the repair (the catalog, a download,
        # space, a service that would not stop, missing media, no repair source)
        # and left the host as it was; what it needed has changed since: a re-run
        # tries that rung again and keeps what the other rungs did.
        entry = {k: v for k, v in entry.items() if k not in ("verdict", "fixed_by", "finished")}
    if entry and entry.get("verdict") in SETTLED_VERDICTS and _same_plan(entry.get("plan"), rec.get("plan")):
        # The last run ended needing a person, and nothing has changed: running
        # the ladder again would only repeat it. The verdict stands (nothing
        # runs, nothing is written) until the evidence or a setting changes.
        out = dict(entry)
        out["rungs_run"] = [dict(s) for s in entry.get("rungs_run") or []]
        out["settled"] = True
        out["done_rungs"] = list(AUTOMATED_RUNGS) + ["install"]
        out["verify_pending"] = False
        out["check_mode"] = rec.get("check_mode")
        held = list(dict.fromkeys(s["rung"] for s in out["rungs_run"] if _retry_on_resume(s) or s.get("dead_end")))
        if held:
            out["reason"] = "%s; the failed %s step was not repeated: nothing it depends on changed since (settings, " \
                "free space, the host's state); change what its message names first, or set wu_remediate_retry: " \
                "true to repeat it anyway" % (entry.get("reason") or "needs a person", ", ".join(held))
        return out
    if not entry or entry.get("verdict") or norm_kb(entry.get("target_kb") or "KB000000") != rec["target_kb"]:
        if entry and entry.get("verdict"):
            rec["previous"] = {k: entry.get(k) for k in ("run_id", "verdict", "fixed_by", "installed_kb", "finished")}
        return rec
    rec["resumed"] = True
    if entry.get("fixed_by") and (rec.get("plan") or {}).get("installed"):
        # The update installed (the journal holds its verification, the diagnosis sees it) and the run
        # ended before its verdict, e.g. the host did not answer after the restart that finishes it.
        rec["fixed_by"], rec["installed_kb"] = entry["fixed_by"], entry.get("installed_kb")
    rec["run_id"] = entry.get("run_id") or rec["run_id"]
    rec["started"] = entry.get("started") or rec["started"]
    steps, done, verify_pending, taken_up = [], [], False, []
    for index, old in enumerate(entry.get("rungs_run") or []):
        step = dict(old)
        rung = step.get("rung")
        if step.get("outcome") in ("started", "interrupted"):
            if rung in REPEAT_SAFE or _ran_meanwhile(step, diagnosis) is False:
                step["outcome"] = "interrupted"
                step["details"] = dict(step.get("details") or {}, note="interrupted; run again on resume")
                steps.append(step)
                taken_up.append(index)
                verify_pending = False  # the rung runs again and is verified then
                continue
            step["outcome"] = "interrupted"
            step["details"] = dict(step.get("details") or {},
                                   note="interrupted; not repeated on resume (it changed the host)")
            verify_pending = True
        elif index in repeat:
            asked = bool((rec.get("settings") or {}).get("retry"))
            step["details"] = dict(step.get("details") or {}, note="failed; run again on resume (%s)" % (
                ", ".join(changed) or ("asked to" if asked else _WHY_AGAIN.get(
                    (step.get("details") or {}).get("retry_when"), "asked to"))))
            step.pop("dead_end", None)  # what it needed was given: the rungs it ruled out are back too
            steps.append(step)
            continue
        elif (step.get("verify") or {}).get("outcome") == "unverified":
            # Asked and got no answer: verify that rung first this time.
            step["verify"] = None
            verify_pending = True
        elif step.get("verify"):
            verify_pending = False
        elif step.get("outcome") == "done" and rung != "install":
            # A finished rung whose verification was lost (a pre-flight that cured nothing is never verified).
            verify_pending = rung != "preflight" or bool((step.get("details") or {}).get("remedied"))
        if rung and rung not in done:
            done.append(rung)
        steps.append(step)
    rec["rungs_run"] = steps
    # A rung run again (its last attempt is repeated) is not done, whatever its earlier attempts did.
    again = {old_steps[i].get("rung") for i in repeat}
    rec["done_rungs"] = [r for r in done if r not in again]
    rec["reopen"] = _reopen(old_steps, repeat + taken_up)
    rec["verify_pending"] = verify_pending
    return _credit_if_installed(rec)


def _cut_off_for_good(steps, diagnosis=None):
    """Whether a step of STEPS was interrupted and a resumed run would take it up: no later step of
    the same rung ran to an end, and it is one a resume runs again (REPEAT_SAFE) or it has no
    verification yet (a cut-off reset is verified instead of repeated: once verified, it is done),
    or DIAGNOSIS shows it never took effect (a cut-off reset that left no backup rolled back)."""
    for index, step in enumerate(steps):
        verified = (step.get("verify") or {}).get("outcome") not in (None, "unverified")
        done = verified and step.get("rung") not in REPEAT_SAFE and not _left_no_trace(step, diagnosis)
        taken_up = done or any(
            later.get("rung") == step.get("rung") and later.get("outcome") in ("done", "failed")
            for later in steps[index + 1:])
        if step.get("outcome") == "interrupted" and not taken_up:
            return True
    return False


def _left_no_trace(step, diagnosis):
    """A cut-off reset that noted the backups before it, where DIAGNOSIS (which lists the backups)
    shows no new one: it rolled back, or never got to rename anything."""
    noted = "backups_before" in (step.get("details") or {})
    return noted and "backups" in (diagnosis or {}) and _ran_meanwhile(step, diagnosis) is False


def _reopen(steps, repeat):
    """{rung: repeated rung} for each rung of STEPS that only ever failed (not at a dead end), after
    the first step a re-run runs again (REPEAT: indexes of failed steps repeated and of cut-off steps
    taken up). It failed on a host that rung had not repaired (a catalog install failing on the
    catroot2 a failed reset would have renamed), so it is judged again once that rung is done
    (should_run)."""
    if not repeat:
        return {}
    first = min(repeat)
    after = steps[first].get("rung")
    out = {}
    for step in steps[first + 1:]:
        rung = step.get("rung")
        if rung in (after, "install") or rung in out:
            continue
        mine = [s for s in steps if s.get("rung") == rung]
        # A dead end waits for the setting it names, whatever the repeated rung repairs.
        if all(s.get("outcome") == "failed" and not s.get("dead_end") for s in mine):
            out[rung] = after
    return out


def _reopened(record, rung):
    """Whether RUNG (done_rungs) is judged again: the rung it waited for (resume()'s reopen) is
    done since RUNG's last step."""
    after = (record.get("reopen") or {}).get(rung)
    steps = record.get("rungs_run") or []
    last = {s.get("rung"): i for i, s in enumerate(steps)}
    return bool(after) and after in last and steps[last[after]].get("outcome") == "done" \
        and last[after] > last.get(rung, -1)


def _failures(steps, rung):
    return sum(1 for s in steps if s.get("rung") == rung and s.get("outcome") == "failed")


def _tried_later(steps, index):
    """Whether a later step of STEPS ran the rung of STEPS[INDEX] to an end, done or failed: a
    failed step tried again since is judged by that later attempt, not repeated for itself."""
    rung = steps[index].get("rung")
    return any(later.get("rung") == rung and later.get("outcome") in ("done", "failed") for later in steps[index + 1:])


def _credit_if_installed(rec):
    """The update is installed now, and the resumed run's last rung finished (or was cut
    off) without a verification on record: that rung's work is what installed it (its
    verification or its own install ran to the end before the connection was lost).
    Counted as fixed by that rung, not as "already installed"."""
    p = rec.get("plan") or {}
    # A step that failed or was skipped left the update as it was: the credit goes to the rung before it.
    last = next((s for s in reversed(rec["rungs_run"])
                 if s.get("rung") != "install" and s.get("outcome") not in ("failed", "skipped")), None)
    if not p.get("installed") or last is None or (last.get("verify") or {}).get("outcome") == "installed":
        return rec
    if not (rec["verify_pending"] or last.get("outcome") == "interrupted"):
        return rec
    kb = p.get("satisfied_by") or rec["target_kb"]
    last["verify"] = {"outcome": "installed", "kb": kb, "hresult": None, "via": "installed_updates",
                      "message": "%s is among the host's installed updates when the run resumed" % kb}
    if last.get("outcome") == "interrupted":
        last["outcome"] = "done"
    rec["fixed_by"] = last["rung"]
    rec["installed_kb"] = kb
    rec["verify_pending"] = False
    return rec


SETTLED_VERDICTS = ("needs_person", "skipped_failing_disk")

# A failure outside the host (the catalog or a download host answering with an
# error, a timeout): nothing on the host has to change, and trying again is how
# to find out whether it cleared. Messages of win_kb_catalog_install.
_OUTSIDE_FAULT = re.compile(r"catalog lookup of|could not put .+ on the host|8DDD00\w\w|\bHTTP [45]\d\d\b|"
                            r"timed? ?out|temporar", re.IGNORECASE)
# A reset that failed stopping a service or renaming a folder (win_wu_reset's step
# ids) is retried "once" on the next run, nothing changed: it rolls back what it
# did, and what stopped it (a service still stopping, a security product's scan
# holding catroot2, a denial while that scan runs) may be gone by then. An
# assumption, not a documented Windows behaviour; a second failure stands until
# something changes.
_MAY_CLEAR = re.compile(r"(stop|rename):")
_WHY_AGAIN = {"always": "a fault outside the host", "once": "once more: what stopped it may have cleared"}
# Free space that grew by this much (GB) since a failure counts as a change.
_MORE_SPACE_GB = 1.0


def conditions_changed(entry, record):
    """What changed between the run of the journal ENTRY and this RECORD (names, [] when nothing):
    a setting a person changes to get past a failure, free space, the build, a pending restart, a
    third-party antivirus, the Insider enrolment, the disk's health."""
    if not entry:
        return []
    out = []
    old_set, new_set = entry.get("settings") or {}, record.get("settings") or {}
    for key in _CHANGE_SETTINGS:
        if (old_set.get(key) or None) != (new_set.get(key) or None):
            out.append("wu_remediate_%s" % key)
    old_ev, new_ev = entry.get("evidence") or {}, record.get("evidence") or {}
    before, now = old_ev.get("free_gb"), new_ev.get("free_gb")
    if before is not None and now is not None and now - before >= _MORE_SPACE_GB:
        out.append("free space %.1f GB -> %.1f GB" % (before, now))
    for key, what in (("pending_reboot", "a pending restart"), ("third_party_antivirus", "the third-party antivirus"),
                      ("disk_healthy", "the disk's health")):
        if old_ev.get(key) != new_ev.get(key):
            out.append(what)
    if (old_ev.get("os") or {}).get("full_build") != (new_ev.get("os") or {}).get("full_build"):
        out.append("the build")
    if bool((old_ev.get("insider") or {}).get("enrolled")) != bool((new_ev.get("insider") or {}).get("enrolled")):
        out.append("the Insider enrolment")
    return out


def _worth_repeating(step, changed, record, failures=1):
    """Whether a re-run repeats this failed STEP of the journal: it failed with the host as it was
    and either the fault was outside the host, or it is retried once (FAILURES: how often its rung
    failed so far), or something it depends on changed (CHANGED), or the person asked for it
    (setting retry). A dead end is passed once the variable it names changed."""
    asked = bool((record.get("settings") or {}).get("retry"))
    end = step.get("dead_end")
    if end:
        setting = _SETTING_OF_VARIABLE.get(end.get("variable"))
        return asked or ("wu_remediate_%s" % setting) in changed if setting else asked
    if not _retry_on_resume(step):
        return False
    when = (step.get("details") or {}).get("retry_when")
    once = when == "once" and failures < 2
    return asked or when == "always" or once or bool(changed)


def _retry_on_resume(step):
    return step.get("outcome") == "failed" and bool((step.get("details") or {}).get("retry"))


# Outcomes after which the repair itself ran to its end and did not work: trying
# it again as it is would only repeat that (see retryable()). A repair install
# has none: setup.exe puts the previous Windows back whenever it fails or rolls
# back, and its message names what to change first (a blocking app or driver,
# the media), so a re-run after that is the next step.
_SETTLED_OUTCOMES = {
    "catalog_install": ("failed", "not_applicable"),
}


def retryable(rung, result):
    """Whether a failed RUNG (its module RESULT) is worth running again on a re-run.

    Yes when the failure came before the repair did its work or was rolled
    back, so the host is as it was: the catalog or a download failed, a file
    did not match its hash, space ran out, a service would not stop, access
    was denied, the media was missing, setup.exe was blocked or rolled back.
    No when the repair ran to its end and failed (DISM or sfc finished with an
    error, DISM /Add-Package failed or found the update not applicable): the
    same run would fail the same way."""
    result = result or {}
    if rung in ("preflight", "reset"):
        return True  # win_wu_reset rolls back what it changed before it fails
    if rung == "sfc_dism":
        return not any((result.get(tool) or {}).get("exit_code") is not None for tool in ("dism", "sfc"))
    return result.get("outcome") not in _SETTLED_OUTCOMES.get(rung, ())


def _same_plan(old, new):
    old, new = old or {}, new or {}
    keys = ("target_kb", "causes", "rungs", "blocked", "stop_for_person", "installed")
    return all(sorted(old.get(k) or []) == sorted(new.get(k) or []) if k in ("causes",) else old.get(k) == new.get(k)
               for k in keys)


def should_run(record, rung, check_mode=False):
    """Whether the driver runs RUNG now: nothing fixed or decided yet, not done before
    (journal), and in check mode only the first rung (later ones depend on it)."""
    if record.get("verdict") or record.get("fixed_by") or record.get("settled") or unverified_rung(record):
        return False
    if (rung in (record.get("done_rungs") or []) and not _reopened(record, rung)) or rung in skipped_rungs(record):
        return False
    if check_mode:
        # Later rungs depend on what the first repair rung does: plan the
        # pre-flight and the first repair rung only.
        return not any(s.get("outcome") == "planned" and s.get("rung") != "preflight"
                       for s in record.get("rungs_run") or [])
    return True


def next_rung(record, planned, after=None, check_mode=False):
    """The rung the driver runs next, or None: the first of PLANNED (the plan's rungs) that comes
    after AFTER in the ladder's order (None: from the bottom) and that should_run says runs now.
    Never a rung at or below AFTER, so a rung that failed is not run again in the same climb."""
    order = list(AUTOMATED_RUNGS)
    start = order.index(after) + 1 if after else 0
    for rung in order[start:]:
        if rung in (planned or []) and should_run(record, rung, check_mode):
            return rung
    return None


def unverified_rung(record):
    """The rung whose verification got no answer (transient errors through every retry), or None.
    Nothing climbs past it: a rung that may have worked is not a reason to run the next one."""
    for step in reversed(record.get("rungs_run") or []):
        if step.get("verify"):
            return step["rung"] if step["verify"].get("outcome") == "unverified" else None
    return None


def skipped_rungs(record):
    """Rungs a dead end showed cannot help (dead_ends.classify's "skip")."""
    out = []
    for step in record.get("rungs_run") or []:
        for rung in (step.get("dead_end") or {}).get("skip") or []:
            if rung not in out:
                out.append(rung)
    return out


def pending_verify_rung(record):
    """The rung whose verification is pending after a resume (the last step), or None."""
    if not record.get("verify_pending"):
        return None
    for step in reversed(record.get("rungs_run") or []):
        if step.get("rung") != "install":
            return step.get("rung")
    return None


# ------------------------------------------------------------- module results

def _pick(result, keys):
    return {k: result.get(k) for k in keys if result.get(k) not in (None, [], {}, "")}


# How a lost WinRM connection shows in a failed result: pywinrm/requests and
# ansible-core's winrm plugin words. Such a rung did not fail on the host: it
# was cut off, and a re-run resumes it.
_CONNECTION_LOST = re.compile(
    r"connection (?:aborted|reset|refused|closed)|remotedisconnected|max retries exceeded|"
    r"failed to connect|read timed out|connecttimeout|unreachable", re.IGNORECASE)


# A WinRM HTTP 5xx answer (pywinrm's WinRMTransportError text and its extended fault data) or an operation
# timeout: the service did not answer this time, which says nothing about the update. WinRM also answers
# 500 for SOAP faults that persist; those persist through the retries and end as "could not verify".
_TRANSIENT_HTTP = re.compile(
    r"bad http response returned from server\. code 5\d\d|'http_status_code': 5\d\d|"
    r"winrmoperationtimeout|operation ?timed ?out", re.IGNORECASE)


def _connection_lost(result):
    return bool(result.get("unreachable")) or bool(_CONNECTION_LOST.search(str(result.get("msg") or "")))


def verify_transient(result):
    """Whether a verification RESULT (win_updates) is no answer at all: the host was
    unreachable, the connection dropped or WinRM answered HTTP 5xx. Such a result is asked
    again, never read as "not offered"."""
    result = result or {}
    if result.get("unreachable"):
        return True
    if result.get("updates"):
        return False  # Windows Update answered about the updates
    text = str(result.get("msg") or "")
    return bool(_CONNECTION_LOST.search(text) or _TRANSIENT_HTTP.search(text))


def _host_restarted(result):
    """The module gave up because the host restarted during its detached run twice
    (detached.HostRestartedError): nothing failed on the host, it was cut off."""
    return bool(detached.HOST_RESTARTED_TWICE.search(str(result.get("msg") or "")))


def rung_outcome(rung, result, check_mode=False, record=None):
    """A rung's module (or role) RESULT -> {outcome, changed, reboot_required,
    host_seconds, details, installed, installed_kb, dead_end}. RECORD (its settings
    and evidence) lets a failure be read as a dead end (dead_ends.classify)."""
    result = result or {}
    failed = bool(result.get("failed"))
    out = {"outcome": "failed" if failed else "done", "changed": bool(result.get("changed")),
           "reboot_required": bool(result.get("reboot_required")), "host_seconds": None,
           "details": {}, "installed": False, "installed_kb": None}
    if result.get("skipped"):
        out["outcome"] = "skipped"
    if rung == "preflight":
        out["details"] = _pick(result, ("actions", "warnings", "restore_point", "cleanup", "insider",
                                        "defender", "rebooted", "msg", "third_party_antivirus"))
        # Only a step that can cure a cause is worth an install attempt afterwards:
        # a restart, a clean-up, leaving Insider, fixed service start types (a
        # restore point or pausing Defender cures nothing).
        out["details"]["remedied"] = bool(result.get("remedied"))
        out["reboot_required"] = False  # preflight reboots itself
    elif rung == "sfc_dism":
        # error: the repair source was unusable (source_not_found, source_not_image) and nothing ran.
        out["details"] = _pick(result, ("msg", "commands", "repaired", "error"))
        out["details"]["dism"] = (result.get("dism") or {}).get("outcome")
        out["details"]["sfc"] = (result.get("sfc") or {}).get("outcome")
        if result.get("hresult"):
            out["details"]["hresult"] = result["hresult"].get("hex")
        out["host_seconds"] = (result.get("durations") or {}).get("total")
    elif rung == "reset":
        out["details"] = _pick(result, ("msg", "level", "backups"))
        out["details"]["steps"] = len(result.get("steps") or [])
        stopped_at = [s.get("id") for s in result.get("steps") or [] if s.get("status") == "failed"]
        if stopped_at:
            out["details"]["failed_step"] = stopped_at[-1]
    elif rung == "catalog_install":
        outcome = result.get("outcome")
        out["details"] = _pick(result, ("msg", "outcome", "target_path"))
        update = result.get("update") or {}
        if update:
            out["details"]["update"] = {k: update.get(k) for k in ("kb", "title", "superseded")}
        if not failed and outcome in ("installed", "reboot_required", "already_installed"):
            out["installed"] = True
            out["installed_kb"] = update.get("kb") or result.get("kb")
        elif not failed and outcome == "would_install":
            out["outcome"] = "planned"
        elif not failed:
            out["outcome"] = "failed"
    elif rung == "inplace_upgrade":
        outcome = result.get("outcome")
        out["details"] = _pick(result, ("msg", "outcome", "before", "after", "commands"))
        out["host_seconds"] = result.get("elapsed_seconds")
        if outcome == "refused":
            out["outcome"] = "skipped"
        elif outcome == "check_mode":
            out["outcome"] = "planned"
        elif outcome != "completed":
            out["outcome"] = "failed"
        out["reboot_required"] = False  # the module restarts the host itself
    else:
        out["details"] = _pick(result, ("msg",))
    if check_mode and out["outcome"] in ("done", "skipped"):
        out["outcome"] = "planned"
    if (failed and (_connection_lost(result) or _host_restarted(result)
                    or (rung == "catalog_install" and result.get("outcome") == "lost"))) \
            or (rung == "inplace_upgrade" and result.get("outcome") == "not_back"):
        # Cut off (a lost connection, restarts of the host, a host still in setup's restarts),
        # not failed: a resume runs the rung again when REPEAT_SAFE says it may (a repair
        # install then takes up the setup it started: win_inplace_upgrade's resume_id).
        out["outcome"] = "interrupted"
    elif out["outcome"] == "failed" and failed and not check_mode and retryable(rung, result):
        out["details"]["retry"] = True
        # "always": a fault outside the host may clear by itself; "changed": the host or a setting must change.
        out["details"]["retry_when"] = "always" if _OUTSIDE_FAULT.search(str(result.get("msg") or "")) else \
            "once" if _MAY_CLEAR.match(str(out["details"].get("failed_step") or "")) else "changed"
    if record is not None and not check_mode and out["outcome"] in ("failed", "skipped"):
        out["dead_end"] = dead_ends.classify(rung, result, record.get("settings"), record.get("evidence"))
    return out


def verify_outcome(result, target_kb, accepted=None):
    """ansible.windows.win_updates RESULT (accept_list = the KB) -> {outcome, kb, hresult, message, via,
    reboot_required}. ACCEPTED: KBs that count (default the target)."""
    result = result or {}
    wanted = {norm_kb(k) for k in (accepted or [target_kb])}
    out = {"outcome": "failed", "kb": norm_kb(target_kb), "hresult": None, "message": result.get("msg"),
           "via": "windows_update", "reboot_required": bool(result.get("reboot_required"))}
    if result.get("journal_failed"):
        # win_wu_verify wrote the journal first and could not: nothing was installed, Windows Update was
        # not asked. No answer about it, as when the host did not answer (not a failed install).
        out.update(outcome="unverified", journal_failed=True)
        return out
    if verify_transient(result):
        out["outcome"] = "unverified"
        out["attempts"] = result.get("attempts")
        return out
    updates = result.get("updates") or {}
    for update in updates.values():
        kbs = {("KB" + str(k)).upper().replace("KBKB", "KB") for k in update.get("kb") or []}
        if not kbs & wanted:
            continue
        out["kb"] = min(kbs & wanted)
        if update.get("installed"):
            out["outcome"] = "installed"
            return out
        code = update.get("failure_hresult_code")
        if code is not None:
            out["hresult"] = "0x%08X" % (int(code) & 0xFFFFFFFF)
        return out
    msg = str(result.get("msg") or "")
    if "reboot is required" in msg.lower():
        out["outcome"] = "reboot_pending"
    elif not result.get("failed") and not updates:
        out["outcome"] = "not_offered"
    return out


# -------------------------------------------------------------------- verdict

def verdict(record, check_mode=False, now=None):
    """A copy of RECORD with verdict, reason, next_steps, last_resorts and finished."""
    if record.get("settled"):
        return _copy(record)
    rec = _verdict(record, check_mode, now)
    if rec["verdict"] in ("fixed", "installed", "already_installed"):
        _note_insider(rec)
    return rec


def _left_insider(rec):
    for step in rec.get("rungs_run") or []:
        insider = (step.get("details") or {}).get("insider") or {}
        if step.get("rung") == "preflight" and (insider.get("removed_keys") or insider.get("flightsigning_removed")):
            return True
    return False


def _note_insider(rec):
    """An Insider host that got the release update and stays enrolled is not silently "fixed"."""
    insider = (rec.get("evidence") or {}).get("insider") or {}
    if not insider.get("enrolled") or _left_insider(rec):
        return
    channel = insider.get("branch_name") or insider.get("ring") or "a preview channel"
    rec["reason"] += ("; the host stays enrolled in the Windows Insider Program (%s): it keeps being offered "
                      "preview builds, and the next release cumulative update may again not apply to its build"
                      % channel)
    rec["next_steps"] = list(rec.get("next_steps") or []) + [
        "to leave the Windows Insider Program, set wu_remediate_leave_insider: true and run again (leaving "
        "does not roll the build back: the release channel catches up with it later)"]


def _verdict(record, check_mode, now):
    rec = _copy(record)
    p = rec.get("plan") or {}
    rec["finished"] = now or utc_now()
    rec["next_steps"] = []
    rec["last_resorts"] = []
    if p.get("installed") and not rec.get("fixed_by"):
        rec["verdict"] = "already_installed"
        if p.get("satisfied_by") and p["satisfied_by"] != rec["target_kb"]:
            rec["reason"] = "%s, which supersedes %s, is installed: nothing to do" % (p["satisfied_by"], rec["target_kb"])
            rec["installed_kb"] = p["satisfied_by"]
        else:
            rec["reason"] = "%s is installed: nothing to do" % rec["target_kb"]
        return rec
    if rec.get("fixed_by"):
        if rec["fixed_by"] == "install":
            rec["verdict"] = "installed"
            rec["reason"] = "%s installed through Windows Update; no repair was needed" % rec["target_kb"]
        else:
            rec["verdict"] = "fixed"
            rec["reason"] = "%s installed after the %s rung" % (rec.get("installed_kb") or rec["target_kb"],
                                                                rec["fixed_by"])
        restart = (_step(rec, rec["fixed_by"]) or {}).get("restart") or {}
        if restart.get("outcome") == "slow":
            rec["reason"] += "; installed, restart slow (the host answered again after the restart timeout: %s)" % (
                restart.get("message") or "no message")
        return rec
    unverified = unverified_rung(rec)
    if unverified and not check_mode:
        step = _step(rec, unverified)
        rec["verdict"] = "unverified"
        what = "the plain install" if unverified == "install" else "the %s rung" % unverified
        if step["verify"].get("journal_failed"):
            rec["reason"] = ("%s ran, but whether %s now installs was not checked: the host journal could not be "
                             "written before the install, so nothing was installed (%s); nothing climbed past it"
                             % (what, rec["target_kb"], step["verify"].get("message") or "no message"))
            rec["next_steps"] = ["check the free space and the account's rights on the journal's folder, then run "
                                 "the playbook again: the run resumes with this verification"]
            return rec
        rec["reason"] = ("%s ran, but whether %s now installs could not be checked: Windows Update did not answer "
                         "over WinRM after %s attempt(s) (%s); nothing climbed past it" % (
                             what, rec["target_kb"], step["verify"].get("attempts") or 1,
                             step["verify"].get("message") or "no answer"))
        rec["next_steps"] = ["run the playbook again once the host answers WinRM reliably: the run resumes with "
                             "this verification"]
        return rec
    if check_mode:
        rec["verdict"] = "check_mode"
        rec["reason"] = "check mode: the plan is %s; nothing was changed" % (
            ", ".join(p.get("rungs") or []) or "no automated rung")
        return rec
    if p.get("blocked"):
        rec["verdict"] = "skipped_failing_disk"
        rec["reason"] = "the system disk reports errors: back up the host's data first; no repair rung was run"
        rec["next_steps"] = [_PERSON_STEPS["storage_fault"]]
        rec["last_resorts"] = ladder.disk_last_resorts()
        return rec
    rec["verdict"] = "needs_person"
    ran = [s["rung"] for s in rec.get("rungs_run") or [] if s.get("rung") != "install"]
    ends = [dict(s["dead_end"]) for s in rec.get("rungs_run") or [] if s.get("dead_end")]
    rec["dead_ends"] = ends
    steps = [end["next_step"] for end in ends]
    for reason in p.get("person_reasons") or []:
        text = _PERSON_STEPS.get(reason.get("cause"))
        if reason.get("cause") == "third_party_filter_driver":
            products = (rec.get("evidence") or {}).get("third_party_antivirus") or []
            if products:
                text = "%s (%s)" % (text, ", ".join(products))
        if text and text not in steps:
            steps.append(text)
        elif not text and reason.get("why"):
            steps.append(reason["why"])
    stopped = [end for end in ends if end.get("skip")]
    if stopped:
        rec["reason"] = "the ladder stopped at %s after %s: %s" % (
            stopped[0]["rung"], ", ".join(ran), "; ".join(end["reason"] for end in ends))
    elif p.get("stop_for_person") and steps:
        rec["reason"] = "the evidence needs a person after %s: %s" % (
            ", ".join(ran) or "no automated rung", "; ".join(steps))
    else:
        rec["reason"] = "every automated rung ran (%s) and %s still does not install%s" % (
            ", ".join(ran) or "none", rec["target_kb"], "".join("; %s" % end["reason"] for end in ends))
    left_out = ["%s (cannot help while %s)" % (x["rung"], ", ".join(x["causes"])) for x in p.get("left_out") or []]
    if left_out:
        rec["reason"] += "; left out: %s" % ", ".join(left_out)
    rec["next_steps"] = steps
    rec["last_resorts"] = ladder.last_resorts()
    return rec


def journal_entry(record):
    """What goes into the host journal for this record (no transient keys)."""
    return {k: v for k, v in record.items() if k not in ("done_rungs", "verify_pending", "settled", "reopen")}
