# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 2 (not a test): catalog and download traffic of win_kb_catalog_install.

    .venv/bin/python bench/catalog_traffic.py [--hosts 100] [--forks 50] [--file-size 1048576]

HOSTS simulated hosts, half x64 and half arm64, all need KB5048667, whose
catalog download dialog lists the checkpoint KB5043080 beside it (fake catalog,
tests/winsim/fake_catalog.py): 1 search, 2 distinct updates (one per
architecture), 4 distinct files. One fresh fleet, controller cache and mirror
folder per run: download_mode host, controller and mirror, and the per-host
baseline bench/baseline_catalog_per_host.yml. Counted: catalog requests by kind
and bytes (fake catalog counters), bytes served by the mirror, WinRM requests
and SOAP bytes (winsim server counters), update bytes sent through WinRM
(put_file records of .msu files) and update bytes the hosts fetched over http(s).
Targets: one search and one dialog request per distinct update, one download
per distinct file (controller, mirror), no update bytes through WinRM (host,
mirror).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

from winsim.detached import dism_packages  # noqa: E402

KB = "KB5048667"
DISTINCT_SEARCHES = 1  # one query (the KB) serves both architectures
DISTINCT_UPDATES = 2  # x64 and arm64
DISTINCT_FILES = 4  # target + checkpoint, per architecture
MODES = ("host", "controller", "mirror")


def scenario(hosts: int, time_scale: float, base_address: str) -> dict:
    entries = [{"name": "c%03d-%s" % (i + 1, "arm" if i % 2 else "x64"),
                "os": {"architecture": "arm64" if i % 2 else "x64"}} for i in range(hosts)]
    return {"fleet": {"time_scale": time_scale, "base_address": base_address}, "hosts": entries}


def _play(directory: str, mode: str, catalog, mirror_dir: str, mirror_netloc: str) -> str:
    args = {"kb": KB, "download_mode": mode, "catalog_url": catalog.url, "ca_path": catalog.ca_path,
            "download_hosts": [catalog.download_host, mirror_netloc],
            "cache_dir": os.path.join(directory, "cache"), "poll_interval": 0.1, "timeout": 900}
    if mode == "mirror":
        args.update(mirror_dir=mirror_dir, mirror_url="http://%s/" % mirror_netloc)
    play = [{"name": "win_kb_catalog_install, download_mode %s" % mode, "hosts": "all", "gather_facts": False,
             "tasks": [{"name": "install", "winrepair.windows_update.win_kb_catalog_install": args}]}]
    return common.write_json(os.path.join(directory, "play-%s.json" % mode), play)


def _measure(kind: str, hosts: int, forks: int, time_scale: float, tmp: str, catalog) -> dict:
    directory = os.path.join(tmp, kind)
    mirror_dir = os.path.join(directory, "mirror")
    os.makedirs(mirror_dir)
    catalog.reset()
    with common.mirror_server(mirror_dir) as mirror, \
            common.fleet(scenario(hosts, time_scale, "127.0.130.1"), directory) as f:
        netloc = "localhost:%d" % mirror.server_address[1]
        if kind == "baseline":
            run = common.playbook(f.inventory_path, os.path.join(common.BENCH, "baseline_catalog_per_host.yml"),
                                  {"bench_kb": KB, "bench_catalog_url": catalog.url,
                                   "bench_ca_path": catalog.ca_path,
                                   "bench_download_hosts": [catalog.download_host],
                                   "bench_cache_root": os.path.join(directory, "caches"),
                                   "bench_poll_interval": 0.1}, forks=forks)
        else:
            run = common.playbook(f.inventory_path, _play(directory, kind, catalog, mirror_dir, netloc),
                                  forks=forks)
        stats = catalog.stats()
        winrm = common.wire(f)
        # Every file the controller pushed (put_file: win_copy sends to a temporary name; modules
        # themselves travel in the command's stdin, not through put_file).
        put_bytes = sum(int(r.args.get("size") or 0) for name in f.hosts for r in f.records(name)
                        if r.kind == "raw" and r.name == "put_file")
        installed = sum(KB in h.installed_kbs for h in f.hosts.values())
        host_fetch = mirror.counter["bytes"] if kind == "mirror" else (
            stats["download_bytes"] if kind in ("host", "baseline") else 0)
        controller_fetch = stats["download_bytes"] if kind in ("controller", "mirror") else 0
    req = stats["requests"]
    return {"searches": req.get("Search.aspx", 0), "dialogs": req.get("DownloadDialog.aspx", 0),
            "details_pages": req.get("ScopedViewInline.aspx", 0), "downloads": req.get("download", 0),
            "catalog_requests": stats["total_requests"], "catalog_bytes": stats["bytes_served"],
            "controller_fetch_bytes": controller_fetch, "host_fetch_bytes": host_fetch,
            "mirror_requests": mirror.counter["requests"], "winrm_requests": winrm["requests"],
            "winrm_bytes_in": winrm["bytes_in"], "winrm_bytes_out": winrm["bytes_out"],
            "update_bytes_via_winrm": put_bytes, "installed": installed, "hosts": hosts,
            "wall": run.wall, "rc": run.rc, "tail": run.tail(1200) if run.rc else ""}


