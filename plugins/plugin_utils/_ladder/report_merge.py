# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""One fleet report from several: AWX/AAP job slices, several controllers, re-runs.

- ``expand(patterns)``: paths or globs of earlier JSON reports -> the files, in
  the order given (each glob sorted), each file once.
- ``load(path)``: one JSON report, checked (a malformed one raises ValueError
  naming the file and what is wrong).
- ``merge(base, inputs)``: BASE (this run's summary, possibly of no host) and
  INPUTS (``[(label, summary)]``) -> one summary. Each host is taken from its
  latest run (the run's ``finished`` time; for a run cut off before its verdict,
  the last time it recorded). A host without data (``no_data``) in one input
  never hides its data from another. Two different runs of a host that finished
  at the same moment, or a duplicate host without a time, raise ValueError naming
  both inputs: the merge will not guess. The same run seen twice (same run id,
  or the same entry) is not a conflict, so a merged report may be merged again.
  Fleet numbers are recomputed from the hosts kept; BASE's other top-level keys
  stay as they are; ``merged_from`` lists each input with its hosts and how
  many of them were kept.
- ``merge_files(base, patterns)``: expand, load and merge.
"""
from __future__ import annotations

import glob
import json
import math
import os

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report, ladder
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime

THIS_RUN = "this run"

# The shape of a host entry as fleet_report._host_entry writes it, for what the fleet
# numbers and the renderers read. "text": a string or null; "name": a non-empty string;
# "number": a finite number or null; a list: items of that shape; a dict: those keys
# (missing ones take the no_data entry's value). Keys not listed pass through as they are.
_VERIFY = {"outcome": "text", "kb": "text", "hresult": "text", "message": "text"}
ENTRY_SHAPE = {
    "host": "name", "verdict": "name", "source": "text", "target_kb": "text", "fixed_by": "text",
    "message": "text", "reason": "text", "run_id": "text", "started": "text", "finished": "text",
    "needs_person": "bool",
    "recommended_rungs": ["name"], "last_resorts": ["name"], "evidence": ["text"], "next_steps": ["text"],
    "causes": [{"name": "name", "confidence": "text", "evidence": ["text"]}],
    "rungs_run": [{"rung": "name", "outcome": "text", "started": "text", "finished": "text", "seconds": "number",
                   "time_basis": "text", "details": "text", "verify": ("optional", _VERIFY)}],
    "duration": {"seconds": "number", "time_basis": "text", "by_basis": ("numbers",)},
}
# Where a report gives the time of the run that made it ({key: None} top level, {key: sub} nested),
# for hosts whose entry has no time of its own.
REPORT_TIME_KEYS = (("generated_at", None), ("run", "date"))


# ------------------------------------------------------------------ files

def expand(patterns):
    """Paths or globs (relative: from the current directory; ~ expanded) -> absolute file paths, each once."""
    files, seen = [], set()
    for pattern in patterns or []:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError("%r is not a path or glob of a report's .json file" % (pattern,))
        path = os.path.abspath(os.path.expanduser(pattern))
        if glob.has_magic(path):
            matches = sorted(m for m in glob.glob(path) if os.path.isfile(m))
            if not matches:
                raise ValueError("%s matches no file" % pattern)
        elif os.path.isdir(path):
            raise ValueError("%s is a directory: give the report's .json file (or a glob of them)" % pattern)
        elif not os.path.isfile(path):
            raise ValueError("%s does not exist" % pattern)
        else:
            matches = [path]
        for match in matches:
            key = os.path.realpath(match)
            if key not in seen:
                seen.add(key)
                files.append(match)
    return files


def load(path):
    """The JSON report in PATH, checked; ValueError names PATH and what is wrong."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError("%s: cannot be read: %s" % (path, exc)) from exc
    except ValueError as exc:
        raise ValueError("%s: is not JSON: %s" % (path, exc)) from exc
    return check_report(data, path)


def check_report(data, label):
    """DATA (a parsed report) checked: its host entries completed with the keys an older report lacks."""
    if not isinstance(data, dict):
        raise ValueError("%s: is not a fleet report (a JSON object), it is a %s" % (label, _kind(data)))
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("%s: has no schema_version: is it the .json file of a fleet report?" % label)
    if not 1 <= version <= fleet_report.SCHEMA_VERSION:
        raise ValueError("%s: schema_version %d is not one this release reads (1 to %d): merge with the release "
                         "that wrote it" % (label, version, fleet_report.SCHEMA_VERSION))
    hosts = data.get("hosts")
    if not isinstance(hosts, list):
        raise ValueError("%s: hosts is not a list" % label)
    checked = dict(data)
    checked["hosts"] = [_check_entry(entry, label, index) for index, entry in enumerate(hosts)]
    names = [entry["host"] for entry in checked["hosts"]]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError("%s: lists host %s more than once" % (label, ", ".join(twice)))
    return checked


def _kind(value):
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__)


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(value, shape, where):
    """VALUE has SHAPE (see ENTRY_SHAPE), or ValueError naming WHERE."""
    if isinstance(shape, tuple):
        if shape[0] == "optional":
            return None if value is None else _check(value, shape[1], where)
        if not isinstance(value, dict) or not all(_finite(v) for v in value.values()):
            raise ValueError("%s must be an object of numbers" % where)
        return value
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise ValueError("%s must be a list, it is a %s" % (where, _kind(value)))
        return [_check(item, shape[0], "%s[%d]" % (where, i)) for i, item in enumerate(value)]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise ValueError("%s must be an object, it is a %s" % (where, _kind(value)))
        out = dict(value)
        for key, sub in shape.items():
            if key in value:
                out[key] = _check(value[key], sub, "%s.%s" % (where, key))
        return out
    ok = {"text": lambda v: v is None or isinstance(v, str),
          "name": lambda v: isinstance(v, str) and v != "",
          "bool": lambda v: isinstance(v, bool),
          "number": lambda v: v is None or _finite(v)}[shape]
    if not ok(value):
        raise ValueError("%s must be %s, it is %s" % (where, {"text": "a string or null", "name": "a non-empty string",
                                                              "bool": "true or false", "number": "a number or null"}[shape],
                                                      json.dumps(value, default=str)[:80]))
    return value


