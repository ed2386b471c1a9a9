# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Windows console tools print, by language, each sentence with its public source.

sfc.exe has no switch for English output (DISM has /English and the
collection passes it), so its result sentence is read in the host's
language. One file a tool: sfc.py, dism.py. An entry is a Sentence:

  language  the display language it was captured in (BCP 47, "ja-JP")
  key       what it tells (sfc_output.OUTCOMES / dism_output.OUTCOMES, or a
            layout key such as "header")
  match     the part of the sentence that is looked for; always a part of
            `quote`, so it never says more than the capture
  quote     the sentence as the public source shows it
  source    where it was seen (a Microsoft page or a public capture)

Only sentences seen in a public source are here. A language or a sentence
that is missing is not guessed: the parsers then decide from what does not
depend on the language (exit codes, HRESULTs, CBS.log) or say "unknown".

Matching ignores white space and case: consoles wrap long sentences at
their width, with a line break that is a space in Latin scripts and
nothing in Japanese or Chinese.
"""
from __future__ import annotations

import re
from collections import namedtuple

__all__ = ["Sentence", "squeeze", "find", "find_first", "languages_of"]

Sentence = namedtuple("Sentence", "language key match quote source")

_SPACE = re.compile(r"\s+")


def squeeze(text):
    """Text without white space, case-folded: what matching compares."""
    return _SPACE.sub("", text or "").casefold()


def _index(text):
    """(squeezed text, position in TEXT of each squeezed character)."""
    chars, where = [], []
    for position, char in enumerate(text):
        if not char.isspace():
            folded = char.casefold()
            chars.append(folded)
            where.extend([position] * len(folded))
    return "".join(chars), where


def find(text, sentences, keys=None):
    """Every entry of SENTENCES found in TEXT: [(entry, start, end)] in TEXT's positions, in text order."""
    squeezed, where = _index(text or "")
    found = []
    for entry in sentences:
        if keys is not None and entry.key not in keys:
            continue
        needle = squeeze(entry.match)
        at = squeezed.find(needle) if needle else -1
        if at >= 0:
            found.append((entry, where[at], where[at + len(needle) - 1] + 1))
    found.sort(key=lambda item: item[1])
    return found


def find_first(text, sentences, keys):
    """The entry of the first key (in KEYS' order) that TEXT holds: (entry, start, end) or None."""
    hits = find(text, sentences, keys)
    for key in keys:
        for hit in hits:
            if hit[0].key == key:
                return hit
    return None


def languages_of(sentences):
    """The languages a table has entries for, sorted."""
    return sorted({entry.language for entry in sentences})
