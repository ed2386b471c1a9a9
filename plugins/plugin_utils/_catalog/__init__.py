# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Client of the Microsoft Update Catalog (www.catalog.update.microsoft.com).

One job a module:
  errors.py          the exceptions callers catch
  _html.py           a tolerant mini tree builder on html.parser (no bs4 on the controller)
  search_page.py     Search.aspx result page -> rows, paging state, hidden fields, error page
  download_dialog.py DownloadDialog.aspx JavaScript answer -> files with url/sha1/sha256
  details_page.py    ScopedViewInline.aspx details page -> superseded-by / supersedes links
  titles.py          update titles -> kb, date, product, version, architecture, kind
  allowlist.py       which download URLs may be fetched (https, Microsoft hosts, mirror list)
  selection.py       pick the update for a host, order checkpoint files
  transport.py       the default HTTP transport (urllib.request), replaceable by a callable
  client.py          CatalogClient: search with paging, retries, dialog, pick, download

Only the standard library is used: this runs inside ansible-core on the controller.
"""
from __future__ import annotations
