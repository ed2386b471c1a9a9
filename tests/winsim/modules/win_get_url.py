# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_get_url: the simulator downloads, from loopback only.

The download is really made (so tests point it at a local fake server) but
only from http(s)://127.0.0.0/8 or localhost; any other host is NotModelled.
Behaviour after ansible.windows 3.3.0 plugins/modules/win_get_url.ps1 and
plugins/module_utils/WebRequest.psm1:
- dest that is a folder gets the URL's last path segment; a dest ending in a
  separator that is not a folder fails; the parent folder must exist;
- with checksum and a dest whose checksum matches and force=false, nothing is
  requested; force (default true) or a missing dest downloads to the module's
  tmp dir, reports checksum_src, fails on a checksum mismatch ("The checksum
  for URL did not match 'X', it was 'Y'"), and copies over dest only when the
  content differs (changed);
- check mode downloads and compares but does not write dest (-WhatIf);
- msg/status_code come from the HTTP response; a non-2xx answer fails
  "Error downloading 'URL' to 'DEST': The remote server returned an error:
  (404) Not Found." (the .NET WebException text) with status_code set;
- the temporary copy and dest both need room: host.disk.free_bytes is
  honoured ("There is not enough space on the disk.").
force=false without checksum compares Last-Modified with the file time, which
the host does not keep: NotModelled. A download takes the modelled time of its
bytes at the modelled bandwidth, and a known .msu the time of the real
package's size (downloads.py).
"""
from __future__ import annotations

import hashlib
import http.client
import ipaddress
import time
import urllib.error
import urllib.parse
import urllib.request

from .. import downloads, winpath
from ..model import HostModel, NotModelled, RunContext

OPTIONS = {"url", "dest", "force", "checksum", "checksum_algorithm"}
ALGORITHMS = ("md5", "sha1", "sha256", "sha384", "sha512")


def _loopback(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise NotModelled("win_get_url of a %s URL" % (parts.scheme or "relative"))
    host = parts.hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError:
            raise NotModelled("win_get_url from %s (only loopback addresses are downloaded)" % (host or url))
    return parts


def _fetch(url: str):
    """(status, reason, body) of a GET; raises urllib errors. No proxy is used."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"User-Agent": "ansible-httpget"})
    with opener.open(request, timeout=30) as response:
        return response.status, response.reason, response.read()


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_get_url options %s" % ", ".join(sorted(unknown)))
    url, raw_dest = args.get("url"), args.get("dest")
    if not url or not raw_dest:
        missing = ", ".join(k for k in ("dest", "url") if not args.get(k))
        return {"changed": False, "failed": True, "msg": "missing required arguments: %s" % missing}
    algorithm = str(args.get("checksum_algorithm") or "sha1").strip().lower()
    if algorithm not in ALGORITHMS:
        return {"changed": False, "failed": True,
                "msg": "value of checksum_algorithm must be one of: %s, got: %s" % (", ".join(ALGORITHMS),
                                                                                    algorithm)}
    parts = _loopback(str(url))
    force = args.get("force", True)
    expected = str(args["checksum"]).strip().lower() if args.get("checksum") else None
    step = ctx.step
    result = {"changed": False, "elapsed": 0, "url": url}

    dest = winpath.norm(str(raw_dest), host)
    if winpath.is_dir(host, dest):
        name = parts.path.rstrip("/").rpartition("/")[2]
        dest = winpath.join(dest, name or (parts.hostname or ""))
    elif str(raw_dest).endswith(("\\", "/")):
        result.update(failed=True, msg=(
            "The destination path '%s' does not exist, or is not visible to the current user. "
            "Ensure download destination folder exists (perhaps using win_file state=directory) before "
            "win_get_url runs." % raw_dest))
        return result
    result["dest"] = dest

    def digest(data: bytes) -> str:
        return hashlib.new(algorithm, data).hexdigest()

    dest_checksum = digest(winpath.read(host, dest)) if winpath.is_file(host, dest) else None
    if dest_checksum and expected and dest_checksum != expected:
        force = True

    if dest_checksum and expected and dest_checksum == expected and not force:
        result.update(checksum_dest=dest_checksum, size=len(winpath.read(host, dest)))
        return result
    if not force and winpath.exists(host, dest):
        raise NotModelled("win_get_url force=false without a matching checksum (Last-Modified comparison)")

    parent = winpath.parent(dest)
    if parent is None or not winpath.is_dir(host, parent):
        result.update(failed=True, msg=(
            "The path '%s' does not exist for destination '%s', or is not visible to the current user. "
            "Ensure download destination folder exists (perhaps using win_file state=directory) before "
            "win_get_url runs." % (parent, dest)))
        return result

    started = time.monotonic()
    try:
        status, reason, body = _fetch(str(url))
    except urllib.error.HTTPError as err:
        result.update(elapsed=time.monotonic() - started, status_code=err.code, failed=True,
                      msg="Error downloading '%s' to '%s': The remote server returned an error: (%d) %s."
                      % (url, dest, err.code, err.reason))
        return result
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reason_text = getattr(err, "reason", err)
        text = ("The operation has timed out" if "timed out" in str(reason_text)
                else "Unable to connect to the remote server")
        result.update(elapsed=time.monotonic() - started, failed=True,
                      msg="Error downloading '%s' to '%s': %s" % (url, dest, text))
        return result
    result.update(elapsed=time.monotonic() - started, msg=reason, status_code=status)
    name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
    ctx.spend(downloads.seconds(downloads.msu_bytes_of_file(name) or len(body)))

    def disk_error() -> dict:
        result.update(failed=True, msg="Error downloading '%s' to '%s': %s" % (url, dest, winpath.disk_full().message))
        return result

    # The body is first written to the module's tmp dir, then copied over dest.
    try:
        winpath.reserve(host, len(body), step=step)
    except winpath.WinIOError:
        return disk_error()
    tmp_checksum = digest(body)
    result["checksum_src"] = tmp_checksum
    if expected and expected != tmp_checksum:
        result.update(failed=True, msg="The checksum for %s did not match '%s', it was '%s'"
                      % (url, expected, tmp_checksum))
        return result
    if dest_checksum == tmp_checksum:
        result.update(checksum_dest=dest_checksum, size=len(winpath.read(host, dest)))
        return result
    if not ctx.check_mode:
        old = len(host.files.get(dest.lower(), b""))
        try:
            # tmp copy and dest exist side by side until the module's tmp dir is removed.
            winpath.reserve(host, 2 * len(body) - old, step=step)
            winpath.write_file(host, dest, body, step=step)
        except winpath.WinIOError:
            return disk_error()
    result["changed"] = True
    if winpath.is_file(host, dest):
        data = winpath.read(host, dest)
        result.update(checksum_dest=digest(data), size=len(data))
    return result
