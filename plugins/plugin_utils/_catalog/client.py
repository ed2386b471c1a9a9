# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""CatalogClient: talk to the Microsoft Update Catalog.

- search(query): GET Search.aspx?q=..., then the next pages by ASP.NET
  post-back (POST the page's form fields with __EVENTTARGET set to the next
  link), until a page has no next link, max_pages is reached, or paging goes
  wrong (a page repeats: refused rather than looping).
- Retries with exponential backoff and jitter on what the site does when
  it is busy: its error page with code 8DDD0010, HTTP 5xx, timeouts and
  dropped connections. 8DDD0024 (update removed) fails at once.
- download_dialog(guid): POST DownloadDialog.aspx, one update id a request.
- pick_update / newest_superseding / update_files: choose what a host needs,
  with its checkpoint files in install order.
- download(file, dest_dir): fetch a file over https from an allow-listed
  host, verifying SHA-1 (and SHA-256 when the catalog gives it).
The transport is a callable (see transport.py) so tests need no network.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import re
import time
from urllib.parse import quote_plus, urlencode, urljoin, urlsplit

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.allowlist import check_download_url
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.details_page import parse_details_page
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.download_dialog import (
    parse_download_dialog,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogErrorPage,
    CatalogFormatError,
    CatalogHTTPError,
    CatalogNoResultsError,
    CatalogUnavailableError,
    CatalogUpdateRemovedError,
    DownloadVerificationError,
    NoMatchingUpdateError,
    TransportError,
    UnsafeUrlError,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.search_page import (
    GUID,
    error_code,
    parse_search_page,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import (
    annotate,
    order_update_files,
    pick_newest,
    reject_reason,
    require_architecture,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.titles import parse_title
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.transport import (
    Request,
    UrllibTransport,
)

DEFAULT_CATALOG_URL = "https://www.catalog.update.microsoft.com/"
# The catalog serves different markup to clients it does not take for a
# browser (facts file, "Send a browser-like User-Agent"): look like Edge on Windows.
DEFAULT_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0")
TRANSIENT_CODES = frozenset(("8DDD0010",))
REMOVED_CODES = frozenset(("8DDD0024",))
# The site returns at most 1000 results, 25 a page.
DEFAULT_MAX_PAGES = 40
MAX_REDIRECTS = 5
CHUNK = 1024 * 1024
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_GUID = re.compile(r"^%s$" % GUID)
_ERROR_MARK = re.compile(rb"id\s*=\s*[\"']errorPageDisplayedError[\"']")


class _Transient(Exception):
    """Internal: one attempt failed in a way worth retrying.

    `final`, when set, is raised instead of CatalogUnavailableError once the
    retries are spent (a download that is always cut short is a bad file, not
    a busy site).
    """

    def __init__(self, message, final=None):
        super(_Transient, self).__init__(message)
        self.final = final


class CatalogClient(object):
    """Client of the catalog; see the module docstring. All arguments are keywords.

    catalog_url   base URL (a local fake catalog in tests)
    transport     callable(Request, timeout) -> Response; default urllib
    ca_path / ssl_context   trust for https (the fake catalog's CA in tests)
    timeout       seconds per request
    retries       extra attempts after the first on transient failures
    backoff / backoff_cap   first delay and ceiling, seconds; delay n is
                  min(cap, backoff * 2**n) scaled by a random factor in [0.5, 1)
    mirror_hosts  extra download hosts ("host" or "host:port"), https only
    sleep, rng    injectable for tests
    """

    def __init__(self, catalog_url=DEFAULT_CATALOG_URL, transport=None, ca_path=None, ssl_context=None,
                 timeout=30.0, retries=4, backoff=1.0, backoff_cap=30.0, user_agent=DEFAULT_USER_AGENT,
                 mirror_hosts=(), max_pages=DEFAULT_MAX_PAGES, sleep=time.sleep, rng=random.random):
        if not catalog_url.endswith("/"):
            catalog_url += "/"
        scheme = urlsplit(catalog_url).scheme
        if scheme not in ("https", "http"):
            raise ValueError("catalog_url must be an http(s) URL, got %r" % catalog_url)
        self.catalog_url = catalog_url
        self.transport = transport or UrllibTransport(ca_path=ca_path, ssl_context=ssl_context)
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_cap = float(backoff_cap)
        self.user_agent = user_agent
        self.mirror_hosts = tuple(mirror_hosts or ())
        self.max_pages = max(1, int(max_pages))
        self._sleep = sleep
        self._rng = rng
        self._cookies = {}
        self.requests = 0        # requests sent (each retry counts)
        self.delays = []         # backoff delays slept, seconds

    # ------------------------------------------------------------------ HTTP
    def _origin(self, url):
        parts = urlsplit(url)
        return (parts.scheme, parts.hostname, parts.port)

    def _headers(self, extra=None, catalog=True):
        headers = {"User-Agent": self.user_agent, "Accept-Language": "en-US,en;q=0.8"}
        if catalog and self._cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in sorted(self._cookies.items()))
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response):
        for value in response.header_all("Set-Cookie"):
            pair = value.split(";", 1)[0]
            if "=" in pair:
                name, _sep, val = pair.partition("=")
                self._cookies[name.strip()] = val.strip()

    def backoff_delay(self, attempt):
        """Delay before retry number attempt+1: exponential, capped, with jitter."""
        base = min(self.backoff_cap, self.backoff * (2 ** attempt))
        return base * (0.5 + 0.5 * self._rng())

    def _with_retries(self, what, attempt_once):
        last = None
        for attempt in range(self.retries + 1):
            try:
                return attempt_once()
            except _Transient as exc:
                last = exc
            except TransportError as exc:
                if not exc.transient:
                    raise
                last = exc
            if attempt < self.retries:
                delay = self.backoff_delay(attempt)
                self.delays.append(delay)
                self._sleep(delay)
        if isinstance(last, _Transient) and last.final is not None:
            raise last.final
        raise CatalogUnavailableError(
            "%s failed %d times in a row on transient errors; last: %s. The catalog is often briefly "
            "unavailable: try again later, or raise retries" % (what, self.retries + 1, last))

    def _catalog_request(self, method, url, data=None, what="catalog request"):
        """One catalog page (HTML/JS) with retries; returns (final url, body bytes)."""
        if self._origin(url) != self._origin(self.catalog_url):
            raise CatalogFormatError("refusing to send a catalog request to %s, outside %s" % (url, self.catalog_url))

        def once():
            target, verb, body = url, method, data
            for _hop in range(MAX_REDIRECTS + 1):
                headers = self._headers()
                if body is not None:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                self.requests += 1
                response = self.transport(Request(verb, target, headers, body), self.timeout)
                try:
                    self._keep_cookies(response)
                    status = response.status
                    if status in (301, 302, 303, 307, 308):
                        location = response.header("Location")
                        if not location:
                            raise CatalogHTTPError(status, target, "HTTP %s from %s without Location" % (status, target))
                        nxt = urljoin(target, location)
                        if self._origin(nxt) != self._origin(self.catalog_url):
                            raise CatalogHTTPError(status, target, "the catalog redirected %s to %s, outside %s; "
                                                   "not followed" % (target, nxt, self.catalog_url))
                        target = nxt
                        if status == 303 or (status in (301, 302) and verb == "POST"):
                            verb, body = "GET", None
                        continue
                    if status >= 500:
                        raise _Transient("HTTP %s from %s" % (status, target))
                    if status != 200:
                        raise CatalogHTTPError(status, target)
                    try:
                        payload = response.read()
                    except (OSError, ValueError, http.client.HTTPException) as exc:
                        raise _Transient("answer from %s cut off: %s" % (target, exc))
                finally:
                    response.close()
                if _ERROR_MARK.search(payload):
                    code = error_code(payload)
                    if code in TRANSIENT_CODES:
                        raise _Transient("catalog error %s (busy) from %s" % (code, target))
                    if code in REMOVED_CODES:
                        raise CatalogUpdateRemovedError(
                            code, "the catalog says error %s for %s: the update does not exist or was removed "
                            "from the catalog; search again for its replacement" % (code, target))
                    raise CatalogErrorPage(code, "the catalog answered its error page with code %s for %s "
                                                 "(not a known transient code, not retried)" % (code, target))
                return target, payload
            raise CatalogHTTPError(0, url, "more than %d redirects from %s" % (MAX_REDIRECTS, url))

        return self._with_retries(what, once)

    # ---------------------------------------------------------------- search
    def search_url(self, query):
        return urljoin(self.catalog_url, "Search.aspx?q=" + quote_plus(query))

    def iter_pages(self, query, max_pages=None):
        """Yield parsed result pages of one query (first page by GET, then post-backs)."""
        limit = self.max_pages if max_pages is None else max(1, int(max_pages))
        url, body = self._catalog_request("GET", self.search_url(query), what="search %r" % query)
        page = parse_search_page(body)
        if page["kind"] == "no_results":
            raise CatalogNoResultsError(query)
        seen = set()
        number = 1
        while True:
            guids = frozenset(r["guid"] for r in page["rows"])
            if page["paging"]["page"] != number or guids in seen or (seen and guids & set().union(*seen)):
                raise CatalogFormatError(
                    "paging of %r went wrong: asked for page %d, got page %d%s; stopping instead of looping" % (
                        query, number, page["paging"]["page"],
                        " with rows already seen" if (seen and guids & set().union(*seen)) else ""))
            seen.add(guids)
            page["url"] = url
            yield page
            if page["postback"] is None or number >= limit:
                return
            action = urljoin(url, page["postback"]["action"] or url)
            url, body = self._catalog_request(
                "POST", action, urlencode(page["postback"]["fields"]).encode("ascii"),
                what="page %d of search %r" % (number + 1, query))
            page = parse_search_page(body)
            if page["kind"] != "results":
                raise CatalogFormatError("page %d of %r is not a results page (%s)" % (number + 1, query, page["kind"]))
            number += 1

    def search(self, query, max_pages=None):
        """All rows of a query -> {'query', 'rows', 'pages', 'total', 'capped', 'truncated'}."""
        rows = []
        last = None
        pages = 0
        for page in self.iter_pages(query, max_pages):
            rows.extend(page["rows"])
            last = page
            pages += 1
        return {
            "query": query,
            "rows": rows,
            "pages": pages,
            "total": last["paging"]["total"],
            "capped": last["paging"]["capped"],
            # Stopped by max_pages while the site offered more.
            "truncated": last["postback"] is not None,
        }

    # ------------------------------------------------------- dialog, details
    def _check_guid(self, guid):
        if not isinstance(guid, str) or not _GUID.match(guid):
            raise ValueError("not an update id (guid): %r" % (guid,))
        return guid.lower()

    def download_dialog(self, guid):
        """The update of one id with its files (one guid per request, as the site's own page does)."""
        guid = self._check_guid(guid)
        ids = json.dumps([{"size": 0, "languages": "", "uidInfo": guid, "updateID": guid}])
        _url, body = self._catalog_request(
            "POST", urljoin(self.catalog_url, "DownloadDialog.aspx"),
            urlencode({"updateIDs": ids}).encode("ascii"), what="download dialog of %s" % guid)
        updates = parse_download_dialog(body)
        for update in updates:
            if update["update_id"] == guid:
                return update
        raise CatalogFormatError("the download dialog for %s describes %s instead" % (
            guid, ", ".join(u["update_id"] for u in updates)))

    def details(self, guid):
        guid = self._check_guid(guid)
        _url, body = self._catalog_request(
            "GET", urljoin(self.catalog_url, "ScopedViewInline.aspx?updateid=" + guid),
            what="details of %s" % guid)
        return parse_details_page(body)

    # ------------------------------------------------------------- choosing
    def pick_update(self, query, product=None, architecture=None, kind="cumulative",
                    include_preview=False, include_dynamic=False, max_pages=None):
        """The newest update among the query's results that fits the host."""
        arch = require_architecture(architecture)
        result = self.search(query, max_pages)
        row = pick_newest(result["rows"], product, arch, kind, include_preview, include_dynamic, query=query)
        row["search"] = {k: result[k] for k in ("query", "pages", "total", "capped", "truncated")}
        return row

    def newest_superseding(self, kb, product=None, architecture=None, kind="cumulative",
                           include_preview=False, include_dynamic=False):
        """The newest update that supersedes `kb` for this host (details page, div#supersededbyInfo)."""
        arch = require_architecture(architecture)
        kb = kb.upper() if kb.upper().startswith("KB") else "KB" + kb
        rows = [annotate(r) for r in self.search(kb)["rows"]]
        base = [r for r in rows if r["info"]["kb"] == kb and
                reject_reason(r, product, arch, None, True, True) is None]
        if not base:
            raise NoMatchingUpdateError("no %s row for product=%r architecture=%r in the catalog" % (kb, product, arch))
        base.sort(key=lambda r: r.get("last_updated") or "", reverse=True)
        page = self.details(base[0]["guid"])
        candidates = [{"guid": link["guid"], "title": link["title"], "info": dict(parse_title(link["title"]))}
                      for link in page["superseded_by"]]
        if not candidates:
            raise NoMatchingUpdateError("%s (%s) is not superseded by anything in the catalog" % (kb, base[0]["guid"]))
        chosen = pick_newest(candidates, product, arch, kind, include_preview, include_dynamic,
                             query="superseding %s" % kb)
        chosen["supersedes"] = {"kb": kb, "guid": base[0]["guid"]}
        return chosen

    def update_files(self, guid, architecture=None):
        """Files of one update in install order (checkpoints first), URLs allow-listed and https.

        A file whose URL fails the allow-list stops everything (UnsafeUrlError):
        a partial set of checkpoint files would not install anyway.
        """
        update = self.download_dialog(guid)
        arch = require_architecture(architecture) if architecture is not None else None
        files = order_update_files(update["files"], update["kb"])
        for f in files:
            f["url"] = check_download_url(f["url"], self.mirror_hosts)
            if arch is not None and f["architecture"] not in (None, arch):
                raise NoMatchingUpdateError("update %s lists %s for %s, not %s" % (
                    guid, f["file_name"], f["architecture"], arch))
        update["files"] = files
        return update

    # ------------------------------------------------------------- download
    def download(self, file_info, dest_dir):
        """Download one file of update_files() into dest_dir; returns its path.

        Written to <name>.part, hashed while streaming, renamed only when the
        length matches Content-Length and SHA-1 (and SHA-256 when known) match
        the catalog's. A truncated or different file is deleted and
        DownloadVerificationError raised (after the retries for transient errors).
        """
        name = file_info["file_name"]
        if not _SAFE_FILE_NAME.match(name) or ".." in name:
            raise UnsafeUrlError("refusing file name %r from the catalog" % name)
        url = check_download_url(file_info["url"], self.mirror_hosts)
        final = os.path.join(dest_dir, name)
        part = final + ".part"

        def once():
            target = url
            for _hop in range(MAX_REDIRECTS + 1):
                self.requests += 1
                response = self.transport(Request("GET", target, self._headers(catalog=False)), self.timeout)
                try:
                    if response.status in (301, 302, 303, 307, 308):
                        location = response.header("Location")
                        if not location:
                            raise CatalogHTTPError(response.status, target)
                        # Every hop must pass the allow-list too (no upgrade-less http, no other host).
                        target = check_download_url(urljoin(target, location), self.mirror_hosts)
                        continue
                    if response.status >= 500:
                        raise _Transient("HTTP %s from %s" % (response.status, target))
                    if response.status != 200:
                        raise CatalogHTTPError(response.status, target)
                    return self._stream_to(response, target, part, file_info)
                finally:
                    response.close()
            raise CatalogHTTPError(0, url, "more than %d redirects from %s" % (MAX_REDIRECTS, url))

        try:
            self._with_retries("download of %s" % name, once)
        except BaseException:
            if os.path.exists(part):
                os.unlink(part)
            raise
        os.replace(part, final)
        return final

    def _stream_to(self, response, url, part, file_info):
        sha1 = hashlib.sha1()
        sha256 = hashlib.sha256()
        size = 0
        expected = response.header("Content-Length")
        with open(part, "wb") as out:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    # IncompleteRead (server closed early) lands here too.
                    msg = "%s is truncated: the download from %s was cut off after %d bytes (%s)" % (
                        file_info["file_name"], url, size, exc.__class__.__name__)
                    raise _Transient(msg, final=DownloadVerificationError(msg))
                if not chunk:
                    break
                size += len(chunk)
                sha1.update(chunk)
                sha256.update(chunk)
                out.write(chunk)
        if expected is not None and expected.isdigit() and int(expected) != size:
            msg = "%s is truncated: %d of %s bytes" % (file_info["file_name"], size, expected)
            raise _Transient(msg, final=DownloadVerificationError(msg))
        if sha1.hexdigest() != file_info["sha1"]:
            raise DownloadVerificationError("%s: SHA-1 %s differs from the catalog's %s (%d bytes received)" % (
                file_info["file_name"], sha1.hexdigest(), file_info["sha1"], size))
        if file_info.get("sha256") and sha256.hexdigest() != file_info["sha256"]:
            raise DownloadVerificationError("%s: SHA-256 %s differs from the catalog's %s" % (
                file_info["file_name"], sha256.hexdigest(), file_info["sha256"]))
        return size