def _check_entry(entry, label, index):
    if not isinstance(entry, dict):
        raise ValueError("%s: hosts[%d] must be an object, it is a %s" % (label, index, _kind(entry)))
    name = entry.get("host")
    where = "%s: host %s" % (label, name) if isinstance(name, str) and name else "%s: hosts[%d]" % (label, index)
    for key in ("host", "verdict"):
        if key not in entry:
            raise ValueError("%s has no %s" % (where, key))
    # Keys a report of an older layout lacks take the value of a host without data.
    full = dict(_blank(entry["host"]), **entry)
    checked = {}
    for key, value in full.items():
        checked[key] = _check(value, ENTRY_SHAPE[key], "%s: %s" % (where, key)) if key in ENTRY_SHAPE else value
    for key in ("started", "finished"):
        if checked[key] is not None and isotime.parse(checked[key]) is None:
            raise ValueError("%s: %s %r is not an ISO 8601 time" % (where, key, checked[key]))
    for i, rung in enumerate(checked["rungs_run"]):
        for key in ("started", "finished"):
            if rung.get(key) is not None and isotime.parse(rung[key]) is None:
                raise ValueError("%s: rungs_run[%d].%s %r is not an ISO 8601 time" % (where, i, key, rung[key]))
    return checked


def _blank(host):
    """The entry of HOST without data, as fleet_report writes it."""
    return fleet_report.build_summary([{"host": host}])["hosts"][0] if isinstance(host, str) and host else {}


# ------------------------------------------------------------------ merge

