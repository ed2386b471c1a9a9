# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The win_kb_catalog_install action plugin against one simulated host, in-process.

Module calls go through the simulator's dispatch (fake_host.FakeHost): the
kb_installed script model, win_stat, win_file, win_get_url (real downloads
from the fake catalog over HTTPS on loopback; SSL_CERT_FILE makes the
"host" trust the fake CA) and the detached DISM /Add-Package run on a fast
modelled clock. win_copy's action plugin (put_file + module) is replaced by
a stub that does the same on the HostModel: the sim's put_file receiver and
the win_copy model in single mode.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import http.server
import os
import threading

import pytest

from ansible.errors import AnsibleConnectionFailure  # noqa: E402
from winsim.fake_host import FakeHost  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.action.win_kb_catalog_install import (  # noqa: E402
    ActionModule)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import host_session  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation  # noqa: E402
from winsim import winpath  # noqa: E402
from winsim.detached import dism_packages  # noqa: E402
from winsim.fake_catalog import fake_catalog, fake_catalog_server  # noqa: E402,F401 pylint: disable=unused-import
from winsim.model import Clock, HostModel  # noqa: E402
from winsim.modules import win_copy  # noqa: E402

FOLDER = "C:\\ProgramData\\winrepair\\catalog\\KB5048667-x64"
CHECKPOINT_PREFIX = "windows11.0-kb5043080-x64_"
TARGET_PREFIX = "windows11.0-kb5048667-x64_"
NOT_APPLICABLE = -2146498530  # 0x800F081E


@pytest.fixture
def catalog(fake_catalog, monkeypatch):  # noqa: F811 - the fixture imported above
    # The simulated host's win_get_url verifies TLS with the process trust store: trust the fake CA.
    monkeypatch.setenv("SSL_CERT_FILE", fake_catalog.ca_path)
    return fake_catalog


def new_host(**os_fields):
    host = HostModel(name="win01", address="127.0.0.2")
    for key, value in os_fields.items():
        setattr(host.os, key, value)
    return host


class Harness(object):
    def __init__(self, catalog, tmp_path, host=None):
        self.catalog = catalog
        self.cache = str(tmp_path / "cache")
        self.fake = FakeHost(host or new_host(), Clock(1e5, datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.timezone.utc)))
        self.copies = []

    @property
    def host(self):
        return self.fake.host

    def args(self, **kw):
        base = {"kb": "KB5048667", "catalog_url": self.catalog.url, "ca_path": self.catalog.ca_path,
                "download_hosts": [self.catalog.download_host], "cache_dir": self.cache,
                "poll_interval": 0.01, "timeout": 60, "catalog_retries": 1}
        base.update(kw)
        return base

    def copy_stub(self, src, dest, task_vars, remote_src=False):
        """What win_copy's action does for one local file: put_file to a tmp path, then _copy_mode=single."""
        self.copies.append((src, dest, remote_src))
        if remote_src:
            return self.fake.execute_module()("ansible.windows.win_copy", {
                "_copy_mode": "remote", "src": src, "dest": dest, "remote_src": True, "force": True})
        with open(src, "rb") as handle:
            data = handle.read()
        tmp = "C:\\Windows\\Temp\\ansible-tmp-1\\source"
        winpath.make_dirs(self.host, "C:\\Windows\\Temp\\ansible-tmp-1")
        win_copy.receive_file(self.host, tmp, data)
        return self.fake.execute_module()("ansible.windows.win_copy", {
            "_copy_mode": "single", "src": tmp, "dest": dest, "_original_basename": os.path.basename(src),
            "force": True})

    def run(self, check_mode=False, task_vars=None, **kw):
        action = self.fake.action(ActionModule, self.args(**kw), check_mode=check_mode)
        action._copy_to_host = self.copy_stub
        return action.run(task_vars=dict({"inventory_hostname": "win01"}, **(task_vars or {})))

    def names(self):
        return [r.name for r in self.fake.records()]


@pytest.fixture
def harness(catalog, tmp_path):
    return Harness(catalog, tmp_path)


def files_in(host, folder):
    key = winpath.key(folder, host)
    return sorted(winpath.leaf(k) for k in host.files if winpath.parent(k) == key)


# -------------------------------------------------------------------- happy paths

