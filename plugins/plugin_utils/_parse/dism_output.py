# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Read what DISM /Online /Cleanup-Image /CheckHealth|/ScanHealth|/RestoreHealth printed.

The sentences are DISM's own (Microsoft Learn, "Repair a Windows Image" and
"DISM Operating System Package Servicing Command-Line Options"); the exit code
is 0, 3010 (ERROR_SUCCESS_REBOOT_REQUIRED) or a failure, which DISM returns as
a signed HRESULT (-2146498529 = 0x800F081F) or a plain Win32 code (87, 740).
A poller can call parse_dism() on partial output: with no exit code and no
final sentence the outcome is "running" and ``progress`` is the last percentage.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import to_text

__all__ = ["OUTCOMES", "parse_dism", "progress_values", "decode_exit_code"]

OUTCOMES = (
    "no_corruption",    # CheckHealth/ScanHealth: "No component store corruption detected."
    "repairable",       # "The component store is repairable."
    "repaired",         # RestoreHealth: "The restore operation completed successfully."
    "source_missing",   # 0x800F081F "The source files could not be found." (or 0x800F0906 could not be downloaded)
    "not_repairable",   # "The component store cannot be repaired."
    "completed",        # "The operation completed successfully." without a health sentence
    "failed",           # any other failure exit code / "Error: ..."
    "running",          # no final sentence and no exit code yet
    "unknown",
)

# "[==========================100.0%==========================]" or a partial
# bar "[=====                      10.0%                          ]".
_PROGRESS_RE = re.compile(r"\[[=\s]*?(\d{1,3}(?:[.,]\d)?)%[=\s]*\]?")
_VERSION_RE = re.compile(r"^\s*Version:\s*([0-9.]+)", re.I | re.M)
_IMAGE_VERSION_RE = re.compile(r"^\s*Image Version:\s*([0-9.]+)", re.I | re.M)
_ERROR_RE = re.compile(r"^\s*Error:\s*(-?(?:0x)?[0-9a-f]+)\s*$", re.I | re.M)
_LOG_RE = re.compile(r"DISM log file can be found at\s+(.+?)\s*$", re.I | re.M)

# Sentence -> outcome, most decisive first.
_SENTENCES = (
    ("source_missing", re.compile(r"The source files could not be (?:found|downloaded)", re.I)),
    ("not_repairable", re.compile(r"The component store cannot be repaired", re.I)),
    ("repaired", re.compile(r"The restore operation completed successfully", re.I)),
    ("repaired", re.compile(r"The component store corruption was repaired", re.I)),
    ("repairable", re.compile(r"The component store is repairable", re.I)),
    ("no_corruption", re.compile(r"No component store corruption detected", re.I)),
)
_COMPLETED_RE = re.compile(r"The operation completed successfully", re.I)
_SOURCE_CODES = (0x800F081F, 0x800F0906, 0x800F0907, 0x800F0950, 0x800F0954)
_REBOOT_RE = re.compile(r"restart (?:windows|the computer|is needed)|reboot (?:is )?required", re.I)


def progress_values(text) -> list:
    """Every percentage shown by DISM's progress bar, in order (floats)."""
    values = []
    for match in _PROGRESS_RE.finditer(to_text(text)):
        value = float(match.group(1).replace(",", "."))
        if 0.0 <= value <= 100.0:
            values.append(value)
    return values


def decode_exit_code(exit_code):
    """DISM exit code -> (decoded dict or None, ok, reboot_required)."""
    if exit_code is None:
        return None, None, False
    info = decode(exit_code)
    if info["unsigned"] == 0:
        return info, True, False
    if info["input_kind"] == "win32" and info["unsigned"] in (3010, 1641):
        return info, True, True
    return info, info["severity"] == "success", False


def parse_dism(output, exit_code=None, operation=None) -> dict:
    """Parse DISM console output (str, or bytes in UTF-16LE/UTF-8/OEM).

    operation is optional ("CheckHealth", "ScanHealth", "RestoreHealth") and
    only echoed back; the outcome comes from the text and the exit code.
    """
    text = to_text(output)
    # Progress redraws use CR; keep the last state of every line.
    flat = re.sub(r"\r(?!\n)", "\n", text)
    progress_list = progress_values(flat)
    dism_version = _VERSION_RE.search(flat)
    image_version = _IMAGE_VERSION_RE.search(flat)
    error_match = _ERROR_RE.search(flat)
    log_match = _LOG_RE.search(flat)

    outcome = None
    message = None
    for name, pattern in _SENTENCES:
        found = pattern.search(flat)
        if found:
            outcome = name
            message = _line_of(flat, found.start())
            break

    exit_info, exit_ok, reboot_required = decode_exit_code(exit_code)
    error_info = decode(error_match.group(1)) if error_match else None
    failure = error_info if error_info is not None else (exit_info if exit_ok is False else None)

    if failure is not None and failure["unsigned"] in _SOURCE_CODES:
        outcome = "source_missing"
    elif failure is not None and outcome in (None, "repairable", "no_corruption", "repaired"):
        # An "Error:" line or a failure exit code wins over a health sentence
        # printed before the failure.
        outcome = "failed"
    if outcome is None:
        if _COMPLETED_RE.search(flat) and exit_ok is not False:
            outcome = "completed"
            message = _line_of(flat, _COMPLETED_RE.search(flat).start())
        elif exit_code is None:
            outcome = "running" if (progress_list or dism_version) else "unknown"
        else:
            outcome = "unknown" if exit_ok else "failed"
    if failure is not None and message is None:
        message = _message_after_error(flat, error_match) or failure.get("meaning")
    if _REBOOT_RE.search(flat):
        reboot_required = True

    return {
        "operation": operation,
        "outcome": outcome,
        "ok": outcome in ("no_corruption", "repairable", "repaired", "completed"),
        "corruption_detected": outcome in ("repairable", "not_repairable", "repaired")
        or (outcome == "source_missing"),
        "message": message,
        "progress": progress_list[-1] if progress_list else None,
        "dism_version": dism_version.group(1) if dism_version else None,
        "image_version": image_version.group(1) if image_version else None,
        "exit_code": exit_code,
        "exit": exit_info,
        "error": failure,
        "reboot_required": reboot_required,
        "log_path": log_match.group(1) if log_match else None,
    }


def _line_of(text, index):
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    line = text[start:end if end >= 0 else len(text)]
    # A final sentence can share a line with the last progress bar.
    line = re.sub(r"^\s*\[[^\]]*\]\s*", "", line)
    return line.strip()


def _message_after_error(text, error_match):
    if not error_match:
        return None
    for line in text[error_match.end():].split("\n"):
        line = line.strip()
        if line:
            return line
    return None
