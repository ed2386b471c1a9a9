# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Read what a catalog update title says: KB, release month, product, version, architecture, kind.

Title shapes seen on the catalog (public pages and the captures in
tests/fixtures/catalog/):
  2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)
  2026-03 Cumulative Update for Windows 11, version 25H2 for x64-based Systems (KB5086672) (26200.8117)
  2024-09 Cumulative Update Preview for Windows 11 Version 24H2 for arm64-based Systems (KB5043178)
  2024-10 Dynamic Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB...)
  2024-09 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11, version 24H2 for x64 (KB...)
  2024-09 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB...)
  Update for Microsoft Office 2013 (KB4022233) 64-Bit Edition
The parse is deliberately literal: a field the title does not state is None.
"""
from __future__ import annotations

import re

ARCHITECTURES = ("x64", "arm64", "x86")

# Spellings of an architecture -> the canonical name used everywhere in the collection.
_ARCH_ALIASES = {
    "x64": "x64", "amd64": "x64", "x86_64": "x64", "64-bit": "x64", "64bit": "x64",
    "arm64": "arm64", "aarch64": "arm64",
    "x86": "x86", "i386": "x86", "i686": "x86", "32-bit": "x86", "32bit": "x86",
}

_KB = re.compile(r"\bKB\s?(\d{6,8})\b", re.I)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\b")
_BUILD = re.compile(r"\((\d{5}\.\d+)\)\s*$")
# "for x64-based Systems", "for ARM64-based Systems", ".NET ... for x64"
_ARCH_FOR = re.compile(r"\bfor\s+(x64|x86|arm64|amd64)(?:-based(?:\s+systems)?)?\b", re.I)
# "(KB4022233) 64-Bit Edition", "x64 Edition"
_ARCH_EDITION = re.compile(r"\b(64-bit|32-bit|x64|x86|arm64)\s+edition\b", re.I)
# "Windows 11 Version 24H2", "Windows 11, version 25H2", "Windows 10 Version 1809",
# "Microsoft server operating system version 21H2", "Windows Server 2025"
_PRODUCT = re.compile(
    r"\b(?P<product>Windows\s+(?:\d+|Server(?:\s+\d{4})?(?:\s+R2)?)|Microsoft\s+server\s+operating\s+system)"
    r"(?:\s*,?\s+version\s+(?P<version>\d{2}H\d|\d{4}))?",
    re.I)


class TitleInfo(dict):
    """The fields of one title, as a dict (easy to return from a lookup)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


def normalize_architecture(value):
    """'AMD64', 'x64', '64-bit' -> 'x64'; unknown -> None."""
    if value is None:
        return None
    return _ARCH_ALIASES.get(str(value).strip().lower())


def _canonical_product(name):
    words = name.split()
    if words[0].lower() == "microsoft":
        return "Microsoft server operating system"
    words[0] = "Windows"
    if len(words) > 1 and words[1].lower() == "server":
        words[1] = "Server"
    if words[-1].lower() == "r2":
        words[-1] = "R2"
    return " ".join(words)


def parse_product(text):
    """'Windows 11 Version 24H2' / 'Windows 11, version 24H2' -> ('Windows 11', '24H2').

    Returns (None, None) when no Windows product is named.
    """
    match = _PRODUCT.search(text or "")
    if not match:
        return None, None
    version = match.group("version")
    return _canonical_product(match.group("product")), (version.upper() if version else None)


def _kind(title):
    low = title.lower()
    if ".net framework" in low or ".net " in low:
        return "dotnet"
    if "servicing stack update" in low:
        return "servicing_stack"
    if "dynamic update" in low or "dynamic cumulative update" in low:
        # "Dynamic Cumulative Update" is setup's dynamic update package, not the LCU.
        return "dynamic"
    if "cumulative update" in low:
        return "cumulative"
    if "security monthly quality rollup" in low or "monthly quality rollup" in low:
        return "monthly_rollup"
    if "security only quality update" in low:
        return "security_only"
    if "feature update" in low or "enablement package" in low:
        return "feature"
    if "malicious software removal tool" in low:
        return "msrt"
    if "security intelligence update" in low or "definition update" in low:
        return "definitions"
    if "security update" in low:
        return "security"
    if re.search(r"\bupdate\b", low):
        return "update"
    return "other"


def parse_title(title):
    """Parse one update title into a TitleInfo.

    kind is one of: cumulative, dynamic, servicing_stack, dotnet, security,
    security_only, monthly_rollup, feature, msrt, definitions, update, other.
    preview is True for "Preview" updates (optional non-security releases).
    """
    text = " ".join((title or "").split())
    kb = _KB.search(text)
    month = _MONTH.match(text)
    build = _BUILD.search(text)
    arch = _ARCH_FOR.search(text) or _ARCH_EDITION.search(text)
    low = text.lower()
    if ".net" in low:
        # ".NET Framework 3.5 and 4.8.1 for Windows 11, version 24H2": the product
        # is the Windows the .NET update is for, named after the last " for ".
        product, version = parse_product(text[low.rfind(" for windows") + 5:] if " for windows" in low else text)
    else:
        product, version = parse_product(text)
    return TitleInfo(
        title=text,
        kb="KB%s" % kb.group(1) if kb else None,
        kb_number=int(kb.group(1)) if kb else None,
        year=int(month.group(1)) if month else None,
        month=int(month.group(2)) if month else None,
        release=("%s-%s" % (month.group(1), month.group(2))) if month else None,
        build=build.group(1) if build else None,
        product=product,
        version=version,
        architecture=normalize_architecture(arch.group(1)) if arch else None,
        kind=_kind(text),
        preview=bool(re.search(r"\bpreview\b", low)),
        dynamic="dynamic" in low,
        out_of_band="out-of-band" in low,
    )
