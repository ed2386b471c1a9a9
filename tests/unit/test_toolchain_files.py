# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the test toolchain's own files (tools/, tests/sanity/, .ansible-lint).

They guard what the toolchain promises and a reader cannot see from one run:
every sanity ignore says why, the get-pip stand-in really bootstraps pip, and
ansible-lint keeps linting the places where playbooks and roles will live.
"""
from __future__ import annotations

import pathlib
import subprocess
import venv

import pytest
import yaml

TOP = pathlib.Path(__file__).resolve().parents[2]
IGNORE_FILES = sorted((TOP / "tests" / "sanity").glob("ignore-*.txt"))


@pytest.mark.parametrize("ignore_file", IGNORE_FILES, ids=lambda p: p.name)
def test_every_sanity_ignore_names_an_existing_file_and_says_why(ignore_file):
    for number, line in enumerate(ignore_file.read_text(encoding="utf-8").splitlines(), start=1):
        entry, sep, reason = line.partition("#")
        where = f"{ignore_file.name}:{number}"
        assert sep and len(reason.strip()) >= 20, f"{where}: an ignore entry needs a '# reason'"
        path, _sp, test = entry.strip().partition(" ")
        assert test, f"{where}: no sanity test named"
        assert (TOP / path).exists(), f"{where}: {path} does not exist"


def test_getpip_standin_bootstraps_pip_into_a_venv_without_pip(tmp_path):
    # ansible-test makes its sanity venvs without pip and runs the cached
    # get-pip script with pip-install arguments; with no package named, the
    # stand-in must still leave a working pip behind.
    target = tmp_path / "v"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    assert subprocess.run([python, "-c", "import pip"], capture_output=True, check=False).returncode != 0
    done = subprocess.run([python, TOP / "tools" / "getpip_standin.py", "--disable-pip-version-check",
                           "--no-setuptools", "--no-wheel"], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    version = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("pip "), version.stderr


def test_ansible_lint_settings_are_offline_production_and_reach_the_content_dirs():
    config = yaml.safe_load((TOP / ".ansible-lint").read_text(encoding="utf-8"))
    assert config["profile"] == "production"
    assert config["offline"] is True
    excluded = [p.rstrip("/") for p in config["exclude_paths"]]
    for content in ("playbooks", "roles", "extensions/molecule", "extensions", "plugins"):
        assert content not in excluded, f"{content} must stay linted"
    for generated in ("build", ".venv", "tests/output", "tests/winsim", "bench/out", ".cache"):
        assert generated in excluded, f"{generated} should not be linted"
