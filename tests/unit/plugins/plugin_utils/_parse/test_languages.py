# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sentence tables: every entry says where it comes from and never more than its source."""
from __future__ import annotations

import re

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import dism_output, languages, sfc_output
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import dism, sfc

TABLES = [("sfc", sfc.SENTENCES, set(sfc_output.OUTCOMES) | {"begin"}),
          ("dism", dism.SENTENCES, set(dism_output.OUTCOMES) | {"header"})]
LANGUAGE_TAG = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


@pytest.mark.parametrize("tool,table,keys", TABLES)
def test_every_entry_is_sourced_and_matches_inside_its_quote(tool, table, keys):
    assert table, tool
    for entry in table:
        assert LANGUAGE_TAG.match(entry.language), entry
        assert entry.key in keys, entry
        assert entry.source.startswith("https://"), entry
        assert languages.squeeze(entry.match) in languages.squeeze(entry.quote), entry
        # A match is found in its own quote, wrapped or not.
        wrapped = entry.quote.replace(" ", "\n", 3)
        assert languages.find(wrapped, [entry]), entry
    assert len({(e.language, e.key, e.match) for e in table}) == len(table), tool


def test_tables_hold_the_languages_found_and_no_guessed_one():
    assert languages.languages_of(sfc.SENTENCES) == ["de-DE", "en-US", "ja-JP", "pl-PL", "zh-CN"]
    assert languages.languages_of(dism.SENTENCES) == ["de-DE", "en-US", "es-ES", "ja-JP", "ru-RU"]


def test_find_ignores_white_space_and_case_and_reports_positions():
    text = "Windows \u30ea\u30bd\u30fc\u30b9\u4fdd\u8b77\u306b\u3088\u308a\u3001\u7834\u640d\u3057\u305f\u30d5\u30a1\n" \
           "\u30a4\u30eb\u304c\u898b\u3064\u304b\u308a\u3001\u305d\u308c\u3089\u306f\u6b63\u5e38\u306b\u4fee\u5fa9" \
           "\u3055\u308c\u307e\u3057\u305f\u3002"
    hit = languages.find_first(text, sfc.SENTENCES, ("repaired",))
    assert hit and hit[0].language == "ja-JP"
    assert text[hit[1]:hit[2]].startswith("\u7834\u640d")
    assert languages.find_first("NO COMPONENT STORE\r\nCORRUPTION DETECTED.", dism.SENTENCES,
                                ("no_corruption",))[0].language == "en-US"
    assert languages.find("nothing here", sfc.SENTENCES) == []
