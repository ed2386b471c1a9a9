# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wu_fleet_report action plugin in-process: hostvars in, files out, changed only on new content."""
from __future__ import annotations

import json
import os
from unittest.mock import MagicMock

import pytest
import yaml


from ansible.errors import AnsibleActionFail
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.winrepair.windows_update.plugins.action import wu_fleet_report as action
from ansible_collections.winrepair.windows_update.plugins.modules import wu_fleet_report as doc


def remediation(host, verdict="fixed", fixed_by="reset", seconds=600):
    return {"host": host, "target_kb": "KB5066835", "verdict": verdict, "fixed_by": fixed_by,
            "causes": [{"name": "corrupt_download_cache", "confidence": "high", "evidence": ["big cache"]}],
            "rungs_run": [{"rung": "reset", "outcome": verdict, "started": None, "finished": None,
                           "modelled_seconds": seconds, "details": {}}],
            "last_resorts": [], "evidence": []}


def task_vars(hosts):
    """task_vars as the strategy gives them: hostvars per host, ansible_play_hosts_all in play order."""
    return {"hostvars": {name: dict(facts) for name, facts in hosts.items()},
            "ansible_play_hosts_all": list(hosts)}


def run(args, tvars=None, check_mode=False):
    task = MagicMock()
    task.args = dict(args)
    task.check_mode = check_mode
    task.diff = False
    task.async_val = 0
    task.action = "wu_fleet_report"
    connection = MagicMock()
    instance = action.ActionModule(task, connection, MagicMock(), None, None, None)
    # The report must never reach a host.
    instance._execute_module = MagicMock(side_effect=AssertionError("wu_fleet_report ran a module"))
    return instance.run(task_vars=dict(tvars or {}))


FLEET = {
    "win01": {"wu_remediation": remediation("win01")},
    "win02": {"wu_remediation": remediation("win02", "needs_person", None, 5400)},
    "win03": {"wu_diagnosis": {"changed": False, "causes": [], "recommended_rungs": []}},
    "win04": {"ansible_host": "127.0.0.9"},   # unreachable: no fact
}


def test_collects_from_hostvars_and_writes_three_files(tmp_path):
    dest = tmp_path / "report"
    res = run({"dest": str(dest)}, task_vars(FLEET))
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] is True
    assert res["paths"] == {"json": str(dest / "wu-fleet-report.json"), "markdown": str(dest / "wu-fleet-report.md"),
                            "html": str(dest / "wu-fleet-report.html")}
    # Each run's report under a dated name beside the latest copy.
    assert sorted(res["written"]) == sorted(list(res["paths"].values()) + list(res["dated_paths"].values()))
    assert all(os.path.basename(p).startswith("wu-fleet-report-20") for p in res["dated_paths"].values())
    data = json.loads((dest / "wu-fleet-report.json").read_text())
    assert data["run"]["id"] and data["run"]["ansible_core"] and data["run"]["collection"].startswith(
        "winrepair.windows_update ")
    assert data == json.loads(json.dumps(res["summary"]))
    verdicts = {h["host"]: h["verdict"] for h in data["hosts"]}
    assert verdicts == {"win01": "fixed", "win02": "needs_person", "win03": "diagnosed", "win04": "no_data"}
    assert data["fleet"]["fix_rate"] == {"fixed": 1, "needing_repair": 2, "rate": 0.5}
    for path in res["paths"].values():
        text = open(path, encoding="utf-8").read()
        for host in FLEET:
            assert host in text, (path, host)
    assert any(line.split()[:2] == ["win01", "fixed"] for line in res["table"])


def test_second_run_unchanged_then_changed_when_data_changes(tmp_path):
    args = {"dest": str(tmp_path)}
    first = run(args, task_vars(FLEET))
    again = run(args, task_vars(FLEET))
    # The same data: not changed, though this run's report (its own run header) is written too.
    assert again["changed"] is False and len(again["written"]) == 6
    assert json.loads(open(again["paths"]["json"]).read())["run"]["id"] == again["summary"]["run"]["id"]
    fleet = dict(FLEET, win04={"wu_remediation": remediation("win04", "already_installed", None, 0)})
    third = run(args, task_vars(fleet))
    assert third["changed"] is True and set(first["paths"].values()) <= set(third["written"])


