# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role documents every default: meta/argument_specs.yml has an option
for each variable of defaults/main.yml, with the same default value, and a
description (ansible-doc -t role renders from it)."""
from __future__ import annotations

import os

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES = sorted(os.listdir(os.path.join(ROOT, "roles")))


def _load(role, *parts):
    path = os.path.join(ROOT, "roles", role, *parts)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_there_are_roles():
    assert "wu_remediate" in ROLES and len(ROLES) >= 8


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_document_every_default(role):
    specs = _load(role, "meta", "argument_specs.yml")
    assert isinstance(specs, dict) and "main" in specs.get("argument_specs", {}), \
        "roles/%s/meta/argument_specs.yml has no main entry point" % role
    main = specs["argument_specs"]["main"]
    assert main.get("short_description"), role
    options = main.get("options") or {}
    defaults = _load(role, "defaults", "main.yml") or {}
    missing = sorted(set(defaults) - set(options))
    assert not missing, "roles/%s: defaults without argument spec: %s" % (role, missing)
    for name, value in defaults.items():
        option = options[name]
        assert option.get("description"), "%s.%s has no description" % (role, name)
        if "default" in option:
            assert option["default"] == value, "%s.%s: default %r in specs, %r in defaults" % (
                role, name, option["default"], value)


@pytest.mark.parametrize("role", ROLES)
def test_argument_spec_texts_hold_no_jinja(role):
    # The role's argument validation templates the spec: a "{{ ... }}" in a description is
    # evaluated on every run and fails where it names an undefined variable.
    text = open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8").read()
    for delimiter in ("{{", "{%", "{#"):
        assert delimiter not in text, "roles/%s/meta/argument_specs.yml holds %r" % (role, delimiter)
