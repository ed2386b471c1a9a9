# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each action plugin's ARGUMENT_SPEC is what its DOCUMENTATION (plugins/modules/NAME.py) says.

ansible-core validates a task against the spec; ansible-doc and the docs show
the DOCUMENTATION. Both must agree on every option, recursively through
suboptions: type, default, choices, elements, required and aliases.
"""
from __future__ import annotations

import importlib
import os

import pytest
import yaml

PLUGINS = ("win_inplace_upgrade", "win_kb_catalog_install", "win_sfc_dism", "win_wu_diagnose", "win_wu_journal",
           "win_wu_preflight", "win_wu_reset", "win_wu_verify", "wu_fleet_report")
PACKAGE = "ansible_collections.winrepair.windows_update.plugins"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def _same(a, b):
    # True == 1 and 15 == 15.0 in Python: a bool must be a bool on both sides, a number a number.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def differences(spec, doc, path=""):
    """The mismatches between an argument spec and documented options, as 'option.key: spec X, doc Y' lines."""
    out = []
    for name in sorted(set(spec) | set(doc)):
        where = path + name
        if name not in doc:
            out.append("%s: in ARGUMENT_SPEC, not documented" % where)
            continue
        if name not in spec:
            out.append("%s: documented, not in ARGUMENT_SPEC" % where)
            continue
        s, d = spec[name], doc[name] or {}
        pairs = {
            "type": (s.get("type", "str"), d.get("type", "str")),
            "default": (s.get("default"), d.get("default")),
            "choices": (s.get("choices"), d.get("choices")),
            "elements": (s.get("elements"), d.get("elements")),
            "required": (s.get("required", False), d.get("required", False)),
            "aliases": (s.get("aliases") or [], d.get("aliases") or []),
        }
        for key, (in_spec, in_doc) in pairs.items():
            if not _same(in_spec, in_doc):
                out.append("%s.%s: spec %r, doc %r" % (where, key, in_spec, in_doc))
        out.extend(differences(s.get("options") or {}, d.get("suboptions") or {}, where + "."))
    return out


@pytest.mark.parametrize("name", PLUGINS)
def test_argument_spec_matches_documentation(name):
    action = importlib.import_module("%s.action.%s" % (PACKAGE, name))
    doc = yaml.safe_load(importlib.import_module("%s.modules.%s" % (PACKAGE, name)).DOCUMENTATION)
    assert differences(action.ARGUMENT_SPEC, doc.get("options") or {}) == []


def test_every_action_plugin_is_checked():
    found = sorted(f[:-3] for f in os.listdir(os.path.join(REPO, "plugins", "action"))
                   if f.endswith(".py") and f != "__init__.py")
    assert tuple(found) == PLUGINS


@pytest.mark.parametrize("spec, doc, expected", [
    ({"a": {"type": "int", "default": 1}}, {"a": {"type": "int", "default": 2}}, ["a.default: spec 1, doc 2"]),
    ({"a": {"type": "bool", "default": True}}, {"a": {"type": "bool", "default": 1}}, ["a.default: spec True, doc 1"]),
    ({"a": {"type": "float", "default": 15.0}}, {"a": {"type": "float", "default": 15}}, []),
    ({"a": {}}, {"a": {"type": "str"}}, []),
    ({"a": {"type": "list", "elements": "str"}}, {"a": {"type": "list"}}, ["a.elements: spec 'str', doc None"]),
    ({"a": {"choices": ["x", "y"]}}, {"a": {"choices": ["x"]}}, ["a.choices: spec ['x', 'y'], doc ['x']"]),
    ({"a": {"aliases": ["b"]}}, {"a": {}}, ["a.aliases: spec ['b'], doc []"]),
    ({"a": {"required": True}}, {"a": {}}, ["a.required: spec True, doc False"]),
    ({"a": {}}, {}, ["a: in ARGUMENT_SPEC, not documented"]),
    ({}, {"a": {}}, ["a: documented, not in ARGUMENT_SPEC"]),
    ({"a": {"type": "dict", "options": {"b": {"type": "int"}}}},
     {"a": {"type": "dict", "suboptions": {"b": {"type": "str"}}}}, ["a.b.type: spec 'int', doc 'str'"]),
])
def test_differences_finds_each_kind_of_mismatch(spec, doc, expected):
    assert differences(spec, doc) == expected
