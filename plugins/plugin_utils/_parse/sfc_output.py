# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Read what sfc /scannow printed, and the [SR] lines it leaves in CBS.log.

sfc.exe has no documented exit codes, so its outcome is read from its text.
When its stdout is redirected (as over WinRM) it writes UTF-16LE, sometimes
without a BOM, and redraws "Verification NN% complete." with carriage returns.
Sentences: Microsoft support article KB 929833 "Use the System File Checker
tool to repair missing or corrupted system files".
"""
from __future__ import annotations

import codecs
import re

__all__ = ["OUTCOMES", "to_text", "clean_lines", "parse_sfc", "summarize_cbs_sr"]

OUTCOMES = (
    "no_violations",
    "repaired",
    "unable_to_fix",
    "could_not_perform",
    "service_not_started",
    "pending_reboot",
    "unknown",
)


def _looks_utf16le(data: bytes) -> bool:
    # ASCII text in UTF-16LE has a NUL in (nearly) every odd byte.
    sample = data[:4096]
    if len(sample) < 2:
        return False
    odd = sample[1::2]
    return odd.count(0) >= len(odd) * 0.6


def to_text(data) -> str:
    """bytes (UTF-16LE with/without BOM, UTF-8, or OEM code page) or str -> str.

    Shared by the sfc, DISM, CBS.log and setup log readers.
    """
    if data is None:
        return ""
    if isinstance(data, str):
        text = data
    elif isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        if data.startswith(codecs.BOM_UTF16_LE):
            text = data[2:].decode("utf-16-le", "replace")
        elif data.startswith(codecs.BOM_UTF8):
            text = data[3:].decode("utf-8", "replace")
        elif _looks_utf16le(data):
            if len(data) % 2:
                data = data[:-1]
            text = data.decode("utf-16-le", "replace")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp437", "replace")  # console OEM code page
    else:
        raise TypeError("expected str or bytes, got %s" % type(data).__name__)
    # A UTF-16 stream read as 8-bit text (PowerShell does this) keeps its NULs.
    return text.replace("\ufeff", "").replace("\x00", "")


_PROGRESS_RE = re.compile(r"^\s*verification\s+\d{1,3}\s*%\s+complete\.?\s*$", re.IGNORECASE)


def clean_lines(text) -> list:
    """Text -> non-empty lines without progress redraws ("Verification 45% complete.")."""
    text = to_text(text)
    lines = []
    for raw in re.split(r"\r\n|\r|\n", text):
        line = raw.strip()
        if not line or _PROGRESS_RE.match(line):
            continue
        lines.append(line)
    return lines


# Outcome sentences, most specific first (KB 929833; the pending-reboot sentence
# appears both as "requires reboot" and "requires a reboot").
_OUTCOME_PATTERNS = (
    ("pending_reboot", re.compile(r"system\s+repair\s+pending\s+which\s+requires\s+(?:a\s+)?reboot", re.I)),
    ("service_not_started", re.compile(r"could\s+not\s+start\s+the\s+repair\s+service", re.I)),
    ("unable_to_fix", re.compile(r"found\s+corrupt\s+files\s+but\s+was\s+unable\s+to\s+fix\s+some\s+of\s+them", re.I)),
    ("repaired", re.compile(r"found\s+corrupt\s+files\s+and\s+successfully\s+repaired\s+them", re.I)),
    ("no_violations", re.compile(r"did\s+not\s+find\s+any\s+integrity\s+violations", re.I)),
    ("could_not_perform", re.compile(r"could\s+not\s+perform\s+the\s+requested\s+operation", re.I)),
    # Not elevated / not a console session: sfc refuses before scanning.
    ("could_not_perform", re.compile(r"must\s+be\s+an\s+administrator\s+running\s+a\s+console\s+session", re.I)),
)


def _sentence_around(text, match):
    """The whole sentence that contains MATCH (sentences end with a full stop)."""
    start = text.rfind(". ", 0, match.start())
    start = 0 if start < 0 else start + 2
    end = text.find(".", match.end())
    end = len(text) if end < 0 else end + 1
    return text[start:end].strip()


_REBOOT_HINT_RE = re.compile(r"\b(?:reboot|restart)\b", re.I)


def parse_sfc(output, exit_code=None) -> dict:
    """Outcome of one sfc /scannow (or /verifyonly) run.

    Returns outcome (one of OUTCOMES), repaired, reboot_required, message (the
    sentence that decided), lines (cleaned output) and elevation_required.
    """
    lines = clean_lines(output)
    # sfc wraps its result sentence at the console width (80 columns), so the
    # sentence is searched in the joined text, not line by line.
    joined = " ".join(lines)
    outcome = "unknown"
    message = None
    for name, pattern in _OUTCOME_PATTERNS:
        match = pattern.search(joined)
        if match:
            outcome, message = name, _sentence_around(joined, match)
            break
    reboot_required = outcome == "pending_reboot"
    if outcome == "repaired":
        # Some repairs only take effect after a restart; sfc says so when it applies.
        reboot_required = bool(_REBOOT_HINT_RE.search(joined.replace(message, "")))
    return {
        "outcome": outcome,
        "repaired": outcome == "repaired",
        "reboot_required": reboot_required,
        "message": message,
        "elevation_required": bool(message and "must be an administrator" in message.lower()),
        "exit_code": exit_code,
        "lines": lines,
    }


# CBS.log lines written by sfc carry "[SR]" after the CSI sequence number, e.g.
#   2026-01-05 10:11:12, Info  CSI  00000008 [SR] Verify complete
_SR_RE = re.compile(r"\[SR\]\s*(.*)$")
_CANNOT_REPAIR_RE = re.compile(r'Cannot repair member file \[[^\]]*\]"([^"]+)"', re.I)
_REPROJECT_RE = re.compile(r'Could not reproject corrupted file .*\\\[[^\]]*\]"([^"]+)"', re.I)
_REPAIRING_RE = re.compile(r"Repairing corrupted file\s+(.*?)(?:\s+from store)?\s*$", re.I)


def summarize_cbs_sr(lines) -> dict:
    """Summary of the [SR] lines of CBS.log (an iterable of lines, or one text).

    Counts "Verify complete", "Repairing corrupted file" and "Cannot repair
    member file" lines and names the files that could not be repaired.
    """
    if isinstance(lines, (str, bytes, bytearray)):
        lines = re.split(r"\r\n|\r|\n", to_text(lines))
    verify_complete = repairing = cannot_repair = sr_lines = 0
    unrepaired = []
    repaired_files = []
    for line in lines:
        if "[SR]" not in line:
            continue
        match = _SR_RE.search(line)
        if not match:
            continue
        sr_lines += 1
        body = match.group(1)
        if body.startswith("Verify complete"):
            verify_complete += 1
        elif body.startswith("Repairing corrupted file"):
            repairing += 1
            rep = _REPAIRING_RE.search(body)
            if rep:
                repaired_files.append(rep.group(1))
        elif body.startswith("Cannot repair member file"):
            cannot_repair += 1
            name = _CANNOT_REPAIR_RE.search(body)
            if name and name.group(1) not in unrepaired:
                unrepaired.append(name.group(1))
        elif body.startswith("Could not reproject corrupted file"):
            name = _REPROJECT_RE.search(body)
            if name and name.group(1) not in unrepaired:
                unrepaired.append(name.group(1))
    return {
        "sr_lines": sr_lines,
        "verify_complete": verify_complete,
        "repairing_corrupted_file": repairing,
        "cannot_repair_member_file": cannot_repair,
        "repaired_files": repaired_files,
        "unrepaired_files": unrepaired,
    }
