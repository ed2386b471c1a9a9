# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where pwsh is, and the folders of the PowerShell test stage.

tools/find_pwsh.sh decides (pwsh on PATH, else the one the development
machines keep beside the repository); this module only asks it.
"""
from __future__ import annotations

import os
import subprocess
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
HARNESS = os.path.join(HERE, "harness")
SCRIPT_DIR = os.path.join(REPO, "plugins", "plugin_utils", "_host", "powershell")
# Set by tools/run_tests.sh: a missing pwsh is then an error, not a skip.
REQUIRE_ENV = "WINREPAIR_REQUIRE_PWSH"


def find_pwsh() -> Optional[str]:
    try:
        out = subprocess.run(["bash", os.path.join(REPO, "tools", "find_pwsh.sh")], capture_output=True,
                             text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = out.stdout.strip()
    return path if out.returncode == 0 and path else None


def script_names() -> list:
    return sorted(f[:-4] for f in os.listdir(SCRIPT_DIR) if f.endswith(".ps1"))


def script_path(name: str) -> str:
    return os.path.join(SCRIPT_DIR, name + ".ps1")
