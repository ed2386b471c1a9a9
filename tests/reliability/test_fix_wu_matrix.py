# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every fault kind of the matrix (faultlib.py) at the level of
playbooks/fix_wu.yml, over WinRM: one fleet, one host per fault, two runs.

test_fix_wu_faults.py holds the first six (connection drops, a restart slower
than reboot_timeout, access denied, disk full while renaming); this file adds
the rest, each on the rung it hits:

  preflight_drop  [preflight]       the connection drops as the restore point is made
  dism_timeout    [sfc_dism]        WinRM operation timeouts while DISM /RestoreHealth runs
  stuck_service   [reset]           wuauserv stays STOP_PENDING (the ladder's reset kills it)
  cat_8DDD0010    [catalog_install] the catalog's error 8DDD0010 once, then its answer
  cat_8DDD0024    [catalog_install] the catalog's error 8DDD0024, every time
  cat_http500     [catalog_install] HTTP 500 from the catalog, every time
  cat_timeout     [catalog_install] the catalog answers slower than catalog_timeout
  cat_html        [catalog_install] the catalog's HTML changed (no results table)
  dl_truncated    [catalog_install] the update's download is cut short
  dl_badhash      [catalog_install] the download does not match the catalog's SHA-256
  dl_diskfull     [catalog_install] the disk fills up during the download
  iso_missing     [inplace_upgrade] the ISO is not where wu_remediate_inplace_image says
  setup_rollback  [inplace_upgrade] setup rolls back with 0xC1900101 (a filter driver)
  setup_timeout   [inplace_upgrade] WinRM operation timeouts while setup.exe runs
  setup_drop      [inplace_upgrade] the connection drops while setup.exe runs
  reset_reboot    [reset]           the host restarts as the reset finishes, before it answers
  dism_reboot     [sfc_dism]        the host restarts while DISM /RestoreHealth runs (the run is killed)
  catalog_reboot  [catalog_install] the host restarts while DISM /Add-Package runs (the run is killed)

Catalog faults hit every client of a catalog, so each catalog host has its own
fake catalog (host variables wu_remediate_catalog_*); the hosts trust one CA
bundle of all of them.

Run 1 (faults on): each host is consistent afterwards (the Windows Update
services that ran still run or come back with a restart, SoftwareDistribution
and catroot2 exist or a backup does), its journal parses, a fault that fails
the rung leaves a message in the journal naming what happened, and a fault the
modules ride out (8DDD0010, operation timeouts, a dropped poll) fixes the host
in this run. Between the runs the faults are cleared and, where the message
asks a person to act (put the ISO back, remove the product whose filter
driver made setup roll back), that is done. Run 2: every host ends fixed or
with the update found installed, and no destructive step that completed is
run again (a component reset, a DISM /Add-Package, a repair install).
"""
from __future__ import annotations

import json
import os
import threading
import time

import pytest

from reliability import fixwu
from winsim.fake_catalog import FakeCatalog
from winsim.model import Antivirus

KB = fixwu.KB
SUPERSEDING = "KB5048667"
ISO = "C:\\iso\\Win11_24H2_English_x64.iso"
INSIDER = {"name": "insider_build_conflict", "superseding_kb": SUPERSEDING}
INPLACE = {"wu_remediate_allow_inplace_upgrade": True, "wu_remediate_inplace_image": ISO}
MEDIA = [{"path": ISO, "build": 26100, "ubr": 1742}]

# host -> (fault on its own fake catalog: path, kind, times), for the catalog hosts.
CATALOG_FAULTS = {
    "cat_8DDD0010": ("Search.aspx", "8DDD0010", 1),
    "cat_8DDD0024": ("Search.aspx", "8DDD0024", 50),
    "cat_http500": ("Search.aspx", "http500", 50),
    "cat_timeout": ("Search.aspx", "slow", 50),
    "cat_html": ("Search.aspx", "changed_html", 50),
    "dl_truncated": ("download/", "truncate", 50),
    "dl_badhash": ("download/", "badhash", 50),
}
# host -> (root cause, extra host entries, inventory vars)
HOSTS = {
    "preflight_drop": ("corrupt_download_cache", {}, {}),
    "dism_timeout": ("corrupt_system_files", {}, {}),
    "stuck_service": ("corrupt_download_cache", {}, {}),
    "dl_diskfull": (INSIDER, {}, {}),
    "iso_missing": ("forward_delta_hydration", {}, INPLACE),
    "setup_rollback": ("forward_delta_hydration", {"install_media": MEDIA}, INPLACE),
    "setup_timeout": ("forward_delta_hydration", {"install_media": MEDIA}, INPLACE),
    "setup_drop": ("forward_delta_hydration", {"install_media": MEDIA}, INPLACE),
    "reset_reboot": ("corrupt_download_cache", {}, {}),
    "dism_reboot": ("corrupt_system_files", {}, {}),
    "catalog_reboot": (INSIDER, {}, {}),
}
HOSTS.update({name: (INSIDER, {}, {}) for name in CATALOG_FAULTS})
NAMES = sorted(HOSTS)

# Faults the modules ride out: the host is fixed in the first run, by this rung.
RIDDEN_OUT = {"dism_timeout": "sfc_dism", "cat_8DDD0010": "catalog_install", "setup_timeout": "inplace_upgrade",
              "setup_drop": "inplace_upgrade",
              # A restart kills the detached DISM run; the module starts it once more.
              "dism_reboot": "sfc_dism", "catalog_reboot": "catalog_install",
              # The ladder's reset kills a service stuck in STOP_PENDING (wu_reset_kill_stuck_services: true).
              "stuck_service": "reset"}
# Faults that fail their rung in the first run: the rung, and words its message must hold.
FAILS = {
    "cat_8DDD0024": ("catalog_install", ("8ddd0024",)),
    "cat_http500": ("catalog_install", ("500",)),
    "cat_timeout": ("catalog_install", ("timed out",)),
    "cat_html": ("catalog_install", ("catalog",)),
    "dl_truncated": ("catalog_install", ("download", "nothing was installed")),
    "dl_badhash": ("catalog_install", ("checksum", "nothing was installed")),
    "dl_diskfull": ("catalog_install", ("space", "nothing was installed")),
    "iso_missing": ("inplace_upgrade", ("does not exist",)),
    "setup_rollback": ("inplace_upgrade", ("0xc1900101",)),
}
# The connection is lost in the middle of the rung: the journal marks it interrupted (not failed).
CUT_OFF = {"preflight_drop": "preflight", "reset_reboot": "reset"}
# Hosts the fault restarts in the middle of a rung.
RESTARTED = ("reset_reboot", "dism_reboot", "catalog_reboot")


def _scenario(catalogs, shared, tmp):
    hosts = []
    for name in NAMES:
        cause, extra, variables = HOSTS[name]
        variables = dict(variables)
        cat = catalogs.get(name, shared)
        variables.update({
            "wu_remediate_catalog_url": cat.url,
            "wu_remediate_catalog_download_hosts": [cat.download_host],
            "wu_remediate_catalog_cache_dir": str(tmp / ("cache-" + name)),
        })
        if name == "cat_timeout":
            variables.update({"wu_remediate_catalog_timeout": 1, "wu_remediate_catalog_retries": 0})
        hosts.append(dict({"name": name, "root_cause": cause, "vars": variables}, **extra))
    return {"fleet": {"time_scale": 1200, "base_address": "127.0.96.1", "port": 0},
            "defaults": {"target_kb": KB, "vars": {"wu_remediate_reboot_timeout": 300,
                                                   "wu_remediate_catalog_ca_path": str(tmp / "ca-bundle.pem")}},
            "hosts": hosts}


def _when_seen(fleet, host, predicate, action, stop):
    """Once a record of HOST matches PREDICATE, run ACTION(host model) (a fault in the middle of a rung)."""
    while not stop.is_set():
        if any(predicate(r) for r in fleet.records(host)):
            with fleet.host(host).lock:
                action(fleet.host(host))
            return
        time.sleep(0.01)


def _setup_args(rec):
    return json.dumps(rec.args).lower()


def _is_compat_scan(rec):
    return rec.name == "detached_start" and not rec.check_mode and "/compat scanonly" in _setup_args(rec)


def _is_upgrade_start(rec):
    return (rec.name == "detached_start" and not rec.check_mode and "/auto upgrade" in _setup_args(rec)
            and "scanonly" not in _setup_args(rec))


def _is_dism_restore_start(rec):
    return rec.name == "detached_start" and not rec.check_mode and "restorehealth" in _setup_args(rec)


def _is_add_package_start(rec):
    return rec.name == "detached_start" and not rec.check_mode and "add-package" in _setup_args(rec)


def _reboot_on_next_poll(host):
    host.faults.reboot_on.append("detached_status")


def _add_filter_driver(host):
    host.antivirus.append(Antivirus(name="Contoso Endpoint", vendor="Contoso", filter_driver="csagent.sys"))


def _inject(fleet, catalogs):
    for name, (path, kind, times) in CATALOG_FAULTS.items():
        catalogs[name].fault(path, kind, times)
    f = fleet.host
    f("preflight_drop").faults.drop_connection_on.append("wu_restore_point")
    f("dism_timeout").faults.operation_timeout_on.append({"step": "detached_status", "times": 3})
    f("stuck_service").services["wuauserv"].stuck_stop_pending = True
    f("dl_diskfull").faults.disk_full_on.append({"step": "win_get_url", "times": -1})
    f("setup_timeout").faults.operation_timeout_on.append({"step": "detached_status", "times": 3})
    f("iso_missing").files.pop(ISO.lower(), None)
    f("reset_reboot").faults.reboot_on.append("wu_reset_apply")
    stop = threading.Event()
    watchers = [
        ("setup_rollback", _is_compat_scan, _add_filter_driver),
        ("setup_drop", _is_upgrade_start,
         lambda h: h.faults.drop_connection_on.append("detached_status")),
        ("dism_reboot", _is_dism_restore_start, _reboot_on_next_poll),
        ("catalog_reboot", _is_add_package_start, _reboot_on_next_poll),
    ]
    for host, predicate, action in watchers:
        threading.Thread(target=_when_seen, args=(fleet, host, predicate, action, stop), daemon=True).start()
    return stop


def _clear_and_act(fleet, catalogs):
    """What happens between the runs: faults gone, and what the messages ask of a person done."""
    for cat in catalogs.values():
        cat.reset()
    for name in NAMES:
        host = fleet.host(name)
        with host.lock:
            for attr in ("drop_connection_on", "http500_on", "operation_timeout_on", "access_denied_on",
                         "disk_full_on", "reboot_on"):
                setattr(host.faults, attr, [])
            for svc in host.services.values():
                svc.stuck_stop_pending = False
    from winsim.detached import setup_exe
    with fleet.host("iso_missing").lock:
        fleet.host("iso_missing").files[ISO.lower()] = setup_exe.make_media(26100, 1742)
    with fleet.host("setup_rollback").lock:
        fleet.host("setup_rollback").antivirus[:] = [a for a in fleet.host("setup_rollback").antivirus
                                                     if a.vendor != "Contoso"]
    # The failed repair install is not repeated on its own when no setting changed (the re-run
    # says so and names wu_remediate_retry): having put the ISO back / removed the filter driver,
    # the person asks for it, for these two hosts only (inventory host_vars).
    host_vars = os.path.join(os.path.dirname(fleet.inventory_path), "host_vars")
    os.makedirs(host_vars, exist_ok=True)
    for name in ("iso_missing", "setup_rollback"):
        with open(os.path.join(host_vars, name + ".yml"), "w", encoding="utf-8") as handle:
            handle.write("wu_remediate_retry: true\n")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixwu-matrix")
    catalogs = {name: FakeCatalog(slow_seconds=3.0).start() for name in CATALOG_FAULTS}
    with fixwu.fleet_and_catalog(lambda shared: _scenario(catalogs, shared, tmp), tmp,
                                 catalogs.values()) as (fleet, shared):
        before = {n: (fixwu.services(fleet.host(n)), fleet.host(n).boot_time) for n in NAMES}
        stop = _inject(fleet, catalogs)
        per_host = {k: None for k in ("wu_remediate_catalog_url", "wu_remediate_catalog_ca_path",
                                      "wu_remediate_catalog_download_hosts", "wu_remediate_catalog_cache_dir",
                                      "wu_remediate_reboot_timeout")}
        first = fixwu.finish(fixwu.start(fleet, shared, tmp, "first", per_host, "-f", str(len(NAMES))))
        stop.set()
        fired = {name: (cat.faults[0][2] < CATALOG_FAULTS[name][2]) for name, cat in catalogs.items()}
        after_first = {n: (fixwu.services(fleet.host(n)), fixwu.journal_entry(fleet.host(n)),
                           fleet.host(n).files.get(fixwu.JOURNAL), fleet.host(n).boot_time) for n in NAMES}
        _clear_and_act(fleet, catalogs)
        second = fixwu.finish(fixwu.start(fleet, shared, tmp, "second", per_host, "-f", str(len(NAMES))))
        yield {"fleet": fleet, "before": before, "first": first, "after_first": after_first, "second": second,
               "catalog_fired": fired}


@pytest.mark.parametrize("name", NAMES)
def test_host_consistent_after_the_fault(matrix, name):
    services, _entry, _text, boot = matrix["after_first"][name]
    before, boot_before = matrix["before"][name]
    problems = fixwu.inconsistencies(matrix["fleet"].host(name), before, boot_before, services, boot)
    assert not problems, (name, problems, fixwu.why(matrix["first"]))


@pytest.mark.parametrize("name", NAMES)
def test_journal_intact_after_the_fault(matrix, name):
    _services_, entry, text, _boot = matrix["after_first"][name]
    assert text is not None, name
    assert KB in json.loads(text)["entries"], name
    assert entry["rungs_run"], (name, entry)


@pytest.mark.parametrize("name", sorted(CATALOG_FAULTS))
def test_each_catalog_fault_fired(matrix, name):
    assert matrix["catalog_fired"][name], name


@pytest.mark.parametrize("name", sorted(RIDDEN_OUT))
def test_faults_ridden_out_fix_the_host_in_the_first_run(matrix, name):
    entry = matrix["after_first"][name][1]
    found = (name, entry["verdict"], entry.get("reason"))
    assert entry["verdict"] == "fixed" and entry["fixed_by"] == RIDDEN_OUT[name], found


@pytest.mark.parametrize("name", sorted(FAILS))
def test_a_failed_rung_says_what_happened(matrix, name):
    entry = matrix["after_first"][name][1]
    rung, words = FAILS[name]
    steps = [s for s in entry["rungs_run"] if s["rung"] == rung]
    assert steps and steps[0]["outcome"] == "failed", (name, [(s["rung"], s["outcome"]) for s in entry["rungs_run"]])
    msg = str(steps[0]["details"].get("msg", "")).lower()
    assert len(msg) > 40 and all(w in msg for w in words), (name, msg)


@pytest.mark.parametrize("name", sorted(CUT_OFF))
def test_a_rung_cut_off_stays_open_in_the_journal(matrix, name):
    entry = matrix["after_first"][name][1]
    steps = [(s["rung"], s["outcome"]) for s in entry["rungs_run"]]
    assert (CUT_OFF[name], "interrupted") in steps, (name, steps)
    assert "connection" in " ".join(matrix["first"]["stdout"].split()).lower()


@pytest.mark.parametrize("name", NAMES)
def test_rerun_finishes(matrix, name):
    run = matrix["second"]
    assert "failed=0" in fixwu.recap(run, name) and "unreachable=0" in fixwu.recap(run, name), fixwu.why(run)
    facts = run["facts"][name]
    assert facts["verdict"] in ("fixed", "already_installed"), (name, facts["verdict"], facts.get("reason"))
    installed = set(matrix["fleet"].host(name).installed_kbs)
    assert {KB, SUPERSEDING} & installed, (name, installed)


def _completed_starts(records, needle):
    """Detached starts of a destructive command (by its arguments) that really started."""
    return [r for r in records if r.name == "detached_start" and not r.check_mode
            and not r.outcome.startswith("fault") and needle in json.dumps(r.args).lower()]


@pytest.mark.parametrize("name", NAMES)
def test_no_completed_destructive_step_repeated(matrix, name):
    first, second = matrix["first"]["records"][name], matrix["second"]["records"][name]
    resets = [r for r in fixwu.resets(first + second) if r.outcome == "changed"]
    assert len(resets) <= 1, (name, [r.outcome for r in resets])
    installs = _completed_starts(first + second, "add-package")
    if name in RIDDEN_OUT and RIDDEN_OUT[name] == "catalog_install":
        assert len(_completed_starts(second, "add-package")) == 0, name  # fixed in run 1: nothing again
    if name == "catalog_reboot":
        # The first DISM /Add-Package was killed by the restart (nothing installed), the second completed.
        assert len(installs) == 2 and not _completed_starts(second, "add-package"), (name, len(installs))
    else:
        assert len(installs) <= 1, (name, len(installs))
    upgrades = [r for r in _completed_starts(first + second, "/auto upgrade") if "scanonly" not in _setup_args(r)]
    if name == "setup_rollback":
        # Rolled back (nothing kept), then run once more after the filter driver went: two starts.
        assert len(upgrades) == 2, (name, len(upgrades))
    else:
        assert len(upgrades) <= 1, (name, len(upgrades))


@pytest.mark.parametrize("name", RESTARTED)
def test_the_restart_happened_in_the_middle(matrix, name):
    first = matrix["first"]["records"][name]
    assert any(r.outcome == "fault:reboot" for r in first), (name, [(r.name, r.outcome) for r in first][-20:])
    assert any(r.name == "boot" for r in first), name
    if name != "reset_reboot":
        killed = [r for r in first if r.name == "boot" and r.args.get("killed_runs")]
        assert killed, name  # the restart ended the running DISM; the module ran it once more
        step = [s for s in matrix["after_first"][name][1]["rungs_run"] if s["rung"] == RIDDEN_OUT[name]][0]
        assert step["outcome"] == "done", (name, step)


def test_a_reset_cut_off_by_a_restart_is_not_run_again(matrix):
    records = matrix["first"]["records"]["reset_reboot"] + matrix["second"]["records"]["reset_reboot"]
    resets = [r for r in records if r.name == "wu_reset_apply" and not r.check_mode]
    assert [r.outcome for r in resets] == ["fault:reboot"], [r.outcome for r in resets]
