# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_wu_diagnose.

Thin plumbing: one round trip to read the host (wu_diagnose.ps1, read-only, so
it also runs in check mode), then on the controller turn the raw evidence into
plain values (diagnosis.normalise), name the likely causes (diagnosis.diagnose)
and the repair rungs they call for (ladder.recommended_rungs).
"""
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import diagnosis
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import script_runner

ARGUMENT_SPEC = {
    "min_free_gb": {"type": "float", "default": diagnosis.DEFAULT_MIN_FREE_GB},
    "history_count": {"type": "int", "default": 50},
    "event_count": {"type": "int", "default": 50},
    "cbs_tail_lines": {"type": "int", "default": 5000},
    "since_days": {"type": "int", "default": 30},
}

# The script's [ValidateRange] limits, checked here so the message names the option.
RANGES = {
    "history_count": (0, 1000),
    "event_count": (0, 1000),
    "cbs_tail_lines": (0, 100000),
    "since_days": (1, 3650),
}

# Evidence keys returned as they come from diagnosis.normalise().
EVIDENCE_KEYS = (
    "collected_at", "os", "system_drive", "pending_reboot", "services", "folders", "backups",
    "insider", "antivirus", "defender", "filter_drivers", "installed_kbs", "update_failures",
    "cbs", "disk_health", "probe_errors",
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


def build_result(raw, min_free_gb):
    """Raw script result -> the module's return values (without changed/failed)."""
    evidence = diagnosis.normalise(raw)
    causes = diagnosis.diagnose(evidence, min_free_gb=min_free_gb)
    out = {key: evidence[key] for key in EVIDENCE_KEYS}
    out["causes"] = causes
    out["recommended_rungs"] = ladder.recommended_rungs(causes)
    out["last_resorts"] = ladder.last_resorts()
    return out


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        for name, (low, high) in RANGES.items():
            if not low <= args[name] <= high:
                return self._fail(result, "%s must be between %d and %d, got %d" % (name, low, high, args[name]))
        if args["min_free_gb"] < 0:
            return self._fail(result, "min_free_gb must be 0 or more, got %s" % args["min_free_gb"])

        try:
            raw = script_runner.run_script(self, "wu_diagnose", script_parameters(args), task_vars)
        except script_runner.ScriptError as exc:
            return self._fail(result, "Could not read the Windows Update evidence from the host: %s. "
                              "Nothing was changed. The WinRM account must be a local administrator "
                              "(elevated token); rerun with -vvv to see win_powershell's output." % exc.message)

        result.update(build_result(raw, args["min_free_gb"]))
        result["changed"] = False
        if result["probe_errors"]:
            result.setdefault("warnings", []).append(
                "some evidence could not be read: %s (see probe_errors)"
                % ", ".join(sorted({e.get("probe", "?") for e in result["probe_errors"]})))
        return result

    @staticmethod
    def _fail(result, msg):
        result.update({"failed": True, "changed": False, "msg": msg})
        return result
