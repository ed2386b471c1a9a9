# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hresult filter: same answers as plugin_utils.hresult, clear errors, real Jinja use."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml
from ansible.errors import AnsibleFilterError

# importable through build/collections, which tests/conftest.py puts on sys.path
from ansible_collections.winrepair.windows_update.plugins.filter import hresult as filter_module

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FILTER_DIR = os.path.join(_ROOT, "plugins", "filter")


def _filter():
    return filter_module.FilterModule().filters()["hresult"]


def test_filter_is_registered_under_its_name():
    assert set(filter_module.FilterModule().filters()) == {"hresult"}


def test_filter_decodes_unsigned_int():
    info = _filter()(2147943174)
    assert info["hex"] == "0x80070306"
    assert info["name"] == "ERROR_ERRORS_ENCOUNTERED"
    assert info["win32"]["code"] == 774


def test_filter_decodes_signed_string_and_pair():
    assert _filter()("-2146498529")["name"] == "CBS_E_SOURCE_MISSING"
    assert _filter()("0xC1900101 - 0x4000D")["extend"]["operation"]["short"] == "MIGRATE_DATA"


@pytest.mark.parametrize("bad", [None, "not a code", "", 1.5, {"a": 1}, 2 ** 40])
def test_filter_raises_ansible_filter_error(bad):
    with pytest.raises(AnsibleFilterError) as err:
        _filter()(bad)
    assert "hresult" in str(err.value)


def test_docs_yaml_has_the_three_sections_and_matches_the_name():
    with open(os.path.join(FILTER_DIR, "hresult.yml"), encoding="utf-8") as handle:
        docs = yaml.safe_load(handle)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert docs["DOCUMENTATION"]["name"] == "hresult"
    assert docs["DOCUMENTATION"]["positional"] == "_input"
    examples = yaml.safe_load(docs["EXAMPLES"])
    assert all("winrepair.windows_update.hresult" in json.dumps(task) for task in examples)
    returned = docs["RETURN"]["_value"]["contains"]
    # Every key the filter returns is documented.
    assert set(_filter()("0xC1900101 - 0x4000D")) <= set(returned)


def test_filter_works_in_a_real_template():
    ansible = shutil.which("ansible", path=os.path.join(_ROOT, ".venv", "bin"))
    if ansible is None:
        pytest.skip("ansible is not installed in .venv (run make setup)")
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(_ROOT, "build", "collections"),
        "ANSIBLE_CONFIG": os.path.join(_ROOT, "tests", "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
    })
    expr = "{{ (2147943174 | winrepair.windows_update.hresult).name }}/{{ ('-2146498529' | winrepair.windows_update.hresult).hex }}"
    proc = subprocess.run(
        [ansible, "localhost", "-c", "local", "-m", "ansible.builtin.debug", "-a", "msg=" + expr],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"msg": "ERROR_ERRORS_ENCOUNTERED/0x800F081F"' in proc.stdout, proc.stdout
