# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Find the servicing failures CBS.log records, and name their cause for the repair ladder.

%windir%\\Logs\\CBS\\CBS.log grows to hundreds of MB, so lines are streamed
and a keyword pre-filter rejects the (nearly all) lines that match nothing;
only a hit is tested against each signal. Memory stays flat: one sample line
per signal is kept.

Signal wording comes from the public material the project builds on:
- "Hydration failed" / forward-delta failures with 0x80070306
  (ERROR_ERRORS_ENCOUNTERED, winerror.h): public reports of 24H2/25H2
  cumulative updates failing with that code and CBS.log hydration failures
  (e.g. https://www.windowstechit.com/57966/fix-0x80070306-windows-11-update-error/);
  the exact line wording is an ASSUMPTION modelled on CSI lines. PSFX_E_*
  names: KB 947821 table.
- CBS_E_STORE_CORRUPTION, ERROR_SXS_ASSEMBLY_MISSING, "(p) CSI Payload Corrupt",
  "Repair failed: Missing replacement payload": Microsoft Learn "Windows Update
  common errors and mitigation" and the DISM /ScanHealth summary in CBS.log.
- "Mark store corruption flag", "Failed to pin deployment", "Corrupt
  Component", "Failed to resolve package": CBS/CSI wording as it appears in
  CBS.log excerpts quoted on Microsoft Q&A threads.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import to_text
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import HRESULTS, source_missing_codes

__all__ = ["SIGNALS", "CAUSES", "scan_lines", "scan_text", "scan_file", "causes_of"]

# Causes the repair ladder knows (ordered roughly by how drastic the fix is).
CAUSES = (
    "low_disk",                 # free space first
    "insider_flight",           # leave the Insider program / flight signing
    "unresolved_package",       # a package referenced by servicing cannot be found
    "corrupt_component_store",  # DISM /RestoreHealth, then sfc
    "missing_payload",          # RestoreHealth with a matching /Source
    "forward_delta_hydration",  # repair (in-place) install
)

_SOURCE_MISSING = "|".join(
    sorted({"0x%08x" % code for code in source_missing_codes()}
           | {HRESULTS[code][0] for code in source_missing_codes() if HRESULTS[code][0]}))

# name -> (cause, regex). Order is the order of report for equal first lines.
SIGNALS = (
    ("hydration_failed", "forward_delta_hydration",
     r"hydration failed|PSFX_E_APPLY_FORWARD_DELTA_FAILED|PSFX_E_MATCHING_BINARY_MISSING"
     r"|forward delta[^\r\n]*(?:fail|error|0x8)"),
    ("errors_encountered", "forward_delta_hydration",
     r"0x80070306|ERROR_ERRORS_ENCOUNTERED"),
    ("store_corruption", "corrupt_component_store",
     r"CBS_E_STORE_CORRUPTION|0x800f0831|ERROR_SXS_COMPONENT_STORE_CORRUPT|0x80073712"),
    ("pin_deployment_failed", "corrupt_component_store", r"Failed to pin deployment"),
    ("store_corruption_flag", "corrupt_component_store", r"Mark store corruption flag"),
    ("corrupt_component", "corrupt_component_store", r"Corrupt Component"),
    ("payload_corrupt", "corrupt_component_store", r"\(p\)\s+CSI Payload Corrupt"),
    ("missing_replacement_payload", "missing_payload", r"Repair failed: Missing replacement payload"),
    # The whole source-missing family of hresult.py, by name and by code.
    ("source_missing", "missing_payload", _SOURCE_MISSING),
    ("assembly_missing", "corrupt_component_store", r"ERROR_SXS_ASSEMBLY_MISSING|0x80073701"),
    ("package_unresolved", "unresolved_package", r"Failed to resolve package"),
    ("insider_flight", "insider_flight",
     r"\binsider\b|WindowsSelfHost|flightsigning|\bflighting\b|\bflighted\b"),
    ("disk_full", "low_disk",
     r"ERROR_DISK_FULL|STATUS_DISK_FULL|0x80070070|not enough space on the disk"),
)

_COMPILED = tuple((name, cause, re.compile(pattern, re.IGNORECASE)) for name, cause, pattern in SIGNALS)
# Pre-filter: every signal pattern contains at least one of these (lower-case)
# literals; substring tests on the lowered line are far faster than running
# every regex (about 1 s instead of 30 s per 100 MB of ordinary CBS lines).
# A line that holds a keyword is only tested against the signals whose
# pattern holds that keyword.
_KEYWORDS = ("fail", "corrupt", "0x80", "error_", "cbs_e_", "psfx_e_", "hydration", "delta",
             "insider", "selfhost", "flight", "disk")
_SAMPLE_MAX = 400
_BY_KEYWORD = {
    keyword: tuple(entry for entry, (_name, _cause, pattern) in zip(_COMPILED, SIGNALS) if keyword in pattern.lower())
    for keyword in _KEYWORDS
}


def scan_lines(lines, start=1) -> list:
    """Scan an iterable of lines (str or bytes); return the signals found.

    Each signal: {name, cause, count, first_line (1-based), sample}. Sorted by
    first_line. A line can raise several signals (a hydration failure that also
    carries 0x80070306).
    """
    found = {}
    keywords = _KEYWORDS
    for number, line in enumerate(lines, start):
        if isinstance(line, (bytes, bytearray)):
            line = bytes(line).decode("utf-8", "replace")
        lowered = line.lower()
        candidates = None
        for keyword in keywords:
            if keyword in lowered:
                candidates = (candidates or ()) + _BY_KEYWORD[keyword]
        if not candidates:
            continue
        seen = set()
        for name, cause, pattern in candidates:
            if name in seen:
                continue
            seen.add(name)
            if pattern.search(line):
                entry = found.get(name)
                if entry is None:
                    found[name] = {
                        "name": name,
                        "cause": cause,
                        "count": 1,
                        "first_line": number,
                        "sample": line.strip()[:_SAMPLE_MAX],
                    }
                else:
                    entry["count"] += 1
    order = {name: index for index, (name, _cause, _pattern) in enumerate(SIGNALS)}
    return sorted(found.values(), key=lambda s: (s["first_line"], order[s["name"]]))


def scan_text(text) -> list:
    """Scan a whole log given as str or bytes."""
    return scan_lines(re.split(r"\r\n|\r|\n", to_text(text)))


def scan_file(path, encoding="utf-8") -> list:
    """Scan a CBS.log on this machine (streamed; fetched copies of the host's log)."""
    with open(path, "r", encoding=encoding, errors="replace", newline=None) as handle:
        return scan_lines(handle)


def causes_of(signals) -> list:
    """The distinct causes of a signal list, ordered as CAUSES (most drastic last)."""
    present = {signal["cause"] for signal in signals}
    return [cause for cause in CAUSES if cause in present]