def test_check_mode_writes_nothing_but_returns_summary(tmp_path):
    dest = tmp_path / "new"
    res = run({"dest": str(dest)}, task_vars(FLEET), check_mode=True)
    assert res["changed"] is True and res["written"] == [] and res["paths"] == {}
    assert "no report was written" in res["msg"] and res["summary"]["run"]["check_mode"] is True
    assert not dest.exists()
    assert res["summary"]["fleet"]["hosts"] == 4
    # Existing, identical files: check mode says nothing would change.
    run({"dest": str(dest)}, task_vars(FLEET))
    assert run({"dest": str(dest)}, task_vars(FLEET), check_mode=True)["changed"] is False
    # Changed data: check mode says what would change, and leaves the file alone.
    before = (dest / "wu-fleet-report.md").read_text()
    res = run({"dest": str(dest), "title": "Other"}, task_vars(FLEET), check_mode=True)
    assert res["changed"] is True and (dest / "wu-fleet-report.md").read_text() == before


def test_hosts_data_formats_title_basename(tmp_path):
    data = [remediation("srv01"), {"host": "srv02", "wu_diagnosis": {"causes": [{"name": "low_disk"}]}}]
    res = run({"dest": str(tmp_path), "hosts_data": data, "formats": ["markdown", "markdown"],
               "title": "November", "basename": "nov"}, task_vars(FLEET))
    assert res["paths"] == {"markdown": str(tmp_path / "nov.md")}
    names = sorted(os.listdir(tmp_path))
    assert names[-1] == "nov.md" and len(names) == 2 and names[0].startswith("nov-20") and names[0].endswith(".md")
    md = (tmp_path / "nov.md").read_text()
    assert md.startswith("# November\n") and "srv01" in md and "win01" not in md


def test_hostvars_values_are_made_plain(tmp_path):
    # Facts from hosts arrive as unsafe (tagged) strings inside templated containers.
    fleet = {"win01": {"wu_remediation": wrap_var(remediation("win01"))}}
    res = run({"dest": str(tmp_path), "formats": ["json"]}, task_vars(fleet))
    assert not res.get("failed"), res.get("msg")
    host = res["summary"]["hosts"][0]
    assert type(host["host"]) is str and type(host["causes"][0]["evidence"][0]) is str  # pylint: disable=unidiomatic-typecheck


def test_relative_dest_is_from_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run({"dest": "out", "formats": ["json"]}, task_vars(FLEET))
    assert res["paths"]["json"] == str(tmp_path / "out" / "wu-fleet-report.json")
    assert (tmp_path / "out" / "wu-fleet-report.json").exists()


@pytest.mark.parametrize("args, message", [
    ({"basename": "../x"}, "basename must be a plain file name"),
    ({"formats": []}, "formats is empty"),
    ({"hosts_data": [{"wu_diagnosis": {}}]}, "hosts_data: a host record has no host name"),
])
def test_bad_arguments_fail_with_a_message(tmp_path, args, message):
    res = run(dict({"dest": str(tmp_path / "r")}, **args), task_vars(FLEET))
    assert res["failed"] is True and message in res["msg"] and res["changed"] is False
    assert not (tmp_path / "r").exists()


