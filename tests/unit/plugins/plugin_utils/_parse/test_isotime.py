# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host and journal times read back (plugin_utils/_parse/isotime.py)."""
from __future__ import annotations

import datetime

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime


@pytest.mark.parametrize("text, expected", [
    ("2026-11-02T09:00:00.1234567Z", "2026-11-02T09:00:00.123456+00:00"),  # PowerShell's 'o' format
    ("2026-11-02T09:00:00.1234567z", "2026-11-02T09:00:00.123456+00:00"),
    ("2026-11-02T10:00:00+01:00", "2026-11-02T10:00:00+01:00"),
    ("2026-11-02T09:00:00Z", "2026-11-02T09:00:00+00:00"),  # what the journal writes
    ("  2026-11-02T09:00:00  ", "2026-11-02T09:00:00+00:00"),  # no offset: the scripts report UTC
    ("t0", None), ("garbage", None), ("", None), (None, None), (5, None),
])
def test_both_iso_forms_are_read_and_anything_else_is_none(text, expected):
    moment = isotime.parse(text)
    assert (moment.isoformat() if moment else None) == expected


def test_seven_fraction_digits_keep_their_microseconds():
    a = isotime.parse("2026-11-02T10:15:00.1234567Z")
    b = isotime.parse("2026-11-02T10:15:00+00:00")
    assert a - b == datetime.timedelta(microseconds=123456)
