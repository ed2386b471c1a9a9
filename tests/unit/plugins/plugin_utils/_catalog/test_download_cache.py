# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""download_cache: content-addressed files, cached answers with TTL, one fill across processes."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import time

import pytest


from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.download_cache import (  # noqa: E402
    CacheError, DownloadCache, file_hashes)

DATA = b"checkpoint cumulative update" * 1000
SHA1 = hashlib.sha1(DATA).hexdigest()
SHA256 = hashlib.sha256(DATA).hexdigest()
KEY = "a" * 64


def writer(data=DATA, calls=None):
    def download(tmp_dir):
        if calls is not None:
            calls.append(tmp_dir)
        path = os.path.join(tmp_dir, "windows11.0-kb5043080-x64.msu")
        with open(path, "wb") as handle:
            handle.write(data)
        return path
    return download


def test_fetch_once_then_hit(tmp_path):
    cache = DownloadCache(str(tmp_path))
    calls = []
    path, fetched = cache.fetch(SHA1, SHA256, writer(calls=calls))
    assert fetched and path == os.path.join(str(tmp_path), "files", SHA256)
    assert file_hashes(path) == (SHA1, SHA256)
    again, fetched2 = cache.fetch(SHA1, SHA256, writer(calls=calls))
    assert (again, fetched2, len(calls)) == (path, False, 1)
    assert os.listdir(os.path.join(str(tmp_path), "tmp")) == []
    assert cache.stats["file_downloads"] == 1 and cache.stats["file_hits"] == 1


def test_sha1_only_answers_find_the_file_through_the_index(tmp_path):
    cache = DownloadCache(str(tmp_path))
    path, _fetched = cache.fetch(SHA1, None, writer())
    assert os.path.basename(path) == SHA256
    assert cache.sha256_of_sha1(SHA1) == SHA256
    calls = []
    assert cache.fetch(SHA1.upper(), None, writer(calls=calls)) == (path, False)
    assert calls == []


def test_a_wrong_download_never_enters_the_store(tmp_path):
    cache = DownloadCache(str(tmp_path))
    with pytest.raises(CacheError, match="expected"):
        cache.fetch(SHA1, SHA256, writer(data=DATA + b"x"))
    assert os.listdir(os.path.join(str(tmp_path), "files")) == []
    assert os.listdir(os.path.join(str(tmp_path), "tmp")) == []
    assert cache.find(SHA1, SHA256) is None


def test_download_errors_leave_nothing(tmp_path):
    cache = DownloadCache(str(tmp_path))

    def boom(tmp_dir):
        open(os.path.join(tmp_dir, "half.part"), "wb").close()
        raise OSError("connection reset")
    with pytest.raises(OSError):
        cache.fetch(SHA1, SHA256, boom)
    assert os.listdir(os.path.join(str(tmp_path), "tmp")) == []


def test_bad_hashes_are_refused(tmp_path):
    cache = DownloadCache(str(tmp_path))
    with pytest.raises(CacheError):
        cache.fetch("../../etc/passwd", None, writer())
    with pytest.raises(CacheError):
        cache.file_path("g" * 64)


def test_lookup_ttl(tmp_path):
    now = [1000.0]
    cache = DownloadCache(str(tmp_path), clock=lambda: now[0])
    calls = []

    def produce():
        calls.append(1)
        return {"kb": "KB5048667", "n": len(calls)}
    assert cache.lookup(KEY, 60, produce) == ({"kb": "KB5048667", "n": 1}, False)
    now[0] += 59
    assert cache.lookup(KEY, 60, produce) == ({"kb": "KB5048667", "n": 1}, True)
    now[0] += 2
    assert cache.lookup(KEY, 60, produce) == ({"kb": "KB5048667", "n": 2}, False)
    assert cache.lookup(KEY, 0, produce)[0]["n"] == 3  # ttl 0: ask every time (a second later is stale)
    assert len(calls) == 3


def test_a_failed_lookup_is_not_stored(tmp_path):
    cache = DownloadCache(str(tmp_path))

    def fail():
        raise RuntimeError("catalog down")
    with pytest.raises(RuntimeError):
        cache.lookup(KEY, 60, fail)
    assert cache.read_lookup(KEY, 60) is None


def _fork_fetch(root, counter_dir, barrier):
    cache = DownloadCache(root)
    barrier.wait()

    def slow(tmp_dir):
        open(os.path.join(counter_dir, str(os.getpid())), "w").close()
        time.sleep(0.3)
        return writer()(tmp_dir)
    cache.fetch(SHA1, SHA256, slow)

    def produce():
        open(os.path.join(counter_dir, "lookup-%d" % os.getpid()), "w").close()
        time.sleep(0.2)
        return {"answer": 1}
    cache.lookup(KEY, 60, produce)


def test_parallel_forks_fill_each_entry_once(tmp_path):
    root, counter = str(tmp_path / "cache"), str(tmp_path / "count")
    os.makedirs(counter)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_fork_fetch, args=(root, counter, barrier)) for _fork in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(20)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    names = os.listdir(counter)
    assert len([n for n in names if not n.startswith("lookup-")]) == 1  # one download
    assert len([n for n in names if n.startswith("lookup-")]) == 1  # one catalog answer
    assert os.listdir(os.path.join(root, "files")) == [SHA256]


def test_place_in_mirror(tmp_path):
    cache = DownloadCache(str(tmp_path / "c"))
    cache.fetch(SHA1, SHA256, writer())
    mirror = str(tmp_path / "mirror")
    assert cache.place(SHA256, mirror, "a.msu") is True
    assert cache.place(SHA256, mirror, "a.msu") is False
    with open(os.path.join(mirror, "a.msu"), "wb") as handle:  # someone changed the mirror copy
        handle.write(b"tampered")
    assert file_hashes(cache.file_path(SHA256))[1] == SHA256  # the cache copy is not the mirror's inode
    assert cache.place(SHA256, mirror, "a.msu") is True
    assert file_hashes(os.path.join(mirror, "a.msu"))[1] == SHA256
    assert sorted(os.listdir(mirror)) == ["a.msu"]
    with pytest.raises(CacheError):
        cache.place(SHA256, mirror, "../x.msu")
    with pytest.raises(CacheError, match="not in the cache"):
        cache.place("b" * 64, mirror, "b.msu")
