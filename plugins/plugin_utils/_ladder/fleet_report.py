# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The fleet report: per-host repair records in, one fleet summary and its renderings out.

Pure functions, standard library only (plus the collection's ladder policy for
the rung order and the last resorts' wording):

- ``build_summary(records, title=...)``: a list of per-host records -> the
  summary dict (``schema_version`` SCHEMA_VERSION). A record is
  ``{"host": name, "wu_remediation": dict|None, "wu_diagnosis": dict|None}``
  (the facts the roles leave on each host); a bare ``wu_remediation`` dict
  (it has ``host`` and ``verdict`` or ``rungs_run``) is accepted too.
- ``render_json(summary)``, ``render_markdown(summary)``, ``render_html(summary)``:
  text of the three report files. ``render_text(summary)``: lines of a plain
  table, for ansible.builtin.debug.

Everything that comes from a host (host names, evidence, details) is treated
as hostile: the HTML escapes it everywhere (text, attributes, SVG) and the
Markdown escapes table syntax and inline HTML. The output holds no clock
reading of its own, so the same data renders to the same bytes (the action
plugin compares content to decide ``changed``).

Durations: a rung's seconds are taken from ``modelled_seconds`` (basis
"modelled": a modelled clock, as the test fleets have), else ``seconds`` /
``real_seconds`` / ``elapsed_seconds`` / ``duration_seconds`` / ``host_seconds``
(basis "real": remediation.py's elapsed_seconds are the controller's clock
from the rung's start to its end), else from its ``started`` / ``finished``
timestamps (basis "timestamps", also the controller's clock). Sums are kept
per basis and never mixed. The labels say which clock; a report without
modelled durations says nothing about modelled time.

``build_summary(..., run=...)`` records the run that made the report (id,
date, ansible-core and collection versions, check mode): each report is then
an entry of an audit trail (the action plugin writes it under a dated name
beside the latest copy).
"""
from __future__ import annotations

import html
import json
import math

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder

SCHEMA_VERSION = 1
DEFAULT_TITLE = "Windows Update fleet report"

# Verdicts of plugin_utils/_ladder/remediation.py verdict(): "fixed" (installed after a repair rung),
# "installed" (a plain Windows Update install worked, no repair needed), "already_installed",
# "needs_person", "skipped_failing_disk", "check_mode" (nothing was run).
# After these nobody has to do anything more for the update:
RESOLVED_VERDICTS = ("fixed", "installed", "already_installed")
# Hosts that did not need a repair (left out of the fix rate's denominator).
NO_REPAIR_VERDICTS = ("installed", "already_installed")
# Check mode ran nothing: neither a repair to count nor a host to hand over.
NOT_RUN_VERDICTS = ("check_mode",)
# A rung ran and Windows Update could not be asked whether the update now installs:
# the next run verifies it; nobody has to decide anything (not handed over).
RERUN_VERDICTS = ("unverified",)
# A record without a verdict: the run stopped before naming one.
INCOMPLETE = "incomplete"
# Pseudo verdicts for hosts without a remediation record.
DIAGNOSED = "diagnosed"
DIAGNOSE_FAILED = "diagnose_failed"
NO_DATA = "no_data"
VERDICT_ORDER = ("fixed", "installed", "already_installed", "needs_person", "skipped_failing_disk", "failed",
                 "unverified", INCOMPLETE, "check_mode", DIAGNOSED, DIAGNOSE_FAILED, NO_DATA)

# Keys of a rung entry holding its duration, in order of preference, and their basis.
# remediation.py's steps carry elapsed_seconds (controller clock, finished - started) and
# host_seconds (what the rung's module measured).
DURATION_KEYS = (("modelled_seconds", "modelled"), ("seconds", "real"), ("real_seconds", "real"),
                 ("elapsed_seconds", "real"), ("duration_seconds", "real"), ("host_seconds", "real"))
BASES = ("modelled", "real", "timestamps")
BASIS_LABEL = {"modelled": "modelled clock", "real": "controller clock",
               "timestamps": "controller clock, start to finish"}
BASIS_NOTE = {
    "modelled": "modelled clock (a modelled fleet's time, not wall time)",
    "real": "controller clock (each rung from its start to its end as the controller saw them)",
    "timestamps": "controller clock, from the recorded start and finish times",
}

# Bounds, so a chatty host cannot blow up the report.
MAX_TEXT = 600          # characters of one evidence sentence or details text
MAX_EVIDENCE = 40       # evidence sentences per cause / per host

RUNG_COLOURS = {
    "preflight": "#4e79a7", "sfc_dism": "#f28e2b", "reset": "#59a14f",
    "catalog_install": "#b07aa1", "inplace_upgrade": "#e15759", "manual": "#9c755f",
    "install": "#76b7b2",  # remediation.py's plain Windows Update install, tried before any rung
}
OTHER_COLOUR = "#8c8c8c"
VERDICT_COLOURS = {
    "fixed": "#2e7d32", "installed": "#2e7d32", "already_installed": "#1565c0", "check_mode": "#455a64",
    INCOMPLETE: "#c62828", "needs_person": "#b26a00", "unverified": "#6a1b9a",
    "skipped_failing_disk": "#c62828", "failed": "#c62828", DIAGNOSED: "#455a64",
    DIAGNOSE_FAILED: "#c62828", NO_DATA: "#757575",
}


# ------------------------------------------------------------------ input

def _text(value, limit=MAX_TEXT):
    """Any value -> one bounded string (None -> '')."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            value = str(value)
    value = str(value)
    if len(value) > limit:
        value = value[:limit - 1] + "\u2026"
    return value


def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def _flat(value):
    """A nested value as short readable text: dicts as k=v, lists joined with '; ', empties left out."""
    if isinstance(value, dict):
        return ", ".join("%s=%s" % (k, _flat(v)) for k, v in value.items() if not _empty(v))
    if isinstance(value, (list, tuple)):
        return "; ".join(_flat(v) for v in value if not _empty(v))
    return _text(value)


def _texts(value, limit=MAX_EVIDENCE):
    """Evidence in any shape (str, list, dict) -> a bounded list of strings."""
    if _empty(value):
        return []
    if isinstance(value, dict):
        items = ["%s: %s" % (k, _flat(v)) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
                 if not _empty(v)]
    elif isinstance(value, (list, tuple)):
        items = [_flat(v) for v in value if not _empty(v)]
    else:
        items = [_text(value)]
    if len(items) > limit:
        items = items[:limit] + ["(%d more not shown)" % (len(items) - limit)]
    return [_text(i) for i in items]


def _number(value):
    """A finite non-negative float, or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number) or number < 0:
        return None
    return number


def _duration(entry):
    """(seconds, basis) of one rung entry; (None, None) when it says nothing usable."""
    for key, basis in DURATION_KEYS:
        seconds = _number(entry.get(key))
        if seconds is not None:
            return round(seconds, 1), basis
    start, end = isotime.parse(entry.get("started")), isotime.parse(entry.get("finished"))
    if start is not None and end is not None and end >= start:
        return round((end - start).total_seconds(), 1), "timestamps"
    return None, None


def _is_remediation(item):
    return isinstance(item, dict) and "host" in item and ("verdict" in item or "rungs_run" in item)


def _usable(result):
    """A registered result or fact that holds data (not a skipped task, not undefined)."""
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def _causes(raw):
    causes = []
    for cause in raw or []:
        if isinstance(cause, str):
            cause = {"name": cause}
        if not isinstance(cause, dict):
            continue
        causes.append({
            "name": _text(cause.get("name") or "unknown", 120),
            "confidence": _text(cause.get("confidence") or "", 20) or None,
            "evidence": _texts(cause.get("evidence")),
        })
    return causes


def _rungs_run(raw):
    rungs = []
    for entry in raw or []:
        if isinstance(entry, str):
            entry = {"rung": entry}
        if not isinstance(entry, dict):
            continue
        seconds, basis = _duration(entry)
        rungs.append({
            "rung": _text(entry.get("rung") or "unknown", 80),
            "outcome": _text(entry.get("outcome"), 80) or None,
            "started": _text(entry.get("started"), 40) or None,
            "finished": _text(entry.get("finished"), 40) or None,
            "seconds": seconds,
            "time_basis": basis,
            "details": _flat(entry.get("details")) or None,
            "verify": _verify(entry.get("verify")),
        })
    return rungs


def _verify(raw):
    """remediation.py's verification of a rung ({outcome, kb, hresult, message, via}) -> bounded, or None."""
    if not isinstance(raw, dict) or not raw.get("outcome"):
        return None
    return {"outcome": _text(raw.get("outcome"), 40), "kb": _text(raw.get("kb"), 40) or None,
            "hresult": _text(raw.get("hresult"), 40) or None, "message": _text(raw.get("message")) or None}


def _last_resort_names(raw):
    names = []
    for item in raw or []:
        name = item.get("name") if isinstance(item, dict) else item
        name = _text(name, 120)
        if name and name not in names:
            names.append(name)
    return names


def _last_resort_summaries(records):
    """name -> summary: the ladder's wording; a host's own summary only for a name the ladder does not know."""
    summaries = {item["name"]: item["summary"] for item in ladder.LAST_RESORTS}
    for record in records:
        for item in (record.get("remediation") or {}).get("last_resorts") or []:
            if isinstance(item, dict) and item.get("name") and item.get("summary"):
                summaries.setdefault(_text(item["name"], 120), _text(item["summary"]))
    return summaries


def normalise_records(records):
    """Records in the accepted shapes -> [{"host", "remediation", "diagnosis"}], one per host.

    A later record of the same host fills what an earlier one lacked.
    """
    merged = {}
    order = []
    for item in records or []:
        if not isinstance(item, dict):
            raise ValueError("a host record must be a dict, got %s" % type(item).__name__)
        if _is_remediation(item):
            host, remediation, diagnosis = item.get("host"), item, None
        else:
            host = item.get("host")
            remediation = item.get("wu_remediation", item.get("remediation"))
            diagnosis = item.get("wu_diagnosis", item.get("diagnosis"))
            if host is None and isinstance(remediation, dict):
                host = remediation.get("host")
        if host is None or _text(host) == "":
            raise ValueError("a host record has no host name: keys %s" % ", ".join(sorted(map(str, item))))
        host = _text(host, 255)
        if host not in merged:
            merged[host] = {"host": host, "remediation": None, "diagnosis": None}
            order.append(host)
        slot = merged[host]
        if _usable(remediation):
            slot["remediation"] = remediation
        if _usable(diagnosis):
            slot["diagnosis"] = diagnosis
    return [merged[h] for h in order]


# ---------------------------------------------------------------- summary

def _host_entry(record):
    remediation, diagnosis = record["remediation"], record["diagnosis"]
    entry = {
        "host": record["host"],
        "source": None,
        "verdict": NO_DATA,
        "target_kb": None,
        "causes": [],
        "recommended_rungs": [],
        "rungs_run": [],
        "fixed_by": None,
        "duration": {"seconds": None, "time_basis": None, "by_basis": {}},
        "last_resorts": [],
        "needs_person": False,
        "evidence": [],
        "message": None,
        "reason": None,
        "next_steps": [],
        "run_id": None,
        # When the host's run started and ended (report_merge keeps each host's latest run).
        "started": None,
        "finished": None,
    }
    if isinstance(diagnosis, dict):
        entry["recommended_rungs"] = [_text(r.get("rung") if isinstance(r, dict) else r, 80)
                                      for r in diagnosis.get("recommended_rungs") or []]
        entry["causes"] = _causes(diagnosis.get("causes"))
        entry["source"] = "diagnosis"
        if diagnosis.get("failed"):
            entry["verdict"] = DIAGNOSE_FAILED
            entry["message"] = _text(diagnosis.get("msg")) or None
        else:
            entry["verdict"] = DIAGNOSED
    if isinstance(remediation, dict):
        entry["source"] = "remediation"
        entry["verdict"] = _text(remediation.get("verdict") or INCOMPLETE, 80)
        entry["reason"] = _text(remediation.get("reason")) or None
        entry["next_steps"] = _texts(remediation.get("next_steps"))
        entry["run_id"] = _text(remediation.get("run_id"), 40) or None
        entry["started"] = _text(remediation.get("started"), 40) or None
        entry["finished"] = _text(remediation.get("finished"), 40) or None
        entry["target_kb"] = _text(remediation.get("target_kb"), 40) or None
        if remediation.get("causes") is not None:
            entry["causes"] = _causes(remediation.get("causes"))
        entry["rungs_run"] = _rungs_run(remediation.get("rungs_run"))
        entry["fixed_by"] = _text(remediation.get("fixed_by"), 80) or None
        entry["last_resorts"] = _last_resort_names(remediation.get("last_resorts"))
        entry["evidence"] = _texts(remediation.get("evidence"))
        entry["message"] = _text(remediation.get("msg")) or None
        entry["needs_person"] = (entry["verdict"] not in RESOLVED_VERDICTS + NOT_RUN_VERDICTS + RERUN_VERDICTS
                                 or bool(remediation.get("needs_person")))
        by_basis = {}
        for rung in entry["rungs_run"]:
            if rung["seconds"] is not None:
                by_basis[rung["time_basis"]] = round(by_basis.get(rung["time_basis"], 0.0) + rung["seconds"], 1)
        entry["duration"]["by_basis"] = by_basis
        if len(by_basis) == 1:
            basis = next(iter(by_basis))
            entry["duration"]["seconds"], entry["duration"]["time_basis"] = by_basis[basis], basis
        elif by_basis:
            entry["duration"]["time_basis"] = "mixed"
    return entry


def _ordered_counts(counts, order):
    """counts as a list of {"name", "count"}: known names in ORDER first, then the rest sorted."""
    names = [n for n in order if n in counts] + sorted(n for n in counts if n not in order)
    return [{"name": n, "count": counts[n]} for n in names]


RUN_KEYS = ("id", "date", "ansible_core", "collection", "check_mode")


def build_summary(records, title=DEFAULT_TITLE, generated_at=None, run=None):
    """Per-host records -> the fleet summary (see the module docstring and docs of wu_fleet_report).

    RUN: {id, date, ansible_core, collection, check_mode} of the run that makes the report, or None."""
    normalised = normalise_records(records)
    return summarise([_host_entry(r) for r in normalised], title, generated_at, _last_resort_summaries(normalised),
                     run=run)


def summarise(hosts, title=DEFAULT_TITLE, generated_at=None, resort_summaries=None, run=None):
    """Host entries (as build_summary makes them) -> the fleet summary; RESORT_SUMMARIES: last resort -> summary;
    RUN: the run that makes the report (build_summary)."""
    hosts = sorted(hosts, key=lambda e: e["host"].lower())

    verdicts, causes, fixed_by, rung_runs, rung_fixed = {}, {}, {}, {}, {}
    host_seconds = {}
    person_hosts, resort_hosts = [], {}
    for entry in hosts:
        verdicts[entry["verdict"]] = verdicts.get(entry["verdict"], 0) + 1
        for cause in {c["name"] for c in entry["causes"]}:
            causes[cause] = causes.get(cause, 0) + 1
        if entry["verdict"] == "fixed":
            rung = entry["fixed_by"] or "unknown"
            fixed_by[rung] = fixed_by.get(rung, 0) + 1
        for rung in {r["rung"] for r in entry["rungs_run"]}:
            rung_runs[rung] = rung_runs.get(rung, 0) + 1
        if entry["fixed_by"] and entry["verdict"] == "fixed":
            rung_fixed[entry["fixed_by"]] = rung_fixed.get(entry["fixed_by"], 0) + 1
        for basis, seconds in entry["duration"]["by_basis"].items():
            host_seconds[basis] = host_seconds.get(basis, 0.0) + seconds
        if entry["needs_person"]:
            person_hosts.append(entry["host"])
            for name in entry["last_resorts"]:
                resort_hosts.setdefault(name, []).append(entry["host"])

    remediated = [e for e in hosts if e["source"] == "remediation"]
    needing_repair = [e for e in remediated if e["verdict"] not in NO_REPAIR_VERDICTS + NOT_RUN_VERDICTS]
    fixed = verdicts.get("fixed", 0)
    summaries = resort_summaries or {item["name"]: item["summary"] for item in ladder.LAST_RESORTS}
    known_resorts = [item["name"] for item in ladder.LAST_RESORTS]
    resort_names = [n for n in known_resorts if n in resort_hosts] + sorted(n for n in resort_hosts
                                                                            if n not in known_resorts)
    rung_names = list(ladder.RUNGS) + sorted((set(rung_runs) | set(rung_fixed)) - set(ladder.RUNGS))

    fleet = {
        "hosts": len(hosts),
        "remediated": len(remediated),
        "diagnosed_only": verdicts.get(DIAGNOSED, 0) + verdicts.get(DIAGNOSE_FAILED, 0),
        "without_data": verdicts.get(NO_DATA, 0),
        "fixed": fixed,
        "installed": verdicts.get("installed", 0),
        "already_installed": verdicts.get("already_installed", 0),
        "verdicts": _ordered_counts(verdicts, VERDICT_ORDER),
        "fixed_by_rung": [{"rung": r, "hosts": fixed_by.get(r, 0)} for r in ladder.RUNGS]
        + [{"rung": r, "hosts": n} for r, n in sorted(fixed_by.items()) if r not in ladder.RUNGS],
        "rungs": [{"rung": r, "hosts_run": rung_runs.get(r, 0), "hosts_fixed": rung_fixed.get(r, 0)}
                  for r in rung_names],
        "left_for_person": {
            "count": len(person_hosts),
            "hosts": person_hosts,
            "last_resorts": [{"name": n, "summary": summaries.get(n), "hosts": resort_hosts[n],
                              "count": len(resort_hosts[n])} for n in resort_names],
        },
        # Most frequent cause first.
        "causes": [{"name": n, "count": c} for n, c in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))],
        "fix_rate": {
            "fixed": fixed,
            "needing_repair": len(needing_repair),
            "rate": round(fixed / len(needing_repair), 4) if needing_repair else None,
        },
        "host_hours": {basis: round(host_seconds[basis] / 3600.0, 2) for basis in BASES if basis in host_seconds},
    }
    made_by = None
    if isinstance(run, dict):
        made_by = {k: (bool(run.get(k)) if k == "check_mode" else _text(run.get(k), 80) or None) for k in RUN_KEYS}
    return {
        "schema_version": SCHEMA_VERSION,
        "title": _text(title or DEFAULT_TITLE, 200),
        "generated_at": generated_at or (made_by or {}).get("date"),
        "run": made_by,
        "rung_order": list(ladder.RUNGS),
        "fleet": fleet,
        "hosts": hosts,
    }


