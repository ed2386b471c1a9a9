# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A mixed fleet, run as an administrator would run it: several causes and faults
per host, a stale `affected` group from an earlier survey, Windows 10 and Server
hosts beside Windows 11, ARM64 beside x64. playbooks/fix_wu.yml -l affected,
then playbooks/diagnose_wu.yml with the target and the summary path set in the
inventory, started from a directory of its own.

What an expert would do, host by host, and the verdict the test asserts:

==========  ===============================================  ==========================================  =================================
host        trouble                                          what an expert does                         verdict (fixed_by)
==========  ===============================================  ==========================================  =================================
srv22       Server 2022: restart pending + corrupt download  restart, reset the components, install;     fixed (reset); no restore point
            cache; WinRM answers 500 once to the install     ask again when WinRM fails, never read the  (Server has no System Restore)
                                                             500 as "not offered"
w10         Windows 10 22H2: corrupt catroot2 + corrupt      reset the components (renames both), then   fixed (reset)
            download cache                                   install
arm-ins     Windows 11 ARM64 on an Insider build, release    install the superseding update (ARM64 .msu  fixed (catalog_install),
            update not applicable                            from the catalog); tell that it stays       KB5048667; "stays enrolled"
                                                             enrolled
av-cache    third-party antivirus filter + corrupt           reset (cures the cache), then hand over:    needs_person; names the product;
            download cache                                   the filter breaks every install, so no      no catalog install
                                                             catalog install
store-src   corrupt component store that needs a repair      DISM; when it reports the source missing,   needs_person; next step names
            source + too little disk                         stop - reset and catalog fail the same way  wu_remediate_sfc_dism_source and
                                                             - and ask for a source of the build         the build
fwd-cache   forward-delta hydration + corrupt download       reset (cheap, cures the cache), then the    fixed (inplace_upgrade); no
            cache, repair install allowed with media         repair install; no catalog install (it      catalog install
                                                             fails on the same deltas)
disk        failing disk + restart pending                   nothing; back up, replace the disk          skipped_failing_disk; last resort
                                                                                                         back_up_and_replace_disk
cut         corrupt catroot2; the host restarts under the    wait for it, verify the reset, stop there   fixed (reset), in the same run
            reset (cut off)
slow        corrupt download cache; the restart after the    wait once more; installed = fixed, and say  fixed (reset), "restart slow"
            install is slower than the timeout               the restart was slow
sysfiles    corrupt system files; the connection drops       DISM + sfc, install; ask again after the    fixed (sfc_dism)
            twice during the install                         drops
stale       healthy: the update is installed, yet the        nothing (only read)                         already_installed
            host is still in `affected`
late        corrupt download cache that appeared after the   not touched by -l affected; the re-survey   no verdict; in the new `affected`
            survey (not in `affected`)                       lists it
==========  ===============================================  ==========================================  =================================

The re-survey agrees with the fix: the fixed hosts are out of `affected`, the
ones still broken (av-cache, store-src, disk) and `late` are in it; the summary
is written where the command was started, not inside the collection.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from winsim import fix_wu_run
from winsim.detached import setup_exe
from winsim.fake_catalog import FakeCatalog
from winsim.fleet import Fleet
from winsim.pytest_plugin import REPO, VENV, ansible_env

KB = "KB5043080"
# Synthetic KB numbers of the Windows 10 and Server hosts' own cumulative updates: the simulated
# Windows Update offers them; no catalog is asked for them (their repairs need no catalog).
KB_W10 = "KB5043064"
KB_SRV = "KB5042881"
ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
SERVER_2022 = {"product_name": "Windows Server 2022 Datacenter", "edition_id": "ServerDatacenter",
               "display_version": "21H2", "version": "10.0.20348", "build": 20348, "ubr": 2700,
               "product_type": "server", "supports_restore_points": False}
