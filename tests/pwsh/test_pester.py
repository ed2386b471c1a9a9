# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Pester tests of the host scripts (tests/pwsh/scripts/*.Tests.ps1) pass.

One pwsh process runs them all with Invoke-Pester (Pester 5); the stand-ins
of harness/StandIns are there for a test file to dot-source. Their count is
added to the stage's totals. With no test file yet, this test says so and
passes: the Pester files come with the script fixes.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess

from . import locate
from .runner import STATS

FOLDER = os.path.join(locate.HERE, "scripts")
COMMAND = r"""
$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0
$config = New-PesterConfiguration
$config.Run.Path = '%s'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $config
'PESTER-RESULT ' + (@{ passed = $result.PassedCount; failed = $result.FailedCount; total = $result.TotalCount } | ConvertTo-Json -Compress)
"""


def test_pester_files_pass(pwsh_path):
    files = sorted(glob.glob(os.path.join(FOLDER, "*.Tests.ps1")))
    if not files:
        return
    out = subprocess.run([pwsh_path, "-NoProfile", "-NonInteractive", "-Command", COMMAND % FOLDER.replace("'", "''")],
                         capture_output=True, text=True, timeout=600, check=False, cwd=locate.REPO)
    lines = [line for line in out.stdout.splitlines() if line.startswith("PESTER-RESULT ")]
    assert lines, "Invoke-Pester gave no result:\n%s\n%s" % (out.stdout[-3000:], out.stderr[-3000:])
    counts = json.loads(lines[-1][len("PESTER-RESULT "):])
    assert counts["failed"] == 0 and counts["total"] > 0, out.stdout[-6000:]
    STATS["pester_passed"] = STATS.get("pester_passed", 0) + counts["passed"]
