# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The line before which a host's evidence no longer says it is broken.

After the target update installed (or, without a target, after the last
cumulative update installed), the failures, CBS.log lines and sfc verdicts
written before that install describe a state the install has put behind:
a survey after a fix must agree with the fix. ``baseline()`` finds that moment
in the update history, ``before()`` tells whether a time-stamped item is older.

History dates are UTC (the diagnose script writes them so). CBS.log writes
local time without an offset ("2026-10-30 03:10:00, Info CBS ..."), so a CBS
line is known to be older only when it is more than 12 hours before the line:
no time zone is further west of UTC than UTC-12:00 (IANA time zone database,
Etc/GMT+12), so such a line is older whatever the host's zone.
"""
from __future__ import annotations

import datetime
import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime

LOCAL_TIME_MARGIN = datetime.timedelta(hours=12)

_KB_RE = re.compile(r"\bKB(\d{6,8})\b", re.IGNORECASE)
# An OS cumulative update's title (the catalog's and Windows Update's wording); not .NET's own cumulative updates.
_CUMULATIVE_RE = re.compile(r"\bcumulative update\b", re.IGNORECASE)
_DOTNET_RE = re.compile(r"\.NET", re.IGNORECASE)
_CBS_TIME_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")
# OperationResultCode: 2 succeeded, 3 succeeded with errors (Microsoft Learn, "OperationResultCode enumeration").
_SUCCEEDED = (2, 3)


def _kb(title):
    match = _KB_RE.search(title or "")
    return ("KB" + match.group(1)) if match else None


def _succeeded(entry):
    try:
        return int(entry.get("result_code")) in _SUCCEEDED
    except (TypeError, ValueError):
        return False


def baseline(history, target_kb=None):
    """{"kb", "at" (UTC ISO text or None), "why"}: the target's last successful install in HISTORY
    (update history entries {date, title, result_code}), else the last successful cumulative update."""
    target = str(target_kb or "").strip().upper() or None
    best = {"target": None, "cumulative": None}
    for entry in history or []:
        entry = entry or {}
        when = isotime.parse(entry.get("date"))
        title = entry.get("title") or ""
        if when is None or not _succeeded(entry):
            continue
        kb = _kb(title)
        if target and kb == target and (best["target"] is None or when > best["target"][0]):
            best["target"] = (when, kb)
        if _CUMULATIVE_RE.search(title) and not _DOTNET_RE.search(title) and (
                best["cumulative"] is None or when > best["cumulative"][0]):
            best["cumulative"] = (when, kb)
    for why in ("target", "cumulative"):
        if best[why]:
            when, kb = best[why][0], best[why][1]
            return {"kb": kb, "at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "why": "the target update installed" if why == "target" else "the last cumulative update installed"}
    return {"kb": None, "at": None, "why": None}


def before(moment, line_at):
    """Whether MOMENT (an aware datetime, or None) is older than the baseline time LINE_AT (ISO text)."""
    line = isotime.parse(line_at)
    return bool(line and moment and moment < line)


def cbs_line_before(line, line_at):
    """Whether a CBS.log LINE (local time) is surely older than the baseline LINE_AT (see the module doc).
    Lines without a time are kept (False)."""
    found = _CBS_TIME_RE.match(line or "")
    if not found:
        return False
    local = isotime.parse("%sT%s" % found.groups())
    limit = isotime.parse(line_at)
    return bool(local and limit and local < limit - LOCAL_TIME_MARGIN)
