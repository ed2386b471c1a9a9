# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The default stdout callback prints a play run by winrepair.windows_update.free as it prints one run by
ansible.builtin.free: each result under the banner of its own task, a banner only when the task changes.

Two hosts on the local connection: one sleeps in the first task while the other runs on, so their results
interleave. Every result line (ansible-playbook -v prints what the task returned) must sit under the banner
of the task whose output it carries, and the run prints no more banners than the builtin strategy does.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from winsim.pytest_plugin import VENV, ansible_env

PLAYBOOK = """
- hosts: all
  gather_facts: false
  strategy: "{{ strategy }}"
  tasks:
    - name: Step one
      ansible.builtin.command: "sleep {{ delay }}"
      changed_when: false
    - name: Step two
      ansible.builtin.debug:
        msg: from step two
    - name: Step three
      ansible.builtin.debug:
        msg: from step three
"""
INVENTORY = """
all:
  hosts:
    slow: {delay: 2}
    quick: {delay: 0}
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""
BANNER = re.compile(r"^TASK \[(.+?)\] \*+$")
RESULT = re.compile(r"^(ok|changed): \[(\w+)\] => (.*)$")
# What each task's result line carries.
OWN_OUTPUT = {"Step one": '"sleep"', "Step two": "from step two", "Step three": "from step three"}


def _run(tmp_path, strategy: str) -> list:
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    out = subprocess.run(["%s/bin/ansible-playbook" % VENV, "-v", "-i", str(tmp_path / "hosts.yml"),
                          str(tmp_path / "play.yml"), "-e", "strategy=" + strategy],
                         env=ansible_env(extra={"ANSIBLE_STDOUT_CALLBACK": "default",
                                                "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}),
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout.splitlines()


def _results_under_banners(lines: list) -> list:
    """(banner, host, result text) of every result, with the banner printed last before it."""
    banner, seen = None, []
    for index, line in enumerate(lines):
        match = BANNER.match(line)
        if match:
            banner = match.group(1)
            continue
        match = RESULT.match(line)
        if match:
            text = [match.group(3)]  # a result printed over several lines ends at a blank one
            for more in lines[index + 1:]:
                if not more.strip():
                    break
                text.append(more)
            seen.append((banner, match.group(2), "\n".join(text)))
    return seen


@pytest.mark.parametrize("strategy", ["winrepair.windows_update.free", "ansible.builtin.free"])
def test_each_result_is_printed_under_its_own_task(tmp_path, strategy):
    seen = _results_under_banners(_run(tmp_path, strategy))
    assert len(seen) == 6, seen
    for banner, host, text in seen:
        assert banner in OWN_OUTPUT, (banner, host, text)
        assert OWN_OUTPUT[banner] in text, "%s's result printed under the banner %r: %s" % (host, banner, text)
    # The quick host ran on while the slow one slept: the results did interleave.
    order = [(banner, host) for banner, host, _text in seen]
    assert order.index(("Step three", "quick")) < order.index(("Step one", "slow")), order


def test_banners_only_when_the_task_changes(tmp_path):
    ours = sum(1 for line in _run(tmp_path, "winrepair.windows_update.free") if BANNER.match(line))
    builtin = sum(1 for line in _run(tmp_path, "ansible.builtin.free") if BANNER.match(line))
    assert ours == builtin, (ours, builtin)
