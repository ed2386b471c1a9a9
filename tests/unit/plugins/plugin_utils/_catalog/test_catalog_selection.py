# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Picking the update for a host, checkpoint file order, and the details-page parser."""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.details_page import parse_details_page
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogFormatError,
    NoMatchingUpdateError,
    UnknownArchitectureError,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import (
    order_update_files,
    pick_newest,
    require_architecture,
)

CU = "%s %s for Windows 11 Version 24H2 for %s-based Systems (KB%s)"


def row(guid, title, last_updated):
    return {"guid": guid, "title": title, "last_updated": last_updated}


ROWS = [
    row("a", CU % ("2024-09", "Cumulative Update", "x64", "5043080"), "2024-09-10"),
    row("b", CU % ("2024-12", "Cumulative Update", "x64", "5048667"), "2024-12-10"),
    row("c", CU % ("2024-12", "Cumulative Update", "arm64", "5048667"), "2024-12-10"),
    row("d", CU % ("2025-01", "Cumulative Update Preview", "x64", "5050100"), "2025-01-28"),
    row("e", CU % ("2025-01", "Dynamic Cumulative Update", "x64", "5050200"), "2025-01-14"),
    row("f", "2025-01 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11, version 24H2 for x64 "
             "(KB5050300)", "2025-01-14"),
    row("g", "2025-01 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5050400)", "2025-01-14"),
    # Re-published later: a newer Last Updated must not beat a newer release month.
    row("h", CU % ("2024-10", "Cumulative Update", "x64", "5044284"), "2025-02-01"),
]


def test_newest_cumulative_for_the_host():
    picked = pick_newest(ROWS, "Windows 11 Version 24H2", "x64")
    assert picked["guid"] == "b"
    assert picked["info"]["kb"] == "KB5048667"


def test_architecture_selects_the_row():
    assert pick_newest(ROWS, "Windows 11, version 24H2", "ARM64")["guid"] == "c"


def test_preview_and_dynamic_only_when_asked():
    assert pick_newest(ROWS, "Windows 11 Version 24H2", "x64", include_preview=True)["guid"] == "d"
    assert pick_newest(ROWS, "Windows 11 Version 24H2", "x64", kind="dynamic", include_dynamic=True)["guid"] == "e"
    assert pick_newest(ROWS, "Windows 11 Version 24H2", "x64", kind="dotnet")["guid"] == "f"


def test_no_match_says_why():
    with pytest.raises(NoMatchingUpdateError) as info:
        pick_newest(ROWS, "Windows 11 Version 24H2", "x86")
    message = str(info.value)
    assert "architecture='x86'" in message and "by architecture" in message and "by product" in message


@pytest.mark.parametrize("arch", ["ia64", "", None, "mips"])
def test_unknown_architecture_is_a_clear_error(arch):
    with pytest.raises(UnknownArchitectureError, match="x64, arm64, x86"):
        require_architecture(arch)
    if arch is not None:
        with pytest.raises(UnknownArchitectureError):
            pick_newest(ROWS, "Windows 11 Version 24H2", arch)


def _f(index, kb, name=None):
    return {"index": index, "kb": kb, "file_name": name or "windows11.0-%s-x64_%040d.msu" % ((kb or "x").lower(), index)}


def test_checkpoints_come_first_oldest_first():
    files = [_f(0, "KB5048667"), _f(1, "KB5043080"), _f(2, "KB5046617")]
    ordered = order_update_files(files, "KB5048667")
    assert [(f["kb"], f["role"], f["install_order"]) for f in ordered] == [
        ("KB5043080", "checkpoint", 1), ("KB5046617", "checkpoint", 2), ("KB5048667", "target", 3)]


def test_catalog_order_kept_when_already_right_and_for_files_without_kb():
    files = [_f(0, "KB5043080"), _f(1, None, "readme.txt"), _f(2, "KB5048667")]
    ordered = order_update_files(files, "KB5048667")
    assert [f["role"] for f in ordered] == ["checkpoint", "other", "target"]


def test_target_missing_from_its_own_dialog_is_an_error():
    with pytest.raises(NoMatchingUpdateError, match="no file of KB5048667"):
        order_update_files([_f(0, "KB5043080")], "KB5048667")


