# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which host states each script really ran in (its differential case matched).

A full run of the stage must show every host script running, and matching its
model, in at least MIN_STATES distinct host states: planned cases that were
skipped or failed do not count. Each pytest process (an xdist worker) keeps
its own tally; conftest.py merges them at the end of the session and fails
the session when a script falls short.
"""
from __future__ import annotations

MIN_STATES = 10
RAN: dict = {}  # script -> set of host state names whose differential case matched


def record_state(script: str, state: str) -> None:
    RAN.setdefault(script, set()).add(state)


def short_of_states(ran: dict, scripts) -> dict:
    """{script: states it ran in} for every script below MIN_STATES."""
    return {s: len(ran.get(s, ())) for s in scripts if len(ran.get(s, ())) < MIN_STATES}
