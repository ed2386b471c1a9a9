# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what sfc /scannow printed, and the [SR] lines it leaves in CBS.log.

sfc.exe has no documented exit codes and no switch for English output, so
its outcome is read from its text in the host's language (the sourced
sentences of languages/sfc.py), and where the text does not tell, from
what does not depend on the language: the [SR] lines sfc writes to
%windir%\\Logs\\CBS\\CBS.log, in English on every language (KB 929833 "How
to view details of the System File Checker process" reads them the same
way on every system), and the pending-repair flag in the registry. When its
stdout is redirected (as over WinRM) sfc writes UTF-16LE, sometimes without
a BOM, and redraws its "Verification NN% complete." line with carriage returns.
"""
from __future__ import annotations

import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import languages
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import to_text
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages.sfc import SENTENCES

__all__ = ["OUTCOMES", "to_text", "clean_lines", "parse_sfc", "summarize_cbs_sr", "run_lines",
           "outcome_from_cbs", "resolve"]

OUTCOMES = (
    "no_violations",
    "repaired",
    "unable_to_fix",
    "could_not_perform",
    "service_not_started",
    "pending_reboot",
    "unknown",
)

# The progress redraw in any language: a short line around one percentage
# ("Verification 45% complete.", "検証 100% が完了しました。", "Überprüfung 100 % abgeschlossen.").
_PROGRESS_RE = re.compile(r"^\D{0,40}\d{1,3}\s?%\D{0,40}$")


def clean_lines(text, code_page=None) -> list:
    """Text -> non-empty lines without progress redraws."""
    text = to_text(text, code_page)
    lines = []
    for raw in re.split(r"\r\n|\r|\n", text):
        line = raw.strip()
        if not line or _PROGRESS_RE.match(line):
            continue
        lines.append(line)
    return lines


# Outcome keys, most specific first: a refusal before the scan, then what the scan found.
_ORDER = ("pending_reboot", "service_not_started", "unable_to_fix", "repaired", "no_violations",
          "could_not_perform")


_SENTENCE_END_RE = re.compile("[.\u3002]")


def _sentence_around(text, start, end):
    """The whole sentence of TEXT around [start, end) (a sentence ends with "." or "。")."""
    head = text[:start]
    # Just past the last ". " or "。" before the match (the space is stripped below);
    # rfind's -1 makes that 0 when the sentence starts the text.
    begin = max(head.rfind(". "), head.rfind("\u3002")) + 1
    stop = _SENTENCE_END_RE.search(text, end)
    finish = stop.end() if stop else len(text)
    return text[begin:finish].strip()


def parse_sfc(output, exit_code=None, code_page=None) -> dict:
    """Outcome of one sfc /scannow (or /verifyonly) run, read from its text.

    Returns outcome (one of OUTCOMES), repaired, reboot_required, message (the
    sentence that decided, else the last lines printed), language (of the
    sentence), evidence ("text" or None), lines (cleaned output) and
    elevation_required. A text in no known language gives "unknown": see
    resolve() for deciding it from CBS.log.
    """
    lines = clean_lines(output, code_page)
    # sfc wraps its result sentence at the console width (80 columns), so the
    # sentence is searched in the joined text, not line by line.
    joined = " ".join(lines)
    outcome, message, language = "unknown", None, None
    hit = languages.find_first(joined, SENTENCES, _ORDER)
    if hit:
        entry, start, end = hit
        outcome, language = entry.key, entry.language
        message = _sentence_around(joined, start, end)
    else:
        # The language of the first "Beginning system scan" line, if any (find lists hits in text order).
        language = next((entry.language for entry, _start, _end in languages.find(joined, SENTENCES, ("begin",))), None)
    repaired = outcome == "repaired"
    reboot_required = outcome == "pending_reboot"
    if repaired:
        # Some repairs only take effect after a restart; sfc says so when it applies.
        reboot_required = bool(re.search(r"\b(?:reboot|restart)\b", joined.replace(message, ""), re.I))
    return {
        "outcome": outcome,
        "repaired": repaired,
        "reboot_required": reboot_required,
        "message": message if hit else (" / ".join(lines[-3:]) or None),
        "language": language,
        "evidence": "text" if hit else None,
        "elevation_required": bool(hit and hit[0].match == "must be an administrator running a console session"),
        "exit_code": exit_code,
        "lines": lines,
    }


# CBS.log lines written by sfc carry "[SR]" after the CSI sequence number, e.g.
#   2026-01-05 10:11:12, Info  CSI  00000008 [SR] Verify complete
# File names are quoted with double quotes on older builds and with single
# quotes on Windows 10 1809 and Windows 11 ([l:97]'Core\...\windows.unpinfromhome.svg',
# krlvm/AccentColorizer-E11#3).
_SR_RE = re.compile(r"\[SR\]\s*(.*)$")
_NAME = r"\[[^\]]*\](?P<q>[\"'])(?P<name>.+?)(?P=q)"
_CANNOT_REPAIR_RE = re.compile(r"Cannot repair member file " + _NAME, re.I)
_REPROJECT_RE = re.compile(r"Could not reproject corrupted file .*?\\" + _NAME, re.I)
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
            if name and name.group("name") not in unrepaired:
                unrepaired.append(name.group("name"))
        elif body.startswith("Could not reproject corrupted file"):
            name = _REPROJECT_RE.search(body)
            if name and name.group("name") not in unrepaired:
                unrepaired.append(name.group("name"))
    return {
        "sr_lines": sr_lines,
        "verify_complete": verify_complete,
        "repairing_corrupted_file": repairing,
        "cannot_repair_member_file": cannot_repair,
        "repaired_files": repaired_files,
        "unrepaired_files": unrepaired,
    }


def run_lines(before, after) -> list:
    """The [SR] lines one sfc run added: AFTER's lines past the last line of BEFORE.

    BEFORE and AFTER are the tail of CBS.log's [SR] lines read before and
    after the run. Each line carries its time and CSI sequence number, so the
    last line seen before the run is found again after it; when it is gone
    (the run wrote more lines than the tail holds) every line of AFTER is new.
    """
    before, after = list(before or []), list(after or [])
    if not before or before[-1] not in after:
        return after
    # Its last occurrence: the first one counted from the end.
    return after[len(after) - after[::-1].index(before[-1]):]


def outcome_from_cbs(summary) -> str:
    """What an sfc run did, from the summary of the [SR] lines it wrote ("unknown" when none)."""
    if not summary or not summary.get("sr_lines"):
        return "unknown"
    if summary.get("cannot_repair_member_file") or summary.get("unrepaired_files"):
        return "unable_to_fix"
    if summary.get("repairing_corrupted_file"):
        return "repaired"
    if summary.get("verify_complete"):
        return "no_violations"
    return "unknown"


def resolve(parsed, run_summary=None, reboot_pending=None) -> dict:
    """PARSED (parse_sfc's answer) decided from language-neutral evidence when its text did not tell.

    run_summary: summarize_cbs_sr() of the [SR] lines this run wrote
    (run_lines); reboot_pending: the host's Component Based Servicing
    RebootPending flag, read from the registry before the run (sfc refuses to
    scan while a repair is pending, KB 929833). A text outcome stands; an
    "unknown" one becomes the CBS.log outcome, else pending_reboot when the
    flag is set and sfc wrote no [SR] line; else it stays "unknown".
    """
    if parsed.get("outcome") != "unknown":
        return parsed
    out = dict(parsed)
    from_cbs = outcome_from_cbs(run_summary)
    if from_cbs != "unknown":
        out.update(outcome=from_cbs, repaired=from_cbs == "repaired", evidence="cbs_log")
    elif reboot_pending and not (run_summary or {}).get("sr_lines"):
        out.update(outcome="pending_reboot", reboot_required=True, evidence="registry")
    return out
