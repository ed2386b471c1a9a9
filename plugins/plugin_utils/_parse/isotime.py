# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Times the host scripts and the journal write, read back as aware datetimes.

PowerShell's round-trip format ('o') writes 7 fraction digits and may end in
Z; Python 3.11's datetime.fromisoformat reads at most 6, so the 7th is
dropped. A time without an offset is UTC (the scripts and the journal write
UTC).
"""
from __future__ import annotations

import datetime
import re

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse(value):
    """ISO 8601 text -> aware datetime, or None when it is empty or not a time."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
