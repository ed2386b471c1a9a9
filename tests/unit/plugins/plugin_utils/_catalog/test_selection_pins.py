# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""selection's smaller decisions pinned (found by `make mutation`): defaults of the filters, the
version of a product, the newest-first order, the "no match" message, and the file order."""
from __future__ import annotations

import json

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import NoMatchingUpdateError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import (
    annotate, newest_first_key, order_update_files, pick_newest, reject_reason)

CU = "%s Cumulative Update for Windows 11 Version %s for x64-based Systems (KB%s)"


def _row(guid, title, last_updated="2024-09-10"):
    return {"guid": guid, "title": title, "last_updated": last_updated}


def test_filters_exclude_previews_and_dynamic_updates_unless_asked():
    preview = annotate(_row("p", CU % ("2025-01", "24H2", "5050100") + " Preview"))
    dynamic = annotate(_row("d", "2025-01 Dynamic Cumulative Update for Windows 11 Version 24H2 for x64-based Systems "
                                 "(KB5050200)"))
    assert reject_reason(preview) == "preview"
    assert reject_reason(dynamic, kind=None) == "dynamic"
    assert reject_reason(preview, include_preview=True) is None
    with pytest.raises(NoMatchingUpdateError, match="preview excluded, dynamic excluded"):
        pick_newest([_row("p", CU % ("2025-01", "24H2", "5050100") + " Preview")])


def test_without_a_product_any_product_fits_and_a_version_must_be_equal():
    rows = [_row("a", CU % ("2024-09", "24H2", "5043080")),
            _row("b", CU % ("2024-10", "23H2", "5044285"), "2024-10-08")]
    assert pick_newest(rows)["guid"] == "b"
    assert pick_newest(rows, "Windows 11 Version 23H2")["guid"] == "b"
    assert pick_newest(rows, "Windows 11 Version 24H2")["guid"] == "a"
    with pytest.raises(NoMatchingUpdateError):
        pick_newest([rows[0]], "Windows 11 Version 23H2")  # 24H2 is not 23H2, even if it sorts after it


def test_newest_first_key_falls_back_to_the_last_updated_month_then_the_kb():
    titled = annotate(_row("t", CU % ("2024-09", "24H2", "5043080"), "2024-12-01"))
    untitled = annotate(_row("u", "Cumulative Update for Windows 11 (KB5044284)", "2024-10-08"))
    assert newest_first_key(titled) == ("2024-09", "2024-12-01", 5043080)
    assert newest_first_key(untitled) == ("2024-10", "2024-10-08", 5044284)
    bare = annotate({"guid": "x", "title": "Cumulative Update for Windows 11"})
    assert newest_first_key(bare) == ("", "", 0)


def test_the_no_match_message_counts_each_reason_and_names_the_query():
    rows = [_row("a", CU % ("2024-09", "23H2", "5043076")), _row("b", CU % ("2024-10", "23H2", "5044285"))]
    with pytest.raises(NoMatchingUpdateError) as info:
        pick_newest(rows, "Windows 11 Version 24H2", "x64", include_preview=True, query="KB5043080")
    text = str(info.value)
    assert "none of the 2 catalog results for 'KB5043080'" in text and text.endswith("rows left out: 2 by product")
    assert "preview allowed" in text
    # Each reason is counted on its own; the reasons are listed by name.
    rows.append(_row("c", CU % ("2024-10", "24H2", "5044284") + " Preview"))
    with pytest.raises(NoMatchingUpdateError, match=r"rows left out: 1 by preview, 2 by product$"):
        pick_newest(rows, "Windows 11 Version 24H2", "x64")


def test_a_product_of_another_name_does_not_fit_even_with_the_same_version():
    # October 2024: Windows 10 22H2 got KB5044273 (https://support.microsoft.com/help/5044273), Windows 11
    # 22H2 KB5044285 (https://support.microsoft.com/help/5044285), both 22H2, released the same day.
    rows = [_row("w10", "2024-10 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5044273)",
                 "2024-10-08"),
            _row("w11", "2024-10 Cumulative Update for Windows 11 Version 22H2 for x64-based Systems (KB5044285)",
                 "2024-10-08")]
    assert pick_newest(rows, "Windows 10 Version 22H2", "x64")["guid"] == "w10"
    assert pick_newest(rows, "Windows 11 Version 22H2", "x64")["guid"] == "w11"


def test_a_kind_given_as_an_option_is_compared_by_value():
    # The catalog_search lookup hands over its `kind` option as parsed from the playbook: a string built
    # at run time, not the literal the title parser uses.
    kind = json.loads('"servicing_stack"')
    rows = [_row("ssu", "2024-09 Servicing Stack Update for Windows 10 Version 22H2 for x86-based Systems (KB5043936)"),
            _row("cu", CU % ("2024-09", "24H2", "5043080"))]
    assert pick_newest(rows, architecture="x86", kind=kind)["guid"] == "ssu"


def test_a_newer_kb_beside_the_target_is_not_the_target_and_a_readme_stays_other():
    files = [{"index": 0, "kb": "KB5048667", "file_name": "new.msu"},
             {"index": 1, "kb": "KB5043080", "file_name": "target.msu"},
             {"index": 2, "kb": None, "file_name": "readme.txt"}]
    roles = [(f["file_name"], f["role"]) for f in order_update_files(files, "KB5043080")]
    assert roles == [("new.msu", "checkpoint"), ("readme.txt", "other"), ("target.msu", "target")]
    only_target_and_readme = [files[1], files[2]]
    roles = [(f["file_name"], f["role"]) for f in order_update_files(only_target_and_readme, "KB5043080")]
    assert roles == [("readme.txt", "other"), ("target.msu", "target")]


@pytest.mark.parametrize("first_has_index", [True, False])
def test_a_file_without_an_index_sorts_as_index_0_keeping_the_given_order(first_has_index):
    a, b = {"file_name": "a.msu"}, {"file_name": "b.msu", "index": 0}
    files = [b, a] if first_has_index else [a, b]
    for kb, role in ((None, "target"), ("KB5043080", "target"), ("KB5040000", "checkpoint"), (None, "other")):
        given = [dict(f, kb=kb) for f in files]
        ordered = order_update_files(given + ([] if kb in (None, "KB5043080") and role == "target" else
                                              [{"kb": "KB5043080", "index": 9, "file_name": "t.msu"}]), "KB5043080")
        names = [f["file_name"] for f in ordered if f["role"] == role]
        assert names == [f["file_name"] for f in files], (kb, role)