def test_host_mode_installs_target_with_checkpoint(harness):
    before = dict(harness.host.files)
    r = harness.run(keep_files=True)
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["installed"], r["reboot_required"], r["outcome"]) == (True, True, True, "reboot_required")
    assert [(f["kb"], f["role"], f["source"], f["verified"]) for f in r["files"]] == [
        ("KB5043080", "checkpoint", "downloaded", "sha256"), ("KB5048667", "target", "downloaded", "sha256")]
    assert r["update"]["kb"] == "KB5048667" and r["update"]["superseded"] is False
    assert r["catalog_product"] == "Windows 11 Version 24H2" and r["catalog_architecture"] == "x64"
    assert r["target_path"].startswith(FOLDER + "\\" + TARGET_PREFIX)
    assert r["dism"]["command"] == "dism.exe /Online /English /Add-Package /PackagePath:%s /NoRestart" % r["target_path"]
    assert r["exit_code"] == 3010 and r["hresult"]["unsigned"] == 3010
    assert {"KB5043080", "KB5048667"} <= set(harness.host.installed_kbs)
    assert harness.host.pending_reboot.cbs_reboot_pending is True
    names = files_in(harness.host, FOLDER)
    assert [n[:len(CHECKPOINT_PREFIX)] for n in names] == [CHECKPOINT_PREFIX, TARGET_PREFIX]
    for f in r["files"]:  # the host has exactly the catalog's bytes
        data = harness.host.files[winpath.key(f["host_path"])]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    stats = harness.catalog.stats()["requests"]
    assert (stats["Search.aspx"], stats["DownloadDialog.aspx"], stats["download"]) == (1, 1, 2)
    assert set(before) < set(harness.host.files)
    calls = [c[0] for c in harness.fake.calls]
    assert calls.count("ansible.windows.win_get_url") == 2
    assert r["files_removed"] is False


def test_files_are_removed_after_success_by_default(harness):
    r = harness.run()
    assert r["installed"] and r["files_removed"] is True
    assert not winpath.exists(harness.host, FOLDER)


def test_already_installed_is_ok_without_catalog(harness):
    harness.host.installed_kbs = ["KB5048667"]
    r = harness.run()
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["already_installed"], r["outcome"], r["update"]) == (False, True, "already_installed", None)
    assert harness.catalog.stats()["total_requests"] == 0
    assert harness.names() == ["kb_installed"]


def test_lower_case_kb_is_accepted(harness):
    harness.host.installed_kbs = ["KB5048667"]
    assert harness.run(kb="kb5048667")["kb"] == "KB5048667"


@pytest.mark.parametrize("bad", ["5048667", "KB50486", "KB5048667 & calc", "KB-5048667"])
def test_invalid_kb_fails_before_any_request(harness, bad):
    r = harness.run(kb=bad)
    assert r["failed"] and "'KB' followed by 6 to 8 digits" in r["msg"]
    assert harness.fake.calls == [] and harness.catalog.stats()["total_requests"] == 0


def test_supersede_installs_the_newest_replacement(harness):
    r = harness.run(kb="KB5043080", supersede=True)
    assert not r.get("failed"), r.get("msg")
    assert r["update"]["kb"] == "KB5048667" and r["update"]["superseded"] is True
    assert r["update"]["requested"]["kb"] == "KB5043080"
    assert r["installed"]
    assert harness.catalog.stats()["requests"]["ScopedViewInline.aspx"] == 1


def test_supersede_is_ok_when_the_newest_is_installed(harness):
    harness.host.installed_kbs = ["KB5043080", "KB5048667"]
    r = harness.run(kb="KB5043080", supersede=True)
    assert (r["changed"], r["already_installed"], r["update"]["kb"]) == (False, True, "KB5048667")
    assert harness.catalog.stats()["requests"].get("download", 0) == 0
    assert "detached_start" not in harness.names()


def test_checkpoint_already_installed_still_staged_dism_skips_it(harness):
    harness.host.installed_kbs = ["KB5043080"]
    r = harness.run()
    assert r["installed"] and [f["role"] for f in r["files"]] == ["checkpoint", "target"]


# -------------------------------------------------------------------- controller / mirror

