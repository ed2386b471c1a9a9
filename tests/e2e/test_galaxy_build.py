# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release artifact: `ansible-galaxy collection build`, then install it and use the installed copy.

The build goes to a temporary directory; its member list must hold every file
of plugins/, roles/ and playbooks/ plus the collection's metadata, and nothing
of the development material (tests, simulator, benchmarks, venvs, caches,
docs/dev, molecule). The artifact is then installed with `ansible-galaxy
collection install --offline` into a temporary collections path that holds only
it and its dependency ansible.windows (linked from the stage's collections tree,
winsim.pytest_plugin.COLLECTIONS, as Galaxy cannot be reached from here), and the installed copy is used: ansible-doc on a
module and a role, the hresult filter on localhost, and the read-only playbook
diagnose_wu against a simulated fleet. The ansible commands are those of the
venv running the test (winsim.pytest_plugin.VENV), so each CI stage checks its
own ansible-core.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tarfile

import pytest
import yaml

from winsim.pytest_plugin import COLLECTIONS, REPO, VENV, running_fleet

TOP = pathlib.Path(REPO)
GALAXY = yaml.safe_load((TOP / "galaxy.yml").read_text(encoding="utf-8"))
FQCN = "%s.%s" % (GALAXY["namespace"], GALAXY["name"])

# Top-level entries of the repository that must never reach the artifact.
UNWANTED_TOP = ("tests", "bench", "build", "tools", "requirements", "extensions", ".cache", ".ci", ".git",
                ".hypothesis", ".pytest_cache", ".ansible", ".ansible-lint", ".gitignore", "Makefile",
                "pytest.ini")
# Parts that must be in it (besides every file of plugins/, roles/ and playbooks/).
NEEDED = ("MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta/runtime.yml",
          "meta/execution-environment.yml", "meta/ee-requirements.txt", "requirements.yml",
          "execution-environment.yml", "changelogs/changelog.yaml", "changelogs/config.yaml",
          "docs/ladder.md", "docs/troubleshooting.md", "docs/modules.md", "docs/winrm.md")


def _tool(name):
    return os.path.join(VENV, "bin", name)


def _env(collections_path, tmp):
    # Only the temporary collections path: no repository ansible.cfg, no build/collections.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update({"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_HOME": os.path.join(tmp, "ansible-home"), "ANSIBLE_HOST_KEY_CHECKING": "False",
                "ANSIBLE_LOCAL_TEMP": os.path.join(tmp, "ansible-local"), "ANSIBLE_DEPRECATION_WARNINGS": "0"})
    return env


