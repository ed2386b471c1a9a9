# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One fleet repaired in three slices, as an AWX/AAP sliced job or three controllers would, and the
slices' reports merged: the merged report says what one run over the whole fleet says.

Two copies of one simulated fleet (one host per cause that ends differently: installed, reset, sfc/DISM,
catalog, handed over, failing disk) and the fake catalog. At the same time:
  - playbooks/fix_wu.yml over the whole of the first copy, with its fleet report;
  - playbooks/fix_wu.yml three times over the second copy, each run with `--limit` of two hosts
    (disjoint) and its own report directory.
Then the documented command merges the three reports
(`ansible-playbook winrepair.windows_update.merge_reports -e ...`), and a re-run of the first slice
is merged with them: its two hosts are taken from the re-run, the latest run.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess

import pytest

from winsim import fix_wu_run
from winsim.fake_catalog import FakeCatalog
from winsim.fleet import Fleet
from winsim.pytest_plugin import REPO, VENV, ansible_env

KB = "KB5043080"
SCENARIO = {
    "fleet": {"time_scale": 600, "port": 0},
    "defaults": {"target_kb": KB},
    "hosts": [
        {"name": "healthy", "installed_kbs": [KB]},
        {"name": "cache", "root_cause": "corrupt_download_cache"},
        {"name": "sysfiles", "root_cause": "corrupt_system_files"},
        {"name": "insider", "root_cause": {"name": "insider_build_conflict", "superseding_kb": "KB5048667"}},
        {"name": "thirdav", "root_cause": "third_party_filter_driver"},
        {"name": "storage", "root_cause": "storage_fault"},
    ],
}
SLICES = [["healthy", "cache"], ["sysfiles", "insider"], ["thirdav", "storage"]]
REPORT = "wu-fleet-report.json"


def _fleet(base_address):
    scenario = copy.deepcopy(SCENARIO)
    scenario["fleet"]["base_address"] = base_address
    return Fleet.from_scenario(scenario)


def _start(ctx, fleet, name, *args):
    """fix_wu on FLEET (ARGS: e.g. --limit), its report in TMP/NAME/report; returns the started run."""
    out = ctx["tmp"] / name
    variables = fix_wu_run.fix_wu_vars(ctx["catalog"], ctx["tmp"] / ("cache-" + name), kb=KB)
    variables.update({"wu_fix_report": True, "wu_report_dir": str(out / "report"), "wu_report_formats": ["json"]})
    return fix_wu_run.start(fleet, out, variables, *args, dump=False)


