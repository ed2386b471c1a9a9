# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Templates of the role wu_remediate's tasks, rendered as Ansible renders them (Jinja2 over the YAML value)."""
from __future__ import annotations

import os

import jinja2
import pytest
import yaml

ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles", "wu_remediate")


def _task(file_name, name):
    with open(os.path.join(ROLE, "tasks", file_name), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    found = [t for t in tasks if t.get("name") == name]
    assert len(found) == 1, name
    return found[0]


@pytest.mark.parametrize("fixed_by", [None, "reset"])
def test_the_verdict_line_has_single_spaces(fixed_by):
    msg = _task("main.yml", "Show the verdict")["ansible.builtin.debug"]["msg"]
    record = {"target_kb": "KB5043080", "verdict": "fixed" if fixed_by else "needs_person", "fixed_by": fixed_by,
              "reason": "why"}
    text = jinja2.Environment().from_string(msg).render(wu_remediation=record)
    assert "  " not in text and text.strip() == text
    assert text == ("KB5043080: fixed (fixed by reset) - why" if fixed_by else "KB5043080: needs_person - why")


def _walk(tasks):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _walk(task.get(key) or [])


def test_the_rungs_are_included_in_the_ladders_order_each_under_its_own_condition():
    from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

    with open(os.path.join(ROLE, "tasks", "main.yml"), encoding="utf-8") as handle:
        tasks = list(_walk(yaml.safe_load(handle)))
    rungs = [t for t in tasks if t.get("ansible.builtin.include_tasks") == "rung_run.yml"]
    assert [t["vars"]["wu_remediate_rung"] for t in rungs] == list(remediation.AUTOMATED_RUNGS)
    for task in rungs:
        rung = task["vars"]["wu_remediate_rung"]
        # Read when the host reaches the include, after the rungs before it ran.
        assert task["when"] == ["'%s' in wu_remediate_plan.rungs" % rung,
                                "wu_remediation | winrepair.windows_update.wu_should_run('%s', ansible_check_mode)" % rung]
        assert task["name"] == "Rung " + rung
