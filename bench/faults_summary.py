# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix summary: run tests/reliability/faultlib.CASES once and print a
Markdown table per rung (faults tried, survived, data lost) plus the cases
that did not survive, for `make bench` and bench/RESULTS.md.

    python bench/faults_summary.py            # table on stdout
    python bench/faults_summary.py --json F   # also the per-case results as JSON

A case "survived" when every check of faultlib.run_case held (consistent host,
clear message, rerun finishes, no destructive step repeated after a cut-off
run); "data lost" counts cases after which SoftwareDistribution or catroot2
was gone with no backup. Exit status 0 when every case survived, 1 otherwise.
Needs the environment of docs/dev/HELPERS.md (PYTHONPATH=tests, the built
collections); sets what it can itself.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in (os.path.join(REPO, "tests"), os.path.join(REPO, "tests", "reliability")):
    if _p not in sys.path:
        sys.path.insert(0, _p)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, "build", "collections"))


def table(outcomes):
    """Markdown lines: one row per rung and a total."""
    rows, order = {}, []
    for o in outcomes:
        if o.case.rung not in rows:
            rows[o.case.rung] = [0, 0, 0]
            order.append(o.case.rung)
        r = rows[o.case.rung]
        r[0] += 1
        r[1] += int(o.survived)
        r[2] += int(o.data_lost)
    lines = ["| rung | faults tried | survived | data lost |", "|---|---:|---:|---:|"]
    for rung in order:
        lines.append("| %s | %d | %d | %d |" % (rung, *rows[rung]))
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    lines.append("| **total** | **%d** | **%d** | **%d** |" % tuple(total))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write per-case results to this file")
    args = parser.parse_args(argv)
    import faultlib
    start = time.monotonic()
    # The action plugins print progress with Display(); keep the table clean.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        outcomes = faultlib.run_matrix()
    seconds = time.monotonic() - start
    print("### Fault matrix (tests/reliability/faultlib.py, %d cases, %.0f s)" % (len(outcomes), seconds))
    print()
    print("\n".join(table(outcomes)))
    failed = [o for o in outcomes if not o.survived]
    if failed:
        print()
        print("Did not survive:")
        for o in failed:
            print("- %s: %s" % (o.case.id, "; ".join(o.problems)))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([{"rung": o.case.rung, "fault": o.case.fault, "survived": o.survived,
                        "data_lost": o.data_lost, "repeated": o.repeated, "problems": o.problems,
                        "first_msg": o.first.get("msg"), "rerun_ok": o.rerun_ok} for o in outcomes],
                      handle, indent=1, default=str)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