def run(hosts: int = 100, forks: int = 50, file_size: int = 1024 * 1024, time_scale: float = 6000.0,
        keep: str = None) -> dict:
    dism_packages.install()
    results = {}
    with common.workdir("catalog", keep) as tmp, common.fake_catalog(file_size) as catalog:
        for kind in MODES + ("baseline",):
            results[kind] = _measure(kind, hosts, forks, time_scale, tmp, catalog)
    base = results["baseline"]
    rows = []
    for mode in MODES:
        r = results[mode]
        label = "%s mode: " % mode
        rows.append(common.row(label + "catalog searches", r["searches"], base["searches"],
                               "<= %d" % DISTINCT_SEARCHES, r["searches"] <= DISTINCT_SEARCHES))
        rows.append(common.row(label + "download dialogs", r["dialogs"], base["dialogs"],
                               "<= %d" % DISTINCT_UPDATES, r["dialogs"] <= DISTINCT_UPDATES))
        if mode == "host":
            rows.append(common.row(label + "downloads (catalog/CDN)", r["downloads"], base["downloads"],
                                   "(each host fetches)"))
        else:
            rows.append(common.row(label + "downloads (catalog/CDN)", r["downloads"], base["downloads"],
                                   "<= %d" % DISTINCT_FILES, r["downloads"] <= DISTINCT_FILES))
        via = r["update_bytes_via_winrm"]
        rows.append(common.row(label + "update bytes through WinRM", via, base["update_bytes_via_winrm"],
                               "0" if mode != "controller" else "(by design)",
                               via == 0 if mode != "controller" else None, "B"))
        rows.append(common.row(label + "WinRM bytes per host", (r["winrm_bytes_in"] + r["winrm_bytes_out"]) / hosts,
                               (base["winrm_bytes_in"] + base["winrm_bytes_out"]) / hosts, unit="B"))
        rows.append(common.row(label + "update bytes hosts fetched (http)", r["host_fetch_bytes"],
                               base["host_fetch_bytes"], unit="B"))
        rows.append(common.row(label + "hosts installed", r["installed"], base["installed"], "all",
                               r["installed"] == hosts))
    notes = ["%d hosts (%d x64, %d arm64), %s with checkpoint KB5043080, files of ~%d KiB; per-host baseline "
             "bench/baseline_catalog_per_host.yml" % (hosts, (hosts + 1) // 2, hosts // 2, KB, file_size // 1024)]
    notes += ["%s: controller downloaded %d B, WinRM %d requests" % (m, results[m]["controller_fetch_bytes"],
                                                                     results[m]["winrm_requests"])
              for m in MODES + ("baseline",)]
    for kind, r in results.items():
        if r["rc"] != 0:
            notes.append("%s run exited %d: %s" % (kind, r["rc"], r["tail"][-500:]))
    return {"benchmark": "2 catalog traffic", "rows": rows, "notes": notes,
            "details": json.loads(json.dumps(results)), "ok": all(r["rc"] == 0 for r in results.values())}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--file-size", dest="file_size", type=int, default=1024 * 1024)
    p.add_argument("--time-scale", dest="time_scale", type=float, default=6000.0)
    p.add_argument("--keep", help="keep the work folder here")
    sys.exit(common.main_for(run, p))
