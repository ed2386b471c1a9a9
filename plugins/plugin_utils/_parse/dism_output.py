# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what DISM /Online /Cleanup-Image /CheckHealth|/ScanHealth|/RestoreHealth printed.

The collection runs DISM with /English, but the text is read in any
language: what does not depend on it comes first.
- The exit code: 0, 3010 (ERROR_SUCCESS_REBOOT_REQUIRED) or a failure, which
  DISM returns as a signed HRESULT (-2146498529 = 0x800F081F) or a plain
  Win32 code (87, 740).
- The error lines: "<word>: <code>" whatever the word ("Error: 0x800f081f",
  "Fehler: 0x800f0906", "Ошибка: 0x800f081f", "Error: 127"). A run can print
  several: one indented under each package that failed and one summary line
  (abbodi1406/BatUtil#21, adavak/Win_ISO_Patching_Scripts#42). The error that
  decides is the actionable one (see _actionable) and its message is the one
  printed with that error, not the last line of the output.
- The health sentences, read from the sourced tables in languages/dism.py
  (Microsoft Learn, "Repair a Windows Image"); a sentence in a language
  without a table is not guessed at.
An outcome that cannot be told is "unknown", with the text kept in `raw`:
"running" is only said of output with no exit code, no error, no final
sentence and a DISM header in a known language (a poller's partial output),
never of a finished run printed in a language the tables do not have.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import languages
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import to_text
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages.dism import SENTENCES

__all__ = ["OUTCOMES", "parse_dism", "progress_values", "decode_exit_code", "error_lines"]

OUTCOMES = (
    "no_corruption",    # CheckHealth/ScanHealth: "No component store corruption detected."
    "repairable",       # "The component store is repairable."
    "repaired",         # RestoreHealth: "The restore operation completed successfully."
    "source_missing",   # a code of the source-missing family (hresult.source_missing_codes)
    "not_repairable",   # "The component store cannot be repaired."
    "completed",        # "The operation completed successfully." without a health sentence
    "failed",           # any other failure exit code / error line
    "running",          # partial output of a run still going (see the module docstring)
    "unknown",          # the text and the exit code do not tell
)

# "[==========================100.0%==========================]" or a partial
# bar "[=====                      10.0%                          ]".
_PROGRESS_RE = re.compile(r"\[[=\s]*?(\d{1,3}(?:[.,]\d)?)%[=\s]*\]?")
_BAR_LINE_RE = re.compile(r"^\s*\[[=\s]*\d{1,3}(?:[.,]\d)?%[=\s]*\]\s*$")
# "Version: 10.0.26100.1" / "Versione: ..." / "Версия: ...": the first "<word>: n.n.n.n" line is DISM's
# own version, the second the image's (the layout of every capture in languages/dism.py).
_VERSION_RE = re.compile(r"^\s*[^\W\d_][^:\r\n]{0,40}:\s*(\d+\.\d+\.\d+\.\d+)\s*$", re.M)
# An error line: one word or a few, a colon (also the full-width one), a code and nothing else.
_ERROR_RE = re.compile(r"^([ \t]*)([^\W\d_][^\d:：\r\n]{0,30}?)\s*[:：]\s*(-?0x[0-9a-f]{1,8}|-?\d{1,10})\s*$",
                       re.I | re.M)
_LOG_RE = re.compile(r"([A-Za-z]:\\[^\r\n\"]*?\\Logs\\DISM\\[^\s\"\\]+\.log)", re.I)
_REBOOT_RE = re.compile(r"restart (?:windows|the computer|is needed)|reboot (?:is )?required", re.I)
_SENTENCE_END = (".", "\u3002", "!", "?")

_HEALTH_KEYS = ("source_missing", "not_repairable", "repaired", "repairable", "no_corruption")
_FAILED_SENTENCES = ("source_missing", "not_repairable")
# Categories whose error names a cause the ladder acts on (hresult.CATEGORIES).
_SPECIFIC = frozenset(("component_store", "forward_delta_hydration", "errors_encountered", "servicing_stack",
                       "disk", "access", "pending_operation", "not_applicable", "already_installed"))


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


def error_lines(text) -> list:
    """Every error line of DISM output, in order: {code (decoded), package (indented), line, message}."""
    flat = re.sub(r"\r\n?", "\n", to_text(text))
    lines = flat.split("\n")
    found = []
    for number, line in enumerate(lines):
        match = _ERROR_RE.match(line)
        if not match:
            continue
        try:
            info = decode(match.group(3))
        except (TypeError, ValueError):
            continue
        package = bool(match.group(1))
        message = _message_before(lines, number) if package else _message_after(lines, number)
        found.append({"code": info, "package": package, "line": number + 1, "label": match.group(2).strip(),
                      "message": message})
    return found


def parse_dism(output, exit_code=None, operation=None, code_page=None) -> dict:
    """Parse DISM console output (str, or bytes in UTF-16LE/UTF-8/the host's OEM code page).

    operation is optional ("CheckHealth", "ScanHealth", "RestoreHealth") and
    only echoed back; code_page is the host's OEM code page for 8-bit bytes.
    """
    text = to_text(output, code_page)
    # Progress redraws use CR; keep the last state of every line.
    flat = re.sub(r"\r(?!\n)", "\n", text).replace("\r\n", "\n")
    progress_list = progress_values(flat)
    versions = _VERSION_RE.findall(flat)
    log_match = _LOG_RE.search(flat)
    hits = languages.find(flat, SENTENCES)
    language = hits[0][0].language if hits else None

    exit_info, exit_ok, reboot_required = decode_exit_code(exit_code)
    errors = error_lines(flat)
    chosen = _actionable(errors, exit_info)
    failure = None
    if exit_ok is not True:
        failure = chosen["code"] if chosen else (exit_info if exit_ok is False else None)

    outcome = message = None
    health = languages.find_first(flat, SENTENCES, _HEALTH_KEYS)
    if health:
        outcome, message = health[0].key, _line_of(flat, health[1])
    if failure is not None:
        if failure["category"] == "source_missing":
            outcome = "source_missing"
        elif outcome not in _FAILED_SENTENCES:
            # An error wins over a health sentence printed before the failure.
            outcome, message = "failed", None
        if chosen and chosen["message"]:
            message = chosen["message"]
        message = message or failure.get("meaning")
    evidence = "text" if outcome else None
    if failure is not None:
        evidence = "error_line" if chosen else "exit_code"
    if outcome is None:
        completed = languages.find_first(flat, SENTENCES, ("completed",))
        if completed and exit_ok is not False:
            outcome, message, evidence = "completed", _line_of(flat, completed[1]), "text"
        elif exit_ok and operation == "RestoreHealth":
            # Every successful /RestoreHealth in the captures of languages/dism.py printed "The restore
            # operation completed successfully." and exited 0; ASSUMPTION: exit code 0 of /RestoreHealth
            # says that in any language.
            outcome, evidence = "repaired", "exit_code"
        elif exit_code is None:
            outcome = "running" if (language and (progress_list or versions)) else "unknown"
        else:
            outcome = "unknown" if exit_ok else "failed"
    if outcome in ("unknown", "running", "repaired") and message is None:
        message = _last_lines(flat)
    if _REBOOT_RE.search(flat):
        reboot_required = True

    return {
        "operation": operation,
        "outcome": outcome,
        "ok": outcome in ("no_corruption", "repairable", "repaired", "completed"),
        "corruption_detected": outcome in ("repairable", "not_repairable", "repaired", "source_missing"),
        "message": message,
        "language": language,
        "evidence": evidence,
        "progress": progress_list[-1] if progress_list else None,
        "dism_version": versions[0] if versions else None,
        "image_version": versions[1] if len(versions) > 1 else None,
        "exit_code": exit_code,
        "exit": exit_info,
        "error": failure,
        "errors": [dict(e["code"], package=e["package"], message=e["message"]) for e in errors],
        "reboot_required": reboot_required,
        "log_path": log_match.group(1) if log_match else None,
        "raw": text,
    }


def _actionable(errors, exit_info):
    """The error line that decides: the one the next step acts on.

    A source-missing code first (the next step is a /Source), then a code of
    a specific cause (component store, servicing stack ...), then the code the
    run exited with, then the summary line. Among equals a package's own line
    wins over the summary: its message names what failed.
    """
    if not errors:
        return None
    exit_value = exit_info["unsigned"] if exit_info else None

    def rank(item):
        number, error = item
        code = error["code"]
        if code["category"] == "source_missing":
            level = 0
        elif code["category"] in _SPECIFIC:
            level = 1
        elif exit_value is not None and code["unsigned"] == exit_value:
            level = 2
        else:
            level = 3
        return (level, 0 if error["package"] else 1, -number if level == 3 else number)

    return min(enumerate(errors), key=rank)[1]


def _line_of(text, index):
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    line = text[start:end if end >= 0 else len(text)]
    # A final sentence can share a line with the last progress bar.
    line = re.sub(r"^\s*\[[^\]]*\]\s*", "", line)
    return line.strip()


def _message_after(lines, number):
    """The first line after a summary error line: DISM prints the message there."""
    for line in lines[number + 1:]:
        line = line.strip()
        if line and not _BAR_LINE_RE.match(line):
            return line
    return None


def _message_before(lines, number):
    """The message a package's error line closes: its block above (up to a blank line or a bar).

    The block may start with the "Processing n of m - Adding package <identity>"
    line, which ends without a full stop; the message is the first line that
    reads as a sentence.
    """
    block = []
    for line in reversed(lines[:number]):
        stripped = line.strip()
        if not stripped or _BAR_LINE_RE.match(stripped) or _ERROR_RE.match(line):
            break
        block.insert(0, stripped)
    if len(block) > 1 and not block[0].endswith(_SENTENCE_END):
        block = block[1:]
    return block[0] if block else None


def _last_lines(text, count=3):
    lines = [line.strip() for line in text.split("\n") if line.strip() and not _BAR_LINE_RE.match(line.strip())]
    return " / ".join(lines[-count:]) if lines else None
