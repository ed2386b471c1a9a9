# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files users build on: requirements.yml, execution-environment.yml, meta/execution-environment.yml.

They must parse, follow their schema (ansible-galaxy requirements; ansible-builder
3 definition, version 3; ansible-builder collection metadata) and name what the
collection needs: ansible.windows at the version galaxy.yml requires,
community.windows only if the collection uses it, pywinrm for the controller,
an ansible-core the collection supports. meta/execution-environment.yml must
point at a file that the galaxy build keeps.
"""
from __future__ import annotations

import fnmatch
import pathlib
import re

import yaml

TOP = pathlib.Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((TOP / "galaxy.yml").read_text(encoding="utf-8"))
RUNTIME = yaml.safe_load((TOP / "meta" / "runtime.yml").read_text(encoding="utf-8"))


def _load(name):
    data = yaml.safe_load((TOP / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), "%s does not parse to a mapping" % name
    return data


def _collections(entries):
    """{name: version or None} of a galaxy requirements list (plain names or dicts)."""
    out = {}
    for item in entries:
        if isinstance(item, str):
            out[item] = None
        else:
            assert set(item) <= {"name", "version", "source", "type", "signatures"}, item
            out[item["name"]] = item.get("version")
    return out


def _uses_community_windows() -> bool:
    pattern = re.compile(r"community\.windows\.")
    for folder in ("plugins", "roles", "playbooks"):
        for path in (TOP / folder).rglob("*"):
            if path.suffix in (".py", ".yml", ".yaml", ".ps1") and "__pycache__" not in path.parts:
                if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                    return True
    return False


def _pip_names(lines):
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.match(r"^[A-Za-z0-9_.-]+", line).group(0).lower())
    return names


def test_requirements_yml_names_the_collection_dependencies():
    data = _load("requirements.yml")
    assert set(data) == {"collections"}
    wanted = _collections(data["collections"])
    assert wanted.get("ansible.windows") == GALAXY["dependencies"]["ansible.windows"]
    # community.windows belongs there exactly when something of the collection uses it.
    assert ("community.windows" in wanted) == _uses_community_windows()
    assert set(wanted) - {"ansible.windows", "community.windows"} == set()


def test_execution_environment_is_builder_v3_with_what_the_collection_needs():
    data = _load("execution-environment.yml")
    assert data["version"] == 3
    assert set(data) <= {"version", "images", "dependencies", "options", "build_arg_defaults",
                         "additional_build_files", "additional_build_steps"}
    assert data["images"]["base_image"]["name"]
    deps = data["dependencies"]
    assert set(deps) <= {"python_interpreter", "ansible_core", "ansible_runner", "galaxy", "python", "system",
                         "exclude"}
    galaxy = deps["galaxy"]
    if isinstance(galaxy, str):  # a file beside the definition
        galaxy = _load(galaxy)
    wanted = _collections(galaxy["collections"])
    assert "%s.%s" % (GALAXY["namespace"], GALAXY["name"]) in wanted
    assert wanted.get("ansible.windows") == GALAXY["dependencies"]["ansible.windows"]
    python = deps["python"] if isinstance(deps["python"], list) else \
        (TOP / deps["python"]).read_text(encoding="utf-8").splitlines()
    assert "pywinrm" in _pip_names(python)
    # ansible-core: a range whose floor is the collection's own (meta/runtime.yml).
    core = deps["ansible_core"]["package_pip"]
    floor = re.search(r">=\s*([0-9.]+)", RUNTIME["requires_ansible"]).group(1)
    floor = re.sub(r"\.0$", "", floor)  # 2.17.0 -> 2.17
    assert core.startswith("ansible-core") and (">=%s" % floor) in core.replace(" ", "")
    assert deps["ansible_runner"]["package_pip"].startswith("ansible-runner")


def test_collection_ee_metadata_points_at_a_minimal_python_file_that_is_shipped():
    meta = _load("meta/execution-environment.yml")
    assert meta["version"] == 1
    target = meta["dependencies"]["python"]
    assert (TOP / target).is_file(), target
    assert _pip_names((TOP / target).read_text(encoding="utf-8").splitlines()) == ["pywinrm"]
    # ansible-builder reads it from the installed collection: galaxy.yml must not leave it out.
    for candidate in (target, "meta/execution-environment.yml"):
        parts = pathlib.PurePosixPath(candidate).parts
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        ignored = [p for p in GALAXY["build_ignore"] for prefix in prefixes if fnmatch.fnmatch(prefix, p)]
        assert not ignored, "%s is left out of the artifact by build_ignore %s" % (candidate, ignored)