# -------------------------------------------------------------- formatting

def run_line(summary):
    """'Run 5f1c2a9e0b7d, 2026-11-02T09:30:00Z; ansible-core 2.19.4, winrepair.windows_update 0.1.0', or None."""
    run = summary.get("run")
    if not run:
        return None
    text = "Run %s, %s; ansible-core %s, %s" % (run.get("id") or "-", run.get("date") or "-",
                                                run.get("ansible_core") or "-", run.get("collection") or "-")
    return text + (" (check mode: planned, nothing was changed)" if run.get("check_mode") else "")


def durations_note(summary):
    """Which clock the report's durations are on, naming only the clocks it uses."""
    used = [b for b in BASES if b in summary["fleet"]["host_hours"]
            or any(r["time_basis"] == b for h in summary["hosts"] for r in h["rungs_run"])]
    if not used:
        return "No durations were recorded."
    return "Durations: %s; never added across clocks." % "; ".join(BASIS_NOTE[b] for b in used)


def format_seconds(seconds):
    """42 -> '42 s', 754 -> '12 min 34 s', 7260 -> '2 h 01 min'; None -> '-'."""
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    if seconds < 60:
        return "%d s" % seconds
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return "%d min %02d s" % (minutes, rest) if rest else "%d min" % minutes
    hours, rest = divmod(seconds, 3600)
    return "%d h %02d min" % (hours, rest // 60)


def format_duration(duration):
    """A host's duration dict -> '12 min (modelled)', or each basis for a mix."""
    by_basis = duration.get("by_basis") or {}
    if not by_basis:
        return "-"
    return " + ".join("%s (%s)" % (format_seconds(by_basis[b]), BASIS_LABEL.get(b, b))
                      for b in BASES if b in by_basis)


def format_rate(fix_rate):
    if fix_rate.get("rate") is None:
        return "- (no host needed repair)"
    return "%.0f%% (%d of %d hosts that needed repair)" % (
        100 * fix_rate["rate"], fix_rate["fixed"], fix_rate["needing_repair"])


def format_host_hours(host_hours):
    if not host_hours:
        return "-"
    return ", ".join("%.2f h %s" % (host_hours[b], BASIS_LABEL.get(b, b)) for b in BASES if b in host_hours)


def rung_label(rung):
    """'reset (done, verify: installed)' for one rung entry."""
    parts = [rung["outcome"]] if rung["outcome"] else []
    if rung.get("verify"):
        verify = rung["verify"]
        parts.append("verify: %s%s" % (verify["outcome"], " %s" % verify["hresult"] if verify["hresult"] else ""))
    return "%s%s" % (rung["rung"], " (%s)" % ", ".join(parts) if parts else "")


def _rung_list(entry):
    return ", ".join(rung_label(r) for r in entry["rungs_run"]) or "-"


def _cause_list(entry):
    return ", ".join("%s%s" % (c["name"], " (%s)" % c["confidence"] if c["confidence"] else "")
                     for c in entry["causes"]) or "-"


def _fleet_rows(summary):
    fleet = summary["fleet"]
    person = fleet["left_for_person"]
    return [
        ("Hosts", str(fleet["hosts"])),
        ("Remediated", str(fleet["remediated"])),
        ("Fixed", str(fleet["fixed"])),
        ("Installed without repair", str(fleet["installed"])),
        ("Already installed", str(fleet["already_installed"])),
        ("Fix rate", format_rate(fleet["fix_rate"])),
        ("Left for a person", str(person["count"])),
        ("Diagnosed only", str(fleet["diagnosed_only"])),
        ("Without data", str(fleet["without_data"])),
        ("Host-hours", format_host_hours(fleet["host_hours"])),
    ]


# ---------------------------------------------------------------- renderers

def render_json(summary):
    """Stable JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_text(summary):
    """Lines of a plain-text table for a terminal (ansible.builtin.debug)."""
    lines = ["%s" % summary["title"]]
    if run_line(summary):
        lines.append("  %s" % run_line(summary))
    lines += ["  %-18s %s" % (k + ":", v) for k, v in _fleet_rows(summary)]
    fixed = ", ".join("%s %d" % (r["rung"], r["hosts"]) for r in summary["fleet"]["fixed_by_rung"] if r["hosts"])
    lines.append("  %-18s %s" % ("Fixed by rung:", fixed or "-"))
    for resort in summary["fleet"]["left_for_person"]["last_resorts"]:
        lines.append("  last resort %s: %s" % (resort["name"], ", ".join(resort["hosts"])))
    rows = [("host", "verdict", "fixed by", "duration", "rungs run")]
    for h in summary["hosts"]:
        rungs = ", ".join(r["rung"] for r in h["rungs_run"])
        if not rungs and h["recommended_rungs"]:
            rungs = "recommended: " + ", ".join(h["recommended_rungs"])
        rows.append((h["host"], h["verdict"], h["fixed_by"] or "-", format_duration(h["duration"]), rungs or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)))
    return [_text(line.rstrip(), 2000).replace("\n", " ") for line in lines]


def md_cell(value):
    """A host string made safe for one Markdown table cell (no row break, no HTML, no pipe)."""
    text = _text(value, 4 * MAX_TEXT)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return " ".join(text.split()) or "-"


def render_markdown(summary):
    fleet = summary["fleet"]
    out = ["# %s" % md_cell(summary["title"]), ""]
    if run_line(summary):
        out += ["%s." % md_cell(run_line(summary)), ""]
    elif summary.get("generated_at"):
        out += ["Generated %s." % md_cell(summary["generated_at"]), ""]
    out += [md_cell(durations_note(summary)), ""]
    out += ["## Fleet", "", "| metric | value |", "|---|---|"]
    out += ["| %s | %s |" % (md_cell(k), md_cell(v)) for k, v in _fleet_rows(summary)]
    out += ["", "## Hosts fixed per rung", "", "| rung | hosts fixed | hosts that ran it |", "|---|---:|---:|"]
    runs = {r["rung"]: r for r in fleet["rungs"]}
    for row in fleet["fixed_by_rung"]:
        out.append("| %s | %d | %d |" % (md_cell(row["rung"]), row["hosts"], runs.get(row["rung"], {}).get("hosts_run", 0)))
    out += ["", "## Verdicts", "", "| verdict | hosts |", "|---|---:|"]
    out += ["| %s | %d |" % (md_cell(v["name"]), v["count"]) for v in fleet["verdicts"]]
    person = fleet["left_for_person"]
    out += ["", "## Left for a person", ""]
    if person["count"]:
        out += ["| host | verdict | why | next steps |", "|---|---|---|---|"]
        for h in summary["hosts"]:
            if h["needs_person"]:
                cells = (h["host"], h["verdict"], h["reason"] or h["message"] or "-", "; ".join(h["next_steps"]) or "-")
                out.append("| %s |" % " | ".join(md_cell(c) for c in cells))
        out.append("")
        if person["last_resorts"]:
            out += ["| last resort | hosts | what it means |", "|---|---|---|"]
            out += ["| %s | %s | %s |" % (md_cell(r["name"]), md_cell(", ".join(r["hosts"])), md_cell(r["summary"]))
                    for r in person["last_resorts"]]
            out.append("")
    else:
        out += ["None.", ""]
    if fleet["causes"]:
        out += ["## Causes", "", "| cause | hosts |", "|---|---:|"]
        out += ["| %s | %d |" % (md_cell(c["name"]), c["count"]) for c in fleet["causes"]]
        out.append("")
    out += ["## Per host", "",
            "| host | verdict | target KB | causes | rungs run | fixed by | duration |",
            "|---|---|---|---|---|---|---|"]
    for h in summary["hosts"]:
        out.append("| %s |" % " | ".join(md_cell(v) for v in (
            h["host"], h["verdict"], h["target_kb"] or "-", _cause_list(h), _rung_list(h),
            h["fixed_by"] or "-", format_duration(h["duration"]))))
    out += ["", "## Evidence", ""]
    for h in summary["hosts"]:
        lines = []
        for cause in h["causes"]:
            lines += ["- %s: %s" % (md_cell(cause["name"]), md_cell(ev)) for ev in cause["evidence"]]
        lines += ["- %s" % md_cell(ev) for ev in h["evidence"]]
        if h["message"]:
            lines.append("- message: %s" % md_cell(h["message"]))
        if lines:
            out += ["### %s" % md_cell(h["host"]), ""] + lines + [""]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------- HTML

def esc(value):
    """Escape a string for HTML text and double- or single-quoted attributes (also in SVG)."""
    return html.escape(_text(value, 4 * MAX_TEXT), quote=True)


def rung_colour(rung):
    return RUNG_COLOURS.get(rung, OTHER_COLOUR)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
color:#1d232a;background:#f5f6f8;line-height:1.4}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px}
.note{color:#5b6570;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:120px}
.card .v{font-size:1.5em;font-weight:600}.card .k{color:#5b6570;font-size:.85em}
section.panel{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;margin-top:12px}
section.panel h2{margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eceff2;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.n{text-align:right}td.h{white-space:nowrap}
.why{color:#5b6570;font-size:.85em;margin-top:2px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:.85em;white-space:nowrap}
.rung{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-size:.85em;margin:1px 2px 1px 0}
details{margin:4px 0}summary{cursor:pointer}
ul.ev{margin:4px 0 8px 18px;padding:0;font-size:.9em}ul.ev li{word-break:break-word}
svg text{font-family:inherit;font-size:12px;fill:#1d232a}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.legend span{display:inline-block;margin-right:12px;font-size:.85em}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
"""


def _badge(verdict):
    return '<span class="badge" style="background:%s">%s</span>' % (
        VERDICT_COLOURS.get(verdict, "#6d4c41"), esc(verdict))


def _rung_chip(rung, label=None):
    return '<span class="rung" style="background:%s">%s</span>' % (rung_colour(rung), esc(label or rung))


def svg_fixed_per_rung(summary):
    """Horizontal bars: hosts fixed by each rung (ladder order)."""
    rows = summary["fleet"]["fixed_by_rung"]
    label_w, bar_w, row_h = 150, 520, 26
    top = 8
    height = top + row_h * len(rows) + 8
    peak = max([r["hosts"] for r in rows] + [1])
    parts = ['<svg role="img" width="%d" height="%d" viewBox="0 0 %d %d">'
             % (label_w + bar_w + 60, height, label_w + bar_w + 60, height),
             "<title>Hosts fixed per rung</title>"]
    for i, row in enumerate(rows):
        y = top + i * row_h
        width = int(round(bar_w * row["hosts"] / float(peak)))
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_w - 8, y + 16, esc(row["rung"])))
        parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#eceff2"/>' % (label_w, y + 3, bar_w, row_h - 8))
        if width:
            parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d host(s) fixed</title></rect>'
                         % (label_w, y + 3, width, row_h - 8, rung_colour(row["rung"]), esc(row["rung"]), row["hosts"]))
        parts.append('<text x="%d" y="%d">%d</text>' % (label_w + width + 6, y + 16, row["hosts"]))
    parts.append("</svg>")
    return "".join(parts)


