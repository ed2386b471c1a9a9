# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""search_page on the real captures: rows, sizes, paging, cap, no-results, error page, BOM, changed layout."""
from __future__ import annotations

import re

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import CatalogFormatError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.search_page import (
    error_code,
    parse_search_page,
    split_products,
)

W11 = "search_windows11_security_update_page1of40_2025.html"
KB4022233 = "search_KB4022233_single_last_page_2019.html"
NONE = "search_KB5000001_no_results_2025.html"


def _row_ids(raw):
    """Row guids read with a plain regex, independently of the parser."""
    return re.findall(rb'<tr id="([0-9a-f-]{36})_R\d+"', raw)


def test_windows11_page1_rows_match_the_markup(capture):
    raw = capture(W11)
    page = parse_search_page(raw)
    assert page["kind"] == "results"
    assert len(page["rows"]) == 25
    assert [r["guid"].encode() for r in page["rows"]] == _row_ids(raw)
    titles = [r["title"] for r in page["rows"]]
    assert titles[:22] == ["Kaspersky Security Data Escort Provider - net - 32.1.110.0"] * 22
    assert titles[22] == "Grizzly Security Ltd - AntiVirus - 1.0.186.481"
    assert titles[23] == "Grizzly Security Ltd - AntiVirus - 1.0.187.481"


def test_exact_sizes_are_the_hidden_byte_counts(capture):
    raw = capture(W11)
    expected = [int(x) for x in re.findall(rb'_originalSize">(\d+)<', raw)]
    page = parse_search_page(raw)
    assert [r["size_bytes"] for r in page["rows"]] == expected
    assert page["rows"][0]["size_bytes"] == 1217704
    assert page["rows"][0]["size"] == "1.2 MB"


def test_products_with_commas_are_kept_whole_and_split_on_the_separator(capture):
    row = parse_search_page(capture(W11))["rows"][0]
    assert row["products"] == ("Windows 11 Client, version 24H2 and later, Servicing Drivers, Windows 11 Client S, "
                               "version 24H2 and later, Upgrade & Servicing Drivers")
    assert row["product_list"] == ["Windows 11 Client, version 24H2 and later, Servicing Drivers",
                                   "Windows 11 Client S, version 24H2 and later, Upgrade & Servicing Drivers"]
    single = parse_search_page(capture(W11))["rows"][11]
    assert single["product_list"] == ["Windows 11 Client, version 22H2 and later, Servicing Drivers"]


def test_split_products_plain_list():
    assert split_products("Office 2013") == ["Office 2013"]
    assert split_products("Windows 10, Windows 11") == ["Windows 10", "Windows 11"]
    assert split_products("") == []


def test_other_cells(capture):
    row = parse_search_page(capture(W11))["rows"][0]
    assert row["classification"] == "Drivers (Networking)"
    assert row["last_updated"] == "2025-04-10"
    assert row["version"] is None  # the cell says n/a


def test_page1_of_40_has_a_next_postback_and_the_1000_cap(capture):
    page = parse_search_page(capture(W11))
    assert page["paging"] == {"first": 1, "last": 25, "total": 1000, "page": 1, "pages": 40,
                              "has_next": True, "capped": True}
    fields = page["postback"]["fields"]
    assert fields["__EVENTTARGET"] == "ctl00$catalogBody$nextPageLinkText"
    assert fields["__EVENTARGUMENT"] == ""
    assert fields["__VIEWSTATE"].startswith("5Ob12pDU5jPZOt52")
    assert fields["__EVENTVALIDATION"].startswith("bt3GmCmQ1WKXwbR5")
    assert fields["__VIEWSTATEGENERATOR"] == "BBBC20B8"
    assert fields["ctl00$searchTextBox"] == "Windows 11 Security Update"
    # Buttons and image inputs are not posted back.
    assert "ctl00$catalogBody$nextPageLinkButton" not in fields
    assert page["postback"]["action"] == "./Search.aspx?q=Windows+11+Security+Update"


def test_2019_single_last_page(capture):
    page = parse_search_page(capture(KB4022233))
    assert [(r["guid"], r["title"], r["size_bytes"]) for r in page["rows"]] == [
        ("d001ca72-ce16-4700-9a6d-b2bb28974002", "Update for Microsoft Office 2013 (KB4022233) 64-Bit Edition", 11457318),
        ("a54c634e-3dc5-4f5b-9e0f-40e9a221c6a5", "Update for Microsoft Office 2013 (KB4022233) 32-Bit Edition", 9325490),
    ]
    assert page["paging"]["has_next"] is False
    assert page["paging"]["capped"] is False
    assert (page["paging"]["total"], page["paging"]["pages"]) == (2, 1)
    assert page["postback"] is None
    assert page["rows"][0]["last_updated"] == "2018-09-11"
    assert page["rows"][0]["classification"] == "Critical Updates"


def test_no_results_page(capture):
    page = parse_search_page(capture(NONE))
    assert page["kind"] == "no_results"
    assert page["rows"] == []
    assert page["query"] == "KB5000001"


@pytest.mark.parametrize("name", [W11, NONE])
def test_bom_is_dropped_for_bytes_and_text(capture, name):
    raw = capture(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    as_bytes = parse_search_page(raw)
    as_text = parse_search_page(raw.decode("utf-8"))
    assert as_bytes == as_text


def test_error_page_code():
    body = b'<html><body><div id="errorPageDisplayedError">[Error number: 8DDD0010]</div></body></html>'
    page = parse_search_page(body)
    assert page["kind"] == "error" and page["error_code"] == "8DDD0010"
    assert error_code(body.replace(b"8DDD0010", b"8ddd0024")) == "8DDD0024"
    assert error_code(b"<html><body>fine</body></html>") is None


def test_changed_layout_is_refused_not_guessed(capture):
    raw = capture(W11).replace(b"ctl00_catalogBody_updateMatches", b"ctl00_catalogBody_resultsGrid")
    with pytest.raises(CatalogFormatError, match="layout has changed"):
        parse_search_page(raw)


def test_counter_disagreeing_with_rows_is_refused(capture):
    raw = capture(W11).replace(b"1 - 25 of 1000 (page 1 of 40)", b"1 - 24 of 1000 (page 1 of 40)")
    with pytest.raises(CatalogFormatError, match="24"):
        parse_search_page(raw)


def test_missing_exact_size_is_refused(capture):
    raw = capture(KB4022233).replace(b"_originalSize", b"_otherSize")
    with pytest.raises(CatalogFormatError, match="exact size"):
        parse_search_page(raw)


def test_neither_next_link_nor_last_page_marker_is_refused(capture):
    raw = capture(KB4022233).replace(b'id="ctl00_catalogBody_nextPage"', b'id="somethingElse"')
    with pytest.raises(CatalogFormatError, match="next-page"):
        parse_search_page(raw)


def test_not_a_catalog_page_at_all():
    with pytest.raises(CatalogFormatError):
        parse_search_page(b"<html><body><h1>Proxy login</h1></body></html>")
