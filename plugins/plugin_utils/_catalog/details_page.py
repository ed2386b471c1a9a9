# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Parse the update details page (ScopedViewInline.aspx?updateid=<guid>) for supersedence.

No capture of this page is in tests/fixtures/catalog/. The shape
below is what public catalog clients read (div#supersededbyInfo and
div#supersedesInfo, each holding one <div><a href='ScopedViewInline.aspx?updateid=<guid>'>title</a></div>
per update, or the text "n/a" when there is none); the unit tests use a small
hand-written page of that shape. Anything else is refused, not guessed.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog import _html
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import CatalogFormatError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.search_page import GUID, error_code

SUPERSEDED_BY_ID = "supersededbyInfo"
SUPERSEDES_ID = "supersedesInfo"
_UPDATE_LINK = re.compile(r"ScopedViewInline\.aspx\?updateid=(%s)\s*$" % GUID, re.I)


def _links(container, ident):
    found = []
    for a in container.iter("a"):
        match = _UPDATE_LINK.search(a.get("href", ""))
        if not match:
            raise CatalogFormatError("#%s holds a link %r that is not ScopedViewInline.aspx?updateid=<guid>"
                                     % (ident, a.get("href")))
        found.append({"guid": match.group(1).lower(), "title": a.text()})
    if not found and container.text().lower() not in ("n/a", ""):
        raise CatalogFormatError("#%s holds neither update links nor 'n/a': %r" % (ident, container.text()[:200]))
    return found


def parse_details_page(body):
    """-> {'error_code': None|code, 'superseded_by': [{guid, title}], 'supersedes': [{guid, title}]}"""
    doc = _html.parse(body)
    code = error_code(doc)
    if code is not None:
        return {"error_code": code, "superseded_by": [], "supersedes": []}
    by = doc.by_id(SUPERSEDED_BY_ID)
    if by is None:
        raise CatalogFormatError("the details page has no #%s: its layout has changed" % SUPERSEDED_BY_ID)
    supersedes = doc.by_id(SUPERSEDES_ID)
    return {
        "error_code": None,
        "superseded_by": _links(by, SUPERSEDED_BY_ID),
        "supersedes": _links(supersedes, SUPERSEDES_ID) if supersedes is not None else [],
    }
