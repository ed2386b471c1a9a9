# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml through ansible-builder itself (no container is built).

`ansible-builder create` must accept the definition and write a build context
whose files name what the image needs: the EE's Python packages, the
collections (this one, and ansible.windows in galaxy.yml's range), the
ansible-core range and the base image. The image build then runs the
context's own introspection script over the installed collections to add
each collection's Python and system packages: run here over this collection,
it must find exactly what meta/execution-environment.yml declares.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

TOP = pathlib.Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((TOP / "galaxy.yml").read_text(encoding="utf-8"))
EE = yaml.safe_load((TOP / "execution-environment.yml").read_text(encoding="utf-8"))
META = yaml.safe_load((TOP / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
FQCN = "%s.%s" % (GALAXY["namespace"], GALAXY["name"])


def _builder():
    """The ansible-builder of the venv running the tests (requirements/test.in), else the one on PATH."""
    here = pathlib.Path(sys.executable).parent / "ansible-builder"
    found = str(here) if here.exists() else shutil.which("ansible-builder")
    if not found:
        pytest.fail("ansible-builder is not installed: `make setup` installs it (requirements/test.in)")
    return found


def _requirements(path):
    """The requirement lines of a pip or bindep file (comments and blank lines left out)."""
    lines = (TOP / path).read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    target = tmp_path_factory.mktemp("ee") / "context"
    done = subprocess.run([_builder(), "create", "-f", str(TOP / "execution-environment.yml"), "-c", str(target),
                           "--output-filename", "Containerfile"], capture_output=True, text=True, timeout=120,
                          check=False, cwd=TOP)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def test_create_writes_a_context_with_the_ees_packages_and_collections(context):
    build = context / "_build"
    assert _requirements(build / "requirements.txt") == EE["dependencies"]["python"]
    wanted = {c["name"]: c.get("version") for c in yaml.safe_load((build / "requirements.yml").read_text())["collections"]}
    assert FQCN in wanted
    assert wanted["ansible.windows"] == GALAXY["dependencies"]["ansible.windows"]
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert EE["images"]["base_image"]["name"] in containerfile
    assert EE["dependencies"]["ansible_core"]["package_pip"] in containerfile
    # The collections are installed from requirements.yml, and introspected for their own packages.
    assert "ansible-galaxy collection install" in containerfile and "introspect.py introspect" in containerfile


def test_the_contexts_introspection_finds_the_collections_python_and_system_packages(context, tmp_path):
    # A collections tree holding only this collection, as the image's /usr/share/ansible/collections would.
    tree = tmp_path / "collections"
    (tree / "ansible_collections" / GALAXY["namespace"]).mkdir(parents=True)
    os.symlink(TOP, tree / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"])
    pip_out, bindep_out = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    done = subprocess.run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect",
                           "--write-pip", str(pip_out), "--write-bindep", str(bindep_out), str(tree)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    found = yaml.safe_load(done.stdout)
    deps = META["dependencies"]
    python = _requirements(deps["python"]) if isinstance(deps.get("python"), str) else deps.get("python") or []
    system = _requirements(deps["system"]) if isinstance(deps.get("system"), str) else deps.get("system") or []
    assert python, "meta/execution-environment.yml declares no Python package (pywinrm at least)"
    tag = "  # from collection %s" % FQCN
    assert found["python"] == [req + tag for req in python]
    assert found["system"] == [req + tag for req in system]
    assert pip_out.read_text(encoding="utf-8").splitlines() == [req + tag for req in python]
    assert bindep_out.exists() == bool(system)