def _run(cmd, env, cwd, timeout=120):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, "%s\n%s\n%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def _working_tree_files(folder):
    """Files under FOLDER of the repository as a build would see them (no caches)."""
    out = set()
    for path in (TOP / folder).rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            out.add(path.relative_to(TOP).as_posix())
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(tarball path, member names, temporary directory) of one build of the working tree."""
    tmp = tmp_path_factory.mktemp("galaxy")
    out = tmp / "dist"
    env = _env(str(tmp / "none"), str(tmp))
    _run([_tool("ansible-galaxy"), "collection", "build", "--output-path", str(out), str(TOP)], env, str(tmp))
    tarballs = sorted(out.glob("*.tar.gz"))
    assert [p.name for p in tarballs] == ["%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"],
                                                               GALAXY["version"])]
    with tarfile.open(tarballs[0]) as tar:
        names = [m.name for m in tar.getmembers()]
    return tarballs[0], names, tmp


@pytest.fixture(scope="module")
def installed(built):
    """The collections path the artifact was installed into (with ansible.windows beside it)."""
    tarball, _names, tmp = built
    target = tmp / "collections"
    deps = tmp / "deps" / "ansible_collections" / "ansible"
    deps.mkdir(parents=True)
    (deps / "windows").symlink_to(pathlib.Path(COLLECTIONS) / "ansible_collections" / "ansible" / "windows")
    path = "%s:%s" % (target, tmp / "deps")
    # --offline: the dependency ansible.windows must be found in the path, not on Galaxy.
    _run([_tool("ansible-galaxy"), "collection", "install", "--offline", "-p", str(target), str(tarball)],
         _env(path, str(tmp)), str(tmp))
    root = target / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    assert (root / "MANIFEST.json").is_file() and not root.is_symlink()
    return path, root, tmp


def test_artifact_leaves_out_development_material(built):
    _tarball, names, _tmp = built
    bad = []
    for name in names:
        parts = name.rstrip("/").split("/")
        if parts[0] in UNWANTED_TOP or parts[0].startswith(".venv") or parts[0].endswith(".tar.gz"):
            bad.append(name)
        elif parts[:2] == ["docs", "dev"] or "__pycache__" in parts or name.endswith(".pyc"):
            bad.append(name)
        elif "winsim" in parts or "molecule" in parts:
            bad.append(name)
    assert not bad, "unwanted in the artifact: %s" % bad[:20]


def test_artifact_holds_the_collection(built):
    _tarball, names, _tmp = built
    members = set(names)
    missing = [n for n in NEEDED if n not in members]
    for folder in ("plugins", "roles", "playbooks"):
        files = _working_tree_files(folder)
        assert files, "%s/ is empty in the working tree" % folder
        missing += sorted(files - members)
    assert not missing, "missing from the artifact: %s" % missing
    assert any(n.startswith("docs/") and n.endswith(".md") for n in members)


def test_manifest_matches_galaxy_yml(built):
    tarball, _names, _tmp = built
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
    assert manifest["dependencies"] == GALAXY["dependencies"]
    assert manifest["license"] == ["GPL-3.0-or-later"]


def test_installed_copy_documents_its_modules_and_roles(installed):
    path, root, tmp = installed
    env = _env(path, str(tmp))
    listed = _run([_tool("ansible-doc"), "-t", "module", "-l", FQCN], env, str(tmp)).stdout
    modules = sorted(p.stem for p in (TOP / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    for module in modules:
        assert "%s.%s " % (FQCN, module) in listed, listed
    doc = json.loads(_run([_tool("ansible-doc"), "-j", "-t", "module", FQCN + ".win_wu_diagnose"], env,
                          str(tmp)).stdout)[FQCN + ".win_wu_diagnose"]["doc"]
    # Read from the installed copy, not from the repository through build/collections.
    assert pathlib.Path(doc["filename"]).resolve() == (root / "plugins" / "modules" / "win_wu_diagnose.py").resolve()
    assert doc["options"] and doc["short_description"]
    role = json.loads(_run([_tool("ansible-doc"), "-j", "-t", "role", FQCN + ".wu_diagnose"], env,
                           str(tmp)).stdout)[FQCN + ".wu_diagnose"]
    assert "wu_diagnose_target_kb" in role["entry_points"]["main"]["options"]


def test_installed_copy_runs_a_filter_and_the_diagnose_playbook(installed, tmp_path):
    path, _root, tmp = installed
    env = _env(path, str(tmp))
    proc = _run([_tool("ansible"), "localhost", "-m", "ansible.builtin.debug",
                 "-a", "msg={{ ('0x80070306' | %s.hresult).name }}" % FQCN], env, str(tmp_path))
    assert '"msg": "ERROR_ERRORS_ENCOUNTERED"' in proc.stdout, proc.stdout
    scenario = str(TOP / "tests" / "scenarios" / "five_hosts.yml")
    with running_fleet(scenario, tmp_path / "fleet", time_scale=600) as fleet:
        proc = _run([_tool("ansible-playbook"), "-i", fleet.inventory_path, FQCN + ".diagnose_wu",
                     "-e", "wu_survey_summary_path=%s" % (tmp_path / "survey.yml")], env, str(tmp_path),
                    timeout=300)
        kinds = {r.name for r in fleet.records("win01")}
    assert "failed=0" in proc.stdout and "unreachable=0" in proc.stdout, proc.stdout[-3000:]
    survey = yaml.safe_load((tmp_path / "survey.yml").read_text(encoding="utf-8"))
    assert sorted(survey["survey"]) == ["win01", "win02", "win03", "win04", "win05"]
    assert kinds, "the fleet saw nothing from the installed collection"
