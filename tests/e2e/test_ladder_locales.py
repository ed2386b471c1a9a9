# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repair ladder reaches the same verdicts on Italian and Japanese Windows as on English.

playbooks/fix_wu.yml runs once against a fleet where every root cause of
tests/winsim/causes.py (and the store that needs a repair source) appears
on an en-US, an it-IT and a ja-JP host. The simulated hosts print sfc and
DISM text in their language and OEM code page (tests/winsim/locales.py):
the sentences public captures show (ja-JP sfc "repaired", DISM's header,
restore-success and source-missing lines), marker lines for
the ones no capture shows (all of it-IT). The collection has to reach each
verdict from what does not depend on the language - exit codes, HRESULTs,
CBS.log - wherever it cannot read the text.
"""
from __future__ import annotations

import os

import pytest

from winsim import causes as causes_mod
from winsim import fix_wu_run, locales
from winsim.fake_catalog import FakeCatalog
from winsim.fleet import Fleet

LOCALES = ("en-US", "it-IT", "ja-JP")
KB = fix_wu_run.KB
CASES = {name: name for name in causes_mod.ORDER}
CASES["insider_build_conflict"] = {"name": "insider_build_conflict", "superseding_kb": "KB5048667"}
CASES["store_needs_source"] = {"name": "corrupt_component_store", "variant": "needs_source"}
SHORT = {"pending_reboot": "pend", "storage_fault": "disk", "low_disk": "space", "corrupt_download_cache": "cache",
         "inconsistent_catroot2": "catroot", "insider_build_conflict": "insider", "third_party_filter_driver": "av",
         "corrupt_component_store": "store", "forward_delta_hydration": "fwd", "corrupt_system_files": "sysfiles",
         "store_needs_source": "source"}


def _name(case, locale):
    return "%s-%s" % (SHORT[case], locale.split("-")[0])


SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.93.1", "port": 0},
    "defaults": {"target_kb": KB},
    "hosts": [dict({"name": _name(case, loc), "locale": loc, "root_cause": spec})
              for case, spec in CASES.items() for loc in LOCALES],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("locales")
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog().start()
    os.environ["SSL_CERT_FILE"] = catalog.ca_path  # the simulated hosts trust the fake catalog's CA
    fleet = Fleet.from_scenario(SCENARIO)
    fleet.start()
    try:
        fleet.write_inventory(str(tmp / "hosts.yml"))
        result = fix_wu_run.finish(fix_wu_run.start(fleet, tmp / "run", fix_wu_run.fix_wu_vars(catalog, tmp / "cache")))
        result["fleet"] = fleet
        yield result
    finally:
        fleet.stop()
        catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def _outcome(facts):
    return (facts["verdict"], facts["fixed_by"], [step["rung"] for step in facts["rungs_run"]],
            [step["outcome"] for step in facts["rungs_run"]])


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_verdict_and_rungs_in_every_language(run, case):
    facts = run["facts"]
    english = _name(case, "en-US")
    assert english in facts, fix_wu_run.why(run)
    expected = _outcome(facts[english])
    for locale in LOCALES[1:]:
        name = _name(case, locale)
        assert name in facts, (name, fix_wu_run.why(run))
        assert _outcome(facts[name]) == expected, (name, facts[name]["reason"], facts[english]["reason"])


def _sfc_output(fleet, name):
    """What sfc printed on host NAME (its detached run's stdout), decoded."""
    host = fleet.host(name)
    outs = [data for path, data in host.files.items() if "\\winrepair\\runs\\win_sfc_dism-sfc" in path
            and path.endswith("\\stdout.txt")]
    assert len(outs) == 1, (name, [p for p in host.files if "\\runs\\" in p])
    return outs[0].decode("utf-16-le")


def test_sfc_spoke_each_hosts_language(run):
    fleet = run["fleet"]
    # The system-files hosts ran sfc: English, a marker where no Italian capture exists, Japanese from a capture.
    assert "Windows Resource Protection" in _sfc_output(fleet, _name("corrupt_system_files", "en-US"))
    italian = _sfc_output(fleet, _name("corrupt_system_files", "it-IT"))
    assert locales.marker("sfc", "it-IT", "begin") in italian and "Windows Resource" not in italian
    japanese = _sfc_output(fleet, _name("corrupt_system_files", "ja-JP"))
    assert "破損したファイルが見つかり、それらは正常に修復されました" in japanese
    for locale in LOCALES:
        assert run["facts"][_name("corrupt_system_files", locale)]["verdict"] == "fixed"
