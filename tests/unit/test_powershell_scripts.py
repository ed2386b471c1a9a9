# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's PowerShell parses, and every script matches its simulator model.

No PowerShell runs here: tree-sitter-pwsh reads the files (winsim/pwsh_parse.py).
1. Every *.ps1 / *.psm1 under plugins/ and roles/ parses without ERROR or
   MISSING nodes, except lines in KNOWN_MISSES.
2. Every plugins/plugin_utils/_host/powershell/NAME.ps1 has tests/winsim/scripts/NAME.py
   and vice versa; the model's PARAMETERS equal the script's param() names and
   RESULT_KEYS equal the keys of the hashtable set to $Ansible.Result.
The fixtures under tests/fixtures/ps/ test the checker itself, so this file
tests something even while the collection has no scripts yet.
"""
from __future__ import annotations

import os
import types

import pytest

from winsim import pwsh_parse, scripts
from winsim.pwsh_parse import KnownMiss

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "ps")

# tree-sitter-pwsh 0.38 misreads a few valid constructs (loop labels, shown by
# tests/fixtures/ps/label.ps1; nested generic type arguments in older grammars). Each entry names the
# file (glob, relative to the repo root) and the exact stripped line.
KNOWN_MISSES = (
    # A loop label with `break <label>`: the grammar has no labelled break target.
    KnownMiss("tests/fixtures/ps/label.ps1",
              ":outer foreach ($i in 1..$Limit) { foreach ($j in 1..3) { if ($j -eq 2) { break outer } } }",
              "loop label"),
    # A `default` clause on the same line right after another switch clause
    # (valid: PowerShell Language Specification 3.0, 8.6, statement terminators
    # between switch clauses are optional). Written on separate lines, it parses.
    KnownMiss("plugins/plugin_utils/_host/powershell/wu_reset_apply.ps1",
              "$mode = switch ($svc.StartMode) { 'Auto' { 'auto' } 'Manual' { 'manual' } 'Disabled' { 'disabled' } "
              "default { \"$($svc.StartMode)\".ToLowerInvariant() } }",
              "switch default clause on one line"),
    KnownMiss("plugins/plugin_utils/_host/powershell/wu_reset_apply.ps1",
              "$status = switch ($proc.ExitCode) { 0 { 'registered' } 4 { 'no_entry_point' } default { 'failed' } }",
              "switch default clause on one line"),
)


def collection_sources():
    found = []
    for top in ("plugins", "roles"):
        base = os.path.join(ROOT, top)
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.endswith((".ps1", ".psm1")):
                    found.append(os.path.relpath(os.path.join(dirpath, name), ROOT).replace(os.sep, "/"))
    return sorted(found)


def read(relpath):
    with open(os.path.join(ROOT, relpath), "r", encoding="utf-8") as handle:
        return handle.read()


def script_model_problems(text: str, model) -> list:
    """Differences between a script's text and its model (empty when they agree)."""
    problems = []
    params = pwsh_parse.param_names(text)
    if set(params) != set(model.PARAMETERS):
        problems.append("PARAMETERS %s != param() %s" % (sorted(model.PARAMETERS), params))
    try:
        keys = pwsh_parse.result_keys(text)
    except pwsh_parse.ScriptShapeError as err:
        problems.append("cannot read $Ansible.Result keys: %s" % err)
    else:
        if keys != set(model.RESULT_KEYS):
            problems.append("RESULT_KEYS %s != $Ansible.Result keys %s"
                            % (sorted(model.RESULT_KEYS), sorted(keys)))
    if not callable(getattr(model, "run", None)):
        problems.append("model has no run()")
    return problems


def pairing_problems(script_dir: str) -> list:
    """Scripts without a model and models without a script."""
    have_scripts = set(scripts.script_names(script_dir))
    have_models = set(scripts.model_names())
    return (["script %s.ps1 has no model tests/winsim/scripts/%s.py" % (n, n)
             for n in sorted(have_scripts - have_models)]
            + ["model %s has no script plugins/plugin_utils/_host/powershell/%s.ps1" % (n, n)
               for n in sorted(have_models - have_scripts)])


# ----------------------------------------------------- the collection itself

@pytest.mark.parametrize("relpath", collection_sources())
def test_collection_powershell_parses(relpath):
    problems = pwsh_parse.syntax_problems(read(relpath), relpath, KNOWN_MISSES)
    assert not problems, "%s:\n%s" % (relpath, "\n".join(map(str, problems)))


