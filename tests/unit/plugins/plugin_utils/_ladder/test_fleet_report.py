# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/_ladder/fleet_report.py: the fleet summary from a synthetic fleet, and its three renderings."""
from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import pytest


from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import fleet_report as fr
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation as rem

EVIL = "<script>alert(1)</script>"
EVIL_ATTR = '"><img src=x onerror=alert(2)>'
RESORTS = ladder.last_resorts()


def rung(name, outcome, seconds=None, **extra):
    entry = {"rung": name, "started": "2026-11-02T09:00:00Z", "finished": "2026-11-02T09:10:00Z",
             "outcome": outcome, "details": {"note": "ok"}}
    if seconds is not None:
        entry["modelled_seconds"] = seconds
    entry.update(extra)
    return entry


def remediation(host, verdict, rungs, fixed_by=None, causes=(), last_resorts=(), evidence=()):
    return {"host": host, "target_kb": "KB5066835", "verdict": verdict, "fixed_by": fixed_by,
            "causes": [{"name": c, "confidence": "high", "evidence": ["%s seen on %s" % (c, host)]} for c in causes],
            "rungs_run": rungs, "last_resorts": list(last_resorts), "evidence": list(evidence)}


def fleet():
    """Seven hosts: three fixed on different rungs, one already fine, two for a person, one diagnosed only."""
    return [
        {"host": "win-a", "wu_remediation": remediation(
            "win-a", "fixed", [rung("preflight", "not_fixed", 120), rung("reset", "fixed", 600)],
            fixed_by="reset", causes=["corrupt_download_cache"])},
        {"host": "win-b", "wu_remediation": remediation(
            "win-b", "fixed", [rung("preflight", "not_fixed", 60), rung("sfc_dism", "fixed", 2400)],
            fixed_by="sfc_dism", causes=["corrupt_component_store"])},
        # A bare remediation dict is accepted too.
        remediation("win-c", "fixed", [rung("preflight", "not_fixed", 60), rung("sfc_dism", "not_fixed", 1800),
                                       rung("reset", "fixed", 540)], fixed_by="reset",
                    causes=["unknown_update_failure"]),
        {"host": "win-d", "wu_remediation": remediation("win-d", "already_installed", [])},
        {"host": "win-e", "wu_remediation": remediation(
            "win-e", "needs_person",
            [rung("preflight", "not_fixed", 60), rung("inplace_upgrade", "failed", 5400)],
            causes=["forward_delta_hydration"], last_resorts=RESORTS,
            evidence=["CBS.log: " + EVIL, {"attr": EVIL_ATTR}])},
        {"host": "win-f", "wu_remediation": remediation(
            "win-f", "skipped_failing_disk", [], causes=["storage_fault"],
            last_resorts=["clean_install"])},
        {"host": "win-g", "wu_diagnosis": {
            "changed": False, "causes": [{"name": "low_disk", "confidence": "medium", "evidence": ["C: 9 GB"]}],
            "recommended_rungs": [{"rung": "preflight"}], "last_resorts": RESORTS}},
    ]


@pytest.fixture
def summary():
    return fr.build_summary(fleet(), title="Patch Tuesday " + EVIL)


def by_host(summary):
    return {h["host"]: h for h in summary["hosts"]}


# ------------------------------------------------------------------ summary

def test_fleet_numbers(summary):
    f = summary["fleet"]
    assert f["hosts"] == 7 and f["remediated"] == 6 and f["diagnosed_only"] == 1 and f["without_data"] == 0
    assert f["fixed"] == 3 and f["already_installed"] == 1 and f["installed"] == 0
    assert {r["rung"]: r["hosts"] for r in f["fixed_by_rung"]} == {
        "preflight": 0, "sfc_dism": 1, "reset": 2, "catalog_install": 0, "inplace_upgrade": 0, "manual": 0}
    assert [r["rung"] for r in f["fixed_by_rung"]] == list(ladder.RUNGS)
    runs = {r["rung"]: (r["hosts_run"], r["hosts_fixed"]) for r in f["rungs"]}
    assert runs["preflight"] == (4, 0) and runs["sfc_dism"] == (2, 1) and runs["reset"] == (2, 2)
    assert runs["inplace_upgrade"] == (1, 0)
    # already_installed needed no repair: 3 fixed of 5.
    assert f["fix_rate"] == {"fixed": 3, "needing_repair": 5, "rate": 0.6}
    assert f["left_for_person"]["count"] == 2 and f["left_for_person"]["hosts"] == ["win-e", "win-f"]
    resorts = {r["name"]: r["hosts"] for r in f["left_for_person"]["last_resorts"]}
    assert resorts == {"reset_this_pc_keep_files": ["win-e"], "clean_install": ["win-e", "win-f"],
                       "wait_next_cumulative": ["win-e"]}
    # Order: the ladder's order of last resorts.
    assert [r["name"] for r in f["left_for_person"]["last_resorts"]] == [r["name"] for r in RESORTS]
    # The bare name still gets the ladder's wording.
    assert all(r["summary"] for r in f["left_for_person"]["last_resorts"])
    verdicts = {v["name"]: v["count"] for v in f["verdicts"]}
    assert verdicts == {"fixed": 3, "already_installed": 1, "needs_person": 1, "skipped_failing_disk": 1,
                        "diagnosed": 1}
    assert [v["name"] for v in f["verdicts"]][:2] == ["fixed", "already_installed"]
    causes = {c["name"]: c["count"] for c in f["causes"]}
    assert causes["low_disk"] == 1 and causes["storage_fault"] == 1 and len(causes) == 6