def test_dest_that_is_a_file_fails(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    res = run({"dest": str(target)}, task_vars(FLEET))
    assert res["failed"] is True and "not a directory" in res["msg"] and target.read_text() == "x"


def test_unknown_format_and_missing_dest_are_refused_by_the_argument_spec(tmp_path):
    with pytest.raises(AnsibleActionFail):
        run({"dest": str(tmp_path), "formats": ["pdf"]}, task_vars(FLEET))
    with pytest.raises(AnsibleActionFail):
        run({}, task_vars(FLEET))


def test_documentation_matches_the_plugin(tmp_path):
    documentation = yaml.safe_load(doc.DOCUMENTATION)
    options = documentation["options"]
    assert set(options) == set(action.ARGUMENT_SPEC)
    for name, spec in action.ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"], name
        assert options[name].get("default") == spec.get("default"), name
        assert options[name].get("required", False) == spec.get("required", False), name
        assert options[name].get("choices") == spec.get("choices"), name
    res = run({"dest": str(tmp_path)}, task_vars(FLEET))
    returned = set(res) - {"changed", "failed", "invocation"}
    assert returned == set(yaml.safe_load(doc.RETURN))
    summary_keys = set(yaml.safe_load(doc.RETURN)["summary"]["contains"])
    # merged_from: only when merging (test_merge_from_...).
    assert set(res["summary"]) == summary_keys - {"merged_from"}
    yaml.safe_load(doc.EXAMPLES)


def test_host_names_pick_the_hosts_and_exclude_hosts_data(tmp_path):
    # A report play on localhost names the Windows hosts itself.
    tvars = dict(task_vars(FLEET), ansible_play_hosts_all=["localhost"])
    res = run({"dest": str(tmp_path), "formats": ["json"], "host_names": ["win02", "win01", "nowhere"]}, tvars)
    assert {h["host"]: h["verdict"] for h in res["summary"]["hosts"]} == {
        "win01": "fixed", "win02": "needs_person", "nowhere": "no_data"}
    with pytest.raises(AnsibleActionFail, match="mutually exclusive"):
        run({"dest": str(tmp_path), "host_names": ["win01"], "hosts_data": [remediation("x")]}, tvars)


def test_merge_from_adds_earlier_reports_to_this_runs_hosts(tmp_path, monkeypatch):
    # Two slices of one fleet, one after the other; the second merges the first's report.
    monkeypatch.chdir(tmp_path)
    first = run({"dest": "slice1", "formats": ["json"]}, task_vars({k: FLEET[k] for k in ("win01", "win02")}))
    assert not first.get("failed"), first.get("msg")
    rest = {k: FLEET[k] for k in ("win03", "win04")}
    res = run({"dest": "all", "merge_from": ["slice*/wu-fleet-report.json"]}, task_vars(rest))
    assert not res.get("failed"), res.get("msg")
    assert res["summary"]["fleet"] == run({"dest": "whole", "formats": ["json"]}, task_vars(FLEET))["summary"]["fleet"]
    assert {h["host"]: h["verdict"] for h in res["summary"]["hosts"]} == {
        "win01": "fixed", "win02": "needs_person", "win03": "diagnosed", "win04": "no_data"}
    assert res["summary"]["merged_from"] == [
        {"input": "this run", "hosts": 2, "kept": 2},
        {"input": str(tmp_path / "slice1" / "wu-fleet-report.json"), "hosts": 2, "kept": 2}]
    assert json.loads((tmp_path / "all" / "wu-fleet-report.json").read_text()) == res["summary"]
    assert "win01" in (tmp_path / "all" / "wu-fleet-report.html").read_text()
    # Only the files (hosts_data empty), as playbooks/merge_reports.yml does.
    only = run({"dest": "files", "formats": ["json"], "hosts_data": [], "merge_from": ["slice1/wu-fleet-report.json"]},
               task_vars(rest))
    assert [h["host"] for h in only["summary"]["hosts"]] == ["win01", "win02"]


@pytest.mark.parametrize("content, message", [
    ("not json", "is not JSON"),
    ('{"hosts": []}', "has no schema_version"),
])
def test_merge_from_a_malformed_report_fails_naming_the_file_and_writes_nothing(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    res = run({"dest": str(tmp_path / "r"), "merge_from": [str(bad)]}, task_vars(FLEET))
    assert res["failed"] is True and res["changed"] is False
    assert res["msg"].startswith("merge_from: %s: %s" % (bad, message)), res["msg"]
    assert not (tmp_path / "r").exists()


def test_merge_from_a_glob_without_a_match_fails(tmp_path):
    res = run({"dest": str(tmp_path / "r"), "merge_from": [str(tmp_path / "nowhere" / "*.json")]}, task_vars(FLEET))
    assert res["failed"] is True and res["msg"] == "merge_from: %s matches no file" % (tmp_path / "nowhere" / "*.json")
