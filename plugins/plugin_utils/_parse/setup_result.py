# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Decode what Windows Setup (setup.exe of an in-place repair install) reports.

- its exit code after /auto upgrade (small codes 0x3, 0x5, 0x7, or a result code),
- the result of /compat scanonly (0xC1900210 no issues, 0xC1900208 ...),
- a rollback: result code + extend code -> phase and operation,
- the lines of setupact.log / setuperr.log that carry an error or a result code.

Sources: windows-itpro-docs windows/deployment/upgrade/upgrade-error-codes.md
and resolution-procedures.md (result/extend codes, MOSETUP_E_* table); the
small /auto exit codes: Microsoft Learn "Windows Setup Command-Line Options"
(/Auto, "Setup.exe exit codes": CONX_SETUP_EXITCODE_CONTINUE_REBOOT 0x3,
CONX_SETUP_EXITCODE_RESUME_AT_COMPAT_REPORT 0x5, CONX_SETUP_EXITCODE_AUTO_INSTALL_FAIL 0x7).
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode, decode_extend
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import to_text

__all__ = ["EXIT_CODES", "COMPAT_RESULTS", "decode_exit_code", "decode_rollback", "parse_setup_log"]

# setup.exe /auto exit codes below 0x10 ("Windows Setup Command-Line Options", /Auto).
EXIT_CODES = {
    0x0: ("success", True, "Setup finished."),
    0x3: ("continue", True, "Setup completed its part; the upgrade continues (success)."),
    0x5: ("compat_issues", False, "Setup stopped on compatibility issues (see CompatData*.xml)."),
    0x7: ("option_not_available", False, "The requested option is not available for this installation."),
}

# Result codes as outcomes (upgrade-error-codes.md, "Result codes"; resolution-procedures.md).
COMPAT_RESULTS = {
    0xC1900210: ("no_issues", True),
    0xC1900208: ("app_block", False),
    0xC1900204: ("migration_choice_block", False),
    0xC1900200: ("requirements_not_met", False),
    0xC190020E: ("not_enough_disk", False),
    0xC19001DF: ("not_enough_disk", False),
    0xC1900101: ("rollback", False),
    0xC1900107: ("cleanup_pending", False),
    0xC1900216: ("rollback_pending", False),
    0xC190012F: ("finalize_already_requested", False),
}


def decode_exit_code(exit_code, extend=None) -> dict:
    """setup.exe exit code (int, signed or unsigned, or text) -> outcome.

    Returns {outcome, ok, message, code (hresult.decode dict), rollback}.
    ``rollback`` is set when an extend code is given or the code is 0xC1900101.
    """
    info = decode(exit_code)  # also reads a pair "0xC1900101 - 0x4000D"
    if extend is not None:
        info["extend"] = decode_extend(extend)
    value = info["unsigned"]
    if value in EXIT_CODES:
        outcome, ok, message = EXIT_CODES[value]
    elif value in COMPAT_RESULTS:
        outcome, ok = COMPAT_RESULTS[value]
        message = info["meaning"]
    else:
        outcome = "failed" if info["severity"] == "failure" else "unknown"
        ok = False
        message = info["meaning"]
    rollback = None
    if "extend" in info or value == 0xC1900101:
        rollback = _rollback_fields(info)
    return {"outcome": outcome, "ok": ok, "message": message, "code": info, "rollback": rollback}


def decode_rollback(result, extend=None) -> dict:
    """Result code and extend code ("0xC1900101", "0x4000D" or one string "0xC1900101 - 0x4000D")."""
    info = decode(result)
    if extend is not None:
        info["extend"] = decode_extend(extend)
    return _rollback_fields(info)


def _rollback_fields(info):
    extend = info.get("extend")
    phase = extend["phase"] if extend else None
    operation = extend["operation"] if extend else None
    if extend:
        text = "%s - %s: %s failed in phase %s during %s" % (
            info["hex"], extend["hex"], info["name"] or "setup",
            phase["short"] or phase["number"], operation["short"] or operation["number"])
    else:
        text = "%s: %s" % (info["hex"], info["meaning"] or "unknown result")
    return {
        "result": info["hex"],
        "name": info["name"],
        "category": info["category"],
        "extend": extend["hex"] if extend else None,
        "phase": phase,
        "operation": operation,
        "summary": text,
    }