WINDOWS_10 = {"product_name": "Windows 10 Pro", "display_version": "22H2", "version": "10.0.19045",
              "build": 19045, "ubr": 4780}

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.98.1", "port": 0},
    "defaults": {"target_kb": KB, "groups": ["affected"],
                 "vars": {"wu_remediate_target_kb": KB, "wu_remediate_verify_delay": 0.5,
                          "wu_remediate_reboot_timeout": 300,
                          # The survey's target and summary path, set in the inventory.
                          "wu_survey_target_kb": KB, "wu_survey_summary_path": "survey/wu-survey.yml"}},
    "hosts": [
        {"name": "srv22", "os": SERVER_2022, "target_kb": KB_SRV,
         "root_causes": ["pending_reboot", "corrupt_download_cache"],
         "faults": {"http500_on": ["win_updates"]},
         "vars": {"wu_remediate_target_kb": KB_SRV, "wu_survey_target_kb": KB_SRV}},
        {"name": "w10", "os": WINDOWS_10, "target_kb": KB_W10,
         "root_causes": ["inconsistent_catroot2", "corrupt_download_cache"],
         "vars": {"wu_remediate_target_kb": KB_W10, "wu_survey_target_kb": KB_W10}},
        {"name": "arm-ins", "os": {"architecture": "arm64"},
         "root_cause": {"name": "insider_build_conflict", "superseding_kb": "KB5048667"}},
        {"name": "av-cache", "root_causes": ["third_party_filter_driver", "corrupt_download_cache"]},
        {"name": "store-src", "root_causes": [{"name": "corrupt_component_store", "variant": "needs_source"},
                                              {"name": "low_disk", "free_bytes": 6 * 1024 ** 3,
                                               "needed_bytes": 10 * 1024 ** 3}]},
        {"name": "fwd-cache", "root_causes": ["forward_delta_hydration", "corrupt_download_cache"],
         "files": {ISO: setup_exe.make_media(26100, 1742).decode("utf-8")},
         "vars": {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO}},
        {"name": "disk", "root_causes": ["storage_fault", "pending_reboot"]},
        {"name": "cut", "root_cause": "inconsistent_catroot2", "faults": {"reboot_on": ["wu_reset_apply"]}},
        {"name": "slow", "root_cause": "corrupt_download_cache", "faults": {"reboot_downtime_seconds": 600 * 12},
         "vars": {"wu_remediate_reboot_timeout": 8}},
        {"name": "sysfiles", "root_cause": "corrupt_system_files",
         "faults": {"drop_connection_on": [{"step": "win_updates", "times": 2}]}},
        {"name": "stale", "installed_kbs": [KB]},
        {"name": "late", "root_cause": "corrupt_download_cache", "groups": []},
    ],
}
HOSTS = [h["name"] for h in SCENARIO["hosts"]]

EXPECTED = {
    "srv22": ("fixed", "reset"),
    "w10": ("fixed", "reset"),
    "arm-ins": ("fixed", "catalog_install"),
    "av-cache": ("needs_person", None),
    "store-src": ("needs_person", None),
    "fwd-cache": ("fixed", "inplace_upgrade"),
    "disk": ("skipped_failing_disk", None),
    "cut": ("fixed", "reset"),
    "slow": ("fixed", "reset"),
    "sysfiles": ("fixed", "sfc_dism"),
    "stale": ("already_installed", None),
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mixed")
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog().start()
    os.environ["SSL_CERT_FILE"] = catalog.ca_path
    fleet = Fleet.from_scenario(SCENARIO)
    fleet.start()
    try:
        fleet.write_inventory(str(tmp / "hosts.yml"))
        variables = fix_wu_run.fix_wu_vars(catalog, tmp / "catalog-cache", kb=KB)
        for name in ("wu_remediate_target_kb", "wu_remediate_reboot_timeout"):
            variables[name] = None  # the inventory's per host values hold
        fix = fix_wu_run.finish(fix_wu_run.start(fleet, tmp / "fix", variables, "-l", "affected"))
        seen = {n: len(fleet.records(n)) for n in HOSTS}
        # The re-survey, as an administrator starts it: from a folder of their own, no extra vars.
        cwd = tmp / "admin"
        cwd.mkdir()
        env = dict(ansible_env(), PWD=str(cwd))
        survey = subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), "-i", fleet.inventory_path,
                                 os.path.join(REPO, "playbooks", "diagnose_wu.yml")],
                                cwd=str(cwd), env=env, capture_output=True, text=True, timeout=600, check=False)
        survey_records = {n: fleet.records(n)[seen[n]:] for n in HOSTS}
        yield {"fleet": fleet, "fix": fix, "survey": survey, "cwd": cwd, "survey_records": survey_records}
    finally:
        fleet.stop()
        catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def _count(run, host, step):
    return sum(1 for r in run["records"][host] if r.name == step and not r.outcome.startswith("fault"))


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_each_verdict_is_what_an_expert_would_say(mixed, host):
    facts = mixed["fix"]["facts"].get(host)
    assert facts, fix_wu_run.why(mixed["fix"])
    assert (facts["verdict"], facts["fixed_by"]) == EXPECTED[host], (host, facts["reason"])
    if EXPECTED[host][0] == "fixed":
        target = {"srv22": KB_SRV, "w10": KB_W10, "arm-ins": "KB5048667"}.get(host, KB)
        assert target in mixed["fleet"].host(host).installed_kbs, host