def test_host_hours_sum_modelled_seconds(summary):
    # 720 + 2460 + 2400 + 5460 modelled seconds.
    assert summary["fleet"]["host_hours"] == {"modelled": round(11040 / 3600.0, 2)}


def test_per_host_entries(summary):
    hosts = by_host(summary)
    assert [h["host"] for h in summary["hosts"]] == sorted(hosts)
    a = hosts["win-a"]
    assert a["verdict"] == "fixed" and a["fixed_by"] == "reset" and a["needs_person"] is False
    assert a["duration"] == {"seconds": 720.0, "time_basis": "modelled", "by_basis": {"modelled": 720.0}}
    assert [(r["rung"], r["outcome"], r["seconds"], r["time_basis"]) for r in a["rungs_run"]] == [
        ("preflight", "not_fixed", 120.0, "modelled"), ("reset", "fixed", 600.0, "modelled")]
    assert a["causes"][0]["name"] == "corrupt_download_cache" and a["target_kb"] == "KB5066835"
    assert hosts["win-c"]["source"] == "remediation"
    g = hosts["win-g"]
    assert g["verdict"] == "diagnosed" and g["recommended_rungs"] == ["preflight"] and g["needs_person"] is False
    assert g["duration"]["seconds"] is None
    e = hosts["win-e"]
    assert e["needs_person"] is True and e["last_resorts"] == [r["name"] for r in RESORTS]
    assert any(EVIL in ev for ev in e["evidence"])


def test_durations_real_timestamps_and_mixed_never_added():
    records = [
        remediation("real", "fixed", [rung("reset", "fixed", seconds=None, seconds_unused=1, real_seconds=90)],
                    fixed_by="reset"),
        remediation("stamps", "failed", [rung("preflight", "not_fixed")]),
        remediation("mixed", "fixed", [rung("preflight", "not_fixed", 30), rung("reset", "fixed", real_seconds=45)],
                    fixed_by="reset"),
    ]
    summary = fr.build_summary(records)
    hosts = by_host(summary)
    assert hosts["real"]["duration"]["time_basis"] == "real" and hosts["real"]["duration"]["seconds"] == 90.0
    # started 09:00, finished 09:10 -> 600 s from the timestamps.
    assert hosts["stamps"]["duration"] == {"seconds": 600.0, "time_basis": "timestamps",
                                           "by_basis": {"timestamps": 600.0}}
    assert hosts["mixed"]["duration"]["time_basis"] == "mixed" and hosts["mixed"]["duration"]["seconds"] is None
    assert fr.format_duration(hosts["mixed"]["duration"]) == "30 s (modelled clock) + 45 s (controller clock)"
    assert summary["fleet"]["host_hours"] == {"modelled": round(30 / 3600.0, 2), "real": round(135 / 3600.0, 2),
                                              "timestamps": round(600 / 3600.0, 2)}
    assert summary["fleet"]["left_for_person"]["hosts"] == ["stamps"]


def test_hosts_without_data_skipped_results_and_failed_diagnosis():
    records = [{"host": "gone"}, {"host": "skipped", "wu_diagnosis": {"skipped": True, "changed": False}},
               {"host": "broken", "wu_diagnosis": {"failed": True, "msg": "Could not read the evidence"}}]
    summary = fr.build_summary(records)
    hosts = by_host(summary)
    assert hosts["gone"]["verdict"] == "no_data" and hosts["skipped"]["verdict"] == "no_data"
    assert hosts["broken"]["verdict"] == "diagnose_failed" and hosts["broken"]["message"].startswith("Could not")
    assert summary["fleet"]["without_data"] == 2 and summary["fleet"]["diagnosed_only"] == 1
    assert summary["fleet"]["fix_rate"]["rate"] is None and summary["fleet"]["host_hours"] == {}


