# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation cannot drift from the code it describes.

- docs/troubleshooting.md: every row of the code table decodes (hresult.decode)
  to the symbol and category it names, leads to the cause diagnosis.py derives
  and to the first rung of ladder.py's cause map; every code diagnosis.py maps
  to a cause is in the table; the cause table is ladder.DEFAULT_CAUSE_MAP.
- docs/modules.md is what tools/gen_docs.py writes from the modules' and roles'
  own documentation, and names every option.
- each roles/*/README.md ends with the variables tools/gen_docs.py writes from
  the role's meta/argument_specs.yml, below the hand-written introduction.
- docs/ladder.md names every rung of ladder.RUNGS and every opt-in variable.
- the README's hresult examples show what the filter returns.
- every plugin's version_added is the version galaxy.yml prepares or a released one.
"""
from __future__ import annotations

import ast
import importlib.util
import pathlib
import re

import pytest
import yaml

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis, ladder
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import hresult

TOP = pathlib.Path(__file__).resolve().parents[2]
DOCS = TOP / "docs"
_ROW = re.compile(r"^\|(.+)\|\s*$")


def _table(path: pathlib.Path, header_first_cell: str) -> list:
    """Rows (lists of cell texts, backticks removed) of the Markdown table whose header starts so."""
    rows, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match:
            if inside:
                break
            continue
        cells = [c.strip().strip("`") for c in match.group(1).split("|")]
        if not inside:
            inside = cells[0] == header_first_cell
            continue
        if set(cells[0]) <= set("-:"):
            continue
        rows.append(cells)
    assert rows, "%s: no table headed %r" % (path.name, header_first_cell)
    return rows


CODE_ROWS = _table(DOCS / "troubleshooting.md", "code")
CAUSE_ROWS = _table(DOCS / "troubleshooting.md", "cause")


def _expected_cause(info: dict):
    """The cause win_wu_diagnose gives a failure code on its own (diagnosis.diagnose's rules)."""
    cause = diagnosis.cause_of_code(info["hex"])
    if cause is None and info["category"] not in diagnosis.NEUTRAL_CATEGORIES:
        return "unknown_update_failure"
    return cause


@pytest.mark.parametrize("row", CODE_ROWS, ids=[r[0] for r in CODE_ROWS])
def test_each_code_row_matches_hresult_diagnosis_and_ladder(row):
    code, symbol, category, cause, rung = row
    info = hresult.decode(code)
    assert info["name"] == (None if symbol == "—" else symbol)
    assert info["category"] == category
    expected = _expected_cause(info)
    assert expected == (None if cause == "—" else cause)
    if expected is None:
        assert rung == "—"
    else:
        assert rung == ladder.DEFAULT_CAUSE_MAP[expected]["rungs"][0]
    # Written the way the page says: Win32 codes in decimal, HRESULTs in hex.
    assert code == (str(info["unsigned"]) if info["unsigned"] <= 0xFFFF else info["hex"])


def test_0x80070306_is_errors_encountered_in_the_table():
    row = [r for r in CODE_ROWS if r[0] == "0x80070306"]
    assert row and row[0][1] == "ERROR_ERRORS_ENCOUNTERED"
    assert hresult.decode(row[0][0])["code"] == 774
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    assert "0x80070006" in text and "ERROR_INVALID_HANDLE" in text  # the code it is confused with, named apart


def test_every_code_the_diagnosis_knows_is_in_the_table():
    listed = {hresult.decode(r[0])["unsigned"] for r in CODE_ROWS}
    missing = sorted("0x%08X" % c for c in diagnosis.CODE_CAUSES if c not in listed)
    assert not missing, "docs/troubleshooting.md lacks %s" % missing
    assert len(listed) == len(CODE_ROWS), "a code is listed twice"


def test_cause_table_is_the_ladder_cause_map():
    documented = {r[0]: r for r in CAUSE_ROWS}
    assert sorted(documented) == sorted(ladder.DEFAULT_CAUSE_MAP)
    for name, entry in ladder.DEFAULT_CAUSE_MAP.items():
        _cause, rungs, blocking, why = documented[name]
        assert [r.strip().strip("`") for r in rungs.split(",")] == list(entry["rungs"])
        assert (blocking == "yes") == bool(entry.get("blocking"))
        assert why == entry["why"]


def test_ladder_page_names_every_rung_and_opt_in():
    text = (DOCS / "ladder.md").read_text(encoding="utf-8")
    assert "```mermaid" in text and "```text" in text
    for rung in ladder.RUNGS:
        assert "`%s`" % rung in text, rung
    defaults = yaml.safe_load((TOP / "roles" / "wu_remediate" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    for variable in ("wu_remediate_allow_inplace_upgrade", "wu_remediate_aggressive_reset",
                     "wu_remediate_leave_insider", "wu_remediate_pause_defender", "wu_remediate_cleanup",
                     "wu_remediate_enabled_rungs"):
        assert variable in defaults, "%s is no longer a variable of wu_remediate" % variable
        assert variable in text, variable


def _gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", TOP / "tools" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_modules_page_is_up_to_date():
    committed = (DOCS / "modules.md").read_text(encoding="utf-8")
    assert committed == _gen_docs().render(), "docs/modules.md is stale: run .venv/bin/python tools/gen_docs.py"


def test_modules_page_names_every_option():
    text = (DOCS / "modules.md").read_text(encoding="utf-8")
    for path in sorted((TOP / "plugins" / "modules").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = next(yaml.safe_load(n.value.value) for n in tree.body if isinstance(n, ast.Assign)
                   and any(getattr(t, "id", None) == "DOCUMENTATION" for t in n.targets))
        section = text.split("### winrepair.windows_update.%s\n" % doc["module"], 1)
        assert len(section) == 2, "no section for %s" % doc["module"]
        body = section[1].split("\n### ", 1)[0]
        for option in doc.get("options") or {}:
            assert "| `%s` |" % option in body, "%s.%s" % (doc["module"], option)
    for spec_file in sorted((TOP / "roles").glob("*/meta/argument_specs.yml")):
        specs = (yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}).get("argument_specs") or {}
        for entry in specs.values():
            for option in (entry or {}).get("options") or {}:
                assert "| `%s` |" % option in text, "%s: %s" % (spec_file.parent.parent.name, option)


