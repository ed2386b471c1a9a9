# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository stands alone: no tracked file reaches outside it.

`make demo` and `make test` must work on a clone with nothing beside it. The
one exception is the optional PowerShell lookup (tools/find_pwsh.sh), which
may look for a pwsh beside the repository and skips its stage when there is
none. Everything else that a test, the demo or a benchmark reads is in the
repository, and every citation names a public source, not a local file.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
THIS = os.path.relpath(os.path.abspath(__file__), REPO)

# The optional pwsh lookup is the only file allowed to look beside the repository.
ALLOWED = {"tools/find_pwsh.sh", THIS}

OUTSIDE = re.compile(
    r"\.\./shared\b"                 # the folder beside the repository
    r"|\bshared/(?:fixtures|tools)/"  # ... however it is reached
    r"|[\'\"]shared[\'\"]\s*,\s*[\'\"](?:fixtures|tools)"  # ... or joined
    r"|windows-facts\.md"            # notes are not a source: cite the public one
    r"|/work/(?:main|shared)\b"      # a development machine's paths
    r"|/home/[a-z_][\w.-]*/"         # a user's home on some machine
    r"|/root/(?!\.ansible\b)"        # root's home (but ~/.ansible is Ansible's own default)
)


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


def offending_lines(path):
    try:
        with open(os.path.join(REPO, path), encoding="utf-8") as handle:
            text = handle.read()
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []
    return ["%s:%d: %s" % (path, number, line.strip()[:120])
            for number, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]


def test_no_tracked_file_reaches_outside_the_repository():
    if not os.path.isdir(os.path.join(REPO, ".git")):
        pytest.skip("not a git checkout (an installed collection): nothing to list")
    found = [hit for path in tracked_files() if path not in ALLOWED for hit in offending_lines(path)]
    assert not found, "files that refer outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize("line", [
    "FIXTURES = os.path.join(ROOT, '..', '..', '..', 'shared', 'fixtures', 'catalog')",
    "see ../shared/fixtures/catalog",
    "(source: /work/shared/windows-facts.md)",
    "cd /work/main && make test",
    "PATH=/home/alice/bin:$PATH",
    "cp x /root/build/",
])
def test_the_check_catches_each_kind_of_outside_reference(line):
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", [
    "ansible_collections/winrepair/windows_update/plugins/plugin_utils/_host/detached.py",
    "remote_tmp = /root/.ansible/tmp",
    "C:\\Windows\\SoftwareDistribution\\shared",
    "https://learn.microsoft.com/en-us/windows/deployment/upgrade/upgrade-error-codes",
])
def test_the_check_lets_ordinary_lines_through(line):
    assert not OUTSIDE.search(line)
