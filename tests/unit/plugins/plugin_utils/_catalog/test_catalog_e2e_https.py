# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: CatalogClient (default urllib transport) against the fake catalog over HTTPS on loopback."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.client import CatalogClient
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogFormatError,
    CatalogNoResultsError,
    CatalogUpdateRemovedError,
    DownloadVerificationError,
    TransportError,
    UnsafeUrlError,
)
from winsim.fake_catalog import DIALOG_CAPTURE_GUID, SCENARIO_QUERY

W11 = "Windows 11 Version 24H2"


def client_for(fake, **kw):
    kw.setdefault("retries", 3)
    kw.setdefault("timeout", 10)
    return CatalogClient(catalog_url=fake.url, ca_path=fake.ca_path, mirror_hosts=[fake.download_host],
                         sleep=lambda s: None, **kw)


def test_captures_over_https(fake_catalog):
    client = client_for(fake_catalog)
    assert fake_catalog.url.startswith("https://localhost:")
    assert [r["guid"] for r in client.search("KB4022233")["rows"]] == [
        "d001ca72-ce16-4700-9a6d-b2bb28974002", "a54c634e-3dc5-4f5b-9e0f-40e9a221c6a5"]
    result = client.search("Windows 11 Security Update")
    # Page 1 is the capture, page 2 the synthetic last page reached by post-back.
    assert (result["pages"], len(result["rows"]), result["truncated"]) == (2, 28, False)
    with pytest.raises(CatalogNoResultsError):
        client.search("KB5000001")
    stats = fake_catalog.stats()
    assert stats["requests"]["Search.aspx"] == 4
    assert ("POST", "/Search.aspx?q=Windows+11+Security+Update") in fake_catalog.requests


def test_the_fake_ca_is_needed(fake_catalog):
    client = CatalogClient(catalog_url=fake_catalog.url, retries=3, sleep=lambda s: None)
    with pytest.raises(TransportError, match="certificate") as info:
        client.search("KB4022233")
    assert info.value.transient is False
    assert client.requests == 1


