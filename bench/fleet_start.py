# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): start a 200-host winsim fleet, win_ping it with 50 forks.

    .venv/bin/python bench/fleet_start.py [--hosts 200] [--forks 50]

Prints start seconds, ping wall seconds and per-host figures; exit 0 unless
a host failed to answer.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from winsim.pytest_plugin import VENV, ansible_env, start_fleet  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--forks", type=int, default=50)
    p.add_argument("--base-address", default="127.0.100.1")
    args = p.parse_args()
    scenario = {"fleet": {"time_scale": 600, "base_address": args.base_address},
                "count": args.hosts, "name": "bench{n:03d}"}
    with tempfile.TemporaryDirectory(prefix="winsim-bench-") as tmp:
        t0 = time.monotonic()
        fleet = start_fleet(scenario, tmp)
        start_s = time.monotonic() - t0
        try:
            tree = os.path.join(tmp, "tree")
            t1 = time.monotonic()
            self0 = resource.getrusage(resource.RUSAGE_SELF)
            kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run([os.path.join(VENV, "bin", "ansible"), "all", "-i", fleet.inventory_path,
                                   "-m", "ansible.windows.win_ping", "-f", str(args.forks), "--tree", tree],
                                  env=ansible_env(), capture_output=True, text=True, timeout=900, check=False)
            ping_s = time.monotonic() - t1
            self1 = resource.getrusage(resource.RUSAGE_SELF)
            kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
            ansible_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
            ok = 0
            for name in os.listdir(tree) if os.path.isdir(tree) else []:
                with open(os.path.join(tree, name)) as fh:
                    ok += json.load(fh).get("ping") == "pong"
            records = sum(len(fleet.records(h)) for h in fleet.hosts)
        finally:
            fleet.stop()
    print("hosts               %d" % args.hosts)
    print("forks               %d" % args.forks)
    print("fleet start         %.2f s (%.1f ms/host)" % (start_s, 1000 * start_s / args.hosts))
    print("win_ping wall       %.2f s (%.1f ms/host, %.1f hosts/s)" % (ping_s, 1000 * ping_s / args.hosts,
                                                                       args.hosts / ping_s))
    print("CPU during ping     winsim %.1f s, ansible %.1f s (%d CPUs)" % (server_cpu, ansible_cpu, os.cpu_count()))
    print("pong answers        %d/%d" % (ok, args.hosts))
    print("records             %d" % records)
    print("ansible exit code   %d" % proc.returncode)
    if ok != args.hosts:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
