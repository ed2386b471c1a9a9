# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The display language of a simulated host: its code pages and what its tools print.

A host's `locale:` (scenario key, en-US by default) picks a Locale: the OEM
code page its console tools write 8-bit text in and the ANSI code page
(registry values OEMCP / ACP that detached_status.ps1 reports). What sfc and
DISM print in that language comes from the collection's own sentence
tables (plugins/plugin_utils/_parse/languages/), which hold only sentences
seen in a public capture. So the simulator and the parsers share one
source, and the simulator invents no Windows wording:
- a locale not listed here is refused (NotModelled, also when the scenario
  is loaded);
- a sentence the tables do not have for a listed locale is printed as a
  marker line that says so ("[winsim: no public capture of ...]"): no
  Windows host prints it, no table reads it, and the collection has to
  decide from what does not depend on the language (exit codes, CBS.log),
  as it must on a real host whose language it has no table for.

Code pages: LOCALE_IDEFAULTCODEPAGE (OEM) and LOCALE_IDEFAULTANSICODEPAGE
(ANSI) of each locale (Microsoft Learn "LOCALE_IDEFAULT* Constants"); the
numbers are those of Windows' NLS data as the locale_name_code_page crate
tabulates them (docs.rs/crate/locale_name_code_page: en-US 1252/437, ja-JP
932/932, en-GB OEM 850); the code pages themselves are in the OEMCP
registry reference (850 Multilingual Latin I, 852 Slavic, 866 Russian, 932
Shift JIS, 936 GBK).
"""
from __future__ import annotations

import os
import sys
from collections import namedtuple

from .model import NotModelled

try:
    import ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse  # noqa: F401 pylint: disable=unused-import
except ImportError:  # `python -m winsim` with only tests/ on the path: the collection as `make setup` links it
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "collections"))
# pylint: disable=wrong-import-position
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import codec_for  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import dism as dism_table  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import sfc as sfc_table  # noqa: E402

Locale = namedtuple("Locale", "tag oem_code_page ansi_code_page")

LOCALES = {
    "en-US": Locale("en-US", 437, 1252),
    "de-DE": Locale("de-DE", 850, 1252),
    "es-ES": Locale("es-ES", 850, 1252),
    "fr-FR": Locale("fr-FR", 850, 1252),
    "it-IT": Locale("it-IT", 850, 1252),
    "pt-BR": Locale("pt-BR", 850, 1252),
    "pl-PL": Locale("pl-PL", 852, 1250),
    "ru-RU": Locale("ru-RU", 866, 1251),
    "ja-JP": Locale("ja-JP", 932, 932),
    "zh-CN": Locale("zh-CN", 936, 936),
}
DEFAULT = "en-US"
TABLES = {"sfc": sfc_table.SENTENCES, "dism": dism_table.SENTENCES}


def of(host) -> Locale:
    """The Locale of HOST; NotModelled for a locale the simulator has no code pages for."""
    tag = getattr(host, "locale", DEFAULT) or DEFAULT
    found = LOCALES.get(tag)
    if found is None:
        raise NotModelled("host %s: locale %r (modelled: %s)"
                          % (getattr(host, "name", "?"), tag, ", ".join(sorted(LOCALES))))
    return found


def oem_codec(host) -> str:
    """The Python codec of HOST's OEM code page (how DISM's redirected output is written)."""
    return codec_for(of(host).oem_code_page)


def sentence(tool: str, host, key: str) -> str:
    """What TOOL prints for KEY on HOST, in its language: the sourced quote, else a marker line."""
    tag = of(host).tag
    for entry in TABLES[tool]:
        if entry.language == tag and entry.key == key:
            return entry.quote
    return marker(tool, tag, key)


def has(tool: str, host, key: str) -> bool:
    tag = of(host).tag
    return any(e.language == tag and e.key == key for e in TABLES[tool])


def marker(tool: str, tag: str, key: str) -> str:
    """The stand-in for a sentence no public capture shows (see the module docstring)."""
    return "[winsim: no public capture of the %s %s line '%s']" % (tag, tool, key)
