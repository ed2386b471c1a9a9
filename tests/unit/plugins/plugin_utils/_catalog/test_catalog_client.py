# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CatalogClient with an in-memory transport: retries/backoff, error codes, paging, requests sent."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.client import CatalogClient
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogErrorPage,
    CatalogFormatError,
    CatalogHTTPError,
    CatalogNoResultsError,
    CatalogUnavailableError,
    CatalogUpdateRemovedError,
    TransportError,
    TransportTimeout,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.transport import Response
from winsim.fake_catalog import SCENARIO_QUERY, FakeCatalog

BASE = "https://catalog.test/"
KB4022233 = "search_KB4022233_single_last_page_2019.html"


def error_page(code):
    return Response.from_bytes(200, '<html><body><div id="errorPageDisplayedError">[Error number: %s]</div>'
                                    '</body></html>' % code)


def make(transport, **kw):
    sleeps = []
    kw.setdefault("retries", 4)
    client = CatalogClient(catalog_url=BASE, transport=transport, sleep=sleeps.append, rng=lambda: 0.5, **kw)
    return client, sleeps


def test_8DDD0010_twice_then_ok(scripted, capture):
    transport = scripted([error_page("8DDD0010"), error_page("8DDD0010"), Response.from_bytes(200, capture(KB4022233))])
    client, sleeps = make(transport)
    result = client.search("KB4022233")
    assert len(result["rows"]) == 2
    assert len(transport.requests) == 3
    # backoff 1s doubling, jitter factor 0.5 + 0.5 * 0.5
    assert sleeps == [0.75, 1.5]
    assert all(r.method == "GET" and r.url == BASE + "Search.aspx?q=KB4022233" for r in transport.requests)


def test_8DDD0024_fails_at_once_with_a_clear_message(scripted):
    transport = scripted([error_page("8DDD0024")])
    client, sleeps = make(transport)
    with pytest.raises(CatalogUpdateRemovedError, match="does not exist or was removed") as info:
        client.download_dialog("601956e3-f2f0-469a-a7fe-cad6c0b4f665")
    assert info.value.code == "8DDD0024"
    assert len(transport.requests) == 1 and sleeps == []


def test_unknown_error_code_is_not_retried(scripted):
    transport = scripted([error_page("8DDD0001")])
    client, sleeps = make(transport)
    with pytest.raises(CatalogErrorPage, match="8DDD0001"):
        client.search("x")
    assert sleeps == []


def test_5xx_and_timeouts_are_retried_then_give_up(scripted):
    transport = scripted([Response.from_bytes(500, "oops"), TransportTimeout("slow"), Response.from_bytes(503, ""),
                          TransportError("reset")])
    client, sleeps = make(transport, retries=3)
    with pytest.raises(CatalogUnavailableError, match="failed 4 times"):
        client.search("KB4022233")
    assert len(transport.requests) == 4
    assert len(sleeps) == 3


def test_tls_failure_is_not_retried(scripted):
    transport = scripted([TransportError("certificate does not verify", transient=False)])
    client, sleeps = make(transport)
    with pytest.raises(TransportError, match="certificate"):
        client.search("x")
    assert sleeps == []


def test_4xx_is_not_retried(scripted):
    transport = scripted([Response.from_bytes(404, "")])
    client, sleeps = make(transport)
    with pytest.raises(CatalogHTTPError) as info:
        client.search("x")
    assert info.value.status == 404 and sleeps == []


def test_redirect_outside_the_catalog_is_not_followed(scripted):
    transport = scripted([Response.from_bytes(302, "", [("Location", "https://evil.example/Search.aspx")])])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogHTTPError, match="not followed"):
        client.search("x")


def test_redirect_inside_the_catalog_is_followed(scripted, capture):
    transport = scripted([Response.from_bytes(302, "", [("Location", "/Search.aspx?q=KB4022233&x=1")]),
                          Response.from_bytes(200, capture(KB4022233))])
    client, _sleeps = make(transport)
    assert len(client.search("KB4022233")["rows"]) == 2
    assert transport.requests[1].url == BASE + "Search.aspx?q=KB4022233&x=1"


def test_backoff_is_exponential_capped_and_jittered():
    client = CatalogClient(catalog_url=BASE, transport=lambda r, t: None, backoff=2, backoff_cap=10, rng=lambda: 0.0)
    assert [client.backoff_delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    client._rng = lambda: 0.999999
    assert 9.99 < client.backoff_delay(10) <= 10.0


def test_no_results_is_an_exception(scripted, capture):
    transport = scripted([Response.from_bytes(200, capture("search_KB5000001_no_results_2025.html"))])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogNoResultsError, match="KB5000001"):
        client.search("KB5000001")