ROLES = sorted(p.parents[1] for p in (TOP / "roles").glob("*/meta/argument_specs.yml"))


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_role_readme_lists_the_variables_of_its_argument_specs(role):
    gen = _gen_docs()
    committed = (role / "README.md").read_text(encoding="utf-8")
    assert committed == gen.role_readme(role), \
        "roles/%s/README.md is stale: run .venv/bin/python tools/gen_docs.py" % role.name
    generated = committed.split(gen.README_MARKER, 1)[1]
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]
    for entry in specs.values():
        for option, spec in ((entry or {}).get("options") or {}).items():
            row = next((line for line in generated.splitlines() if line.startswith("| `%s` |" % option)), None)
            assert row, "roles/%s/README.md: no row for %s" % (role.name, option)
            assert "| %s |" % spec.get("type", "str") in row or "| %s of " % spec.get("type", "str") in row, row


def test_role_readme_keeps_the_introduction_and_regenerates_the_rest(tmp_path):
    gen = _gen_docs()
    role = tmp_path / "wu_example"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    short_description: An example\n    options:\n"
        "      wu_example_level:\n        description: How far to go.\n        type: int\n        default: 3\n",
        encoding="utf-8")
    (role / "README.md").write_text("# Example\n\nWritten by hand.\n\n%s\n\n## Variables\n\n| `wu_example_gone` |\n"
                                    % gen.README_MARKER, encoding="utf-8")
    text = gen.role_readme(role)
    assert text.startswith("# Example\n\nWritten by hand.\n\n%s\n" % gen.README_MARKER)
    assert "| `wu_example_level` | int |  | `3` |  | How far to go. |" in text
    assert "wu_example_gone" not in text
    # A README without the marker keeps all its text as the introduction.
    (role / "README.md").write_text("# Example\n\nOnly prose.\n", encoding="utf-8")
    assert gen.role_readme(role).startswith("# Example\n\nOnly prose.\n\n%s\n" % gen.README_MARKER)


_HRESULT_EXAMPLE = re.compile(r"`\{\{\s*(\(?)\s*([^|`]+?)\s*\|\s*winrepair\.windows_update\.hresult\s*(\)\.(\w+))?\s*\}\}`"
                              r"\s*→\s*`([^`]+)`")


def test_readme_hresult_examples_show_what_the_filter_returns():
    text = " ".join((TOP / "README.md").read_text(encoding="utf-8").split())
    examples = _HRESULT_EXAMPLE.findall(text)
    assert examples, "README.md: no `{{ ... | winrepair.windows_update.hresult ... }}` → `...` example"
    for _paren, value, _attr, key, claimed in examples:
        result = hresult.decode(ast.literal_eval(value))
        shown = result[key] if key else result
        assert str(shown) == claimed, "README.md claims %r, the filter returns %r" % (claimed, shown)


def _plugin_docs():
    """(file, DOCUMENTATION mapping) of every documented plugin: modules, lookups, filters."""
    for folder in ("modules", "lookup", "filter", "action"):
        for path in sorted((TOP / "plugins" / folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION"
                                                        for t in node.targets):
                    yield path, yaml.safe_load(node.value.value)
        for path in sorted((TOP / "plugins" / folder).glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if "DOCUMENTATION" in data:
                yield path, data["DOCUMENTATION"]


def test_version_added_is_a_version_of_this_collection():
    galaxy = yaml.safe_load((TOP / "galaxy.yml").read_text(encoding="utf-8"))
    changelog = yaml.safe_load((TOP / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    known = {str(galaxy["version"])} | {str(v) for v in (changelog.get("releases") or {})}
    docs = list(_plugin_docs())
    assert len(docs) >= 10, [str(path) for path, _doc in docs]
    wrong = ["%s: %s" % (path.relative_to(TOP), doc.get("version_added")) for path, doc in docs
             if str(doc.get("version_added")) not in known]
    assert not wrong, "version_added must be galaxy.yml's version %s or a released one: %s" % (galaxy["version"], wrong)
