# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security: downloads only over HTTPS from Microsoft's hosts (a mirror only when
listed explicitly), hashes checked, secrets never logged, destructive actions
off by default."""
from __future__ import annotations

import os

import pytest
import yaml

from reliability import faultlib
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog import allowlist
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import UnsafeUrlError
from winsim.pytest_plugin import run_play, start_fleet

REPO = faultlib._REPO
SECRET = "S3cr3t-Pa55w0rd-xyzzy"


# ------------------------------------------------------------------ downloads

@pytest.mark.parametrize("url", [
    "ftp://download.windowsupdate.com/x.msu",
    "https://download.windowsupdate.com.evil.example/x.msu",
    "https://evildownload.windowsupdate.com/x.msu",
    "https://203.0.113.5/x.msu",
    "https://download.windowsupdate.com:8443/x.msu",
    "https://user:pw@download.windowsupdate.com/x.msu",
    "https://mirror.corp.example/x.msu",   # a mirror not listed
])
def test_download_urls_outside_the_allow_list_are_refused(url):
    with pytest.raises(UnsafeUrlError):
        allowlist.check_download_url(url)


def test_microsoft_https_is_allowed_and_http_is_upgraded_never_downgraded():
    ok = "https://catalog.s.download.windowsupdate.com/d/msdownload/x.msu"
    assert allowlist.check_download_url(ok) == ok
    assert allowlist.check_download_url("http://download.windowsupdate.com/x.msu").startswith("https://")
    with pytest.raises(UnsafeUrlError):
        allowlist.check_download_url("http://download.windowsupdate.com/x.msu", upgrade_http=False)


def test_a_mirror_only_when_listed_explicitly_and_over_https():
    url = "https://mirror.corp.example:8443/x.msu"
    with pytest.raises(UnsafeUrlError):
        allowlist.check_download_url(url)
    assert allowlist.check_download_url(url, extra_hosts=["mirror.corp.example:8443"]) == url
    with pytest.raises(UnsafeUrlError):
        allowlist.check_download_url("http://mirror.corp.example/x.msu", extra_hosts=["mirror.corp.example"])


def test_sha256_when_the_catalog_gives_it_else_sha1():
    assert kb_install.hash_for_host({"sha256": "ab" * 32, "sha1": "cd" * 20}) == ("sha256", "ab" * 32)
    assert kb_install.hash_for_host({"sha256": None, "sha1": "cd" * 20}) == ("sha1", "cd" * 20)


def test_the_default_download_host_list_is_empty():
    from ansible_collections.winrepair.windows_update.plugins.action.win_kb_catalog_install import ARGUMENT_SPEC
    assert ARGUMENT_SPEC["download_hosts"]["default"] == []
    with open(os.path.join(REPO, "roles", "wu_remediate", "defaults", "main.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["wu_remediate_catalog_download_hosts"] == []


def test_credentials_in_a_url_are_not_repeated_in_the_message():
    with pytest.raises(kb_install.KbInstallError) as err:
        kb_install.check_mirror_url("https://admin:%s@mirror.corp.example/wu/" % SECRET, ["mirror.corp.example"])
    assert SECRET not in str(err.value)
    with pytest.raises(UnsafeUrlError) as err:
        allowlist.check_download_url("https://admin:%s@download.windowsupdate.com/x.msu" % SECRET)
    assert SECRET not in str(err.value)


# ------------------------------------------------------- destructive defaults

def _defaults(role):
    with open(os.path.join(REPO, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def test_destructive_actions_are_off_by_default_in_the_argument_specs():
    from ansible_collections.winrepair.windows_update.plugins.action import (
        win_inplace_upgrade, win_wu_preflight, win_wu_reset)
    assert win_wu_reset.ARGUMENT_SPEC["level"]["default"] == "standard"
    assert win_inplace_upgrade.ARGUMENT_SPEC["accept_reboots"]["default"] is False
    pre = win_wu_preflight.ARGUMENT_SPEC
    assert pre["leave_insider"]["default"] is False
    assert pre["defender"]["default"] == "keep"
    assert pre["cleanup"]["default"] is False and pre["component_cleanup"]["default"] is False


def test_destructive_actions_are_off_by_default_in_the_roles():
    rem = _defaults("wu_remediate")
    assert rem["wu_remediate_aggressive_reset"] is False
    assert rem["wu_remediate_allow_inplace_upgrade"] is False
    assert rem["wu_remediate_leave_insider"] is False
    assert rem["wu_remediate_pause_defender"] is False
    assert "inplace_upgrade" not in rem["wu_remediate_enabled_rungs"]
    for role, key, safe in (("wu_reset", "wu_reset_level", "standard"),
                            ("wu_inplace_upgrade", "wu_inplace_upgrade_accept_reboots", False),
                            ("wu_preflight", "wu_preflight_leave_insider", False),
                            ("wu_preflight", "wu_preflight_pause_defender", False)):
        values = _defaults(role)
        if key in values:
            assert values[key] == safe, (role, key)


def _doc_default(module, option):
    import importlib
    doc = yaml.safe_load(importlib.import_module(
        "ansible_collections.winrepair.windows_update.plugins.modules." + module).DOCUMENTATION)
    return doc["options"][option].get("default")


@pytest.mark.parametrize("module,option,safe", [
    ("win_wu_reset", "level", "standard"),
    ("win_inplace_upgrade", "accept_reboots", False),
    ("win_wu_preflight", "leave_insider", False),
    ("win_wu_preflight", "defender", "keep"),
])
def test_destructive_defaults_in_the_docs(module, option, safe):
    assert _doc_default(module, option) == safe


# ---------------------------------------------------------- secrets in -vvv logs

def test_vvv_output_holds_no_password(tmp_path):
    """A -vvv run of a play using the modules: the WinRM password and a password in
    a mirror URL appear nowhere in what ansible-playbook prints."""
    scenario = {"fleet": {"time_scale": 600, "base_address": "127.0.93.1"},
                "hosts": [{"name": "sec01", "password": SECRET}]}
    fleet = start_fleet(scenario, str(tmp_path))
    try:
        tasks = [
            {"name": "diagnose", "winrepair.windows_update.win_wu_diagnose": {}, "register": "d"},
            {"name": "journal", "winrepair.windows_update.win_wu_journal": {"kb": "KB5043080"}, "register": "j"},
            {"name": "mirror with a password", "register": "m", "ignore_errors": True,
             "winrepair.windows_update.win_kb_catalog_install": {
                 "kb": "KB5043080", "download_mode": "mirror", "mirror_dir": str(tmp_path),
                 "mirror_url": "https://admin:%s@mirror.corp.example/wu/" % SECRET,
                 "download_hosts": ["mirror.corp.example"]}},
        ]
        results, proc = run_play(fleet, tmp_path, ["sec01"], tasks, collect="[d.failed|default(false), m.msg|default('')]",
                                 extra_env={"ANSIBLE_VERBOSITY": "3"})
    finally:
        fleet.stop()
    out = proc.stdout + proc.stderr
    assert "sec01" in out and "<127.93" in out or "ESTABLISH WINRM" in out, out[-2000:]  # it really was -vvv
    assert results["sec01"][0] is False
    assert results["sec01"][1], "the mirror task did not fail"
    assert SECRET not in out, [line for line in out.splitlines() if SECRET in line][:5]