def test_records_of_one_host_merge_and_bad_records_are_refused():
    summary = fr.build_summary([{"host": "h1", "wu_diagnosis": {"causes": [{"name": "low_disk"}]}},
                                {"host": "h1", "wu_remediation": remediation("h1", "fixed", [], fixed_by="preflight")}])
    assert len(summary["hosts"]) == 1
    h = summary["hosts"][0]
    assert h["verdict"] == "fixed" and h["source"] == "remediation"
    # The remediation's own (empty) cause list wins over the diagnosis'.
    assert h["causes"] == []
    with pytest.raises(ValueError, match="no host name"):
        fr.build_summary([{"wu_diagnosis": {}}])
    with pytest.raises(ValueError, match="must be a dict"):
        fr.build_summary(["win01"])


def test_unknown_rungs_and_verdicts_are_kept():
    summary = fr.build_summary([remediation("x", "fixed", [rung("custom_fix", "fixed", 10)], fixed_by="custom_fix"),
                                remediation("y", "rolled_back", [rung("reset", "failed", 10)])])
    f = summary["fleet"]
    assert {"rung": "custom_fix", "hosts": 1} in f["fixed_by_rung"]
    assert f["rungs"][-1] == {"rung": "custom_fix", "hosts_run": 1, "hosts_fixed": 1}
    assert {"name": "rolled_back", "count": 1} in f["verdicts"]
    assert f["left_for_person"]["hosts"] == ["y"]


def test_evidence_is_bounded():
    huge = remediation("big", "failed", [], evidence=["x" * 5000] * 500)
    h = fr.build_summary([huge])["hosts"][0]
    assert len(h["evidence"]) == fr.MAX_EVIDENCE + 1 and h["evidence"][-1] == "(460 more not shown)"
    assert all(len(e) <= fr.MAX_TEXT for e in h["evidence"])


def test_input_is_not_modified():
    records = fleet()
    before = copy.deepcopy(records)
    fr.build_summary(records)
    assert records == before


def test_format_seconds():
    assert [fr.format_seconds(s) for s in (None, 0, 42, 60, 754, 3600, 7260)] == [
        "-", "0 s", "42 s", "1 min", "12 min 34 s", "1 h 00 min", "2 h 01 min"]


# --------------------------------------------------------------------- JSON

def test_json_schema_keys_and_stability(summary):
    text = fr.render_json(summary)
    data = json.loads(text)
    assert data["schema_version"] == fr.SCHEMA_VERSION == 1
    assert set(data) == {"schema_version", "title", "generated_at", "run", "rung_order", "fleet", "hosts"}
    assert set(data["fleet"]) == {"hosts", "remediated", "diagnosed_only", "without_data", "fixed", "installed",
                                  "already_installed", "verdicts", "fixed_by_rung", "rungs", "left_for_person",
                                  "causes", "fix_rate", "host_hours"}
    assert set(data["hosts"][0]) == {"host", "source", "verdict", "target_kb", "causes", "recommended_rungs",
                                     "rungs_run", "fixed_by", "duration", "last_resorts", "needs_person",
                                     "evidence", "message", "reason", "next_steps", "run_id", "started", "finished"}
    assert set(data["hosts"][0]["rungs_run"][0]) == {"rung", "outcome", "started", "finished", "seconds",
                                                     "time_basis", "details", "verify"}
    # Same data -> same bytes (no clock in the output); the order of the records does not matter.
    assert fr.render_json(fr.build_summary(list(reversed(fleet())), title="Patch Tuesday " + EVIL)) == text
    assert data["generated_at"] is None


# ----------------------------------------------------------------- Markdown

