# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Exceptions of the catalog client: one class per thing a caller can act on."""
from __future__ import annotations


class CatalogError(Exception):
    """Base of every catalog client error."""


class CatalogFormatError(CatalogError):
    """The catalog answered something this parser does not recognise.

    Raised instead of guessing: the site's markup has changed (or a proxy
    answered), and the parser must be looked at again.
    """


class CatalogErrorPage(CatalogError):
    """The catalog answered its own error page (div#errorPageDisplayedError)."""

    def __init__(self, code, message=None):
        self.code = code
        super(CatalogErrorPage, self).__init__(
            message or "the Microsoft Update Catalog answered its error page with code %s" % code)


class CatalogUpdateRemovedError(CatalogErrorPage):
    """Error 8DDD0024: the update does not exist (any more) in the catalog."""


class CatalogUnavailableError(CatalogError):
    """Transient failures (8DDD0010, HTTP 5xx, timeouts) persisted through every retry."""


class CatalogHTTPError(CatalogError):
    """An HTTP status that is neither success nor worth retrying (4xx, odd redirects)."""

    def __init__(self, status, url, message=None):
        self.status = status
        self.url = url
        super(CatalogHTTPError, self).__init__(message or "HTTP %s from %s" % (status, url))


class CatalogNoResultsError(CatalogError):
    """The search matched nothing (ctl00_catalogBody_noResultText)."""

    def __init__(self, query):
        self.query = query
        super(CatalogNoResultsError, self).__init__(
            "the Microsoft Update Catalog has no results for %r" % (query,))


class NoMatchingUpdateError(CatalogError):
    """Results came back but none fits the product/architecture/kind asked for."""


class UnknownArchitectureError(CatalogError, ValueError):
    """The architecture asked for is not one of x64, arm64, x86."""


class UnsafeUrlError(CatalogError, ValueError):
    """A download URL failed the allow-list (scheme, host, port, userinfo...)."""


class DownloadVerificationError(CatalogError):
    """A downloaded file is truncated or its hash differs from the catalog's."""


class TransportError(CatalogError):
    """The transport could not get an answer (connection refused, reset, TLS failure).

    `transient` says whether trying again can help: a reset connection can, a
    certificate that does not verify cannot.
    """

    def __init__(self, message, transient=True):
        self.transient = transient
        super(TransportError, self).__init__(message)


class TransportTimeout(TransportError):
    """The transport gave up waiting for an answer."""