def test_files_naming_no_kb_are_all_the_targets_in_catalog_order():
    files = [_f(0, None, "proof-ar-sa_1.cab"), _f(1, None, "proof-sl-si_2.cab")]
    ordered = order_update_files(files, "KB4011677")
    assert [(f["file_name"], f["role"]) for f in ordered] == [
        ("proof-ar-sa_1.cab", "target"), ("proof-sl-si_2.cab", "target")]


def test_update_without_kb_keeps_catalog_order():
    files = [_f(0, None, "proof-ar-sa_1.cab"), _f(1, None, "proof-sl-si_2.cab")]
    assert [f["file_name"] for f in order_update_files(files, None)] == ["proof-ar-sa_1.cab", "proof-sl-si_2.cab"]


# No capture of ScopedViewInline.aspx exists in tests/fixtures/catalog/: this page is
# HAND-WRITTEN in the shape public catalog clients read (div#supersededbyInfo holding
# <div><a href='ScopedViewInline.aspx?updateid=<guid>'>title</a></div>, or "n/a").
DETAILS = """<html><body>
<div id="kbDiv" class="textDoubleSpacer"><span class="labelTitle">KB article numbers:</span> 5043080</div>
<div id="supersededbyInfo">
    <div style="padding-bottom: 0.3em;">
        <a href='ScopedViewInline.aspx?updateid=5C0FFEE0-0000-4000-8000-000000000003'>2024-10 Cumulative Update for
        Windows 11 Version 24H2 for x64-based Systems (KB5044284)</a>
    </div>
    <div style="padding-bottom: 0.3em;">
        <a href='ScopedViewInline.aspx?updateid=5c0ffee0-0000-4000-8000-000000000005'
          >2024-12 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5048667)</a>
    </div>
</div>
<div id="supersedesInfo">
    n/a
</div>
</body></html>"""


def test_details_page_superseded_by():
    page = parse_details_page(DETAILS)
    assert page["error_code"] is None
    assert page["superseded_by"] == [
        {"guid": "5c0ffee0-0000-4000-8000-000000000003",
         "title": "2024-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5044284)"},
        {"guid": "5c0ffee0-0000-4000-8000-000000000005",
         "title": "2024-12 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5048667)"},
    ]
    assert page["supersedes"] == []
    newest = pick_newest(page["superseded_by"], "Windows 11 Version 24H2", "x64")
    assert newest["guid"].endswith("05")


def test_details_page_not_superseded():
    page = parse_details_page('<div id="supersededbyInfo">\n n/a\n</div>')
    assert page["superseded_by"] == []


def test_details_page_changed_layout_is_refused():
    with pytest.raises(CatalogFormatError, match="supersededbyInfo"):
        parse_details_page("<html><body><div id='somethingNew'></div></body></html>")
    with pytest.raises(CatalogFormatError, match="not ScopedViewInline"):
        parse_details_page("<div id='supersededbyInfo'><a href='https://evil.example/'>x</a></div>")
    with pytest.raises(CatalogFormatError, match="neither"):
        parse_details_page("<div id='supersededbyInfo'>see the new site</div>")


def test_details_error_page():
    page = parse_details_page('<div id="errorPageDisplayedError">[Error number: 8DDD0024]</div>')
    assert page["error_code"] == "8DDD0024"


def test_unsorted_input_comes_out_in_the_catalog_order_of_each_role():
    files = [_f(3, "KB5048667"), _f(2, None, "b.cab"), _f(1, "KB5043080"), _f(0, None, "a.cab")]
    ordered = order_update_files(files, "KB5048667")
    assert [(f["file_name"], f["role"], f["install_order"]) for f in ordered] == [
        (files[2]["file_name"], "checkpoint", 1), ("a.cab", "other", 2), ("b.cab", "other", 3),
        (files[0]["file_name"], "target", 4)]
    # All files naming no KB are the update's own: catalog order, not the order they came in.
    own = order_update_files([_f(1, None, "proof-sl-si_2.cab"), _f(0, None, "proof-ar-sa_1.cab")], "KB4011677")
    assert [f["file_name"] for f in own] == ["proof-ar-sa_1.cab", "proof-sl-si_2.cab"]