def svg_host_durations(summary):
    """One row per host: its rungs as consecutive segments, length = duration (per-host timeline)."""
    hosts = [h for h in summary["hosts"] if h["rungs_run"]]
    if not hosts:
        return '<p class="note">No rung was run on any host.</p>'
    label_w, bar_w, row_h, top = 190, 600, 24, 8
    peak = max([sum(r["seconds"] or 0 for r in h["rungs_run"]) for h in hosts] + [1.0])
    height = top + row_h * len(hosts) + 24
    total_w = label_w + bar_w + 190
    parts = ['<svg role="img" width="%d" height="%d" viewBox="0 0 %d %d">'
             % (total_w, height, total_w, height), "<title>Per-host duration by rung</title>"]
    for i, h in enumerate(hosts):
        y = top + i * row_h
        name = h["host"] if len(h["host"]) <= 26 else h["host"][:25] + "\u2026"
        parts.append('<text x="%d" y="%d" text-anchor="end"><title>%s</title>%s</text>'
                     % (label_w - 8, y + 15, esc(h["host"]), esc(name)))
        x = float(label_w)
        for rung in h["rungs_run"]:
            seconds = rung["seconds"] or 0
            width = bar_w * seconds / peak
            tip = "%s: %s, %s%s" % (rung["rung"], rung["outcome"] or "no outcome",
                                    format_seconds(rung["seconds"]),
                                    " (%s)" % BASIS_LABEL.get(rung["time_basis"], rung["time_basis"])
                                    if rung["time_basis"] else "")
            fixed = rung["rung"] == h["fixed_by"] and h["verdict"] == "fixed"
            # A zero or unknown duration still shows as a thin tick, so the rung is visible.
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" stroke="%s" stroke-width="%d">'
                         '<title>%s</title></rect>'
                         % (x, y + 3, max(width, 2.0), row_h - 8, rung_colour(rung["rung"]),
                            "#1b5e20" if fixed else "#ffffff", 2 if fixed else 1, esc(tip)))
            x += width
        parts.append('<text x="%.1f" y="%d">%s</text>' % (x + 6, y + 15, esc(format_duration(h["duration"]))))
    axis_y = top + row_h * len(hosts) + 14
    parts.append('<text x="%d" y="%d">0</text>' % (label_w, axis_y))
    parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_w + bar_w, axis_y, esc(format_seconds(peak))))
    parts.append("</svg>")
    return "".join(parts)


