# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated host speaks its locale: sfc and DISM text from the collection's sourced tables,
in the locale's code pages; an unknown locale is refused; a sentence no capture shows is a marker."""
from __future__ import annotations

import datetime

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import (
    parse_sfc, resolve, run_lines, summarize_cbs_sr)
from winsim import detached, locales, scenario, windows_tools
from winsim.detached import tools
from winsim.model import Clock, HostModel, NotModelled

T0 = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)


def _host(locale="en-US", **store):
    host = HostModel(name="h", address="127.0.0.9", locale=locale)
    for key, value in store.items():
        setattr(host.component_store, key, value)
    return host


def _sfc(host):
    run = windows_tools.sfc_scannow(host, ["/scannow"])
    before = list(host.cbs_log)
    run.effect(host, T0)
    return run, before


def test_ja_jp_sfc_prints_the_sourced_japanese_sentence_in_utf16le():
    host = _host("ja-JP", system_files_corrupt=True)
    run, _before = _sfc(host)
    raw = run.output()
    assert raw[1] == 0  # UTF-16LE: sfc has no other output encoding, whatever the language
    parsed = parse_sfc(raw, exit_code=0)
    assert (parsed["outcome"], parsed["language"]) == ("repaired", "ja-JP")


def test_it_it_sfc_sentence_without_a_capture_is_a_marker_and_cbs_log_decides():
    host = _host("it-IT", system_files_corrupt=True, sfc_can_fix=False)
    run, before = _sfc(host)
    text = run.output().decode("utf-16-le")
    assert locales.marker("sfc", "it-IT", "unable_to_fix") in text
    assert "Windows Resource Protection" not in text  # no English stands in for Italian
    parsed = parse_sfc(run.output(), exit_code=0)
    assert parsed["outcome"] == "unknown"
    summary = summarize_cbs_sr(run_lines(before, host.cbs_log))
    assert resolve(parsed, summary, False)["outcome"] == "unable_to_fix"
    # Windows 11 writes the file name in single quotes.
    assert "'wuaueng.dll'" in host.cbs_log[-2]


def test_dism_without_english_speaks_the_locale_in_its_oem_code_page():
    host = _host("ja-JP", health="repairable")
    plan = tools.plan_dism(host, ["/Online", "/Cleanup-Image", "/CheckHealth"])
    raw = b"".join(chunk for _at, chunk in plan.stdout)
    text = raw.decode("cp932")
    assert "展開イメージのサービスと管理ツール" in text  # the header of a ja-JP capture
    assert locales.marker("dism", "ja-JP", "repairable") in text  # no ja-JP capture shows this one
    assert "Deployment Image Servicing" not in text
    # Not readable: a health verdict is not guessed.
    assert parse_dism(raw, plan.exit_code, "CheckHealth", 932)["outcome"] == "unknown"
    english = tools.plan_dism(host, ["/Online", "/Cleanup-Image", "/CheckHealth", "/English"])
    raw = b"".join(chunk for _at, chunk in english.stdout)
    assert parse_dism(raw, english.exit_code, "CheckHealth", 932)["outcome"] == "repairable"


@pytest.mark.parametrize("health,outcome,sentence", [
    ("repairable", "repaired", "復元操作は正常に完了しました"),
    ("repairable_from_source", "source_missing", "ソース ファイルが見つかりませんでした。"),
])
def test_ja_jp_restorehealth_prints_the_sourced_sentences_and_reads_as_in_english(health, outcome, sentence):
    parsed = {}
    for locale, page in (("en-US", 437), ("ja-JP", 932)):
        plan = tools.plan_dism(_host(locale, health=health), ["/Online", "/Cleanup-Image", "/RestoreHealth"])
        raw = b"".join(chunk for _at, chunk in plan.stdout)
        parsed[locale] = parse_dism(raw, plan.exit_code, "RestoreHealth", page)
    assert sentence in raw.decode("cp932")
    assert parsed["ja-JP"]["language"] == "ja-JP" and parsed["ja-JP"]["outcome"] == outcome
    keys = ("outcome", "ok", "corruption_detected")
    assert [parsed["ja-JP"][k] for k in keys] == [parsed["en-US"][k] for k in keys]


def test_de_de_dism_uses_the_german_captures():
    host = _host("de-DE")
    plan = tools.plan_dism(host, ["/Online", "/Cleanup-Image", "/RestoreHealth"])
    raw = b"".join(chunk for _at, chunk in plan.stdout)
    parsed = parse_dism(raw, plan.exit_code, "RestoreHealth", 850)
    assert (parsed["outcome"], parsed["language"], parsed["evidence"]) == ("repaired", "de-DE", "text")
    assert "Tool zur Imageverwaltung für die Bereitstellung" in raw.decode("cp850")


def test_unknown_locale_is_refused_loudly():
    host = _host("ko-KR")
    with pytest.raises(NotModelled, match="locale 'ko-KR'"):
        windows_tools.sfc_scannow(host, ["/scannow"])
    with pytest.raises(NotModelled, match="locale 'ko-KR'"):
        tools.plan_dism(host, ["/Online", "/Cleanup-Image", "/CheckHealth"])
    with pytest.raises(scenario.ScenarioError, match="locale 'ko-KR' is not modelled"):
        scenario.load({"hosts": [{"name": "a", "locale": "ko-KR"}]})


@pytest.mark.parametrize("locale,oem,ansi", [("en-US", 437, 1252), ("it-IT", 850, 1252), ("ja-JP", 932, 932)])
def test_status_reports_the_locale_code_pages(locale, oem, ansi):
    host = scenario.load({"hosts": [{"name": "a", "locale": locale}]}).hosts[0]
    result, _changed = detached.status(host, Clock(600.0, T0), "r1", "C:\\ProgramData\\winrepair\\runs", 0, 0, 65536)
    assert (result["oem_code_page"], result["ansi_code_page"], result["output_encoding"]) == (oem, ansi, "raw")
