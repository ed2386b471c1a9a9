# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hresult filter: an error number in any spelling -> a dict of facts.

The table lives in plugin_utils/_parse/hresult.py so the action plugins and this
filter agree; this file only adapts it to Jinja (errors as AnsibleFilterError).
Documentation: hresult.yml next to this file.
"""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode


def hresult(value):
    """Decode an HRESULT, Win32 code or setup result pair (see hresult.yml)."""
    if value is None:
        raise AnsibleFilterError("hresult: got no value (None); expected an error code such as 0x80070306")
    try:
        return decode(value)
    except (TypeError, ValueError) as err:
        raise AnsibleFilterError("hresult: cannot decode %r as an error code: %s" % (value, err)) from err


class FilterModule:
    """winrepair.windows_update filters."""

    def filters(self):
        return {"hresult": hresult}