# setupact.log / setuperr.log:  "2026-01-05 10:11:12, Error   SP   message"
# (the component column may be missing, or be "[0x0806e0]"-style ids).
_LINE_RE = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),\s+"
    r"(?P<level>Info|Warning|Error|Fatal Error|Perf)\s+"
    r"(?:(?P<component>\[?[A-Za-z0-9_]+\]?)\s{2,})?(?P<message>.*)$")
_CODE_RE = re.compile(r"0x[0-9a-f]{8}\b", re.I)
_PAIR_RE = re.compile(r"\b(0x[0-9a-f]{8})\s*-\s*(0x[0-9a-f]{1,6})\b", re.I)
_MOSETUP_RE = re.compile(r"\bMOSETUP_E_[A-Z_]+\b")
_KEYWORD_RE = re.compile(r"\b(?:error|fail(?:ed|ure)?|result|hr|rollback)\b", re.I)
# Harmless codes setup logs all the time (S_OK, S_FALSE, gle=0x00000000).
_BORING = frozenset((0, 1))


def parse_setup_log(text, max_entries=30) -> dict:
    """The key lines of setupact.log / setuperr.log (str or bytes).

    An entry is a line at level Error / Fatal Error, or a line naming a
    non-trivial result code next to an error word. Duplicate messages are kept
    once (count increases). Returns {entries, codes, result_pairs, mosetup,
    first_error, truncated}.
    """
    entries = []
    by_message = {}
    codes = {}
    pairs = []
    mosetup = []
    truncated = False
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", to_text(text)), 1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE_RE.match(line)
        if match:
            level, component, message = match.group("level"), match.group("component"), match.group("message")
            timestamp = match.group("ts")
        else:
            level, component, message, timestamp = None, None, line, None
        line_codes = []
        for code in _CODE_RE.findall(message):
            value = int(code, 16)
            if value in _BORING:
                continue
            hex_code = "0x%08X" % value
            if hex_code not in line_codes:
                line_codes.append(hex_code)
        is_error = level in ("Error", "Fatal Error")
        is_key = is_error or (line_codes and _KEYWORD_RE.search(message))
        if not is_key:
            continue
        for hex_code in line_codes:
            codes[hex_code] = codes.get(hex_code, 0) + 1
        for result, extend in _PAIR_RE.findall(message):
            pair = "%s - %s" % (result.upper().replace("0X", "0x"), extend.upper().replace("0X", "0x"))
            if pair not in pairs:
                pairs.append(pair)
        for name in _MOSETUP_RE.findall(message):
            if name not in mosetup:
                mosetup.append(name)
        key = (level, component, _normalise(message))
        if key in by_message:
            by_message[key]["count"] += 1
            continue
        if len(entries) >= max_entries:
            truncated = True
            continue
        entry = {
            "line": number,
            "timestamp": timestamp,
            "level": level or ("Error" if is_error else None),
            "component": component,
            "message": message[:500],
            "codes": line_codes,
            "count": 1,
        }
        by_message[key] = entry
        entries.append(entry)
    first_error = next((e for e in entries if e["level"] in ("Error", "Fatal Error")), None)
    decoded = {code: _short(decode(code)) for code in codes}
    return {
        "entries": entries,
        "codes": codes,
        "decoded": decoded,
        "result_pairs": [decode_rollback(pair) for pair in pairs],
        "mosetup": mosetup,
        "first_error": first_error,
        "truncated": truncated,
    }


def _normalise(message):
    # Same failure repeated with other pointers / counters is one entry.
    return re.sub(r"\b0x[0-9a-f]{9,16}\b|\b\d+\b", "#", message.lower())


def _short(info):
    return {"name": info["name"], "category": info["category"], "known": info["known"]}
