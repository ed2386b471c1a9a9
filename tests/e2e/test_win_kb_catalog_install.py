# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_kb_catalog_install end to end: ansible-playbook over WinRM against a simulated fleet and the
fake Microsoft Update Catalog over HTTPS on loopback.

One fleet and ONE ansible-playbook run over eleven hosts (forks run them in
parallel, so the controller cache and its locks are exercised), plus one
short run for the hash-mismatch case (the fake catalog's 'badhash' fault hits
every download, so it gets its own run). The fleet clock runs at time_scale
600: a 35-minute DISM run takes 3.5 s.

The simulated hosts download with real HTTPS from the fake catalog; the
process trust store stands for the hosts' (SSL_CERT_FILE = the fake CA).
A plain http server on loopback stands for the user's internal mirror.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import os
import threading

import pytest

from winsim import winpath
from winsim.detached import dism_packages
from winsim.fake_catalog import FakeCatalog
from winsim.pytest_plugin import case_options, case_task, run_play, running_fleet

NOT_APPLICABLE = -2146498530  # 0x800F081E CBS_E_NOT_APPLICABLE as DISM exits
FOLDER = "C:\\ProgramData\\winrepair\\catalog\\KB5048667-x64"

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.71.1", "port": 0},
    "hosts": [
        {"name": "hostdl"}, {"name": "ctl1"}, {"name": "ctl2"}, {"name": "ctl3"},
        {"name": "arm", "os": {"architecture": "arm64"}},
        {"name": "mirror"},
        {"name": "installed", "installed_kbs": ["KB5048667"]},
        {"name": "notapp"}, {"name": "notappok"},
        {"name": "check"},
        {"name": "super"},
        {"name": "badhash"},  # only in the hash-mismatch run
    ],
}
CASES = {
    "hostdl": {"download_mode": "host"},
    "ctl1": {}, "ctl2": {}, "ctl3": {}, "arm": {},
    "mirror": {"download_mode": "mirror"},
    "installed": {},
    "notapp": {},
    "notappok": {"allow_not_applicable": True},
    "check": {"check": True},
    "super": {"kb": "KB5043080", "supersede": True},
}
OPTIONS = ("kb", "download_mode", "allow_not_applicable", "supersede")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _play(tmp, fleet, catalog, hosts, cases, extra):
    args = case_options(OPTIONS)
    args.update(kb="{{ cases[inventory_hostname].kb | default('KB5048667') }}",
                download_mode="{{ cases[inventory_hostname].download_mode | default('controller') }}",
                catalog_url=catalog.url, ca_path=catalog.ca_path, cache_dir=str(tmp / "cache"),
                poll_interval=0.2, timeout=120, catalog_retries=2, keep_files=True)
    args.update(extra)
    return run_play(fleet, tmp, hosts, [case_task("winrepair.windows_update.win_kb_catalog_install", args,
                                                  name="install")], cases, timeout=240)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kb_install")
    saved = os.environ.get("SSL_CERT_FILE")
    dism_packages.install()
    catalog = FakeCatalog().start()
    mirror_dir = tmp / "mirror"
    mirror_dir.mkdir()
    mirror = _serve(str(mirror_dir))
    mirror_netloc = "localhost:%d" % mirror.server_address[1]
    os.environ["SSL_CERT_FILE"] = catalog.ca_path  # the simulated hosts trust the fake catalog's CA
    try:
        with running_fleet(SCENARIO, tmp) as fleet:
            fleet.hosts["notapp"].kb_install_exit = {"KB5048667": NOT_APPLICABLE}
            fleet.hosts["notappok"].kb_install_exit = {"KB5048667": NOT_APPLICABLE}
            before = {name: dict(h.files) for name, h in fleet.hosts.items()}
            extra = {"download_hosts": [catalog.download_host, mirror_netloc], "mirror_dir": str(mirror_dir),
                     "mirror_url": "http://%s/" % mirror_netloc}
            results, proc = _play(tmp, fleet, catalog, list(CASES), CASES, extra)
            assert not records(fleet, "badhash")
            stats = catalog.stats()
            catalog.reset()
            yield {"fleet": fleet, "res": results, "stats": stats, "before": before, "catalog": catalog,
                   "tmp": tmp, "mirror_dir": str(mirror_dir), "out": proc.stdout}
    finally:
        catalog.stop()
        mirror.shutdown()
        mirror.server_close()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def records(fleet, name, kind=None):
    return [r for r in fleet.records(name) if kind is None or r.kind == kind]