def test_markdown_tables(summary):
    md = fr.render_markdown(summary)
    lines = md.splitlines()
    assert lines[0].startswith("# Patch Tuesday ")
    per_host = lines[lines.index("## Per host"):]
    rows = [line for line in per_host if line.startswith("| win-")]
    assert len(rows) == 7
    row_a = next(r for r in rows if r.startswith("| win-a |"))
    cells = [c.strip() for c in row_a.strip("|").split(" | ")]
    assert cells == ["win-a", "fixed", "KB5066835", "corrupt_download_cache (high)",
                     "preflight (not_fixed), reset (fixed)", "reset", "12 min (modelled clock)"]
    assert "| reset | 2 | 2 |" in lines and "| sfc_dism | 1 | 2 |" in lines
    assert "| Fix rate | 60% (3 of 5 hosts that needed repair) |" in lines
    # Every table row has the column count of its header (pipes inside cells are escaped).
    tables, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(len(re.split(r"(?<!\\)\|", line)))
        elif current:
            tables.append(current)
            current = []
    assert len(tables) >= 6 and all(len(set(t)) == 1 for t in tables), tables
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_markdown_cell_cannot_break_the_table():
    summary = fr.build_summary([remediation("evil|host\nnext", "fixed", [], fixed_by="reset`x`")])
    md = fr.render_markdown(summary).splitlines()
    row = next(line for line in md[md.index("## Per host"):] if line.startswith("| evil"))
    assert row.count(" | ") == 6 and "evil\\|host next" in row and "\\`x\\`" in row


# --------------------------------------------------------------------- HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_LEAVES = {"rect"}