def _legend(rungs):
    return '<div class="legend">%s</div>' % "".join(
        '<span><i style="background:%s"></i>%s</span>' % (rung_colour(r), esc(r)) for r in rungs)


def _host_details(h):
    items = []
    for cause in h["causes"]:
        ev = "".join("<li>%s</li>" % esc(e) for e in cause["evidence"])
        items.append("<li><b>%s</b>%s%s</li>" % (
            esc(cause["name"]), " (%s)" % esc(cause["confidence"]) if cause["confidence"] else "",
            '<ul class="ev">%s</ul>' % ev if ev else ""))
    for rung in h["rungs_run"]:
        if rung["details"]:
            items.append("<li>%s details: %s</li>" % (esc(rung["rung"]), esc(rung["details"])))
        if rung["verify"] and rung["verify"]["message"]:
            items.append("<li>%s verify: %s</li>" % (esc(rung["rung"]), esc(rung["verify"]["message"])))
    items += ["<li>%s</li>" % esc(e) for e in h["evidence"]]
    if h["message"]:
        items.append("<li>message: %s</li>" % esc(h["message"]))
    if h["last_resorts"]:
        items.append("<li>last resorts: %s</li>" % esc(", ".join(h["last_resorts"])))
    if not items:
        return ""
    # Open for the hosts a person has to look at: that is where the reader goes next.
    return '<details%s><summary>evidence</summary><ul class="ev">%s</ul></details>' % (
        " open" if h["needs_person"] else "", "".join(items))


