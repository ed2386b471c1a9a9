# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix summary: run tests/reliability/faultlib.CASES once and print a
Markdown table per rung (faults tried, survived, data lost) plus the cases
that did not survive, for `make bench` and bench/RESULTS.md; then the same
faults at the level of playbooks/fix_wu.yml (the wire-level tests
test_fix_wu_faults.py, test_fix_wu_matrix.py and test_fix_wu_matrix_rest.py: one simulated host per
fault, a faulty run, then a re-run) as a second table from their JUnit report.

    python bench/faults_summary.py            # both tables on stdout
    python bench/faults_summary.py --json F   # also the per-case results as JSON
    python bench/faults_summary.py --no-fix-wu  # the first table only

A case "survived" when every check of faultlib.run_case held (consistent host,
clear message, rerun finishes, no destructive step repeated after a cut-off
run); "data lost" counts cases after which SoftwareDistribution or catroot2
was gone with no backup. Exit status 0 when every case survived, 1 otherwise.
Needs the environment of CONTRIBUTING.md (PYTHONPATH=tests, the built
collections); sets what it can itself.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

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


FIX_WU_TESTS = ("tests/reliability/test_fix_wu_faults.py", "tests/reliability/test_fix_wu_matrix.py",
                "tests/reliability/test_fix_wu_matrix_rest.py")


def fix_wu_outcomes(junit_path):
    """{host: {"tests": n, "failed": [test names], "consistent": bool}} from the JUnit report:
    each wire-level test is parametrized by the host (one fault each)."""
    hosts = collections.defaultdict(lambda: {"tests": 0, "failed": [], "consistent": True})
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        match = re.match(r"(test_\w+)\[([A-Za-z0-9_]+)\]$", case.get("name", ""))
        if not match:
            continue
        test, host = match.groups()
        entry = hosts[host]
        entry["tests"] += 1
        if case.find("failure") is not None or case.find("error") is not None:
            entry["failed"].append(test)
            if test == "test_host_consistent_after_the_fault":
                entry["consistent"] = False
    return dict(hosts)


def fix_wu_table(hosts):
    lines = ["| level | faults tried | survived | host left inconsistent |", "|---|---:|---:|---:|",
             "| fix_wu.yml (one host per fault, faulty run + re-run) | %d | %d | %d |"
             % (len(hosts), sum(1 for h in hosts.values() if not h["failed"]),
                sum(1 for h in hosts.values() if not h["consistent"]))]
    return lines


def run_fix_wu_level():
    """Run the wire-level fault tests once; (hosts, seconds, error text or None)."""
    python = os.path.join(REPO, ".venv", "bin", "python")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tests"),
               ANSIBLE_CONFIG=os.path.join(REPO, "tests", "ansible.cfg"))
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wu-faults-") as tmp:
        junit = os.path.join(tmp, "junit.xml")
        proc = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--junitxml", junit, *FIX_WU_TESTS], cwd=REPO, env=env, capture_output=True,
                              text=True, check=False)
        if not os.path.exists(junit):
            return {}, time.monotonic() - start, (proc.stdout + proc.stderr)[-800:]
        return fix_wu_outcomes(junit), time.monotonic() - start, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write per-case results to this file")
    parser.add_argument("--no-fix-wu", dest="fix_wu", action="store_false",
                        help="skip the fix_wu.yml-level runs (about 5 minutes)")
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
    hosts, error = {}, None
    if args.fix_wu:
        hosts, seconds, error = run_fix_wu_level()
        print()
        print("### The same faults through playbooks/fix_wu.yml (%s, %.0f s)" % (", ".join(FIX_WU_TESTS), seconds))
        print()
        if error:
            print("did not run: %s" % error)
        else:
            print("\n".join(fix_wu_table(hosts)))
            for name, h in sorted(hosts.items()):
                if h["failed"]:
                    print("- %s: failed %s" % (name, ", ".join(h["failed"])))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"rungs": [{"rung": o.case.rung, "fault": o.case.fault, "survived": o.survived,
                                  "data_lost": o.data_lost, "repeated": o.repeated, "problems": o.problems,
                                  "first_msg": o.first.get("msg"), "rerun_ok": o.rerun_ok} for o in outcomes],
                       "fix_wu": hosts}, handle, indent=1, default=str)
    bad_fix_wu = bool(error) or any(h["failed"] for h in hosts.values())
    return 0 if not failed and not bad_fix_wu else 1


if __name__ == "__main__":
    sys.exit(main())