def test_browser_user_agent_and_cookies(scripted, capture):
    page = Response.from_bytes(200, capture(KB4022233), [("Set-Cookie", "ASP.NET_SessionId=abc; path=/; HttpOnly")])
    transport = scripted([page, Response.from_bytes(200, capture(KB4022233))])
    client, _sleeps = make(transport)
    client.search("KB4022233")
    client.search("KB4022233")
    first, second = transport.requests
    assert first.headers["User-Agent"].startswith("Mozilla/5.0 (Windows NT 10.0")
    assert "Cookie" not in first.headers
    assert second.headers["Cookie"] == "ASP.NET_SessionId=abc"


def test_download_dialog_posts_one_guid(scripted, capture):
    transport = scripted([Response.from_bytes(200, capture("downloaddialog_office2013_multifile_2019.html"))])
    client, _sleeps = make(transport)
    update = client.download_dialog("601956E3-F2F0-469A-A7FE-CAD6C0B4F665")
    assert len(update["files"]) == 41
    request = transport.requests[0]
    assert (request.method, request.url) == ("POST", BASE + "DownloadDialog.aspx")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    ids = json.loads(parse_qs(request.body.decode())["updateIDs"][0])
    assert ids == [{"size": 0, "languages": "", "uidInfo": "601956e3-f2f0-469a-a7fe-cad6c0b4f665",
                    "updateID": "601956e3-f2f0-469a-a7fe-cad6c0b4f665"}]


def test_dialog_for_another_update_is_refused(scripted, capture):
    transport = scripted([Response.from_bytes(200, capture("downloaddialog_office2013_multifile_2019.html"))])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogFormatError, match="instead"):
        client.download_dialog("5c0ffee0-0000-4000-8000-000000000001")


def test_not_a_guid_is_refused_before_any_request(scripted):
    client, _sleeps = make(scripted([]))
    with pytest.raises(ValueError):
        client.download_dialog("601956e3'; drop")


# ---------------------------------------------------------------- paging
@pytest.fixture(scope="module")
def pages():
    """The fake catalog's synthetic two-page scenario, served from memory."""
    fake = FakeCatalog()
    fake._build_files()
    return {n: fake.search_page(SCENARIO_QUERY, n) for n in (1, 2)}


def test_paging_posts_back_and_stops_without_next_link(scripted, pages):
    transport = scripted([Response.from_bytes(200, pages[1]), Response.from_bytes(200, pages[2])])
    client, _sleeps = make(transport)
    result = client.search(SCENARIO_QUERY)
    assert result["pages"] == 2 and result["truncated"] is False
    assert len(result["rows"]) == result["total"] == 40
    assert len({r["guid"] for r in result["rows"]}) == 40
    post = transport.requests[1]
    assert post.method == "POST"
    assert post.url == BASE + "Search.aspx?q=Cumulative+Update+for+Windows+11+Version+24H2"
    form = parse_qs(post.body.decode(), keep_blank_values=True)
    assert form["__EVENTTARGET"] == ["ctl00$catalogBody$nextPageLinkText"]
    assert form["__VIEWSTATE"] == ["SYNTHETIC-1"]
    assert form["ctl00$searchTextBox"] == [SCENARIO_QUERY]


def test_paging_loop_is_refused(scripted, pages):
    transport = scripted([Response.from_bytes(200, pages[1]), Response.from_bytes(200, pages[1])])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogFormatError, match="instead of looping"):
        client.search(SCENARIO_QUERY)
    assert len(transport.requests) == 2


def test_max_pages_stops_and_says_truncated(scripted, pages):
    transport = scripted([Response.from_bytes(200, pages[1])])
    client, _sleeps = make(transport, max_pages=1)
    result = client.search(SCENARIO_QUERY)
    assert (result["pages"], result["truncated"], len(result["rows"])) == (1, True, 25)


def test_a_postback_answering_no_results_is_refused(scripted, pages, capture):
    transport = scripted([Response.from_bytes(200, pages[1]),
                          Response.from_bytes(200, capture("search_KB5000001_no_results_2025.html"))])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogFormatError, match="not a results page"):
        client.search(SCENARIO_QUERY)


def test_postback_action_outside_the_catalog_is_refused(scripted, pages):
    evil = pages[1].replace(b'action="./Search.aspx', b'action="https://evil.example/Search.aspx')
    transport = scripted([Response.from_bytes(200, evil)])
    client, _sleeps = make(transport)
    with pytest.raises(CatalogFormatError, match="outside"):
        client.search(SCENARIO_QUERY)
