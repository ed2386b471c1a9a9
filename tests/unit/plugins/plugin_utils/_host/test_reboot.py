# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host/reboot.py against the installed ansible.windows: its private reboot_host still takes our call.

ansible.windows.plugins.plugin_utils._reboot is private to ansible.windows and
may change in any of its releases. These tests read the copy in the collections
tree the tests run with (build/collections: the highest ansible.windows
galaxy.yml admits; the oldest stage of tools/run_tests.sh runs them on
build/collections-core217, the lowest).
"""
from __future__ import annotations

import inspect
import os
import re

import pytest

from ansible_collections.ansible.windows.plugins.plugin_utils import _reboot as windows_reboot
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import reboot

SIGNATURE = inspect.signature(windows_reboot.reboot_host)


def test_the_call_binds_to_the_installed_signature():
    # What reboot.reboot_host passes: two positionals, then KEYWORDS by name.
    bound = SIGNATURE.bind("winrepair.windows_update.win_inplace_upgrade", object(),
                           **{name: "x" for name in reboot.KEYWORDS})
    assert list(bound.arguments)[:2] == ["task_action", "connection"]


@pytest.mark.parametrize("name", reboot.KEYWORDS)
def test_each_keyword_is_a_keyword_parameter(name):
    assert SIGNATURE.parameters[name].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def test_the_answer_keys_we_read_are_documented():
    # The docstring's part on the returned dict: from "keys set:" to the verbosity levels.
    doc = inspect.getdoc(windows_reboot.reboot_host)
    answer = doc[doc.index("keys set:"):doc.index("Verbosity")]
    for key in reboot.ANSWER_KEYS:
        assert re.search(r"\b%s\b" % key, answer), key


def test_the_wrapper_passes_its_arguments_through(monkeypatch):
    calls = []

    def fake(*args, **kwargs):
        SIGNATURE.bind(*args, **kwargs)  # what the real one would accept
        calls.append((args, kwargs))
        return {"rebooted": True, "elapsed": 42, "failed": False}

    monkeypatch.setattr(reboot, "_windows_reboot_host", fake)
    connection = object()
    answer = reboot.reboot_host("some.action", connection, reboot_timeout=7200, msg="restarting")
    assert calls == [(("some.action", connection), {"reboot_timeout": 7200, "msg": "restarting"})]
    assert answer["rebooted"] is True


def test_only_the_wrapper_imports_the_private_helper():
    top = os.path.dirname(reboot.__file__)
    plugins = os.path.dirname(os.path.dirname(top))
    importers = []
    for folder, _dirs, files in os.walk(plugins):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    if "plugin_utils._reboot" in handle.read():
                        importers.append(os.path.relpath(path, plugins))
    assert importers == [os.path.join("plugin_utils", "_host", "reboot.py")]