def _html_cards(summary):
    """(label, short value) pairs for the cards at the top of the page."""
    fleet = summary["fleet"]
    rate = fleet["fix_rate"]
    cards = [("hosts", str(fleet["hosts"])), ("fixed", str(fleet["fixed"])),
             ("fix rate: %d of %d hosts that needed repair" % (rate["fixed"], rate["needing_repair"])
              if rate["rate"] is not None else "fix rate: no host needed repair",
              "%.0f%%" % (100 * rate["rate"]) if rate["rate"] is not None else "-"),
             ("left for a person", str(fleet["left_for_person"]["count"])),
             ("installed without repair", str(fleet["installed"])),
             ("already installed", str(fleet["already_installed"]))]
    if fleet["diagnosed_only"]:
        cards.append(("diagnosed only", str(fleet["diagnosed_only"])))
    if fleet["without_data"]:
        cards.append(("without data", str(fleet["without_data"])))
    for basis in BASES:
        if basis in fleet["host_hours"]:
            cards.append(("host-hours, %s" % BASIS_LABEL[basis], "%.2f" % fleet["host_hours"][basis]))
    return cards


def render_html(summary):
    """One self-contained HTML page: inline CSS, inline SVG, no script, no external reference."""
    fleet = summary["fleet"]
    title = esc(summary["title"])
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           # No script may run, and nothing may be fetched: the page must not reach out even if
           # escaping were ever wrong.
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'; img-src data:">',
           "<title>%s</title><style>%s</style></head><body><main>" % (title, CSS),
           "<h1>%s</h1>" % title]
    note = esc(durations_note(summary))
    if run_line(summary):
        note = "%s. %s" % (esc(run_line(summary)), note)
    elif summary.get("generated_at"):
        note = "Generated %s. %s" % (esc(summary["generated_at"]), note)
    out.append('<p class="note">%s</p>' % note)
    out.append('<div class="cards">')
    for key, value in _html_cards(summary):
        out.append('<div class="card"><div class="v">%s</div><div class="k">%s</div></div>' % (esc(value), esc(key)))
    out.append("</div>")

    out.append('<section class="panel"><h2>Hosts fixed per rung</h2>%s</section>' % svg_fixed_per_rung(summary))
    rungs_seen = [r["rung"] for r in fleet["rungs"] if r["hosts_run"]]
    out.append('<section class="panel"><h2>Per-host duration by rung</h2>%s%s'
               '<p class="note">Segments in the order run; the rung that fixed the host has a green outline.</p>'
               "</section>" % (_legend(rungs_seen), svg_host_durations(summary)))

    person = fleet["left_for_person"]
    out.append('<section class="panel"><h2>Left for a person (%d)</h2>' % person["count"])
    if person["count"]:
        out.append("<table><tr><th>host</th><th>verdict</th><th>why</th><th>next steps</th></tr>")
        for h in summary["hosts"]:
            if h["needs_person"]:
                steps = "".join("<li>%s</li>" % esc(step) for step in h["next_steps"])
                out.append('<tr><td class="h">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                    esc(h["host"]), _badge(h["verdict"]), esc(h["reason"] or h["message"] or "-"),
                    '<ul class="ev">%s</ul>' % steps if steps else "-"))
        out.append("</table>")
        if person["last_resorts"]:
            out.append("<table><tr><th>last resort</th><th>hosts</th><th>what it means</th></tr>")
            for r in person["last_resorts"]:
                out.append("<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                    esc(r["name"]), esc(", ".join(r["hosts"])), esc(r["summary"] or "")))
            out.append("</table>")
    else:
        out.append("<p>None.</p>")
    out.append("</section>")

    out.append('<section class="panel"><h2>Verdicts and causes</h2><div class="two"><div>'
               "<table><tr><th>verdict</th><th>hosts</th></tr>")
    out += ['<tr><td>%s</td><td class="n">%d</td></tr>' % (_badge(v["name"]), v["count"]) for v in fleet["verdicts"]]
    out.append("</table></div><div>")
    if fleet["causes"]:
        out.append("<table><tr><th>cause</th><th>hosts</th></tr>")
        out += ['<tr><td>%s</td><td class="n">%d</td></tr>' % (esc(c["name"]), c["count"]) for c in fleet["causes"]]
        out.append("</table>")
    out.append("</div></div></section>")

    out.append('<section class="panel"><h2>Per host</h2><table><tr><th>host</th><th>verdict</th><th>target KB</th>'
               "<th>causes</th><th>rungs run</th><th>fixed by</th><th>duration</th></tr>")
    for h in summary["hosts"]:
        causes = ", ".join("%s%s" % (esc(c["name"]), " (%s)" % esc(c["confidence"]) if c["confidence"] else "")
                           for c in h["causes"]) or "-"
        rungs = "".join(_rung_chip(r["rung"], rung_label(r)) for r in h["rungs_run"]) or "-"
        verdict = _badge(h["verdict"]) + ('<div class="why">%s</div>' % esc(h["reason"]) if h["reason"] else "")
        cells = (esc(h["host"]), verdict, esc(h["target_kb"] or "-"), causes, _host_details(h), rungs,
                 _rung_chip(h["fixed_by"]) if h["fixed_by"] else "-", esc(format_duration(h["duration"])))
        out.append('<tr><td class="h">%s</td><td>%s</td><td>%s</td><td>%s%s</td><td>%s</td><td>%s</td>'
                   '<td class="h">%s</td></tr>' % cells)
    out.append("</table></section>")
    out.append('<p class="note">schema_version %d &middot; winrepair.windows_update</p>' % summary["schema_version"])
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


RENDERERS = {"json": (render_json, "json"), "markdown": (render_markdown, "md"), "html": (render_html, "html")}


def render(summary, fmt):
    """(text, file extension) of FMT (json, markdown, html)."""
    try:
        renderer, ext = RENDERERS[fmt]
    except KeyError:
        raise ValueError("unknown report format %r (known: %s)" % (fmt, ", ".join(RENDERERS)))
    return renderer(summary), ext