def dism_starts(fleet, name):
    return [r.args for r in fleet.records(name) if r.kind == "script" and r.name == "detached_start"
            and not r.outcome.startswith("fault")]


def test_host_mode_installs_checkpoint_then_target(world):
    r, fleet = world["res"]["hostdl"], world["fleet"]
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["outcome"], r["reboot_required"]) == (True, "reboot_required", True)
    assert [(f["kb"], f["role"], f["source"]) for f in r["files"]] == [
        ("KB5043080", "checkpoint", "downloaded"), ("KB5048667", "target", "downloaded")]
    gets = [r_.args["dest"] for r_ in records(fleet, "hostdl") if r_.name == "win_get_url"]
    assert gets == [f["host_path"] for f in r["files"]]  # checkpoint fetched first
    host = fleet.hosts["hostdl"]
    # DISM applied the checkpoint from the folder before the target.
    assert host.installed_kbs == ["KB5043080", "KB5048667"]
    assert host.pending_reboot.cbs_reboot_pending is True
    starts = dism_starts(fleet, "hostdl")
    assert len(starts) == 1
    assert starts[0]["Arguments"] == "/Online /English /Add-Package /PackagePath:%s /NoRestart" % r["target_path"]
    for f in r["files"]:
        assert hashlib.sha256(host.files[winpath.key(f["host_path"])]).hexdigest() == f["sha256"]


@pytest.mark.parametrize("name", ["ctl1", "ctl2", "ctl3", "arm", "super"])
def test_controller_mode_copies_from_the_cache(world, name):
    r, fleet = world["res"][name], world["fleet"]
    assert not r.get("failed"), r.get("msg")
    assert r["installed"] and r["reboot_required"]
    assert [f["source"] for f in r["files"]] == ["copied", "copied"]
    assert "win_get_url" not in [r_.name for r_ in records(fleet, name)]
    assert any(r_.name == "put_file" for r_ in records(fleet, name, "raw"))
    host = fleet.hosts[name]
    arch = "arm64" if name == "arm" else "x64"
    assert host.installed_kbs == ["KB5043080", "KB5048667"]
    assert all("-%s_" % arch in f["file_name"] for f in r["files"])


def test_supersede_picked_the_replacement(world):
    r = world["res"]["super"]
    assert r["kb"] == "KB5043080" and r["update"]["kb"] == "KB5048667" and r["update"]["superseded"]


def test_catalog_requests_once_per_distinct_update_and_file(world):
    stats = world["stats"]["requests"]
    # Searches: KB5048667 (x64 and arm64 hosts share it) and KB5043080 (supersede).
    assert stats["Search.aspx"] == 2
    # Dialogs: the x64 and the arm64 KB5048667; the superseding host reuses the x64 one.
    assert stats["DownloadDialog.aspx"] == 2
    assert stats["ScopedViewInline.aspx"] == 1
    # Files: 2 x64 + 2 arm64 into the controller cache once, + 2 by the host-mode host itself.
    assert stats["download"] == 6
    cache = world["tmp"] / "cache" / "files"
    assert len(os.listdir(str(cache))) == 4
    # Of the hosts asking the same question (KB5048667, x64), exactly one fork asked the catalog.
    same = ("hostdl", "ctl1", "ctl2", "ctl3", "mirror", "notapp", "notappok", "check")
    per_host = {name: world["res"][name]["catalog"]["from_cache"] for name in same}
    assert sorted(per_host.values()) == [False] + [True] * (len(same) - 1), per_host
    assert world["res"]["installed"]["catalog"] == {"from_cache": None, "requests": 0}
    downloads = [f["controller_download"] for n in ("ctl1", "ctl2", "ctl3", "mirror", "notapp", "notappok", "super")
                 for f in world["res"][n]["files"] if "controller_download" in f]
    assert downloads.count(True) == 2


