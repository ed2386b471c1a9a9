# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The HTTP transport the catalog client calls: `transport(request, timeout) -> Response`.

Anything with that shape can replace UrllibTransport (unit tests pass a
function that answers from memory). The contract:
  - HTTP error statuses (4xx/5xx) and redirects come back as a Response: the
    client decides what to retry and which redirect to follow (a redirect to a
    host that is not allow-listed must not be followed silently, so urllib's
    own redirect handling is switched off);
  - no answer at all raises TransportTimeout or TransportError(transient=...).
"""
from __future__ import annotations

import io
import socket
import ssl
import urllib.error
import urllib.request

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    TransportError,
    TransportTimeout,
)


class Request(object):
    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method, url, headers=None, body=None):
        self.method = method
        self.url = url
        self.headers = dict(headers or {})
        self.body = body

    def __repr__(self):
        return "Request(%s %s)" % (self.method, self.url)


class Response(object):
    """status, url, headers (list of (name, value)), and a stream read with read()/close()."""

    def __init__(self, status, url, headers=None, stream=None):
        self.status = int(status)
        self.url = url
        self.headers = list(headers or [])
        self._stream = stream if stream is not None else io.BytesIO(b"")

    @classmethod
    def from_bytes(cls, status, body=b"", headers=None, url=""):
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = list(headers or [])
        if not any(k.lower() == "content-length" for k, _v in headers):
            headers.append(("Content-Length", str(len(body))))
        return cls(status, url, headers, io.BytesIO(body))

    def header(self, name, default=None):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def header_all(self, name):
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def read(self, size=-1):
        return self._stream.read(size)

    def close(self):
        try:
            self._stream.close()
        except Exception:  # closing a broken socket must not hide the real error
            pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx, which becomes a Response


def make_ssl_context(ca_path=None, ssl_context=None):
    """The context used for https: given one, or the system's trust store (+ ca_path when set)."""
    if ssl_context is not None:
        return ssl_context
    context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
    return context


class UrllibTransport(object):
    """Default transport on urllib.request (honours the usual *_proxy environment variables)."""

    def __init__(self, ca_path=None, ssl_context=None):
        self.context = make_ssl_context(ca_path, ssl_context)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.context), _NoRedirect())

    def __call__(self, request, timeout):
        req = urllib.request.Request(request.url, data=request.body, headers=request.headers,
                                     method=request.method)
        try:
            answer = self.opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as exc:
            return Response(exc.code, request.url, list(exc.headers.items()) if exc.headers else [], exc)
        except urllib.error.URLError as exc:
            raise _classify(exc.reason, request.url)
        except (socket.timeout, TimeoutError) as exc:
            raise TransportTimeout("no answer from %s within %ss (%s)" % (request.url, timeout, exc))
        except (OSError, ValueError) as exc:
            raise _classify(exc, request.url)
        return Response(answer.status, answer.geturl(), list(answer.headers.items()), answer)


def _classify(reason, url):
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return TransportTimeout("no answer from %s in time (%s)" % (url, reason))
    if isinstance(reason, ssl.SSLCertVerificationError):
        return TransportError("TLS certificate of %s does not verify: %s" % (url, reason), transient=False)
    if isinstance(reason, ssl.SSLError):
        return TransportError("TLS failure talking to %s: %s" % (url, reason), transient=False)
    if isinstance(reason, socket.gaierror):
        return TransportError("cannot resolve the host of %s: %s" % (url, reason), transient=True)
    return TransportError("cannot reach %s: %s" % (url, reason), transient=True)
