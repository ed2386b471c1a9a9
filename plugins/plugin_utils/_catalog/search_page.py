# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Parse one Search.aspx answer: result rows, paging state, post-back fields, error page.

Markup (2019 and 2025 captures in tests/fixtures/catalog/):
  table#ctl00_catalogBody_updateMatches, rows tr#<guid>_R<n>, cells td#<guid>_C<k>_R<n>:
  C1 title (a onclick goToDetails("<guid>")), C2 products, C3 classification,
  C4 last updated (M/D/YYYY), C5 version, C6 size (span#<guid>_size shown,
  span#<guid>_originalSize exact bytes), C7 input#<guid> Download button.
  span#ctl00_catalogBody_searchDuration "1 - 25 of 1000 (page 1 of 40)".
  a#ctl00_catalogBody_nextPageLinkText is there only when a next page exists
  (the last page shows span#ctl00_catalogBody_nextPage with a disabled image).
  span#ctl00_catalogBody_noResultText: no results.
  div#errorPageDisplayedError "[Error number: 8DDD0010]": the site's error page.
A page with none of these is refused (CatalogFormatError): the layout changed
and guessing would return wrong rows.
"""
from __future__ import annotations

import datetime
import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog import _html
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import CatalogFormatError

RESULTS_TABLE_ID = "ctl00_catalogBody_updateMatches"
NO_RESULTS_ID = "ctl00_catalogBody_noResultText"
ERROR_ID = "errorPageDisplayedError"
COUNTS_ID = "ctl00_catalogBody_searchDuration"
NEXT_LINK_ID = "ctl00_catalogBody_nextPageLinkText"
LAST_PAGE_ID = "ctl00_catalogBody_nextPage"
CAP_NOTICE_ID = "ctl00_catalogBody_moreResults"
FORM_ID = "aspnetForm"
# __doPostBack('ctl00$catalogBody$nextPageLinkText','') in the link's href.
NEXT_EVENT_TARGET = "ctl00$catalogBody$nextPageLinkText"

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ROW_ID = re.compile(r"^(%s)_R(\d+)$" % GUID)
_GOTO = re.compile(r"goToDetails\(\s*[\"'](%s)[\"']" % GUID)
_POSTBACK = re.compile(r"__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")
_COUNTS = re.compile(r"^(\d+)\s*-\s*(\d+)\s+of\s+(\d+)\s*\(page\s+(\d+)\s+of\s+(\d+)\)$", re.I)
_ERROR_CODE = re.compile(r"\b([0-9A-Fa-f]{8})\b")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PRODUCT_SPLIT = re.compile(r",[ \t](?=\S)")

PAGE_SIZE = 25
RESULT_CAP = 1000


def split_products(raw):
    """Split the Products cell into product names.

    Product names themselves contain commas ("Windows 11 Client, version 24H2
    and later, Servicing Drivers"). In the served markup a comma inside a name
    is followed by two spaces and the separator between names by one, so split
    on ", " followed by a non-space. This is read off the 2025 capture, not a
    documented rule: `products` (the whole cell) stays the authoritative field.
    """
    raw = (raw or "").strip()
    if not raw:
        return []
    return [" ".join(part.split()) for part in _PRODUCT_SPLIT.split(raw)]


def _parse_date(text, guid):
    match = _DATE.match(text)
    if not match:
        raise CatalogFormatError("row %s: 'Last Updated' cell %r is not M/D/YYYY" % (guid, text))
    month, day, year = (int(x) for x in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CatalogFormatError("row %s: 'Last Updated' cell %r is not a date" % (guid, text))


def _cell(doc, guid, column, index):
    cell = doc.by_id("%s_C%d_R%s" % (guid, column, index))
    if cell is None:
        raise CatalogFormatError("row %s: cell C%d is missing; the results table layout has changed" % (guid, column))
    return cell


def _parse_row(doc, tr, guid, index):
    title_cell = _cell(doc, guid, 1, index)
    link = None
    for a in title_cell.iter("a"):
        link = a
        break
    if link is None:
        raise CatalogFormatError("row %s: the title cell has no link" % guid)
    goto = _GOTO.search(link.get("onclick", ""))
    if not goto or goto.group(1).lower() != guid.lower():
        raise CatalogFormatError("row %s: the title link does not open goToDetails(%s)" % (guid, guid))
    title = link.text()
    if not title:
        raise CatalogFormatError("row %s: empty title" % guid)

    products_raw = _cell(doc, guid, 2, index).raw_text()
    classification = _cell(doc, guid, 3, index).text()
    last_updated = _parse_date(_cell(doc, guid, 4, index).text(), guid)
    version = _cell(doc, guid, 5, index).text()
    _cell(doc, guid, 6, index)
    size_node = doc.by_id("%s_size" % guid)
    exact_node = doc.by_id("%s_originalSize" % guid)
    if exact_node is None or not exact_node.text().isdigit():
        raise CatalogFormatError("row %s: no exact size (span#%s_originalSize)" % (guid, guid))
    button = doc.by_id(guid)
    if button is None or button.tag != "input":
        raise CatalogFormatError("row %s: no Download button input#%s" % (guid, guid))
    return {
        "guid": guid.lower(),
        "title": title,
        "products": " ".join(products_raw.split()),
        "product_list": split_products(products_raw),
        "classification": classification,
        "last_updated": last_updated.isoformat(),
        "version": None if version.lower() == "n/a" else version,
        "size": size_node.text() if size_node is not None else None,
        "size_bytes": int(exact_node.text()),
    }


def _hidden_fields(doc):
    """Named fields of form#aspnetForm a browser would post back (hidden + text inputs)."""
    form = doc.by_id(FORM_ID)
    if form is None:
        return None, {}
    fields = {}
    for node in form.iter("input"):
        name = node.get("name")
        if not name or node.get("type", "text").lower() not in ("hidden", "text"):
            continue
        fields[name] = node.get("value", "")
    return form.get("action"), fields


def _counts(doc):
    node = doc.by_id(COUNTS_ID)
    if node is None:
        return None
    match = _COUNTS.match(node.text())
    if not match:
        raise CatalogFormatError("result counter %r is not 'first - last of total (page n of m)'" % node.text())
    first, last, total, page, pages = (int(x) for x in match.groups())
    return {"first": first, "last": last, "total": total, "page": page, "pages": pages}


def error_code(doc_or_body):
    """The catalog error code of an error page ('8DDD0010'), or None when it is no error page."""
    doc = doc_or_body if isinstance(doc_or_body, _html.Document) else _html.parse(doc_or_body)
    node = doc.by_id(ERROR_ID)
    if node is None:
        return None
    match = _ERROR_CODE.search(node.text())
    return match.group(1).upper() if match else "unknown"


def parse_search_page(body):
    """Parse a Search.aspx answer into a dict.

    kind: 'results', 'no_results' or 'error' (then error_code is set).
    rows: list of row dicts (guid, title, products, product_list,
    classification, last_updated ISO date, version, size, size_bytes).
    paging: first, last, total, page, pages, has_next, capped (the site
    returns at most 1000 results). postback: the form action and fields to
    send for the next page (with __EVENTTARGET set), or None on the last page.
    """
    doc = _html.parse(body)
    code = error_code(doc)
    if code is not None:
        return {"kind": "error", "error_code": code, "rows": [], "paging": None, "postback": None}

    action, fields = _hidden_fields(doc)
    query = fields.get("ctl00$searchTextBox")
    if doc.by_id(NO_RESULTS_ID) is not None:
        return {"kind": "no_results", "error_code": None, "rows": [], "paging": None, "postback": None,
                "query": query}

    table = doc.by_id(RESULTS_TABLE_ID)
    if table is None:
        raise CatalogFormatError(
            "the catalog answer has no results table (#%s), no 'no results' marker (#%s) and no error "
            "page (#%s): the page layout has changed or this is not a catalog page" % (
                RESULTS_TABLE_ID, NO_RESULTS_ID, ERROR_ID))

    rows = []
    seen = set()
    for tr in table.iter("tr"):
        match = _ROW_ID.match(tr.get("id", ""))
        if not match:
            continue
        guid, index = match.group(1), match.group(2)
        if guid.lower() in seen:
            raise CatalogFormatError("update %s is listed twice on one page" % guid)
        seen.add(guid.lower())
        rows.append(_parse_row(doc, tr, guid, index))

    counts = _counts(doc)
    if counts is None:
        raise CatalogFormatError("the results page has no result counter (#%s)" % COUNTS_ID)
    if counts["last"] - counts["first"] + 1 != len(rows):
        raise CatalogFormatError("the counter says rows %d-%d but the table has %d rows" % (
            counts["first"], counts["last"], len(rows)))

    next_link = doc.by_id(NEXT_LINK_ID)
    has_next = next_link is not None
    if not has_next and doc.by_id(LAST_PAGE_ID) is None:
        raise CatalogFormatError("the results page has neither a next-page link (#%s) nor the last-page "
                                 "marker (#%s)" % (NEXT_LINK_ID, LAST_PAGE_ID))
    postback = None
    if has_next:
        target = NEXT_EVENT_TARGET
        argument = ""
        pb = _POSTBACK.search(next_link.get("href", ""))
        if pb:
            target, argument = pb.group(1), pb.group(2)
        if "__VIEWSTATE" not in fields:
            raise CatalogFormatError("a next page is offered but the form has no __VIEWSTATE to post back")
        data = dict(fields)
        data["__EVENTTARGET"] = target
        data["__EVENTARGUMENT"] = argument
        postback = {"action": action, "fields": data}

    paging = dict(counts)
    paging["has_next"] = has_next
    paging["capped"] = doc.by_id(CAP_NOTICE_ID) is not None or counts["total"] >= RESULT_CAP
    return {"kind": "results", "error_code": None, "rows": rows, "paging": paging, "postback": postback,
            "query": query}