def test_every_script_has_a_model_and_every_model_a_script():
    assert pairing_problems(scripts.SCRIPT_DIR) == []


@pytest.mark.parametrize("name", scripts.script_names())
def test_script_matches_model(name):
    text = scripts.read_script(os.path.join(scripts.SCRIPT_DIR, name + ".ps1"))
    assert script_model_problems(text, scripts.model_for(name)) == []


# ------------------------------------------------------ the checker itself

def fixture(name):
    return "tests/fixtures/ps/" + name


def test_fixtures_are_outside_the_scanned_trees():
    # The broken fixture must not make the collection test fail.
    assert not [p for p in collection_sources() if p.startswith("tests/")]


def test_good_fixture_parses_and_is_read():
    text = read(fixture("good.ps1"))
    assert pwsh_parse.syntax_problems(text, fixture("good.ps1")) == []
    # Only the script's param block, not Get-State's.
    assert pwsh_parse.param_names(text) == ["ServiceName", "TimeoutSeconds"]
    assert pwsh_parse.result_keys(text) == {"services", "timeout", "checked_at"}
    assert pwsh_parse.supports_should_process(text) is True


def test_broken_fixture_is_reported_at_its_line():
    text = read(fixture("broken.ps1"))
    problems = pwsh_parse.syntax_problems(text, fixture("broken.ps1"), KNOWN_MISSES)
    assert problems, "the unclosed condition was not reported"
    assert problems[0].line == 4
    assert problems[0].text.startswith("if (Test-Path")


def test_known_miss_is_allowed_only_for_its_file():
    text = read(fixture("label.ps1"))
    assert pwsh_parse.syntax_problems(text, fixture("label.ps1"), KNOWN_MISSES) == []
    # The same line in another file is still an error.
    assert pwsh_parse.syntax_problems(text, "plugins/plugin_utils/_host/powershell/x.ps1", KNOWN_MISSES)
    assert pwsh_parse.syntax_problems(text, fixture("label.ps1"), ())


@pytest.mark.parametrize("source, expected", [
    ("[CmdletBinding(SupportsShouldProcess)]\nparam()", True),
    ("[CmdletBinding(SupportsShouldProcess=$true)]\nparam()", True),
    ("[CmdletBinding(SupportsShouldProcess = $True, ConfirmImpact = 'High')]\nparam()", True),
    ("[CmdletBinding(SupportsShouldProcess=$false)]\nparam()", False),
    ("[CmdletBinding()]\nparam()", False),
    ("param()\n# [CmdletBinding(SupportsShouldProcess)]", False),
    ("function f { [CmdletBinding(SupportsShouldProcess)] param() }", False),
])
def test_supports_should_process(source, expected):
    assert pwsh_parse.supports_should_process(source) is expected


@pytest.mark.parametrize("source", [
    "$Ansible.Result = Get-Thing",
    "$Ansible.Result = @{ \"$k\" = 1 }",
    "$r = @{}; $r[$k] = 1; $Ansible.Result = $r",
])
def test_result_keys_refuses_what_it_cannot_read(source):
    with pytest.raises(pwsh_parse.ScriptShapeError):
        pwsh_parse.result_keys(source)


def test_result_keys_member_forms():
    source = "$Ansible.Result = @{}\n$Ansible.Result.a = 1\n$Ansible.Result['b'] = 2\n$Ansible.Changed = $false\n"
    assert pwsh_parse.result_keys(source) == {"a", "b"}


def _model(params, keys):
    return types.SimpleNamespace(PARAMETERS=set(params), RESULT_KEYS=set(keys), run=lambda h, p, c: {})


def test_model_comparison_catches_drift():
    text = read(fixture("good.ps1"))
    assert script_model_problems(text, _model(["ServiceName", "TimeoutSeconds"],
                                              ["services", "timeout", "checked_at"])) == []
    drift = script_model_problems(text, _model(["ServiceName"], ["services", "timeout"]))
    assert len(drift) == 2
    assert "TimeoutSeconds" in drift[0] and "checked_at" in drift[1]


def test_pairing_reports_both_directions(tmp_path, monkeypatch):
    (tmp_path / "only_script.ps1").write_text("param()\n$Ansible.Result = @{}\n", encoding="utf-8")
    monkeypatch.setattr(scripts, "MODEL_OVERRIDES", {"only_model": _model([], [])})
    problems = pairing_problems(str(tmp_path))
    assert any("only_script.ps1 has no model" in p for p in problems)
    assert any("model only_model has no script" in p for p in problems)