class Checker(HTMLParser):
    """Well-formedness (every element closed in order), every tag and attribute, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs, self.text = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s>, open: %s" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page):
    checker = Checker()
    checker.feed(page)
    checker.close()
    return checker


def test_html_well_formed_and_self_contained(summary):
    page = fr.render_html(summary)
    checker = parse(page)
    assert checker.errors == [] and checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in checker.tags and "link" not in checker.tags and "iframe" not in checker.tags
    assert "img" not in checker.tags and checker.tags.count("svg") == 2 and "style" in checker.tags
    for tag, name, value in checker.attrs:
        assert not name.startswith("on"), (tag, name)
        if name in ("src", "href", "xlink:href", "action", "data"):
            raise AssertionError("external or embedded reference %s %s=%r" % (tag, name, value))
    assert "http://" not in page and "https://" not in page and "url(" not in page
    # Every host is on the page, and the chart bars of the fixing rungs are there.
    text = "".join(checker.text)
    for name in ("win-a", "win-b", "win-c", "win-d", "win-e", "win-f", "win-g"):
        assert name in text
    assert page.count("<rect") >= len(ladder.RUNGS) + 9


def test_html_escapes_host_strings(summary):
    page = fr.render_html(summary)
    assert EVIL not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    checker = parse(page)
    text = "".join(checker.text)
    # The hostile strings arrive as text, intact, for the reader to see.
    assert EVIL in text and EVIL_ATTR in text
    assert "Patch Tuesday " + EVIL in text


def test_html_escapes_hostile_host_name_in_svg_and_attributes():
    name = 'h"><script>alert(3)</script>'
    summary = fr.build_summary([remediation(name, "fixed", [rung("reset", "fixed", 60, details=EVIL_ATTR)],
                                            fixed_by="reset" + EVIL)])
    page = fr.render_html(summary)
    checker = parse(page)
    assert checker.errors == [] and "script" not in checker.tags and "img" not in checker.tags
    assert not any(n.startswith("on") for _t, n, _v in checker.attrs)
    assert name in "".join(checker.text)


def test_render_dispatch():
    summary = fr.build_summary([])
    assert fr.render(summary, "markdown")[1] == "md"
    assert json.loads(fr.render(summary, "json")[0])["fleet"]["hosts"] == 0
    assert parse(fr.render(summary, "html")[0]).errors == []
    with pytest.raises(ValueError, match="unknown report format"):
        fr.render(summary, "pdf")


def test_text_lines(summary):
    lines = fr.render_text(summary)
    assert lines[0].startswith("Patch Tuesday")
    assert any(line.split()[:4] == ["win-a", "fixed", "reset", "12"] for line in lines)
    assert any("last resort clean_install: win-e, win-f" in line for line in lines)


# ------------------------------------------- the record remediation.py builds

def _remediation_record(host, diagnosis, steps, verify_result=None, check_mode=False):
    """A wu_remediation fact made by plugin_utils/_ladder/remediation.py, the way role wu_remediate makes it."""
    plan = rem.plan(diagnosis, "KB5066835")
    record = rem.new_record(host, "KB5066835", diagnosis, plan, check_mode=check_mode, now="2026-11-02T09:00:00Z")
    clock = 0
    for rung, result in steps:
        record = rem.record_start(record, rung, now="2026-11-02T09:%02d:00Z" % clock)
        clock += 7
        record = rem.record_finish(record, rung, rem.rung_outcome(rung, result, check_mode),
                                   now="2026-11-02T09:%02d:00Z" % clock)
    if verify_result is not None:
        record = rem.record_verify(record, steps[-1][0], rem.verify_outcome(verify_result, "KB5066835"))
    return rem.verdict(record, check_mode=check_mode, now="2026-11-02T10:00:00Z")


def _diagnosis(*causes, installed=()):
    return {"causes": [{"name": c, "confidence": "high", "evidence": ["%s evidence" % c]} for c in causes],
            "installed_kbs": list(installed), "os": {"product_name": "Windows 11 Pro", "full_build": "26100.2033"},
            "system_drive": {"free_gb": 80.0}, "update_failures": [], "cbs": {}, "disk_health": {"healthy": True}}


INSTALLED = {"changed": True, "updates": {"u1": {"kb": ["5066835"], "installed": True}}}
STILL_FAILING = {"changed": False, "updates": {"u1": {"kb": ["5066835"], "installed": False,
                                                      "failure_hresult_code": -2147024122}}}


def test_records_made_by_remediation_py():
    records = [
        _remediation_record("r-fixed", _diagnosis("corrupt_download_cache"),
                            [("preflight", {"changed": False}), ("reset", {"changed": True})], INSTALLED),
        _remediation_record("r-person", _diagnosis("forward_delta_hydration"),
                            [("preflight", {"changed": False})], STILL_FAILING),
        _remediation_record("r-done", _diagnosis(installed=["KB5066835"]), []),
        _remediation_record("r-disk", _diagnosis("storage_fault"), []),
        _remediation_record("r-check", _diagnosis("corrupt_download_cache"),
                            [("preflight", {"changed": False})], check_mode=True),
    ]
    summary = fr.build_summary([{"host": r["host"], "wu_remediation": r} for r in records])
    hosts = by_host(summary)
    fixed = hosts["r-fixed"]
    assert fixed["verdict"] == "fixed" and fixed["fixed_by"] == "reset" and fixed["needs_person"] is False
    assert fixed["reason"] and fixed["run_id"]
    # remediation.py times each step on the controller clock (elapsed_seconds): "real", 7 minutes each.
    assert [(r["rung"], r["seconds"], r["time_basis"]) for r in fixed["rungs_run"]] == [
        ("preflight", 420.0, "real"), ("reset", 420.0, "real")]
    assert fixed["rungs_run"][-1]["verify"]["outcome"] == "installed"
    assert "verify: installed" in fr.rung_label(fixed["rungs_run"][-1])
    person = hosts["r-person"]
    assert person["verdict"] == "needs_person" and person["needs_person"] is True
    assert person["rungs_run"][-1]["verify"] == {"outcome": "failed", "kb": "KB5066835", "hresult": "0x80070306",
                                                 "message": None}
    assert person["last_resorts"] == [r["name"] for r in ladder.LAST_RESORTS]
    assert any("repair install" in step for step in person["next_steps"])
    assert hosts["r-done"]["verdict"] == "already_installed" and hosts["r-done"]["needs_person"] is False
    assert hosts["r-disk"]["verdict"] == "skipped_failing_disk" and hosts["r-disk"]["needs_person"] is True
    assert hosts["r-check"]["verdict"] == "check_mode" and hosts["r-check"]["needs_person"] is False
    # The evidence summary (a dict of dicts and lists) reads as text.
    assert any(e.startswith("os: product_name=Windows 11 Pro") for e in fixed["evidence"])
    f = summary["fleet"]
    assert f["fix_rate"] == {"fixed": 1, "needing_repair": 3, "rate": 0.3333}
    assert f["left_for_person"]["hosts"] == ["r-disk", "r-person"]
    md = fr.render_markdown(summary)
    assert person["reason"].split(":")[0] in md
    page = fr.render_html(summary)
    assert parse(page).errors == [] and "verify: failed 0x80070306" in page


def test_plain_install_and_incomplete_records():
    installed = _remediation_record("r-inst", _diagnosis(), [], None)
    installed = rem.record_verify(installed, None, rem.verify_outcome(INSTALLED, "KB5066835"))
    installed = rem.verdict(installed)
    unfinished = rem.new_record("r-half", "KB5066835", _diagnosis("corrupt_download_cache"))
    summary = fr.build_summary([installed, unfinished])
    hosts = by_host(summary)
    assert hosts["r-inst"]["verdict"] == "installed" and hosts["r-inst"]["needs_person"] is False
    assert hosts["r-half"]["verdict"] == "incomplete" and hosts["r-half"]["needs_person"] is True
    assert summary["fleet"]["installed"] == 1
    # A plain install needed no repair: only the unfinished host counts.
    assert summary["fleet"]["fix_rate"] == {"fixed": 0, "needing_repair": 1, "rate": 0.0}