def _merge(ctx, name, patterns):
    """The documented command: merge_reports on the controller, the reports PATTERNS into TMP/NAME."""
    extra = {"wu_report_merge_from": [str(p) for p in patterns], "wu_report_dir": str(ctx["tmp"] / name)}
    return subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), "winrepair.windows_update.merge_reports",
                           "-e", json.dumps(extra)], env=ansible_env(), cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slices(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("slices")
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog().start()
    os.environ["SSL_CERT_FILE"] = catalog.ca_path  # the simulated hosts trust the fake catalog's CA
    whole, sliced = _fleet("127.0.101.1"), _fleet("127.0.102.1")
    whole.start()
    sliced.start()
    try:
        whole.write_inventory(str(tmp / "whole.yml"))
        sliced.write_inventory(str(tmp / "sliced.yml"))
        ctx = {"tmp": tmp, "catalog": catalog}
        # The four runs go at once, as the slices of a sliced job do.
        started = [_start(ctx, whole, "whole")]
        started += [_start(ctx, sliced, "slice%d" % i, "--limit", ",".join(hosts)) for i, hosts in enumerate(SLICES, 1)]
        ctx["runs"] = [fix_wu_run.finish(run) for run in started]
        ctx["merge"] = _merge(ctx, "merged", [tmp / "slice*" / "report" / REPORT])
        # Later, the first slice again: its hosts' latest run is this one.
        ctx["rerun"] = fix_wu_run.finish(_start(ctx, sliced, "rerun1", "--limit", ",".join(SLICES[0])))
        ctx["merge_rerun"] = _merge(ctx, "merged-rerun", [tmp / "slice*" / "report" / REPORT,
                                                          tmp / "rerun1" / "report" / REPORT])
        yield ctx
    finally:
        whole.stop()
        sliced.stop()
        catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def substance(summary):
    """What a report says, without what differs from run to run (times, run ids, durations)."""
    fleet = {k: v for k, v in summary["fleet"].items() if k != "host_hours"}
    hosts = {h["host"]: {"verdict": h["verdict"], "fixed_by": h["fixed_by"], "target_kb": h["target_kb"],
                         "needs_person": h["needs_person"], "last_resorts": h["last_resorts"],
                         "causes": sorted(c["name"] for c in h["causes"]),
                         "rungs_run": [(r["rung"], r["outcome"]) for r in h["rungs_run"]]}
             for h in summary["hosts"]}
    return fleet, hosts


def test_every_run_passed_and_each_slice_reported_only_its_hosts(slices):
    for run in slices["runs"] + [slices["rerun"]]:
        assert run["rc"] == 0, fix_wu_run.why(run)
    for i, hosts in enumerate(SLICES, 1):
        report = _read(slices["tmp"] / ("slice%d" % i) / "report" / REPORT)
        assert sorted(h["host"] for h in report["hosts"]) == sorted(hosts)


def test_merged_slices_equal_one_run_over_the_whole_fleet(slices):
    merge = slices["merge"]
    assert merge.returncode == 0, merge.stdout[-4000:] + merge.stderr[-2000:]
    merged = _read(slices["tmp"] / "merged" / REPORT)
    whole = _read(slices["tmp"] / "whole" / "report" / REPORT)
    fleet, hosts = substance(merged)
    assert (fleet, hosts) == substance(whole)
    # The fleet is really mixed: what the comparison covers.
    assert {h["verdict"] for h in hosts.values()} >= {"already_installed", "fixed", "needs_person",
                                                      "skipped_failing_disk"}
    assert fleet["hosts"] == 6 and fleet["fixed"] == 3
    assert [(m["hosts"], m["kept"]) for m in merged["merged_from"]] == [(2, 2)] * 3
    assert [m["input"] for m in merged["merged_from"]] == [
        str(slices["tmp"] / ("slice%d" % i) / "report" / REPORT) for i in (1, 2, 3)]
    # The command printed the merged summary, with every host.
    for host in hosts:
        assert host in merge.stdout


def test_a_rerun_of_a_slice_wins_for_its_hosts(slices):
    merge = slices["merge_rerun"]
    assert merge.returncode == 0, merge.stdout[-4000:] + merge.stderr[-2000:]
    merged = _read(slices["tmp"] / "merged-rerun" / REPORT)
    first = {h["host"]: h for h in _read(slices["tmp"] / "slice1" / "report" / REPORT)["hosts"]}
    rerun = {h["host"]: h for h in _read(slices["tmp"] / "rerun1" / "report" / REPORT)["hosts"]}
    hosts = {h["host"]: h for h in merged["hosts"]}
    # The host fixed by the first run finds its update installed on the re-run: the merge keeps that.
    assert first["cache"]["verdict"] == "fixed" and rerun["cache"]["verdict"] == "already_installed"
    for name in SLICES[0]:
        assert hosts[name]["run_id"] == rerun[name]["run_id"] != first[name]["run_id"], name
        assert hosts[name]["verdict"] == rerun[name]["verdict"], name
    assert merged["merged_from"][0]["kept"] == 0 and merged["merged_from"][-1]["kept"] == 2
    assert merged["fleet"]["fixed"] == 2 and merged["fleet"]["hosts"] == 6


def test_the_merge_command_without_reports_says_what_to_give():
    done = subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), "winrepair.windows_update.merge_reports"],
                          env=ansible_env(), cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "Give the reports to merge in wu_report_merge_from" in done.stdout + done.stderr