def run_time(entry, report=None):
    """When the host's run ended: its finished time; for a run cut off before its verdict, the last time it
    recorded (its start, its rungs' starts and ends); else the REPORT's own time, if it has one; else None."""
    moment = isotime.parse(entry.get("finished"))
    if moment is not None:
        return moment
    seen = [isotime.parse(entry.get("started"))]
    for rung in entry.get("rungs_run") or []:
        seen += [isotime.parse(rung.get("started")), isotime.parse(rung.get("finished"))]
    seen = [m for m in seen if m is not None]
    if seen:
        return max(seen)
    for key, sub in REPORT_TIME_KEYS:
        value = (report or {}).get(key)
        moment = isotime.parse(value.get(sub) if sub and isinstance(value, dict) else value)
        if moment is not None:
            return moment
    return None


def _has_data(entry):
    return entry.get("source") is not None or entry.get("verdict") != fleet_report.NO_DATA


def _same_run(a, b):
    return (a.get("run_id") is not None and a.get("run_id") == b.get("run_id")) or a == b


def _latest(host, candidates):
    """Of CANDIDATES ([(label, entry, time)]) for HOST, the entry of the latest run."""
    with_data = [c for c in candidates if _has_data(c[1])]
    if not with_data:
        return candidates[0]
    if len(with_data) == 1:
        return with_data[0]
    untimed = [c[0] for c in with_data if c[2] is None]
    if untimed:
        raise ValueError("host %s is in %s, and %s gives no time for its run: cannot tell which run is the latest. "
                         "Leave one of them out" % (host, " and ".join(c[0] for c in with_data), " and ".join(untimed)))
    latest = max(c[2] for c in with_data)
    ends = [c for c in with_data if c[2] == latest]
    best = ends[0]  # the same run in several inputs: the first input's copy
    for other in ends[1:]:
        if not _same_run(other[1], best[1]):
            raise ValueError("host %s: %s and %s hold two different runs that ended at the same time (%s, run ids "
                             "%s and %s): cannot tell which is the latest. Leave one of them out"
                             % (host, best[0], other[0], best[1].get("finished") or best[2].isoformat(),
                                best[1].get("run_id"), other[1].get("run_id")))
    return best


def _resort_summaries(reports):
    """Last resort name -> summary: the ladder's wording, else what a report says."""
    summaries = {item["name"]: item["summary"] for item in ladder.LAST_RESORTS}
    for report in reports:
        person = (report.get("fleet") or {}).get("left_for_person") or {}
        for item in person.get("last_resorts") or []:
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("summary"), str):
                summaries.setdefault(item["name"], item["summary"])
    return summaries


def merge(base, inputs):
    """BASE (this run's summary) and INPUTS ([(label, checked summary)]) -> one summary (see the module doc)."""
    sources = ([(THIS_RUN, base)] if base.get("hosts") else []) + list(inputs)
    candidates, order = {}, []
    for label, report in sources:
        for entry in report["hosts"]:
            if entry["host"] not in candidates:
                candidates[entry["host"]] = []
                order.append(entry["host"])
            candidates[entry["host"]].append((label, entry, run_time(entry, report)))
    kept, counts = [], {}
    for host in order:
        label, entry, _when = _latest(host, candidates[host])
        kept.append(entry)
        counts[label] = counts.get(label, 0) + 1
    fresh = fleet_report.summarise(kept, base.get("title") or fleet_report.DEFAULT_TITLE, None,
                                   _resort_summaries([r for _l, r in sources]))
    # The rest (title, the run that made this report, ...) stays BASE's: the merge is this run's report.
    summary = dict(base, fleet=fresh["fleet"], hosts=fresh["hosts"])
    summary["merged_from"] = [{"input": label, "hosts": len(report["hosts"]), "kept": counts.get(label, 0)}
                              for label, report in sources]
    return summary


def merge_files(base, patterns):
    """BASE merged with the reports PATTERNS name (see expand)."""
    return merge(base, [(path, load(path)) for path in expand(patterns)])