def test_mirror_mode(world):
    r, fleet = world["res"]["mirror"], world["fleet"]
    assert not r.get("failed"), r.get("msg")
    assert [f["source"] for f in r["files"]] == ["mirror", "mirror"]
    urls = [r_.args["url"] for r_ in records(fleet, "mirror") if r_.name == "win_get_url"]
    assert [u.rsplit("/", 1)[1] for u in urls] == [f["file_name"] for f in r["files"]]
    assert all(u.startswith("http://localhost:") for u in urls)
    assert sorted(os.listdir(world["mirror_dir"])) == sorted(f["file_name"] for f in r["files"])
    assert fleet.hosts["mirror"].installed_kbs == ["KB5043080", "KB5048667"]


def test_already_installed_is_ok_and_asks_nothing(world):
    r, fleet = world["res"]["installed"], world["fleet"]
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["already_installed"], r["outcome"]) == (False, True, "already_installed")
    assert [r_.name for r_ in records(fleet, "installed")] == ["kb_installed"]
    assert fleet.hosts["installed"].files == world["before"]["installed"]


def test_not_applicable_fails_with_the_code(world):
    r, fleet = world["res"]["notapp"], world["fleet"]
    assert r["failed"] and r["not_applicable"] and r["exit_code"] == NOT_APPLICABLE
    assert "0x800F081E CBS_E_NOT_APPLICABLE" in r["msg"] and "allow_not_applicable" in r["msg"]
    assert "KB5048667" not in fleet.hosts["notapp"].installed_kbs


def test_not_applicable_allowed_is_ok(world):
    r = world["res"]["notappok"]
    assert not r.get("failed"), r.get("msg")
    assert (r["not_applicable"], r["outcome"], r["installed"]) == (True, "not_applicable", False)


def test_check_mode_changes_nothing(world):
    r, fleet = world["res"]["check"], world["fleet"]
    assert not r.get("failed"), r.get("msg")
    assert (r["changed"], r["outcome"]) == (True, "would_install")
    assert [(f["kb"], f["source"]) for f in r["files"]] == [("KB5043080", "planned"), ("KB5048667", "planned")]
    assert [(r_.name, r_.check_mode) for r_ in records(fleet, "check")] == [("kb_installed", True)]
    assert fleet.hosts["check"].files == world["before"]["check"]
    assert fleet.hosts["check"].installed_kbs == []


def test_second_run_is_idempotent(world):
    """Everything installed is now ok/unchanged, with no catalog request at all."""
    fleet, catalog, tmp = world["fleet"], world["catalog"], world["tmp"]
    names = ["hostdl", "ctl1", "arm"]
    results, _proc = _play(tmp, fleet, catalog, names, CASES, {"download_hosts": [catalog.download_host]})
    for name in names:
        r = results[name]
        assert not r.get("failed"), r.get("msg")
        assert (r["changed"], r["outcome"]) == (False, "already_installed")
    assert catalog.stats()["total_requests"] == 0
    catalog.reset()


def test_hash_mismatch_is_refused_and_the_host_unchanged(world):
    fleet, catalog, tmp = world["fleet"], world["catalog"], world["tmp"]
    host = fleet.hosts["badhash"]
    files_before = dict(host.files)
    catalog.fault("download/", "badhash", times=50)  # every download answers other bytes
    try:
        results, _proc = _play(tmp, fleet, catalog, ["badhash"], {"badhash": {"download_mode": "host"}},
                               {"download_hosts": [catalog.download_host]})
    finally:
        catalog.reset()
    r = results["badhash"]
    assert r["failed"] and "did not match" in r["msg"]
    assert r["changed"] is False
    assert host.files == files_before
    assert not winpath.exists(host, FOLDER)
    assert host.installed_kbs == []
    assert dism_starts(fleet, "badhash") == []
    assert [n for n in (r_.name for r_ in records(fleet, "badhash")) if n == "win_get_url"] == ["win_get_url"]
