# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The controller's cache of catalog answers and downloaded update files.

ansible-playbook runs one task on many hosts in parallel forks (separate
processes), so the cache lives on disk and every fill happens under an
exclusive file lock (fcntl.flock) for that one entry: the first fork does the
catalog requests or the download, the others wait on the lock and then read
what it left. 100 hosts -> one search, one dialog, one download per file.

Layout under the root (default ~/.cache/winrepair/catalog):
  files/<sha256>          update files, named by their content's SHA-256
  by-sha1/<sha1>          text: the SHA-256 of the file with that SHA-1
                          (old catalog answers give only SHA-1)
  lookups/<key>.json      a catalog answer {"time": epoch, "value": ...}
  locks/<name>.lock       the lock files
  tmp/                    downloads in progress (renamed into files/ when verified)
A file enters files/ only by an atomic rename after its hashes were checked,
so a name in files/ is a verified file.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time

_HEX = re.compile(r"^[0-9a-f]+$")
CHUNK = 1024 * 1024


class CacheError(Exception):
    """The cache cannot be used (permissions, a file that does not match)."""


def file_hashes(path):
    """(sha1 hex, sha256 hex) of a file, read once."""
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


def _check_hex(value, size, what):
    value = str(value or "").lower()
    if len(value) != size or not _HEX.match(value):
        raise CacheError("%s %r is not %d hex digits" % (what, value, size))
    return value


def _write_atomic(path, data):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class DownloadCache(object):
    """Content-addressed file store + catalog answer store with per-entry locks.

    `stats` counts what this process did (tests and reports read it).
    clock is injectable for tests of the answer TTL.
    """

    def __init__(self, root, clock=time.time):
        self.root = os.path.abspath(os.path.expanduser(root))
        self.clock = clock
        self.stats = {"lookup_hits": 0, "lookup_fills": 0, "file_hits": 0, "file_downloads": 0,
                      "mirror_kept": 0, "mirror_written": 0}
        for sub in ("files", "by-sha1", "lookups", "locks", "tmp"):
            try:
                os.makedirs(os.path.join(self.root, sub), mode=0o755, exist_ok=True)
            except OSError as exc:
                raise CacheError("cannot create cache folder %s: %s" % (os.path.join(self.root, sub), exc))

    # ------------------------------------------------------------ locks
    @contextlib.contextmanager
    def lock(self, name):
        """Exclusive lock named NAME (letters, digits, '-', '_', '.') across processes."""
        if not re.match(r"^[A-Za-z0-9_.-]{1,128}$", name):
            raise CacheError("bad lock name %r" % name)
        path = os.path.join(self.root, "locks", name + ".lock")
        with open(path, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # ------------------------------------------------------------ answers
    def _lookup_path(self, key):
        return os.path.join(self.root, "lookups", _check_hex(key, 64, "lookup key") + ".json")

    def read_lookup(self, key, ttl):
        """A stored answer younger than ttl seconds, else None (always None for ttl <= 0)."""
        if ttl <= 0:
            return None
        path = self._lookup_path(key)
        try:
            with open(path, "r", encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or "value" not in entry:
            return None
        age = self.clock() - float(entry.get("time") or 0)
        if age < 0 or age > ttl:
            return None
        return entry["value"]

    def lookup(self, key, ttl, produce):
        """(value, from_cache): the stored answer, or produce() once under the key's lock."""
        found = self.read_lookup(key, ttl)
        if found is not None:
            self.stats["lookup_hits"] += 1
            return found, True
        with self.lock("lookup-" + key[:32]):
            found = self.read_lookup(key, ttl)  # another fork may have filled it meanwhile
            if found is not None:
                self.stats["lookup_hits"] += 1
                return found, True
            value = produce()
            _write_atomic(self._lookup_path(key),
                          json.dumps({"time": self.clock(), "value": value}, sort_keys=True).encode("utf-8"))
            self.stats["lookup_fills"] += 1
            return value, False

    # ------------------------------------------------------------ files
    def file_path(self, sha256):
        return os.path.join(self.root, "files", _check_hex(sha256, 64, "SHA-256"))

    def sha256_of_sha1(self, sha1):
        path = os.path.join(self.root, "by-sha1", _check_hex(sha1, 40, "SHA-1"))
        try:
            with open(path, "r", encoding="ascii") as handle:
                value = handle.read().strip()
        except OSError:
            return None
        return value if len(value) == 64 and _HEX.match(value) else None

    def find(self, sha1, sha256=None):
        """Path of the cached file with these hashes, or None."""
        sha256 = sha256 or self.sha256_of_sha1(sha1)
        if sha256 and os.path.isfile(self.file_path(sha256)):
            return self.file_path(sha256)
        return None

    def fetch(self, sha1, sha256, download):
        """(path, downloaded): the file with these hashes, downloaded at most once.

        download(tmp_dir) -> path of the fetched file inside tmp_dir; it must
        check what it can itself (the catalog client checks SHA-1 and SHA-256).
        The result is hashed again here before it enters the store.
        """
        sha1 = _check_hex(sha1, 40, "SHA-1")
        sha256 = _check_hex(sha256, 64, "SHA-256") if sha256 else None
        found = self.find(sha1, sha256)
        if found:
            self.stats["file_hits"] += 1
            return found, False
        with self.lock("file-" + sha1):
            found = self.find(sha1, sha256)
            if found:
                self.stats["file_hits"] += 1
                return found, False
            work = tempfile.mkdtemp(prefix="dl-", dir=os.path.join(self.root, "tmp"))
            try:
                fetched = download(work)
                got1, got256 = file_hashes(fetched)
                if got1 != sha1 or (sha256 and got256 != sha256):
                    raise CacheError("downloaded file %s has SHA-1 %s / SHA-256 %s, expected %s / %s"
                                     % (os.path.basename(fetched), got1, got256, sha1, sha256 or "-"))
                final = self.file_path(got256)
                os.chmod(fetched, 0o644)
                os.replace(fetched, final)
                _write_atomic(os.path.join(self.root, "by-sha1", sha1), got256.encode("ascii"))
            finally:
                shutil.rmtree(work, ignore_errors=True)
            self.stats["file_downloads"] += 1
            return final, True

    # ------------------------------------------------------------ mirror
    def place(self, sha256, dest_dir, file_name):
        """Put the cached file SHA256 at dest_dir/file_name (a mirror folder); returns changed.

        A file already there with the same SHA-256 is kept. Otherwise the new
        copy is written beside it and renamed over it (readers never see half
        a file). A different file there is replaced: the mirror serves what
        the catalog's hashes say.
        """
        if os.path.basename(file_name) != file_name or file_name in ("", ".", ".."):
            raise CacheError("bad file name %r" % file_name)
        source = self.file_path(sha256)
        if not os.path.isfile(source):
            raise CacheError("%s is not in the cache" % sha256)
        try:
            os.makedirs(dest_dir, exist_ok=True)
        except OSError as exc:
            raise CacheError("cannot create mirror folder %s: %s" % (dest_dir, exc))
        target = os.path.join(dest_dir, file_name)
        with self.lock("mirror-" + sha256[:32]):
            if os.path.isfile(target) and file_hashes(target)[1] == sha256:
                self.stats["mirror_kept"] += 1
                return False
            fd, tmp = tempfile.mkstemp(prefix=".part-", dir=dest_dir)
            os.close(fd)
            try:
                # A copy, never a hard link: a file changed in the mirror must
                # not change the verified copy in the cache.
                shutil.copyfile(source, tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self.stats["mirror_written"] += 1
            return True
