# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Decide whether a download URL from the catalog may be fetched.

The DownloadDialog answer is the only source of the URLs the controller
downloads and then copies to Windows hosts to install as SYSTEM, so a URL is
accepted only when:
  - the scheme is https (see upgrade below for http),
  - there is no userinfo (user:pass@host tricks what a reader thinks the host is),
  - the host is a DNS name (no IP literals: they dodge the host list; a
    single-label name like "mirror" only through the extra list),
  - the host is one of Microsoft's download hosts below, matched on whole DNS
    labels (so download.windowsupdate.com.evil.example and
    evildownload.windowsupdate.com are refused), or an entry of an explicit
    extra list (a local mirror),
  - the port is the default one (443), unless an extra-list entry names the
    port explicitly ("mirror.example:8443").

Hosts (each seen in public download links of catalog files):
  download.windowsupdate.com and its sub-domains (catalog.s.download.windowsupdate.com,
  au.download.windowsupdate.com, ...): the classic catalog host, and the old
  captures' http:// links;
  catalog.sf.dl.delivery.mp.microsoft.com and other *.dl.delivery.mp.microsoft.com
  (the "filestreamingservice" links of current Windows 11 updates);
  download.microsoft.com (some catalog entries point at the Download Center).

http -> https upgrade: dialogs captured before ~2020 list http://download.windowsupdate.com/...
links. The same paths are served over https by the same hosts (public scripts
download https://download.windowsupdate.com/d/msdownload/...). Downloading over
http would let anyone on the path swap the file; the SHA-1 check afterwards
would catch that only after the download, and SHA-1 is not collision-proof.
So http is rewritten to https for allow-listed Microsoft hosts only, never for
a mirror (a mirror gets what its entry says) and never for an unknown host.
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import UnsafeUrlError

# Exact hosts.
MICROSOFT_HOSTS = frozenset((
    "download.windowsupdate.com",
    "catalog.sf.dl.delivery.mp.microsoft.com",
    "download.microsoft.com",
))
# Parent domains: the host may be any sub-domain (whole labels) of these.
MICROSOFT_PARENT_DOMAINS = (
    "download.windowsupdate.com",
    "dl.delivery.mp.microsoft.com",
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host_is_dns_name(host):
    if not host or len(host) > 253 or host.endswith("."):
        return False
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    labels = host.split(".")
    if labels[-1].isdigit():
        # "1.2.3" or "0x7f.1": forms ipaddress rejects but resolvers may accept as addresses.
        return False
    return all(_LABEL.match(label) for label in labels)


def is_microsoft_host(host):
    host = (host or "").lower()
    if host in MICROSOFT_HOSTS:
        return True
    return any(host.endswith("." + parent) for parent in MICROSOFT_PARENT_DOMAINS)


def _parse_extra(entries):
    """'mirror.example' / 'mirror.example:8443' -> {(host, port or None)}."""
    allowed = set()
    for entry in entries or ():
        entry = str(entry).strip().lower()
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        if sep and port.isdigit() and "]" not in port:
            allowed.add((host, int(port)))
        else:
            allowed.add((entry, None))
    return allowed


def check_download_url(url, extra_hosts=(), upgrade_http=True):
    """Return the URL to fetch (maybe upgraded to https) or raise UnsafeUrlError.

    extra_hosts: mirror hosts allowed besides Microsoft's, "host" (port 443) or
    "host:port". Matching is exact (no sub-domains).
    """
    if not isinstance(url, str) or not url:
        raise UnsafeUrlError("download URL is empty")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7f for ch in url) or "\\" in url:
        raise UnsafeUrlError("download URL %r contains white space, control characters or backslashes" % url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError("download URL %r does not parse: %s" % (url, exc))
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeUrlError("download URL %r: only https is allowed" % url)
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        # The URL itself is not repeated: its user information may be a secret.
        raise UnsafeUrlError("download URL of host %r carries user information before the host; refused"
                             % (parts.hostname or ""))
    host = (parts.hostname or "").lower()
    if not _host_is_dns_name(host):
        raise UnsafeUrlError("download URL %r: host %r is not a DNS name (IP literals are refused)" % (url, host))

    extra = _parse_extra(extra_hosts)
    if (host, port) in extra or (port is None and (host, None) in extra) or (port == 443 and (host, None) in extra):
        if scheme != "https":
            raise UnsafeUrlError("download URL %r: the mirror must be reached over https" % url)
        return url
    if not is_microsoft_host(host):
        raise UnsafeUrlError(
            "download URL %r: host %r is not a Microsoft download host nor in the mirror allow-list" % (url, host))
    if port is not None and not (port == 443 and scheme == "https") and not (port == 80 and scheme == "http"):
        raise UnsafeUrlError("download URL %r: port %s is not the default port" % (url, port))
    if scheme == "http":
        if not upgrade_http:
            raise UnsafeUrlError("download URL %r: only https is allowed" % url)
        return urlunsplit(("https", host, parts.path, parts.query, ""))
    return urlunsplit(("https", host, parts.path, parts.query, ""))