def test_the_run_fails_no_host_and_leaves_late_alone(mixed):
    run = mixed["fix"]
    assert run["rc"] == 0, fix_wu_run.why(run)
    assert run["records"]["late"] == [] and "late" not in run["facts"]


def test_the_server_asked_again_after_the_500_and_made_no_restore_point(mixed):
    facts, run = mixed["fix"]["facts"]["srv22"], mixed["fix"]
    reset = [s for s in facts["rungs_run"] if s["rung"] == "reset"][0]
    assert reset["verify"]["outcome"] == "installed"
    assert any(r.name == "win_updates" and r.outcome == "fault:http500" for r in run["records"]["srv22"])
    assert _count(run, "srv22", "wu_restore_point") == 0


def test_the_arm64_insider_got_the_arm64_update_and_is_told_it_stays_enrolled(mixed):
    facts = mixed["fix"]["facts"]["arm-ins"]
    assert facts["installed_kb"] == "KB5048667"
    assert any("arm64" in r.args.get("url", "").lower() or "arm64" in json.dumps(r.args).lower()
               for r in mixed["fix"]["records"]["arm-ins"] if r.name == "win_get_url")
    assert "stays enrolled" in facts["reason"]


def test_the_antivirus_host_gets_the_reset_but_no_install_and_names_the_product(mixed):
    facts, run = mixed["fix"]["facts"]["av-cache"], mixed["fix"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "reset"]
    assert _count(run, "av-cache", "kb_installed") == 0
    assert "Fabrikam Endpoint Protection" in " ".join(facts["next_steps"])


def test_the_store_without_a_source_stops_and_asks_for_one(mixed):
    facts, run = mixed["fix"]["facts"]["store-src"], mixed["fix"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "sfc_dism"]
    assert _count(run, "store-src", "wu_reset_apply") == 0 and _count(run, "store-src", "kb_installed") == 0
    assert "wu_remediate_sfc_dism_source" in facts["next_steps"][0] and "build 26100" in facts["next_steps"][0]


def test_the_forward_delta_host_skipped_the_catalog(mixed):
    facts = mixed["fix"]["facts"]["fwd-cache"]
    assert [s["rung"] for s in facts["rungs_run"]] == ["preflight", "reset", "inplace_upgrade"]


def test_the_failing_disk_is_left_alone_with_back_up_and_replace(mixed):
    facts = mixed["fix"]["facts"]["disk"]
    assert facts["rungs_run"] == [] and [r["name"] for r in facts["last_resorts"]] == ["back_up_and_replace_disk"]


def test_the_cut_off_reset_and_the_slow_restart_are_fixed_in_the_same_run(mixed):
    cut, slow = mixed["fix"]["facts"]["cut"], mixed["fix"]["facts"]["slow"]
    assert [s["outcome"] for s in cut["rungs_run"]] == ["done", "interrupted"]
    assert "installed, restart slow" in slow["reason"]


def test_failures_count_once_per_attempt(mixed):
    # 3 failed installs, each in the update history and as event 20: "3 times", never "6 times".
    evidence = " ".join(e for c in mixed["fix"]["facts"]["w10"]["causes"] for e in c["evidence"])
    assert "failed 3 times" in evidence and "6 times" not in evidence


def test_the_resurvey_agrees_with_the_fix_and_lists_the_late_host(mixed):
    survey = mixed["survey"]
    assert survey.returncode == 0, survey.stdout[-4000:] + survey.stderr[-2000:]
    path = mixed["cwd"] / "survey" / "wu-survey.yml"
    assert path.exists(), survey.stdout[-3000:]
    assert not os.path.exists(os.path.join(REPO, "playbooks", "survey"))
    summary = yaml.safe_load(path.read_text())
    affected = set(summary["affected"]["hosts"])
    assert affected == {"av-cache", "store-src", "disk", "late"}, affected
    assert "# Target update: %s" % ", ".join(sorted({KB, KB_SRV, KB_W10})) in path.read_text()
    assert summary["survey"]["srv22"]["target"] == KB_SRV and summary["survey"]["cut"]["target"] == KB
    for name in HOSTS:
        assert [r.name for r in mixed["survey_records"][name]] == ["wu_diagnose"], name
