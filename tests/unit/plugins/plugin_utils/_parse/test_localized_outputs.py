# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public captures of sfc, DISM and CBS.log in several languages (tests/fixtures/outputs/<lang>/README.md).

Each capture is stored as the tool writes a redirected stdout: sfc in
UTF-16LE without a BOM, DISM in the host's OEM code page.
"""
from __future__ import annotations

import os

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import languages
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.languages import dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import (
    parse_sfc, summarize_cbs_sr)

OUTPUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")
CODE_PAGES = {"cp850": 850, "cp866": 866, "cp932": 932, "utf16le": None, "txt": None}


def _read(name):
    with open(os.path.join(OUTPUTS, name), "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("name,outcome,language,message_start", [
    ("ja-JP/sfc_repaired_win7.utf16le", "repaired", "ja-JP", "Windows リソース保護により、破損したファイルが見つかり"),
    ("zh-CN/sfc_repaired.utf16le", "repaired", "zh-CN", "Windows 资源保护找到了损坏文件并成功修复了它们。"),
    ("de-DE/sfc_no_violations_1709.utf16le", "no_violations", "de-DE", "Der Windows-Ressourcenschutz hat keine"),
    ("pl-PL/sfc_unable_to_fix_win7.utf16le", "unable_to_fix", "pl-PL", "Funkcja Ochrona zasobów systemu Windows"),
    ("en-US/sfc_unable_to_fix.utf16le", "unable_to_fix", "en-US", "Windows Resource Protection found corrupt"),
])
def test_sfc_captures(name, outcome, language, message_start):
    result = parse_sfc(_read(name), exit_code=0)
    assert (result["outcome"], result["language"], result["evidence"]) == (outcome, language, "text")
    assert result["message"].startswith(message_start)
    assert result["repaired"] is (outcome == "repaired")


@pytest.mark.parametrize("name,exit_code,operation,outcome,language,error,message", [
    ("de-DE/dism_checkhealth_no_corruption_1709.cp850", 0, "CheckHealth", "no_corruption", "de-DE", None,
     "Es wurde keine Komponentenspeicherbeschädigung erkannt."),
    ("de-DE/dism_restorehealth_repaired_1709.cp850", 0, "RestoreHealth", "repaired", "de-DE", None,
     "Der Wiederherstellungsvorgang wurde erfolgreich abgeschlossen."),
    ("de-DE/dism_restorehealth_0x800f0906_w81.cp850", -2146498298, "RestoreHealth", "source_missing", "de-DE",
     "CBS_E_DOWNLOAD_FAILURE", "Die Quelldateien konnten nicht heruntergeladen werden."),
    ("de-DE/dism_restorehealth_0x800f0915.cp850", None, "RestoreHealth", "source_missing", "de-DE", None,
     "Der Reparaturinhalt wurde nirgends gefunden."),
    ("es-ES/dism_restorehealth_0x800f0915.cp850", None, "RestoreHealth", "source_missing", "es-ES", None,
     "No se encontró el contenido de reparación en ningún lugar."),
    # The case: a finished, failed run with no exit code at hand must not read as running.
    ("ru-RU/dism_enable_feature_0x800f081f.cp866", None, None, "source_missing", "ru-RU", "CBS_E_SOURCE_MISSING",
     "Не удалось найти исходные файлы."),
    ("ja-JP/dism_restorehealth_0x800f081f.cp932", None, "RestoreHealth", "source_missing", "ja-JP",
     "CBS_E_SOURCE_MISSING", "ソース ファイルが見つかりませんでした。"),
])
def test_dism_captures(name, exit_code, operation, outcome, language, error, message):
    page = CODE_PAGES[name.rsplit(".", 1)[-1]]
    result = parse_dism(_read(name), exit_code, operation, page)
    assert (result["outcome"], result["language"]) == (outcome, language)
    assert result["message"] == message
    if outcome == "source_missing":
        assert result["error"]["category"] == "source_missing"
        assert result["error"]["name"] == error
        assert result["ok"] is False
    else:
        assert result["error"] is None and result["ok"] is True


def test_ja_jp_source_missing_reads_as_the_english_capture():
    # The same failure, posted in Japanese (cp932) and in English: one verdict, and the message
    # is the source-missing sentence of the table in each language.
    english = parse_dism(_read("dism_restorehealth_source_missing.txt"), None, "RestoreHealth")
    japanese = parse_dism(_read("ja-JP/dism_restorehealth_0x800f081f.cp932"), None, "RestoreHealth", 932)
    for result, language in ((english, "en-US"), (japanese, "ja-JP")):
        hit = languages.find_first(result["message"], dism.SENTENCES, ("source_missing",))
        assert hit and hit[0].language == language, result["message"]
        assert result["log_path"].lower() == "c:\\windows\\logs\\dism\\dism.log"
    keys = ("outcome", "ok", "corruption_detected", "evidence")
    assert [japanese[k] for k in keys] == [english[k] for k in keys] == ["source_missing", False, True, "error_line"]
    assert japanese["error"]["name"] == english["error"]["name"] == "CBS_E_SOURCE_MISSING"


def test_ja_jp_restore_success_reads_as_the_english_output():
    # Only the sentence, as Microsoft Japan's support blog quotes it (no public ja-JP capture of a
    # whole successful run was found). Without an exit code the verdict rests on the sentence alone.
    english = parse_dism(_read("dism_restorehealth_repaired.txt"), None, "RestoreHealth")
    japanese = parse_dism(_read("ja-JP/dism_restorehealth_repaired_quote.cp932"), None, "RestoreHealth", 932)
    assert (japanese["language"], japanese["message"]) == ("ja-JP", "復元操作は正常に完了しました")
    keys = ("outcome", "ok", "corruption_detected", "evidence", "error")
    assert [japanese[k] for k in keys] == [english[k] for k in keys] == ["repaired", True, True, "text", None]


def test_dism_several_error_lines_judged_by_the_actionable_one():
    # Two packages failed, then the summary "Error: 127" (decimal, ERROR_PROC_NOT_FOUND).
    raw = _read("en-US/dism_add_package_errors_127.txt")
    result = parse_dism(raw, 127)
    assert [e["hex"] for e in result["errors"]] == ["0x8007007F", "0x800F0830", "0x0000007F"]
    assert result["errors"][2]["name"] == "ERROR_PROC_NOT_FOUND" and result["errors"][2]["package"] is False
    assert result["exit"]["name"] == "ERROR_PROC_NOT_FOUND"
    # The unserviceable image (a broken store) is what the next step acts on, with its own message.
    assert result["outcome"] == "failed"
    assert result["error"]["name"] == "CBS_E_IMAGE_UNSERVICEABLE"
    assert result["error"]["category"] == "component_store"
    assert result["message"] == ("Processing 31 of 31 - Package_for_KB5023819: The specified image is no longer "
                                 "serviceable and may be corrupted.")


def test_dism_source_missing_twice_takes_the_package_message():
    raw = _read("en-US/dism_add_package_source_missing_twice.txt")
    result = parse_dism(raw, -2146498529)
    assert result["outcome"] == "source_missing"
    assert result["message"] == "Package_for_RollupFix: The source files could not be found."
    assert result["log_path"] == "C:\\Windows\\Logs\\DISM\\DismLCU_boot.log"
    assert [e["package"] for e in result["errors"]] == [True, False]


def test_cbs_single_quoted_cannot_repair_lines_name_the_files():
    summary = summarize_cbs_sr(_read("en-US/cbs_sr_single_quoted_22h2.log"))
    assert summary["cannot_repair_member_file"] == 2
    assert summary["unrepaired_files"] == [
        "Core\\FileExplorerExtensions\\Assets\\images\\contrast-standard\\theme-light\\windows.unpinfromhome.svg",
        "Core\\FileExplorerExtensions\\Assets\\images\\contrast-standard\\theme-light\\windows.unpinfromstartscreen.svg"]
