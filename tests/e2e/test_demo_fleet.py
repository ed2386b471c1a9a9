# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet of `make demo` (tests/scenarios/demo.yml) repaired by playbooks/fix_wu.yml
with the collection's real PowerShell scripts answering (WINSIM_REAL_SCRIPTS=1,
tests/winsim/real_scripts.py), as the PowerShell stage of `make test` runs it.

Without that variable the test is skipped: the same ladder with the scripts'
Python models is tests/e2e/test_ladder.py. Each host ends as an admin running
the ladder by hand would leave it:

  host                 cause                          verdict               rung that fixed it
  ws-cache             corrupt download cache         fixed                 reset
  ws-catroot           inconsistent catroot2          fixed                 reset
  ws-sysfiles(-it/-ja) corrupt system files           fixed                 sfc_dism (same on it-IT, ja-JP)
  ws-store             corrupt component store        fixed                 sfc_dism
  ws-insider           Insider build conflict         fixed                 catalog_install (superseding KB)
  ws-antivirus         third-party filter driver      needs_person          -
  ws-0x80070306        forward-delta hydration        needs_person          - (repair install not opted in)
  ws-0x80070306-optin  forward-delta hydration        fixed                 inplace_upgrade
  ws-failing-disk      failing disk                   skipped_failing_disk  -
  ws-healthy-1/-2      none (outside `affected`)      not touched           -

(A second run that only reads is tests/e2e/test_ladder.py's; this one is kept to
one run so the PowerShell stage stays short.)
"""
from __future__ import annotations

import os

import pytest
import yaml

from winsim import causes as causes_mod
from winsim import fix_wu_run, real_scripts
from winsim.pytest_plugin import REPO

pytestmark = pytest.mark.skipif(
    os.environ.get(real_scripts.ENV) != "1",
    reason="runs only with the real scripts (%s=1, the PowerShell stage); the model-mode ladder is "
           "tests/e2e/test_ladder.py" % real_scripts.ENV)

KB = "KB5043080"
EXPECT = {
    "ws-cache": ("fixed", "reset"),
    "ws-catroot": ("fixed", "reset"),
    "ws-sysfiles": ("fixed", "sfc_dism"),
    "ws-sysfiles-it": ("fixed", "sfc_dism"),
    "ws-sysfiles-ja": ("fixed", "sfc_dism"),
    "ws-store": ("fixed", "sfc_dism"),
    "ws-insider": ("fixed", "catalog_install"),
    "ws-antivirus": ("needs_person", None),
    "ws-0x80070306": ("needs_person", None),
    "ws-0x80070306-optin": ("fixed", "inplace_upgrade"),
    "ws-failing-disk": ("skipped_failing_disk", None),
}
UNTOUCHED = ("ws-healthy-1", "ws-healthy-2")


def _scenario():
    with open(os.path.join(REPO, "tests", "scenarios", "demo.yml"), encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    # Its own loopback addresses and free ports: the demo's fixed port may be in use.
    scenario["fleet"].update({"base_address": "127.0.93.1", "port": 0})
    return scenario


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    with fix_wu_run.fleet_and_catalog(_scenario(), tmp) as (fleet, catalog):
        variables = fix_wu_run.fix_wu_vars(catalog, tmp / "catalog-cache", kb=KB)
        variables["wu_remediate_poll_interval"] = None  # the scenario's value holds
        first = fix_wu_run.finish(fix_wu_run.start(fleet, tmp / "first", variables, "-l", "affected"))
        yield {"fleet": fleet, "first": first}


def test_every_host_gets_the_verdict_an_admin_would_reach(demo):
    run = demo["first"]
    assert run["rc"] == 0, fix_wu_run.why(run)
    got = {n: (f.get("verdict"), f.get("fixed_by")) for n, f in run["facts"].items() if n in EXPECT}
    assert got == EXPECT, fix_wu_run.why(run)


def test_fixed_hosts_have_the_update_and_no_cause_left(demo):
    fleet = demo["fleet"]
    for name, (verdict, _rung) in EXPECT.items():
        if verdict == "fixed" and name != "ws-insider":
            assert KB in fleet.host(name).installed_kbs, name
        if verdict == "fixed":
            assert causes_mod.active(fleet.host(name)) == [], name


def test_hosts_outside_the_limit_are_not_contacted(demo):
    for name in UNTOUCHED:
        assert demo["fleet"].records(name) == [], name