def test_controller_mode_downloads_once_and_copies(harness, catalog, tmp_path):
    r = harness.run(download_mode="controller", keep_files=True)
    assert not r.get("failed"), r.get("msg")
    assert [f["source"] for f in r["files"]] == ["copied", "copied"]
    assert [f["controller_download"] for f in r["files"]] == [True, True]
    assert [c[1] for c in harness.copies] == [f["host_path"] for f in r["files"]]
    assert all(os.path.basename(c[0]) == f["sha256"] for c, f in zip(harness.copies, r["files"]))
    assert sorted(os.listdir(os.path.join(harness.cache, "files"))) == sorted(f["sha256"] for f in r["files"])
    # A second host with the same product: catalog answer and files come from the cache.
    other = Harness(catalog, tmp_path)
    r2 = other.run(download_mode="controller")
    assert r2["installed"] and r2["catalog"] == {"from_cache": True, "requests": 0}
    assert [f["controller_download"] for f in r2["files"]] == [False, False]
    stats = catalog.stats()["requests"]
    assert (stats["Search.aspx"], stats["DownloadDialog.aspx"], stats["download"]) == (1, 1, 2)


def test_another_architecture_shares_the_search(harness, catalog, tmp_path):
    harness.run(download_mode="controller")
    arm = Harness(catalog, tmp_path, new_host(architecture="arm64"))
    r = arm.run(download_mode="controller")
    assert r["installed"] and r["catalog"]["from_cache"] is False
    assert all("-arm64_" in f["file_name"] for f in r["files"])
    stats = catalog.stats()["requests"]
    assert (stats["Search.aspx"], stats["DownloadDialog.aspx"], stats["download"]) == (1, 2, 4)


def test_controller_mode_reuses_files_on_the_host(harness):
    first = harness.run(download_mode="controller", keep_files=True)
    assert first["installed"]
    harness.host.installed_kbs = []  # pretend it was rolled back: the files are still in the folder
    harness.copies.clear()
    r = harness.run(download_mode="controller", keep_files=True)
    assert [f["source"] for f in r["files"]] == ["reused", "reused"]
    assert harness.copies == []
    assert r["installed"]


def test_a_damaged_file_on_the_host_is_replaced(harness):
    harness.run(download_mode="controller", keep_files=True)
    harness.host.installed_kbs = []
    target = [k for k in harness.host.files if winpath.leaf(k).startswith(TARGET_PREFIX)][0]
    harness.host.files[target] = b"garbage"
    harness.copies.clear()
    r = harness.run(download_mode="controller", keep_files=True)
    assert [f["source"] for f in r["files"]] == ["reused", "copied"]
    assert r["installed"]


