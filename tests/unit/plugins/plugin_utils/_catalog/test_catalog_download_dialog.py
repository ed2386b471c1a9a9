# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""download_dialog on the real multi-file capture and on hand-made variants."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.download_dialog import (
    architecture_of,
    parse_download_dialog,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import CatalogFormatError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import order_update_files

DIALOG = "downloaddialog_office2013_multifile_2019.html"


def test_capture_has_41_files_in_catalog_order(capture):
    raw = capture(DIALOG)
    updates = parse_download_dialog(raw)
    assert len(updates) == 1
    update = updates[0]
    assert update["update_id"] == "601956e3-f2f0-469a-a7fe-cad6c0b4f665"
    assert update["title"] == "Update for Microsoft Office 2013 (KB4011677) 32-Bit Edition"
    assert update["kb"] == "KB4011677"
    assert len(update["files"]) == 41
    urls = [u.decode() for u in re.findall(rb"files\[\d+\]\.url = '([^']+)'", raw)]
    assert [f["url"] for f in update["files"]] == urls
    assert [f["index"] for f in update["files"]] == list(range(41))


def test_every_sha1_is_the_hex_of_the_digest_and_the_name_suffix(capture):
    files = parse_download_dialog(capture(DIALOG))[0]["files"]
    for f in files:
        suffix = re.search(r"_([0-9a-f]{40})\.cab$", f["file_name"]).group(1)
        assert f["sha1"] == suffix, f["file_name"]
        assert f["name_sha1"] == suffix
        assert len(f["sha1"]) == 40
        assert f["sha256"] is None  # the 2019 answer has no .sha256
        assert f["url"].endswith("/" + f["file_name"])


def test_first_file_fields(capture):
    first = parse_download_dialog(capture(DIALOG))[0]["files"][0]
    assert first["file_name"] == "proof-ar-sa_d140d14d65cf35bf269443bedf33a91ce25ced17.cab"
    assert first["sha1"] == base64.b64decode("0UDRTWXPNb8mlEO+3zOpHOJc7Rc=").hex()
    assert first["url"].startswith("http://download.windowsupdate.com/d/msdownload/")
    assert first["languages"] == ["all"]
    assert first["long_languages"] == ["all"]
    # Not in the file name: taken from the title's "32-Bit Edition".
    assert first["architecture"] == "x86"


def _dialog(files, title="2024-12 Cumulative Update for Windows 11 Version 24H2 for arm64-based Systems (KB5048667)",
            guid="5c0ffee0-0000-4000-8000-000000000006"):
    lines = ["var downloadInformation = new Array();", "downloadInformation[0] = new Object();",
             "downloadInformation[0].updateID ='%s';" % guid,
             "downloadInformation[0].enTitle ='%s';" % title,
             "downloadInformation[0].files = new Array();"]
    for i, props in enumerate(files):
        lines.append("downloadInformation[0].files[%d] = new Object();" % i)
        for key, value in props.items():
            lines.append("downloadInformation[0].files[%d].%s = '%s';" % (i, key, value))
    return "\r\n".join(lines)


