# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every rung under every fault of the matrix (faultlib.CASES), in-process.

For each case: the fault fires; the host ends consistent (Windows Update
services running, SoftwareDistribution and catroot2 or their backups there);
a failure says what happened and what to do; with the fault gone (and the
cause fixed as the message says) a rerun finishes; a rerun after a cut-off
run does not repeat the rung's destructive step, except the component reset,
which is not resume-aware on its own (the ladder's journal is: see
test_fix_wu_faults.py). bench/faults_summary.py prints the same matrix as a table.
"""
from __future__ import annotations

import os

import pytest

from reliability import faultlib
from winsim.fake_catalog import FakeCatalog


@pytest.fixture(scope="module")
def catalog():
    saved = os.environ.get("SSL_CERT_FILE")
    # slow_seconds above the cases' catalog_timeout (2 s): a 'slow' answer is a timeout.
    with FakeCatalog(slow_seconds=2.5) as cat:
        os.environ["SSL_CERT_FILE"] = cat.ca_path  # the simulated host's win_get_url trusts the fake CA
        try:
            yield cat
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved


@pytest.mark.parametrize("case", faultlib.CASES, ids=[c.id for c in faultlib.CASES])
def test_fault(case, catalog, tmp_path):
    out = faultlib.run_case(case, str(tmp_path), catalog)
    assert out.survived, "%s: %s\nfirst: %r\nsecond: %r" % (case.id, out.problems, out.first.get("msg"),
                                                            out.second and out.second.get("msg"))
    assert not out.data_lost
    if case.may_repeat and out.first.get("unreachable"):
        # Documented: the module alone repeats; fix_wu's journal must not (test_fix_wu_faults.py).
        assert out.repeated >= 1


def test_matrix_covers_every_rung_and_the_listed_faults():
    rungs = {c.rung for c in faultlib.CASES}
    assert rungs == set(faultlib.RUNGS)
    faults = {c.fault for c in faultlib.CASES}
    for wanted in ("drop_mid_step", "operation_timeout", "service_will_not_stop", "access_denied",
                   "disk_full_rename", "disk_full_download", "catalog_8DDD0010_then_ok", "catalog_8DDD0024",
                   "catalog_http5xx", "catalog_timeout", "catalog_changed_html", "download_truncated",
                   "download_wrong_hash", "missing_iso", "rollback_0xC1900101", "reboot_slower_than_timeout"):
        assert wanted in faults, wanted


def test_a_lost_folder_is_seen(tmp_path):
    """The invariant itself can fail: a host without SoftwareDistribution and no backup is 'data lost'."""
    host = faultlib.new_host()
    assert faultlib.lost_folders(host) == []
    host.folders[faultlib.SD.lower()].exists = False
    assert faultlib.lost_folders(host) == [faultlib.SD]
    bak = faultlib.SD + ".bak-20261122T031500"
    host.folders[bak.lower()] = faultlib.Folder(path=bak)
    assert faultlib.lost_folders(host) == []
