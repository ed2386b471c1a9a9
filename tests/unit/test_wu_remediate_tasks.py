# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Templates of the role wu_remediate's tasks, rendered as Ansible renders them (Jinja2 over the YAML value)."""
from __future__ import annotations

import os
import re

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


def _load(file_name):
    with open(os.path.join(ROLE, "tasks", file_name), encoding="utf-8") as handle:
        return list(_walk(yaml.safe_load(handle)))


def _squeeze(text):
    return " ".join(text.split())


def test_the_climb_includes_the_first_rung_and_each_rung_the_next_under_the_same_condition():
    first = [t for t in _load("main.yml") if t.get("ansible.builtin.include_tasks") == "rung_run.yml"]
    chained = [t for t in _load("rung_run.yml") if t.get("ansible.builtin.include_tasks") == "rung_run.yml"]
    assert len(first) == 1 and len(chained) == 1
    for task in first + chained:
        # Read when the host reaches the include, after the rungs before it ran; no include vars
        # (they would be read again after the rung changed the record).
        assert task["when"] == "wu_remediate_rung_next is not none"
        assert "vars" not in task
    # One definition of the next rung, from the rung run last; the rung is named once, as a fact,
    # from it; a new climb starts from the bottom.
    with open(os.path.join(ROLE, "vars", "main.yml"), encoding="utf-8") as handle:
        role_vars = yaml.safe_load(handle)
    assert _squeeze(role_vars["wu_remediate_rung_next"]) == _squeeze(
        "{{ wu_remediation | winrepair.windows_update.wu_next_rung(wu_remediate_plan.rungs, wu_remediate_rung, "
        "ansible_check_mode) }}")
    # The start is journaled from wu_remediate_rung_next; the outcome's task (and the rescue's) names
    # the rung as a fact from it and records the outcome on the start the journal holds.
    start = _task("rung_run.yml", "Journal the start before the rung changes the host")
    assert "wu_step_start(wu_remediate_rung_next, wu_diagnosis)" in _squeeze(
        start["winrepair.windows_update.win_wu_journal"]["entry"])
    assert start["register"] == "wu_remediate_journal_written"
    assert _squeeze(role_vars["wu_remediate_started"]) == _squeeze(
        "{{ wu_remediation | winrepair.windows_update.wu_step_start(wu_remediate_rung_next, wu_diagnosis, "
        "wu_remediate_journal_written | default({})) }}")
    outcomes = [t for t in _load("rung_run.yml") if "ansible.builtin.set_fact" in t
                and "wu_remediation" in t["ansible.builtin.set_fact"]]
    assert len(outcomes) == 2  # the block's and the rescue's
    for task in outcomes:
        facts = task["ansible.builtin.set_fact"]
        assert facts["wu_remediate_rung"] == "{{ wu_remediate_rung_next }}"
        assert _squeeze(facts["wu_remediation"]).startswith(
            "{{ wu_remediate_started | winrepair.windows_update.wu_step_finish(wu_remediate_rung_next,")
    # Nothing before the outcome's task reads the fact, which still names the rung before.
    names = [t.get("name") for t in _load("rung_run.yml")]
    before = [t for t in _load("rung_run.yml")[:names.index("Keep the rung's result and record the outcome")]
              if "block" not in t]  # the tasks themselves, not the block around them
    assert before and not any(re.search(r"\bwu_remediate_rung\b(?!_)", yaml.safe_dump(t)) for t in before)
    plan = [t for t in _load("main.yml") if str(t.get("name", "")).startswith("Plan the climb")][0]
    assert plan["ansible.builtin.set_fact"]["wu_remediate_rung"] == ""
    # The chained include is the file's last task: nothing of this rung runs after the next one.
    with open(os.path.join(ROLE, "tasks", "rung_run.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)[-1] == chained[0]
