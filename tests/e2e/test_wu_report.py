# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role wu_report end to end: ansible-playbook over a simulated fleet, the report files on the controller.

One fleet, one ansible-playbook run. Three hosts get a ``wu_remediation`` fact
(as the repair role leaves it; one with hostile evidence), one is really
diagnosed over WinRM with win_wu_diagnose (registered as ``wu_diagnosis``), one
has nothing. The role then runs three times: normally (writes the files), in
check mode with another title (says it would change, writes nothing and says
so), and normally again with the first title (nothing changed; that run's own
dated report is written beside the latest copy).
"""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from winsim.pytest_plugin import start_fleet

GB = 1024 ** 3
SD = "C:\\Windows\\SoftwareDistribution"
WU = "Microsoft-Windows-WindowsUpdateClient"
CU = "2026-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5066835)"
EVIL = "<script>alert(1)</script>"

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.83.1"},
    "hosts": [
        {"name": "fixed-reset"},
        {"name": "fixed-sfc"},
        {"name": "person"},
        # A download-cache failure (System event 20, WU_E_UH_POSTREBOOTUNEXPECTEDSTATE) and a big cache,
        # as in tests/e2e/test_win_wu_diagnose.py.
        {"name": "diag", "folders": {SD: {"size_bytes": 24 * GB}},
         "events": [{"log": "System", "provider": WU, "event_id": 20, "time": "2026-10-31T03:00:00Z",
                     "message": "Installation Failure: Windows failed to install the following update with "
                                "error 0x80242016: %s." % CU,
                     "data": {"updateTitle": CU, "errorCode": "0x80242016"}}]},
        {"name": "silent"},
    ],
}
HOSTS = [h["name"] for h in SCENARIO["hosts"]]


def rung(name, outcome, seconds):
    return {"rung": name, "started": "2026-11-02T09:00:00Z", "finished": None, "outcome": outcome,
            "modelled_seconds": seconds, "details": {}}


REMEDIATIONS = {
    "fixed-reset": {"host": "fixed-reset", "target_kb": "KB5066835", "verdict": "fixed", "fixed_by": "reset",
                    "causes": [{"name": "corrupt_download_cache", "confidence": "high", "evidence": ["24 GB cache"]}],
                    "rungs_run": [rung("preflight", "not_fixed", 90), rung("reset", "fixed", 700)],
                    "last_resorts": [], "evidence": []},
    "fixed-sfc": {"host": "fixed-sfc", "target_kb": "KB5066835", "verdict": "fixed", "fixed_by": "sfc_dism",
                  "causes": [{"name": "corrupt_component_store", "confidence": "medium", "evidence": ["CBS"]}],
                  "rungs_run": [rung("preflight", "not_fixed", 60), rung("sfc_dism", "fixed", 2700)],
                  "last_resorts": [], "evidence": []},
    "person": {"host": "person", "target_kb": "KB5066835", "verdict": "needs_person", "fixed_by": None,
               "causes": [{"name": "forward_delta_hydration", "confidence": "high",
                           "evidence": ["CBS.log: " + EVIL]}],
               "rungs_run": [rung("preflight", "not_fixed", 60), rung("inplace_upgrade", "failed", 5400)],
               "last_resorts": [{"name": "reset_this_pc_keep_files", "summary": "Reset this PC"},
                                {"name": "clean_install", "summary": "Clean install"}],
               "evidence": [EVIL]},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wu_report")
    report = tmp / "report"
    fleet = start_fleet(SCENARIO, str(tmp))
    try:
        role = "winrepair.windows_update.wu_report"
        save = {"ansible.builtin.copy": {"content": "{{ wu_report_result | to_json }}",
                                         "dest": str(tmp) + "/{{ step }}.json"},
                "delegate_to": "localhost", "run_once": True, "check_mode": False}
        tasks = [
            {"name": "what the repair role leaves",
             "ansible.builtin.set_fact": {"wu_remediation": "{{ remediations[inventory_hostname] }}"},
             "when": "inventory_hostname in remediations"},
            {"name": "diagnose one host for real", "winrepair.windows_update.win_wu_diagnose": {},
             "register": "wu_diagnosis", "when": "inventory_hostname == 'diag'"},
            {"ansible.builtin.include_role": {"name": role}},
            dict(save, vars={"step": "first"}),
            {"ansible.builtin.include_role": {"name": role, "apply": {"check_mode": True}},
             "vars": {"wu_report_title": "Another title"}},
            dict(save, vars={"step": "check"}),
            {"ansible.builtin.include_role": {"name": role}},
            dict(save, vars={"step": "again"}),
        ]
        play = [{"hosts": ",".join(HOSTS), "gather_facts": False, "tasks": tasks,
                 "vars": {"remediations": REMEDIATIONS, "wu_report_dir": str(report),
                          "wu_report_title": "E2E fleet"}}]
        playbook = tmp / "play.yml"
        playbook.write_text(json.dumps(play))
        proc = fleet.playbook(str(playbook), timeout=180)
        results = {}
        for step in ("first", "check", "again"):
            path = tmp / ("%s.json" % step)
            assert path.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
            results[step] = json.loads(path.read_text())
        yield fleet, report, results, proc
    finally:
        fleet.stop()


def test_play_ran_and_printed_the_summary(run):
    _fleet, _report, results, proc = run
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Fix rate:" in proc.stdout and "report files:" in proc.stdout
    assert "check mode: no report was written" in proc.stdout
    # The report task ran once for the play, not once per host.
    assert proc.stdout.count("TASK [winrepair.windows_update.wu_report : Write the fleet report") == 3
    assert results["first"]["changed"] is True


def test_files_exist_and_contain_each_host(run):
    _fleet, report, results, _proc = run
    paths = results["first"]["paths"]
    assert sorted(paths) == ["html", "json", "markdown"]
    # The latest copies, and each real run's report under its dated name (two real runs).
    names = sorted(p.name for p in report.iterdir())
    assert {"wu-fleet-report.html", "wu-fleet-report.json", "wu-fleet-report.md"} <= set(names)
    dated = [n for n in names if n.startswith("wu-fleet-report-20")]
    assert len(dated) in (3, 6) and sorted(results["first"]["dated_paths"]) == ["html", "json", "markdown"]
    for path in paths.values():
        text = open(path, encoding="utf-8").read()
        for host in HOSTS:
            assert host in text, (path, host)
        assert "E2E fleet" in text


def test_summary_from_the_hosts_facts(run):
    _fleet, report, _results, _proc = run
    data = json.loads((report / "wu-fleet-report.json").read_text())
    assert data["schema_version"] == 1
    hosts = {h["host"]: h for h in data["hosts"]}
    assert {n: h["verdict"] for n, h in hosts.items()} == {
        "fixed-reset": "fixed", "fixed-sfc": "fixed", "person": "needs_person", "diag": "diagnosed",
        "silent": "no_data"}
    # The real diagnosis over WinRM reached the report.
    assert [c["name"] for c in hosts["diag"]["causes"]] == ["corrupt_download_cache"]
    assert hosts["diag"]["recommended_rungs"] == ["preflight", "reset"]
    fleet = data["fleet"]
    assert {r["rung"]: r["hosts"] for r in fleet["fixed_by_rung"] if r["hosts"]} == {"sfc_dism": 1, "reset": 1}
    assert fleet["fix_rate"] == {"fixed": 2, "needing_repair": 3, "rate": 0.6667}
    assert fleet["left_for_person"]["hosts"] == ["person"]
    resorts = [r["name"] for r in fleet["left_for_person"]["last_resorts"]]
    assert resorts == ["reset_this_pc_keep_files", "clean_install"]
    assert fleet["host_hours"] == {"modelled": round((790 + 2760 + 5460) / 3600.0, 2)}


def test_html_escapes_the_hostile_evidence(run):
    _fleet, report, _results, _proc = run
    page = (report / "wu-fleet-report.html").read_text()
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    tags = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    Tags().feed(page)
    assert "script" not in tags and "svg" in tags


def test_check_mode_then_rerun_change_nothing(run):
    _fleet, report, results, _proc = run
    check, again = results["check"], results["again"]
    # Another title would change every file; check mode says so and writes nothing.
    assert check["changed"] is True and check["written"] == [] and check["paths"] == {}
    assert "no report was written" in check["msg"] and check["summary"]["run"]["check_mode"] is True
    assert check["summary"]["title"] == "Another title"
    assert "Another title" not in (report / "wu-fleet-report.md").read_text()
    # Same data and title as the first run: not changed; only the run header differs.
    assert again["changed"] is False
    assert again["summary"]["run"]["id"] != results["first"]["summary"]["run"]["id"]
    strip = ("run", "generated_at")
    assert {k: v for k, v in again["summary"].items() if k not in strip} == \
        {k: v for k, v in results["first"]["summary"].items() if k not in strip}


def test_report_reads_no_host(run):
    fleet = run[0]
    # Only the diagnosed host was contacted, once; the report never reached a host.
    assert [(r.kind, r.name) for r in fleet.records("diag")] == [("script", "wu_diagnose")]
    for name in ("fixed-reset", "fixed-sfc", "person", "silent"):
        assert fleet.records(name) == [], name
