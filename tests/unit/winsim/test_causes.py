# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/winsim/causes.py: each root cause seeds its evidence, blocks an install with
its HRESULT, and is cured by exactly its fixing events."""
from __future__ import annotations

import datetime

import pytest


from winsim import causes, winpath
from winsim.model import Clock, HostModel, NotModelled, PendingReboot, RunContext

KB = "KB5043080"
T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
ALL = list(causes.CAUSES)
# (cause, variant) pairs: every cause once, plus the variants that change the table.
CASES = [(c, None) for c in ALL] + [("corrupt_component_store", "needs_source"),
                                    ("corrupt_component_store", "sxs"),
                                    ("corrupt_download_cache", "post_reboot")]
CASE_IDS = ["%s%s" % (c, "-" + v if v else "") for c, v in CASES]


def seeded(cause, variant=None, **options):
    host = HostModel(name="win01", address="127.0.0.2")
    if variant:
        options["variant"] = variant
    blocker = causes.seed(host, cause, KB, T0, **options)
    return host, blocker


def apply_sequence(host, sequence):
    """Apply events; "+Nd" lets N days pass. Returns the time reached."""
    now = T0
    for step in sequence:
        if step.startswith("+"):
            now += datetime.timedelta(days=int(step[1:-1]))
        else:
            causes.apply(host, step, now)
    return now


def single_events(blocker):
    """Every event once (catalog_install with the target KB)."""
    return [e if e != "catalog_install" else "catalog_install:" + blocker["kb"] for e in causes.EVENTS]


# ------------------------------------------------------------------ evidence

# What each cause must leave on the host besides history/event 20.
STATE_EVIDENCE = {
    "corrupt_download_cache": lambda h, b: b["marker"] in h.files and winpath.folder_size(
        h, "C:\\Windows\\SoftwareDistribution") > 10 * causes.GB,
    "inconsistent_catroot2": lambda h, b: b["marker"] in h.files and "\\catroot2\\" in b["marker"],
    "corrupt_system_files": lambda h, b: h.component_store.system_files_corrupt
    and any("[SR] Cannot repair member file" in line for line in h.cbs_log),
    "corrupt_component_store": lambda h, b: h.component_store.health != "healthy"
    and any("Mark store corruption flag" in line for line in h.cbs_log),
    "insider_build_conflict": lambda h, b: h.insider.enrolled and h.insider.flightsigning and h.os.build == 26120,
    "third_party_filter_driver": lambda h, b: any(a.enabled and a.filter_driver for a in h.antivirus)
    and not h.defender_enabled,
    "forward_delta_hydration": lambda h, b: any("Hydration failed" in line and "Forward Delta" in line
                                                and "0x80070306" in line for line in h.cbs_log),
    "low_disk": lambda h, b: h.disk.free_bytes < b["needed_bytes"] and len(b["reclaimable"]) == 2,
    "pending_reboot": lambda h, b: h.pending_reboot.cbs_reboot_pending and h.pending_reboot.wu_reboot_required,
    "storage_fault": lambda h, b: h.disk.failing and any(e.provider == "disk" and e.event_id == 7 for e in h.events),
}


@pytest.mark.parametrize("cause,variant", CASES, ids=CASE_IDS)
def test_seed_leaves_evidence(cause, variant):
    host, blocker = seeded(cause, variant)
    code = causes._field(blocker, "wu_hresult")
    assert host.target_kb == KB
    assert [u["kb"] for u in host.available_updates] == [KB]
    failures = [e for e in host.update_history if e.kb == KB and e.result_code == 4]
    assert failures and all(e.hresult == causes.signed(code) and e.hresult < 0 for e in failures)
    events = [e for e in host.events if e.provider == causes.WU_PROVIDER and e.event_id == 20]
    assert len(events) == len(failures)
    assert all(e.log == "System" and e.data["errorCode"] == "0x%08X" % code and "0x%08X" % code in e.message
               for e in events)
    assert all(datetime.datetime.fromisoformat(e.time.replace("Z", "+00:00")) < T0 for e in events)
    assert STATE_EVIDENCE[cause](host, blocker)
    assert causes.active(host, T0) == [cause]


def test_seed_refuses_unknown_cause_variant_and_option():
    host = HostModel(name="w", address="127.0.0.2")
    with pytest.raises(NotModelled):
        causes.seed(host, "cosmic_rays", KB)
    with pytest.raises(NotModelled):
        causes.seed(host, "low_disk", KB, variant="nope")
    with pytest.raises(NotModelled):
        causes.seed(host, "low_disk", KB, colour="blue")
    with pytest.raises(NotModelled):
        causes.seed(host, "low_disk", KB, free_bytes=50 * causes.GB)  # not low at all


def test_no_cause_installs():
    host = HostModel(name="w", address="127.0.0.2")
    causes.offer(host, KB, T0)
    assert causes.try_install(host, KB, "wu", T0) == (True, 0, True)
    assert KB in host.installed_kbs and host.pending_reboot.wu_reboot_required
    assert host.update_history[-1].result_code == 2
    assert host.events[-1].event_id == 19 and host.events[-1].message.startswith("Installation Successful")
    assert causes.try_install(host, KB, "wu", T0) == (True, causes.WU_S_ALREADY_INSTALLED, False)


# ------------------------------------------------------------------ blocking

@pytest.mark.parametrize("cause,variant", CASES, ids=CASE_IDS)
def test_cause_blocks_install_with_its_hresult(cause, variant):
    host, blocker = seeded(cause, variant)
    before = len(host.update_history)
    code = causes._field(blocker, "wu_hresult")
    assert causes.try_install(host, KB, "wu", T0) == (False, code, False)
    assert KB not in host.installed_kbs
    assert len(host.update_history) == before + 1 and host.update_history[-1].hresult == causes.signed(code)
    offline = causes._field(blocker, "offline_hresult")
    if offline is None:  # the catalog route goes around it
        assert causes.try_install(host, KB, "offline", T0) == (True, 0, True)
        assert causes.active(host, T0) == [cause]  # ... but the damage stays
    else:
        assert causes.try_install(host, KB, "offline", T0) == (False, offline, False)


def test_expected_codes():
    # The HRESULTs the brief and the public tables name, per cause.
    want = {"corrupt_download_cache": 0x80240034, "inconsistent_catroot2": 0x80092003,
            "corrupt_system_files": 0x80070570, "corrupt_component_store": 0x800F0831,
            "insider_build_conflict": 0x80240017, "third_party_filter_driver": 0x800F0922,
            "forward_delta_hydration": 0x80070306, "low_disk": 0x80070070, "pending_reboot": 0x80240016,
            "storage_fault": 0x8007045D}
    assert {n: c.wu_hresult for n, c in causes.CAUSES.items()} == want
    assert causes.CAUSES["corrupt_component_store"].variants["needs_source"]["wu_hresult"] == 0x800F081F
    assert causes.CAUSES["corrupt_component_store"].variants["sxs"]["wu_hresult"] == 0x80073712
    assert causes.CAUSES["corrupt_download_cache"].variants["post_reboot"]["wu_hresult"] == 0x80242016


def test_insider_conflict_blocks_only_the_target():
    host, blocker = seeded("insider_build_conflict")
    assert causes.try_install(host, "KB5099999", "wu", T0) == (True, 0, True)
    assert causes.active(host, T0) == ["insider_build_conflict"]


# ------------------------------------------------------------------ cures

@pytest.mark.parametrize("cause,variant", CASES, ids=CASE_IDS)
def test_cured_by_each_fixing_sequence(cause, variant):
    _host, blocker = seeded(cause, variant)
    sequences = causes.fixed_by(blocker)
    if cause == "storage_fault":
        assert sequences == ()
        return
    assert sequences
    for seq in sequences:
        host, _blocker = seeded(cause, variant)
        now = apply_sequence(host, seq)
        assert causes.active(host, now) == [], (seq, host.update_blockers)
        host.installed_kbs = [k for k in host.installed_kbs if k != KB]
        assert causes.try_install(host, KB, "wu", now)[0] is True, seq


@pytest.mark.parametrize("cause,variant", CASES, ids=CASE_IDS)
def test_not_cured_by_other_events(cause, variant):
    _host, blocker = seeded(cause, variant)
    cures = set(causes.fixed_by(blocker))
    for event in single_events(blocker):
        if (event,) in cures:
            continue
        host, _blocker = seeded(cause, variant)
        cured = causes.apply(host, event, T0)
        assert cured == [] and causes.active(host, T0) == [cause], event
    # The last step of a sequence alone does not cure (e.g. sfc without DISM first).
    for seq in cures:
        if len(seq) > 1 and not seq[-1].startswith("+"):
            host, _blocker = seeded(cause, variant)
            causes.apply(host, seq[-1], T0)
            assert causes.active(host, T0) == [cause], seq


def test_insider_left_needs_the_wait():
    host, blocker = seeded("insider_build_conflict", catch_up_days=30)
    causes.apply(host, "insider_left", T0)
    assert not host.insider.enrolled and not host.insider.flightsigning
    assert causes.active(host, T0 + datetime.timedelta(days=29)) == ["insider_build_conflict"]
    assert causes.active(host, T0 + datetime.timedelta(days=30)) == []


def test_superseding_kb_through_windows_update_also_cures():
    host, blocker = seeded("insider_build_conflict")
    assert causes.try_install(host, blocker["superseding_kb"], "wu", T0)[0] is True
    assert causes.active(host, T0) == []


# State knobs other models change cure without apply().

def test_state_changes_of_other_models_cure():
    host, _blocker = seeded("corrupt_component_store")
    host.component_store.health = "healthy"  # what the DISM model does after /RestoreHealth
    assert causes.active(host, T0) == []

    host, _blocker = seeded("pending_reboot")
    host.pending_reboot = PendingReboot()  # what server.py does when the host boots
    assert causes.active(host, T0) == []

    host, _blocker = seeded("third_party_filter_driver")
    host.antivirus = []  # uninstalled by the preflight
    assert causes.active(host, T0) == []


def test_reset_script_rename_cures_download_cache_and_catroot2():
    from winsim.scripts.wu_reset_apply import rename_tree
    host, _blocker = seeded("corrupt_download_cache")
    causes.seed(host, "inconsistent_catroot2", KB, T0)
    rename_tree(host, "C:\\Windows\\SoftwareDistribution", "C:\\Windows\\SoftwareDistribution.bak-x")
    assert causes.active(host, T0) == ["inconsistent_catroot2"]
    rename_tree(host, "C:\\Windows\\System32\\catroot2", "C:\\Windows\\System32\\catroot2.bak-x")
    assert causes.active(host, T0) == []


def test_disk_cleaned_frees_the_backups():
    host, blocker = seeded("low_disk", free_bytes=2 * causes.GB, needed_bytes=10 * causes.GB,
                           reclaimable_bytes=12 * causes.GB)
    assert causes.apply(host, "disk_cleaned", T0) == ["low_disk"]
    assert host.disk.free_bytes == 14 * causes.GB
    assert all(not host.folders[k].exists for k in blocker["reclaimable"])


def test_disk_cleaned_not_enough_keeps_low_disk():
    host, _blocker = seeded("low_disk", free_bytes=1 * causes.GB, needed_bytes=10 * causes.GB,
                            reclaimable_bytes=3 * causes.GB)
    assert causes.apply(host, "disk_cleaned", T0) == []
    assert causes.active(host, T0) == ["low_disk"]


def test_heavy_rungs_on_a_failing_disk_are_recorded():
    host, _blocker = seeded("storage_fault")
    assert causes.heavy_rung_violations(host) == []
    causes.apply(host, "wu_reset", T0)
    causes.apply(host, "reboot", T0)
    assert causes.heavy_rung_violations(host) == []
    causes.apply(host, "dism_restore", T0)
    causes.apply(host, "inplace_upgrade", T0)
    assert causes.heavy_rung_violations(host) == ["dism_restore", "inplace_upgrade"]


def test_unknown_event_refused():
    host, _blocker = seeded("low_disk")
    with pytest.raises(NotModelled):
        causes.apply(host, "prayer", T0)
    with pytest.raises(NotModelled):
        causes.apply(host, "catalog_install", T0)


def test_upgrade_outcome():
    host, _blocker = seeded("forward_delta_hydration")
    assert causes.upgrade_outcome(host, T0) is None
    host, _blocker = seeded("third_party_filter_driver")
    assert causes.upgrade_outcome(host, T0) == {"cause": "third_party_filter_driver",
                                                "hresult": 0xC1900101, "extend": 0x30018}
    host, _blocker = seeded("insider_build_conflict")
    assert causes.upgrade_outcome(host, T0)["hresult"] == 0xC1900204
    host, _blocker = seeded("low_disk")
    assert causes.upgrade_outcome(host, T0)["hresult"] == 0xC190020E


# ------------------------------------------------------------------ scenario

def test_apply_scenario_causes_forms():
    host = HostModel(name="w", address="127.0.0.2")
    made = causes.apply_scenario_causes(host, {"target_kb": "kb5043080", "root_cause": "forward_delta_hydration",
                                               "root_causes": [{"name": "corrupt_component_store",
                                                                "variant": "needs_source"}, "pending_reboot"]}, T0)
    assert [b["cause"] for b in made] == ["forward_delta_hydration", "corrupt_component_store", "pending_reboot"]
    assert host.target_kb == KB and host.component_store.health == "repairable_from_source"
    # The first cause an install meets: the pending restart.
    assert causes.blocking(host, KB, "wu", T0)["cause"] == "pending_reboot"

    healthy = HostModel(name="h", address="127.0.0.3")
    assert causes.apply_scenario_causes(healthy, {"target_kb": KB}, T0) == []
    assert [u["kb"] for u in healthy.available_updates] == [KB] and healthy.update_blockers == []

    with pytest.raises(NotModelled):
        causes.apply_scenario_causes(HostModel(name="x", address="127.0.0.4"), {"root_cause": "low_disk"}, T0)


# ------------------------------------------------------ agreement with diagnosis

@pytest.mark.parametrize("cause,variant", CASES, ids=CASE_IDS)
def test_collection_diagnosis_names_the_seeded_cause(cause, variant):
    """The evidence is what win_wu_diagnose reads: its top cause is the seeded one."""
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis
    from winsim.scripts import wu_diagnose

    host, _blocker = seeded(cause, variant)
    ctx = RunContext(host=host, clock=Clock(600.0, T0), check_mode=False, step="wu_diagnose")
    raw = wu_diagnose.run(host, {}, ctx)["result"]
    found = diagnosis.diagnose(diagnosis.normalise(raw))
    assert found and found[0]["name"] == cause, found