def test_newer_answer_with_sha256_and_architecture_from_the_name():
    data = b"checkpoint bytes"
    sha1 = hashlib.sha1(data).hexdigest()
    name = "windows11.0-kb5043080-arm64_%s.msu" % sha1
    body = _dialog([{
        "url": "https://catalog.sf.dl.delivery.mp.microsoft.com/filestreamingservice/files/x/public/" + name,
        "digest": base64.b64encode(hashlib.sha1(data).digest()).decode(),
        "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "architectures": "", "languages": "", "fileName": name}])
    f = parse_download_dialog(body)[0]["files"][0]
    assert f["sha256"] == hashlib.sha256(data).hexdigest()
    assert f["sha1"] == sha1 == f["name_sha1"]
    assert f["architecture"] == "arm64"
    assert f["kb"] == "KB5043080"
    assert f["languages"] == []


def test_javascript_escapes_in_titles():
    body = _dialog([{"url": "https://download.windowsupdate.com/a_%s.cab" % ("0" * 40),
                     "digest": base64.b64encode(b"\0" * 20).decode()}],
                   title="Update for Bob\\'s \\u0041pp (KB1234567) x64 Edition")
    update = parse_download_dialog(body)[0]
    assert update["title"] == "Update for Bob's App (KB1234567) x64 Edition"
    assert update["files"][0]["architecture"] == "x64"
    assert update["files"][0]["file_name"] == "a_%s.cab" % ("0" * 40)


@pytest.mark.parametrize("digest,match", [
    ("not base64!", "not base64"),
    (base64.b64encode(b"short").decode(), "5 bytes"),
])
def test_bad_digest_is_refused(digest, match):
    with pytest.raises(CatalogFormatError, match=match):
        parse_download_dialog(_dialog([{"url": "https://download.windowsupdate.com/x.cab", "digest": digest}]))


def test_missing_url_or_digest_is_refused():
    with pytest.raises(CatalogFormatError, match="no url"):
        parse_download_dialog(_dialog([{"digest": base64.b64encode(b"\0" * 20).decode()}]))
    with pytest.raises(CatalogFormatError, match="no digest"):
        parse_download_dialog(_dialog([{"url": "https://download.windowsupdate.com/x.cab"}]))


def test_changed_format_is_refused(capture):
    changed = capture(DIALOG).replace(b"downloadInformation", b"downloadInfo")
    with pytest.raises(CatalogFormatError, match="format has changed"):
        parse_download_dialog(changed)


def test_architecture_of():
    assert architecture_of("windows11.0-kb5043080-x64_953449672073f8fb99badb4cc6d5d7849b9c83e8.msu") == "x64"
    assert architecture_of("windows10.0-kb5003791-arm64_05c00a882a8cb93b8dc1b94ef8133f909f3cd937.cab") == "arm64"
    assert architecture_of("windows10.0-kb5029244-x86_aaaa.msu") == "x86"
    assert architecture_of("proof-ar-sa_d140.cab") is None
    assert architecture_of("proof-ar-sa_d140.cab", "Update for Microsoft Office 2013 (KB4011677) 64-Bit Edition") == "x64"


def _msu(kb, data, with_digest=True):
    sha1 = hashlib.sha1(data).hexdigest()
    name = "windows11.0-%s-x64_%s.msu" % (kb.lower(), sha1)
    props = {"url": "https://catalog.sf.dl.delivery.mp.microsoft.com/filestreamingservice/files/x/public/" + name,
             "digest": base64.b64encode(hashlib.sha1(data).digest()).decode() if with_digest else "",
             "fileName": name}
    return props, sha1


def test_empty_digest_takes_the_sha1_of_the_file_name():
    props, sha1 = _msu("KB5048667", b"target bytes", with_digest=False)
    f = parse_download_dialog(_dialog([props]))[0]["files"][0]
    assert f["sha1"] == sha1 == f["name_sha1"]
    assert f["sha1_from"] == "file_name"
    # Without fileName the name is taken from the URL, SHA-1 and all.
    del props["fileName"]
    assert parse_download_dialog(_dialog([props]))[0]["files"][0]["sha1"] == sha1


def test_empty_digest_and_no_sha1_in_the_name_is_refused():
    with pytest.raises(CatalogFormatError, match="no digest.*carries none"):
        parse_download_dialog(_dialog([{"url": "https://download.windowsupdate.com/x.msu", "digest": ""}]))


def test_two_msu_files_of_one_update_both_come_back_checkpoint_first():
    target, target_sha1 = _msu("KB5048667", b"target", with_digest=False)
    checkpoint, checkpoint_sha1 = _msu("KB5043080", b"checkpoint")
    update = parse_download_dialog(_dialog([target, checkpoint]))[0]
    ordered = order_update_files(list(reversed(update["files"])), update["kb"])
    assert [(f["kb"], f["role"], f["install_order"], f["sha1"]) for f in ordered] == [
        ("KB5043080", "checkpoint", 1, checkpoint_sha1), ("KB5048667", "target", 2, target_sha1)]
