# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fix_wu.yml without a target KB: wu_remediate asks the catalog for the newest
cumulative update of the host's product (lookup catalog_search), then climbs
the ladder for it. The fleet and the fake catalog run as `make demo` runs them
(python -m winsim start --catalog)."""
from __future__ import annotations

import os
import subprocess
import sys

import yaml

from winsim.pytest_plugin import VENV, ansible_env

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SCENARIO = {
    "fleet": {"time_scale": 600, "base_address": "127.0.78.1", "port": 0},
    "defaults": {"vars": {"wu_remediate_poll_interval": 0.5, "wu_remediate_reboot_timeout": 300,
                          "wu_fix_report": False}},
    # The newest cumulative update in the fake catalog for Windows 11 24H2 x64 is KB5048667
    # (tests/winsim/fake_catalog.py); the host fails it because of a corrupt download cache.
    "hosts": [{"name": "nokb", "target_kb": "KB5048667", "root_cause": "corrupt_download_cache"}],
}


def test_newest_cumulative_is_looked_up_and_fixed(tmp_path):
    env = ansible_env()
    scenario = tmp_path / "fleet.yml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    state = tmp_path / "state"

    def winsim(*args):
        return subprocess.run([sys.executable, "-m", "winsim", *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd=ROOT, check=False)

    started = winsim("start", str(scenario), "--catalog", "--state-dir", str(state))
    assert started.returncode == 0, started.stderr
    try:
        proc = subprocess.run([os.path.join(VENV, "bin", "ansible-playbook"), "-i", str(state / "inventory.yml"),
                               os.path.join(ROOT, "playbooks", "fix_wu.yml")],
                              env=env, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    finally:
        winsim("stop", "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # No KB was given: the verdict names the catalog's newest cumulative update for the host's product.
    assert "KB5048667: fixed (fixed by reset)" in proc.stdout, proc.stdout[-3000:]
