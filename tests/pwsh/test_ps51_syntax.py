# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every host script parses with the real PowerShell parser and uses nothing
Windows PowerShell 5.1 on .NET Framework 4.5.2 lacks.

One pwsh process parses all scripts and the bad snippets below
(harness/Check-Ps51.ps1 lists what it looks for and where each came in). The
snippets prove each check can fail.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from pwsh import locate

CHECKER = os.path.join(locate.HARNESS, "Check-Ps51.ps1")

# Each snippet must give exactly one finding containing the text after it.
BAD_SNIPPETS = {
    "ternary": ("$a = $true ? 1 : 2", "ternary"),
    "coalesce": ("$b = $null ?? 3", "null-coalescing ??"),
    "coalesce_assign": ("$c ??= 4", "??="),
    "null_conditional": ("$d = ${x}?.Name", "null-conditional"),
    "null_conditional_index": ("$e = ${x}?[0]", "null-conditional"),
    "pipeline_chain": ("Get-Item . && Get-Item .", "pipeline chain"),
    "pipeline_chain_or": ("Get-Item . || Get-Item .", "pipeline chain"),
    "parallel": ("1..3 | ForEach-Object -Parallel { $_ }", "-Parallel"),
    "parallel_abbreviated": ("1..3 | % -Par { $_ }", "-Par"),
    "clean_block": ("function f { process { } clean { } }", "clean {}"),
    "unix_time": ("[DateTimeOffset]::FromUnixTimeSeconds(0)", "FromUnixTimeSeconds"),
    "unix_time_instance": ("(Get-Date).ToUniversalTime().ToUnixTimeSeconds()", "ToUnixTimeSeconds"),
    "array_empty": ("[Array]::Empty[int]()", "Array.Empty"),
    "as_hashtable": ("'{}' | ConvertFrom-Json -AsHashtable", "-AsHashtable"),
    "byte_stream": ("Get-Content -Path x -AsByteStream", "-AsByteStream"),
    "encoding": ("Set-Content -Path x -Value y -Encoding utf8NoBOM", "utf8NoBOM"),
    "join_string": ("1, 2 | Join-String", "Join-String"),
}
PARSE_ERROR_SNIPPET = "if ($true) { 'unclosed'"

# Defects issue 15 fixes in the scripts (xfail strict: the case flips when it is fixed).
KNOWN: dict = {}  # script -> reason; item 18 (FromUnixTimeSeconds) is fixed: none left


@pytest.fixture(scope="module")
def report(pwsh_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ps51")
    files = [locate.script_path(n) for n in locate.script_names()]
    for name, (text, _want) in BAD_SNIPPETS.items():
        (folder / (name + ".ps1")).write_text(text + "\n", encoding="utf-8")
        files.append(str(folder / (name + ".ps1")))
    (folder / "parse_error.ps1").write_text(PARSE_ERROR_SNIPPET + "\n", encoding="utf-8")
    files.append(str(folder / "parse_error.ps1"))
    (folder / "clean.ps1").write_text("[CmdletBinding()]\nparam()\n$x = if ($true) { 1 } else { 2 }\n"
                                      "[DateTimeOffset]::Now.ToString('o')\n", encoding="utf-8")
    files.append(str(folder / "clean.ps1"))
    out = subprocess.run([pwsh_path, "-NoProfile", "-NonInteractive", "-File", CHECKER],
                         input="\n".join(files) + "\n", capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return {os.path.basename(k)[:-4] if not k.startswith(locate.SCRIPT_DIR) else "script:" + os.path.basename(k)[:-4]: v
            for k, v in json.loads(out.stdout).items()}


def test_every_script_is_checked(report):
    checked = sorted(k[len("script:"):] for k in report if k.startswith("script:"))
    assert checked == locate.script_names() and len(checked) >= 20


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[n])) if n in KNOWN else n
    for n in locate.script_names()])
def test_script_parses_and_is_windows_powershell_51(report, name):
    entry = report["script:" + name]
    assert entry["parse_errors"] == [], "%s.ps1 does not parse: %s" % (name, entry["parse_errors"])
    assert entry["findings"] == [], "%s.ps1 uses what Windows PowerShell 5.1 lacks: %s" % (name, entry["findings"])


@pytest.mark.parametrize("name", sorted(BAD_SNIPPETS))
def test_checker_finds_each_construct(report, name):
    want = BAD_SNIPPETS[name][1]
    entry = report[name]
    assert entry["parse_errors"] == []
    assert len(entry["findings"]) == 1 and want in entry["findings"][0]["what"], entry["findings"]


def test_checker_reports_parse_errors(report):
    assert report["parse_error"]["parse_errors"], "an unclosed block must be a parse error"


def test_checker_passes_plain_51_code(report):
    assert report["clean"] == {"parse_errors": [], "findings": []}
