# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode never changes a host: one test per module of the collection.

Each module runs in check mode against a simulated host that a real run would
change (something to repair, every opt-in set), through the simulator's own
dispatch (fake_host.FakeHost). The host's request log must hold no record run
outside check mode except the read-only scripts, and the host state must be
exactly as before (the run folders of read-only detached tools excepted, as in
tests/e2e/test_ladder.py). Each test also runs the same task for real on a
copy of the host and asserts it DOES change it, so a test cannot pass because
nothing would ever change.
"""
from __future__ import annotations

import copy
import dataclasses
import os

import pytest

from reliability import faultlib
from winsim.fake_catalog import FakeCatalog

# Scripts that only read the host and so run outside -WhatIf too (their
# param block has no SupportsShouldProcess or they are the detached runner).
READ_ONLY_SCRIPTS = {"wu_journal_read", "wu_diagnose", "kb_installed", "detached_status", "detached_start",
                     "sfc_dism_preflight", "inplace_preflight", "inplace_media_info"}
IGNORED_FIELDS = {"records", "lock", "detached_runs", "faults"}


def state(host):
    snap = {}
    for f in dataclasses.fields(host):
        if f.name in IGNORED_FIELDS:
            continue
        value = getattr(host, f.name)
        if f.name == "files":
            value = {k: v for k, v in value.items() if "\\winrepair\\runs\\" not in k}
        elif f.name == "setup":
            # The setup.exe model's own run bookkeeping, created empty on a read.
            value = {k: v for k, v in value.items() if not (k == "_state" and not v)}
        elif f.name == "folders":
            value = {k: v for k, v in value.items() if "\\winrepair\\runs" not in k}
        snap[f.name] = copy.deepcopy(value)
    return snap


def changing_records(host):
    """Records that ran outside check mode and are not read-only steps."""
    return [(r.kind, r.name, r.outcome) for r in host.records
            if not r.check_mode and (r.kind, r.name) not in {("script", n) for n in READ_ONLY_SCRIPTS}]


@pytest.fixture(scope="module")
def catalog():
    saved = os.environ.get("SSL_CERT_FILE")
    with FakeCatalog() as cat:
        os.environ["SSL_CERT_FILE"] = cat.ca_path
        try:
            yield cat
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved


def _journal_rung(tmp, catalog):
    class JournalRung(faultlib.Rung):
        name = "wu_journal"

        def action_class(self):
            from ansible_collections.winrepair.windows_update.plugins.action.win_wu_journal import ActionModule
            return ActionModule

        def args(self):
            return {"kb": "KB5043080", "entry": {"verdict": "fixed", "rungs_run": []}}
    return JournalRung(tmp, catalog)


def _diagnose_rung(tmp, catalog):
    class DiagnoseRung(faultlib.Rung):
        name = "wu_diagnose"

        def action_class(self):
            from ansible_collections.winrepair.windows_update.plugins.action.win_wu_diagnose import ActionModule
            return ActionModule
    return DiagnoseRung(tmp, catalog)


def _preflight_all(tmp, catalog):
    rung = faultlib.PreflightRung(tmp, catalog)
    rung.host.insider.enrolled = True
    rung.host.insider.flightsigning = True
    old = faultlib.SD + ".bak-20260101T000000"
    rung.host.folders[old.lower()] = faultlib.Folder(path=old, size_bytes=3_000_000)
    rung.extra = {"leave_insider": True, "defender": "pause", "component_cleanup": True}
    return rung


def _reset_aggressive(tmp, catalog):
    rung = faultlib.ResetRung(tmp, catalog)
    rung.extra = {"level": "aggressive"}
    return rung


MODULES = {
    "win_wu_diagnose": _diagnose_rung,
    "win_wu_journal": _journal_rung,
    "win_wu_preflight": _preflight_all,
    "win_wu_reset": _reset_aggressive,
    "win_sfc_dism": faultlib.SfcDismRung,
    "win_kb_catalog_install": faultlib.CatalogRung,
    "win_inplace_upgrade": faultlib.InplaceRung,
}
# Modules that only read: a real run changes nothing either.
READ_ONLY_MODULES = {"win_wu_diagnose"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_check_mode_changes_nothing(module, catalog, tmp_path):
    rung = MODULES[module](str(tmp_path), catalog)
    before = state(rung.host)
    result = _run(rung, check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert changing_records(rung.host) == [], module
    assert state(rung.host) == before, module
    assert rung.host.records, "the check-mode run reached the host"

    # The same task for real does change this host (so the check above can fail).
    real = MODULES[module](str(tmp_path / "real"), catalog)
    before_real = state(real.host)
    result = _run(real, check_mode=False)
    if module in READ_ONLY_MODULES:
        assert state(real.host) == before_real
    else:
        assert not result.get("failed"), result.get("msg")
        assert state(real.host) != before_real, module
        assert changing_records(real.host), module


def _run(rung, check_mode):
    args = dict(rung.args(), **getattr(rung, "extra", {}))
    action = rung.fake.action(rung.action_class(), args, check_mode=check_mode,
                              task_action="winrepair.windows_update.win_" + rung.name)
    action._reboot = rung.fake.reboot
    return action.run(task_vars={"inventory_hostname": rung.host.name})


def test_fleet_report_in_check_mode_writes_no_file(tmp_path):
    from unittest.mock import MagicMock
    from ansible_collections.winrepair.windows_update.plugins.action import wu_fleet_report
    task = MagicMock()
    task.args = {"dest": str(tmp_path / "report"), "hosts_data": [{"host": "win01", "verdict": "fixed"}]}
    task.check_mode, task.diff, task.async_val, task.action = True, False, 0, "wu_fleet_report"
    action = wu_fleet_report.ActionModule(task, MagicMock(), MagicMock(), None, None, None)
    action._execute_module = MagicMock(side_effect=AssertionError("the report reached a host"))
    result = action.run(task_vars={})
    assert not result.get("failed"), result.get("msg")
    assert not (tmp_path / "report").exists() or not os.listdir(tmp_path / "report")
