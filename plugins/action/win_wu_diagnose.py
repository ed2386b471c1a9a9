# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_diagnose.

Thin plumbing: one round trip to read the host (wu_diagnose.ps1, read-only, so
it also runs in check mode), then on the controller turn the raw evidence into
plain values (diagnosis.normalise), name the likely causes (diagnosis.diagnose)
and the repair rungs they call for (ladder.recommended_rungs).
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    WinRepairAction, at_least, between, failing)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner

ARGUMENT_SPEC = {
    "min_free_gb": {"type": "float", "default": diagnosis.DEFAULT_MIN_FREE_GB},
    "history_count": {"type": "int", "default": 50},
    "event_count": {"type": "int", "default": 50},
    "cbs_tail_lines": {"type": "int", "default": 5000},
    "since_days": {"type": "int", "default": 30},
    "target_kb": {"type": "str", "default": ""},
}

# The script's [ValidateRange] limits, checked here so the message names the option.
RANGES = {
    "min_free_gb": at_least(0),
    "history_count": between(0, 1000),
    "event_count": between(0, 1000),
    "cbs_tail_lines": between(0, 100000),
    "since_days": between(1, 3650),
}

# Evidence keys returned as they come from diagnosis.normalise().
EVIDENCE_KEYS = (
    "collected_at", "os", "system_drive", "pending_reboot", "services", "folders", "backups",
    "insider", "antivirus", "defender", "filter_drivers", "installed_kbs", "update_failures",
    "cbs", "disk_health", "probe_errors", "baseline", "target",
)


def script_parameters(args):
    """Module options -> the parameters of wu_diagnose.ps1."""
    return {
        "MaxHistory": args["history_count"],
        "MaxEvents": args["event_count"],
        "CbsTailLines": args["cbs_tail_lines"],
        "SinceDays": args["since_days"],
        "CbsPattern": diagnosis.cbs_pattern(),
        "CbsMaxMatches": 200,
    }


def build_result(raw, min_free_gb, target_kb=None):
    """Raw script result -> the module's return values (without changed/failed)."""
    evidence = diagnosis.normalise(raw, target_kb=target_kb or None)
    causes = diagnosis.diagnose(evidence, min_free_gb=min_free_gb)
    out = {key: evidence[key] for key in EVIDENCE_KEYS}
    out["causes"] = causes
    out["recommended_rungs"] = ladder.recommended_rungs(causes)
    out["last_resorts"] = ladder.last_resorts()
    return out


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    ranges = RANGES

    def act(self, result, options, task_vars):
        with failing("Could not read the Windows Update evidence from the host",
                     "Nothing was changed. The WinRM account must be a local administrator "
                     "(elevated token); rerun with -vvv to see win_powershell's output."):
            raw = script_runner.run_script(self, "wu_diagnose", script_parameters(options), task_vars)

        result.update(build_result(raw, options["min_free_gb"], options["target_kb"]))
        result["changed"] = False
        if result["probe_errors"]:
            result.setdefault("warnings", []).append(
                "some evidence could not be read: %s (see probe_errors)"
                % ", ".join(sorted({e.get("probe", "?") for e in result["probe_errors"]})))
