# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""galaxy.yml's ansible.windows range is the one `make test` runs: each stage runs one of its ends.

The range is closed (>=LOWEST,<=HIGHEST): tools/setup_env.sh extracts the
highest into build/collections (the pytest and newest-core stages),
tools/setup_oldest.sh the lowest into build/collections-core217 (the
oldest-core stage of tools/run_tests.sh, which runs this file too). A new
bundle in either script that leaves the range fails here, in that stage.
test_release_files.py keeps requirements.yml and execution-environment.yml
equal to galaxy.yml.
"""
from __future__ import annotations

import json
import os
import re

import yaml
from packaging.version import Version
from winsim.pytest_plugin import COLLECTIONS, REPO


def declared_range():
    """(lowest, highest) Version of ansible.windows in galaxy.yml."""
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)["dependencies"]["ansible.windows"]
    bounds = dict(re.fullmatch(r"\s*(>=|<=)\s*([0-9.]+)\s*", part).groups() for part in spec.split(","))
    assert set(bounds) == {">=", "<="}, "a closed range, lowest and highest tested: %r" % spec
    return Version(bounds[">="]), Version(bounds["<="])


def installed_version():
    with open(os.path.join(COLLECTIONS, "ansible_collections", "ansible", "windows", "MANIFEST.json"),
              encoding="utf-8") as handle:
        return Version(json.load(handle)["collection_info"]["version"])


def test_the_range_is_closed_and_not_empty():
    lowest, highest = declared_range()
    assert lowest <= highest


def test_this_stage_runs_an_end_of_the_range():
    assert installed_version() in declared_range(), (str(installed_version()), COLLECTIONS)
