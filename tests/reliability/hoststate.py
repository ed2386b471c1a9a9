# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A deep, comparable snapshot of a simulated host (winsim.model.HostModel), for the
claim "in check mode nothing on the host changes" (test_bad_input.py).

Everything the host model holds goes in: services (state, start mode, the
fault knobs a step could clear), folders, files (the journal and its lock
among them, byte for byte), disk, component store, pending-reboot flags, the
Insider and Defender settings (what the registry holds on Windows), installed
updates, update history, events, CBS.log, antivirus, boot time, setup state,
restore points, mounted images and detached runs. Left out: the request log
(records: every request adds one, check mode or not), the lock object, and
the fault lists (test knobs and their counters, not host state).

differences(a, b) names what changed, so a failing comparison says where.
"""
from __future__ import annotations

import dataclasses
import datetime

# HostModel fields that are not the host's state.
NOT_STATE = ("records", "lock", "faults")


def _plain(value):
    """VALUE as plain, comparable data: dataclasses as dicts, callables by name, datetimes as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if callable(value):
        # A detached run's effect: the same plan keeps the same function.
        return "callable:%s:%x" % (getattr(value, "__qualname__", type(value).__name__), id(value))
    return value


def snapshot(host) -> dict:
    """HOST's whole state (see the module doc), taken under its lock."""
    with host.lock:
        snap = {f.name: _plain(getattr(host, f.name)) for f in dataclasses.fields(host) if f.name not in NOT_STATE}
    if snap["setup"].get("_state") == {}:
        # The setup.exe model's own run bookkeeping, created empty when a script reads it
        # (winsim/detached/setup_exe.py setup_state): no state of the host.
        del snap["setup"]["_state"]
    return snap


def differences(before: dict, after: dict, path: str = "", limit: int = 20) -> list:
    """Where AFTER differs from BEFORE: ["services.wuauserv.state: 'running' -> 'stopped'", ...]."""
    out = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            where = "%s.%s" % (path, key) if path else key
            if key not in after:
                out.append("%s: removed" % where)
            elif key not in before:
                out.append("%s: added" % where)
            else:
                out += differences(before[key], after[key], where, limit)
            if len(out) >= limit:
                break
    elif before != after:
        out.append("%s: %s -> %s" % (path, repr(before)[:80], repr(after)[:80]))
    return out[:limit]
