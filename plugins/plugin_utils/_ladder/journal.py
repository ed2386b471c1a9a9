# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The ladder driver's host journal (C:\\ProgramData\\winrepair\\journal.json), as pure functions.

The journal is one JSON object:

  {"version": 1, "updated": "<UTC ISO 8601>", "entries": {"KB5043080": <record>, ...}}

one entry per target update, each the remediation record of plugin_utils/
remediation.py. The host scripts only read and write the text; parsing and
merging happen here on the controller.
"""
from __future__ import annotations

import hashlib
import json
import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

JOURNAL_VERSION = 1
DEFAULT_PATH = "C:\\ProgramData\\winrepair\\journal.json"
# The revision of a host without a journal; any other is the SHA-256 (hex) of the journal's UTF-8 text,
# as the host script wu_journal_write computes it.
NO_REVISION = "none"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def empty():
    return {"version": JOURNAL_VERSION, "updated": None, "entries": {}}


def revision(text):
    """The revision of a journal whose text is TEXT (None: there is no journal)."""
    if text is None:
        return NO_REVISION
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_revision(value):
    return isinstance(value, str) and (value == NO_REVISION or bool(_SHA256_HEX.match(value)))


def parse(text):
    """Journal text -> journal dict; ValueError when it is not a journal."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise ValueError("not a winrepair journal (no 'entries' object)")
    if int(data.get("version") or 0) > JOURNAL_VERSION:
        raise ValueError("journal version %s is newer than this collection understands (%d)"
                         % (data.get("version"), JOURNAL_VERSION))
    return data


def load(content, backup_content=None):
    """(journal, warning or None) from the script's answer: the journal, its backup
    when the journal cannot be parsed, else an empty one."""
    if content is None and backup_content is None:
        return empty(), None
    try:
        if content is None:
            raise ValueError("the journal is missing")
        return parse(content), None
    except ValueError as err:
        problem = str(err)
    if backup_content is not None:
        try:
            return parse(backup_content), "the journal could not be read (%s); its backup was used" % problem
        except ValueError:
            pass
    return empty(), "the journal could not be read (%s); starting without it" % problem


def merge(journal, kb, entry, now=None):
    """A copy of JOURNAL with ENTRY stored under KB (normalised)."""
    out = {"version": JOURNAL_VERSION, "updated": now or remediation.utc_now(),
           "entries": dict(journal.get("entries") or {})}
    out["entries"][remediation.norm_kb(kb)] = entry
    return out


def dump(journal):
    """Stable text (sorted keys), so writing the same journal twice changes nothing."""
    return json.dumps(journal, sort_keys=True, indent=1, default=str)


def same_entry(journal, kb, entry):
    """Whether JOURNAL already holds exactly ENTRY under KB."""
    current = (journal.get("entries") or {}).get(remediation.norm_kb(kb))
    return json.dumps(current, sort_keys=True, default=str) == json.dumps(entry, sort_keys=True, default=str)