@pytest.fixture
def http_mirror(tmp_path):
    """A plain http server on loopback serving tmp_path/mirror (an internal web server of the user)."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield str(root), "http://localhost:%d/" % server.server_address[1], "localhost:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_mirror_mode_over_http(harness, http_mirror):
    root, url, netloc = http_mirror
    r = harness.run(download_mode="mirror", mirror_dir=root, mirror_url=url,
                    download_hosts=[harness.catalog.download_host, netloc])
    assert not r.get("failed"), r.get("msg")
    assert [f["source"] for f in r["files"]] == ["mirror", "mirror"]
    assert sorted(os.listdir(root)) == sorted(f["file_name"] for f in r["files"])
    gets = [c[1]["url"] for c in harness.fake.calls if c[0] == "ansible.windows.win_get_url"]
    assert gets == [url + f["file_name"] for f in r["files"]]
    assert r["installed"]


def test_mirror_url_must_be_allow_listed(harness, http_mirror):
    root, url, _netloc = http_mirror
    r = harness.run(download_mode="mirror", mirror_dir=root, mirror_url=url)
    assert r["failed"] and "not in download_hosts" in r["msg"]
    assert harness.catalog.stats()["total_requests"] == 0
    assert os.listdir(root) == []


def test_mirror_mode_needs_dir_and_url(harness):
    with pytest.raises(Exception, match="mirror_dir|mirror_url"):
        harness.run(download_mode="mirror")


def test_mirror_on_a_share_uses_remote_src(harness, tmp_path):
    share = "\\\\fs01\\updates"
    seen = []

    def unc_copy(src, dest, task_vars, remote_src=False):
        # winsim has no UNC paths: stand in for the share by copying from the mirror folder.
        seen.append((src, dest, remote_src))
        with open(os.path.join(str(tmp_path / "m"), src.rsplit("\\", 1)[1]), "rb") as handle:
            winpath.write_file(harness.host, dest, handle.read())
        return {"changed": True}
    args = harness.args(download_mode="mirror", mirror_dir=str(tmp_path / "m"), mirror_url=share)
    action = harness.fake.action(ActionModule, args)
    action._copy_to_host = unc_copy
    r = action.run(task_vars={"inventory_hostname": "win01"})
    assert not r.get("failed"), r.get("msg")
    assert [s[2] for s in seen] == [True, True]
    assert [s[0] for s in seen] == [share + "\\" + f["file_name"] for f in r["files"]]


# -------------------------------------------------------------------- refusals and failures

def test_hash_mismatch_is_refused_and_undone(harness):
    files_before = dict(harness.host.files)
    harness.catalog.fault("download/", "badhash", times=10)
    r = harness.run()
    assert r["failed"] and "did not match" in r["msg"]
    assert r["changed"] is False
    assert harness.host.files == files_before
    assert not winpath.exists(harness.host, FOLDER)
    assert "detached_start" not in harness.names()
    assert harness.host.installed_kbs == []
    assert r["files"][0]["source"] == "removed"


def test_host_verifies_what_it_got(harness):
    # A copy that lands wrong (the stub writes other bytes): win_stat catches it, the file goes.
    def bad_copy(src, dest, task_vars, remote_src=False):
        winpath.write_file(harness.host, dest, b"not the update")
        return {"changed": True}
    action = harness.fake.action(ActionModule, harness.args(download_mode="controller"))
    action._copy_to_host = bad_copy
    r = action.run(task_vars={"inventory_hostname": "win01"})
    assert r["failed"] and "refused, the file was removed" in r["msg"]
    assert not winpath.exists(harness.host, FOLDER)
    assert "detached_start" not in harness.names()


def test_not_applicable_fails_unless_allowed(harness):
    harness.host.kb_install_exit = {"KB5048667": NOT_APPLICABLE}
    r = harness.run(keep_files=True)
    assert r["failed"] and r["not_applicable"] and "allow_not_applicable" in r["msg"]
    assert "0x800F081E CBS_E_NOT_APPLICABLE" in r["msg"]
    assert "KB5048667" not in harness.host.installed_kbs
    r = harness.run(allow_not_applicable=True)
    assert not r.get("failed") and r["not_applicable"] and r["outcome"] == "not_applicable"
    assert r["files_removed"] is True


def test_not_applicable_leaves_the_host_as_it_was(harness):
    harness.host.kb_install_exit = {"KB5048667": NOT_APPLICABLE}
    r = harness.run(allow_not_applicable=True)
    assert r["changed"] is False and not winpath.exists(harness.host, FOLDER)


def test_wrong_architecture_override_is_not_applicable(catalog, tmp_path):
    h = Harness(catalog, tmp_path, new_host(architecture="arm64"))
    r = h.run(architecture="x64")
    assert r["failed"] and r["not_applicable"] and r["exit_code"] == NOT_APPLICABLE


def test_other_failures_are_decoded_and_files_kept(harness):
    harness.host.kb_install_exit = {"KB5048667": -2146498529}
    r = harness.run()
    assert r["failed"] and r["outcome"] == "failed"
    assert "0x800F081F CBS_E_SOURCE_MISSING" in r["msg"] and "CBS.log" in r["msg"]
    assert len(files_in(harness.host, FOLDER)) == 2


def test_exit_zero_means_no_restart(harness):
    harness.host.kb_install_exit = {"KB5048667": 0}
    r = harness.run()
    assert (r["installed"], r["reboot_required"], r["outcome"]) == (True, False, "installed")
    assert harness.host.pending_reboot.cbs_reboot_pending is False


def test_unknown_kb_and_unfitting_product(harness):
    r = harness.run(kb="KB5000001")
    assert r["failed"] and "is not in the Microsoft Update Catalog" in r["msg"]
    r = harness.run(product="Windows 11 Version 23H2")
    assert r["failed"] and "product" in r["msg"]
    assert "detached_start" not in harness.names()


def test_download_host_not_allow_listed(harness):
    r = harness.run(download_hosts=[])
    assert r["failed"] and "not a Microsoft download host" in r["msg"]
    assert harness.catalog.stats()["requests"].get("download", 0) == 0


# -------------------------------------------------------------------- check mode

@pytest.mark.parametrize("mode", ["host", "controller"])
def test_check_mode_reports_files_and_changes_nothing(harness, mode):
    files_before = dict(harness.host.files)
    r = harness.run(check_mode=True, download_mode=mode)
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["outcome"]) == (True, "would_install")
    assert [(f["kb"], f["source"]) for f in r["files"]] == [("KB5043080", "planned"), ("KB5048667", "planned")]
    assert harness.host.files == files_before and harness.host.installed_kbs == []
    assert [(r_.name, r_.check_mode) for r_ in harness.fake.records()] == [("kb_installed", True)]
    assert harness.catalog.stats()["requests"].get("download", 0) == 0
    assert not os.path.isdir(os.path.join(harness.cache, "files")) or \
        os.listdir(os.path.join(harness.cache, "files")) == []


def test_check_mode_already_installed(harness):
    harness.host.installed_kbs = ["KB5048667"]
    r = harness.run(check_mode=True)
    assert (r["changed"], r["outcome"]) == (False, "already_installed")


# -------------------------------------------------------------------- the DISM model itself

def test_dism_model_needs_the_checkpoint_beside_the_target(harness):
    dism_packages.install()
    from winsim.detached import tools
    harness.run(keep_files=True, check_mode=False)
    harness.host.installed_kbs = []
    target = [k for k in harness.host.files if winpath.leaf(k).startswith(TARGET_PREFIX)][0]
    plan = tools.plan(harness.host, "dism.exe", "/Online /Add-Package /PackagePath:%s /NoRestart" % target)
    assert plan.exit_code == 3010 and b"Processing 1 of 2" in b"".join(c for _at, c in plan.stdout)
    checkpoint = [k for k in harness.host.files if winpath.leaf(k).startswith(CHECKPOINT_PREFIX)][0]
    del harness.host.files[checkpoint]
    plan = tools.plan(harness.host, "dism.exe", "/Online /Add-Package /PackagePath:%s /NoRestart" % target)
    assert plan.exit_code == NOT_APPLICABLE
    harness.host.installed_kbs = ["KB5043080"]  # the checkpoint is installed already: not needed in the folder
    plan = tools.plan(harness.host, "dism.exe", "/Online /Add-Package /PackagePath:%s /NoRestart" % target)
    assert plan.exit_code == 3010 and b"Processing 1 of 1" in b"".join(c for _at, c in plan.stdout)
    # Other DISM command lines still reach the /Cleanup-Image model.
    assert tools.plan(harness.host, "dism.exe", "/Online /Cleanup-Image /CheckHealth").exit_code == 0


def test_a_root_cause_stops_the_install_and_a_cured_host_installs(harness):
    from winsim import causes
    causes.seed(harness.host, "corrupt_component_store", kb="KB5048667", variant="needs_source")
    r = harness.run()
    assert r["failed"] and r["outcome"] == "failed"
    assert "0x800F081F CBS_E_SOURCE_MISSING" in r["msg"]
    assert "KB5048667" not in harness.host.installed_kbs
    harness.host.component_store.health = "healthy"  # what a DISM /RestoreHealth with a source does
    r = harness.run()
    assert r["installed"], r.get("msg")
    assert "KB5048667" in harness.host.installed_kbs
    # causes.apply("catalog_install:KB5048667") recorded the install (history ResultCode 2).
    assert [(e.kb, e.result_code) for e in harness.host.update_history][-1] == ("KB5048667", 2)
    assert [f["source"] for f in r["files"]] == ["reused", "reused"]  # the failed run kept them


# -------------------------------------------------------------------- restarts of the host

def slow_clock(harness):
    # DISM /Add-Package of the target and its checkpoint: 2100 s = 0.42 s, so the first poll finds it running.
    harness.fake.clock = Clock(5e3, datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.timezone.utc))


def test_a_restart_during_dism_starts_it_once_more_and_the_update_installs(harness):
    slow_clock(harness)
    harness.host.faults.reboot_on = ["detached_status"]
    r = harness.run()
    assert not r.get("failed"), r.get("msg")
    assert harness.fake.restarts == 1
    assert r["dism"]["restarts"] == 1 and r["dism"]["state"] == "exited"
    assert (r["installed"], r["outcome"], r["exit_code"]) == (True, "reboot_required", 3010)
    starts = [c[1]["RunId"] for c in harness.fake.scripts if c[0] == "detached_start"]
    assert len(starts) == 2 and starts[0] == starts[1] == r["dism"]["run_id"]
    # The killed run added nothing; the second one added the checkpoint and the target once each.
    assert sorted(harness.host.installed_kbs) == ["KB5043080", "KB5048667"]
    assert harness.host.pending_reboot.cbs_reboot_pending is True


def test_two_restarts_during_dism_fail_with_nothing_installed(harness):
    slow_clock(harness)
    harness.fake.reboot_after = {("detached_status", 1), ("detached_status", 3)}
    r = harness.run()
    assert r["failed"] is True and r["outcome"] == "lost" and r["installed"] is False
    assert "the host restarted during DISM /Add-Package KB5048667 twice" in r["msg"]
    assert "nothing was completed" in r["msg"]
    assert "KB5048667" not in harness.host.installed_kbs and "KB5043080" not in harness.host.installed_kbs
    assert remediation.rung_outcome("catalog_install", r)["outcome"] == "interrupted"


# ------------------------------------------------------------- WinRM errors on the way

@pytest.mark.parametrize("kind", ["http500_on", "drop_connection_on"])
def test_a_download_that_got_a_winrm_error_is_sent_again_and_installs(harness, monkeypatch, kind):
    waits = []
    monkeypatch.setattr(host_session, "_sleep", waits.append)
    # A download request that never reached the host (the fault fires before the step runs).
    getattr(harness.host.faults, kind).append({"step": "win_get_url", "times": 1})
    r = harness.run()
    assert not r.get("failed"), r.get("msg")
    assert r["installed"] is True and {"KB5043080", "KB5048667"} <= set(harness.host.installed_kbs)
    assert [f["source"] for f in r["files"]] == ["downloaded", "downloaded"]
    assert [c[0] for c in harness.fake.calls].count("ansible.windows.win_get_url") == 3
    assert waits == [host_session.RETRY_DELAYS[0]]


def test_a_download_that_keeps_failing_on_winrm_errors_gives_up_with_nothing_installed(harness, monkeypatch):
    monkeypatch.setattr(host_session, "_sleep", lambda seconds: None)
    harness.host.faults.http500_on.append({"step": "win_get_url", "times": -1})
    with pytest.raises(AnsibleConnectionFailure):  # the task ends unreachable, as without the retries
        harness.run()
    assert "KB5048667" not in harness.host.installed_kbs
    assert [c[0] for c in harness.fake.calls].count("ansible.windows.win_get_url") == len(host_session.RETRY_DELAYS) + 1


# -------------------------------------------------------------------- giving the fork back
CROWDED = {"ansible_play_batch": ["win%02d" % n for n in range(10)]}  # more hosts than the default 5 forks


def test_an_install_waited_for_in_steps_ends_as_one_task_does_and_downloads_once(harness, catalog, tmp_path):
    whole = Harness(catalog, tmp_path / "whole")
    slow_clock(whole)
    one = whole.run(yield_after=0.02)  # no crowd: one task
    slow_clock(harness)
    results = [harness.run(task_vars=CROWDED, yield_after=0.02)]
    while results[-1].get("pending") and len(results) < 200:
        assert not results[-1]["changed"] and "resume" in results[-1]["msg"]
        assert results[-1]["resume_after"] == pytest.approx(0.1)  # five rounds' rest without a fork
        results.append(harness.run(task_vars=CROWDED, yield_after=0.02, resume=results[-1]["resume"]))
    last = results[-1]
    assert len(results) > 2 and not last.get("pending") and not last.get("failed"), last.get("msg")
    for key in ("changed", "installed", "reboot_required", "outcome", "exit_code", "files_removed", "update"):
        assert last[key] == one[key], key
    assert [f["source"] for f in last["files"]] == [f["source"] for f in one["files"]] == ["downloaded"] * 2
    # Later calls neither looked the update up nor downloaded again; one DISM run, taken up.
    assert [c[0] for c in harness.fake.calls].count("ansible.windows.win_get_url") == 2
    assert harness.names().count("kb_installed") == 1
    assert len({c[1]["RunId"] for c in harness.fake.scripts if c[0] == "detached_start"}) == 1
    assert sorted(harness.host.installed_kbs) == ["KB5043080", "KB5048667"]


def test_a_resume_that_is_no_earlier_result_is_refused_before_anything_runs(harness):
    r = harness.run(resume={"plan": {}})
    assert r["failed"] and "resume" in r["msg"] and harness.fake.calls == []