def test_pick_files_and_download_with_checkpoint(fake_catalog, tmp_path):
    client = client_for(fake_catalog)
    update = client.pick_update(SCENARIO_QUERY, product=W11, architecture="AMD64")
    assert update["info"]["kb"] == "KB5048667"  # on page 2: needs paging
    assert update["search"]["pages"] == 2
    files = client.update_files(update["guid"], "x64")["files"]
    assert [(f["kb"], f["role"]) for f in files] == [("KB5043080", "checkpoint"), ("KB5048667", "target")]
    for f in files:
        path = client.download(f, str(tmp_path))
        with open(path, "rb") as handle:
            data = handle.read()
        assert hashlib.sha1(data).hexdigest() == f["sha1"] == f["name_sha1"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    assert sorted(os.listdir(str(tmp_path))) == sorted(f["file_name"] for f in files)
    stats = fake_catalog.stats()
    assert stats["requests"]["download"] == 2
    assert stats["download_bytes"] == sum(os.path.getsize(str(tmp_path / f["file_name"])) for f in files)


def test_download_host_must_be_allow_listed(fake_catalog, tmp_path):
    client = client_for(fake_catalog)
    update = client.pick_update(SCENARIO_QUERY, product=W11, architecture="arm64")
    strict = CatalogClient(catalog_url=fake_catalog.url, ca_path=fake_catalog.ca_path, sleep=lambda s: None)
    with pytest.raises(UnsafeUrlError, match="not a Microsoft download host"):
        strict.update_files(update["guid"])
    files = client.update_files(update["guid"])["files"]
    with pytest.raises(UnsafeUrlError):
        strict.download(files[0], str(tmp_path))
    assert fake_catalog.stats()["requests"].get("download", 0) == 0


def test_truncated_download_is_retried_then_refused(fake_catalog, tmp_path):
    client = client_for(fake_catalog, retries=2)
    f = client.update_files("5c0ffee0-0000-4000-8000-000000000001", "x64")["files"][0]
    fake_catalog.fault("download/", "truncate", times=3)
    with pytest.raises(DownloadVerificationError, match="truncated"):
        client.download(f, str(tmp_path))
    assert os.listdir(str(tmp_path)) == []
    assert fake_catalog.stats()["requests"]["download"] == 3


def test_truncated_once_then_whole(fake_catalog, tmp_path):
    client = client_for(fake_catalog, retries=2)
    f = client.update_files("5c0ffee0-0000-4000-8000-000000000001", "x64")["files"][0]
    fake_catalog.fault("download/", "truncate", times=1)
    path = client.download(f, str(tmp_path))
    with open(path, "rb") as handle:
        assert hashlib.sha1(handle.read()).hexdigest() == f["sha1"]


def test_wrong_hash_is_refused_and_removed(fake_catalog, tmp_path):
    client = client_for(fake_catalog)
    f = client.update_files("5c0ffee0-0000-4000-8000-000000000001", "x64")["files"][0]
    bad = dict(f, url=f["url"].replace("/download/", "/download/badhash/"))
    with pytest.raises(DownloadVerificationError, match="SHA-1"):
        client.download(bad, str(tmp_path))
    assert os.listdir(str(tmp_path)) == []
    assert fake_catalog.stats()["requests"]["download"] == 1


def test_server_side_faults(fake_catalog):
    client = client_for(fake_catalog)
    fake_catalog.fault("Search.aspx", "8DDD0010", times=2)
    assert len(client.search("KB4022233")["rows"]) == 2
    assert fake_catalog.stats()["requests"]["Search.aspx"] == 3
    assert len(client.delays) == 2

    fake_catalog.fault("Search.aspx", "http500", times=1)
    assert len(client.search("KB4022233")["rows"]) == 2

    fake_catalog.fault("DownloadDialog.aspx", "8DDD0024", times=1)
    with pytest.raises(CatalogUpdateRemovedError):
        client.download_dialog(DIALOG_CAPTURE_GUID)

    fake_catalog.fault("Search.aspx", "changed_html", times=1)
    before = fake_catalog.stats()["requests"]["Search.aspx"]
    with pytest.raises(CatalogFormatError, match="layout has changed"):
        client.search("KB4022233")
    assert fake_catalog.stats()["requests"]["Search.aspx"] == before + 1

    fake_catalog.fault("Search.aspx", "loop", times=1, method="POST")
    with pytest.raises(CatalogFormatError, match="looping"):
        client.search(SCENARIO_QUERY)


def test_slow_answer_times_out_and_is_retried(fake_catalog):
    client = client_for(fake_catalog, timeout=0.3)
    fake_catalog.fault("Search.aspx", "slow", times=1)
    assert len(client.search("KB4022233")["rows"]) == 2
    assert len(client.delays) == 1


def test_unknown_guid_is_8DDD0024(fake_catalog):
    with pytest.raises(CatalogUpdateRemovedError, match="removed"):
        client_for(fake_catalog).download_dialog("00000000-0000-4000-8000-000000000000")


def test_old_http_links_are_upgraded(fake_catalog):
    update = client_for(fake_catalog).update_files(DIALOG_CAPTURE_GUID)
    assert len(update["files"]) == 41
    assert all(f["url"].startswith("https://download.windowsupdate.com/d/msdownload/") for f in update["files"])
    assert all(f["role"] == "target" for f in update["files"])


def test_newest_superseding(fake_catalog):
    chosen = client_for(fake_catalog).newest_superseding("KB5043080", W11, "x64")
    assert chosen["guid"] == "5c0ffee0-0000-4000-8000-000000000005"
    assert chosen["supersedes"] == {"kb": "KB5043080", "guid": "5c0ffee0-0000-4000-8000-000000000001"}
    assert fake_catalog.stats()["requests"]["ScopedViewInline.aspx"] == 1


PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "{{ out }}"
        content: >-
          {{ {'rows': query('winrepair.windows_update.catalog_search', 'KB4022233',
                            catalog_url=url, ca_path=ca),
              'picked': lookup('winrepair.windows_update.catalog_search', q, catalog_url=url, ca_path=ca,
                               OPTION=[mirror], product='Windows 11 Version 24H2', architecture='arm64',
                               include_files=true)} | to_json }}
"""


# download_hosts is the allow-list's name everywhere (module win_kb_catalog_install, role
# wu_catalog_install); the lookup's former name mirror_hosts still works, with a deprecation warning.
@pytest.mark.parametrize("option", ["download_hosts", "mirror_hosts"])
def test_lookup_plugin_in_a_playbook(fake_catalog, tmp_path, option):
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK.replace("OPTION", option))
    out = tmp_path / "out.json"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, "build", "collections"),
               ANSIBLE_CONFIG=os.path.join(repo, "tests", "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="1", ANSIBLE_NOCOLOR="1")
    extra = json.dumps({"out": str(out), "url": fake_catalog.url, "ca": fake_catalog.ca_path,
                        "mirror": fake_catalog.download_host, "q": SCENARIO_QUERY,
                        "ansible_python_interpreter": sys.executable})
    bindir = os.path.dirname(sys.executable)
    proc = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", str(playbook),
                           "-e", extra], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert [r["info"]["architecture"] for r in data["rows"]] == ["x64", "x86"]
    picked = data["picked"]
    assert picked["guid"] == "5c0ffee0-0000-4000-8000-000000000006"
    assert [f["role"] for f in picked["files"]] == ["checkpoint", "target"]
    assert all(f["url"].startswith(fake_catalog.url + "download/") for f in picked["files"])
    warned = "mirror_hosts is now download_hosts" in " ".join((proc.stdout + proc.stderr).split())
    assert warned == (option == "mirror_hosts"), proc.stdout + proc.stderr
