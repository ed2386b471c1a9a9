# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Console bytes -> text with the host's code page: one test per code page, on public captures."""
from __future__ import annotations

import codecs
import os

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.console_text import (
    codec_for, decode, looks_utf16le, to_text)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.sfc_output import parse_sfc

OUTPUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "outputs")


def _read(name):
    with open(os.path.join(OUTPUTS, name), "rb") as handle:
        return handle.read()


def test_cp850_dism_capture_reads_only_with_the_oem_code_page():
    raw = _read("de-DE/dism_restorehealth_0x800f0906_w81.cp850")
    right = to_text(raw, 850)
    assert "Die Quelldateien konnten nicht heruntergeladen werden." in right
    assert "Tool zur Imageverwaltung für die Bereitstellung" in right
    # The OEM code page, not the ANSI one: read as cp1252, "ü" (0x81 in cp850) is no letter at all.
    assert "für" not in to_text(raw, 1252)
    assert parse_dism(raw, None, None, 850)["language"] == "de-DE"


def test_cp866_dism_capture():
    raw = _read("ru-RU/dism_enable_feature_0x800f081f.cp866")
    text, used = decode(raw, 866)
    assert used == "cp866"
    assert "Не удалось найти исходные файлы." in text
    assert "Ошибка: 0x800f081f" in text


def test_cp932_japanese_text():
    text = to_text(_read("ja-JP/sfc_repaired_win7.utf16le"))
    raw = text.encode("cp932")
    assert to_text(raw, 932) == text
    assert parse_sfc(raw, code_page=932)["outcome"] == "repaired"
    assert parse_sfc(raw)["outcome"] == "unknown"  # without its code page it cannot be read


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF16_LE])
def test_utf16le_japanese_with_and_without_bom(bom):
    raw = bom + _read("ja-JP/sfc_repaired_win7.utf16le")
    # CJK text has no NUL in its high bytes: the line ends' NULs tell UTF-16LE.
    assert looks_utf16le(raw[len(bom):])
    text, used = decode(raw, 932)
    assert used == "utf-16-le"
    assert "破損したファイルが見つかり" in text and "\ufeff" not in text


def test_8bit_code_pages_never_look_utf16():
    for name, page in (("de-DE/dism_restorehealth_repaired_1709.cp850", 850),
                       ("ru-RU/dism_enable_feature_0x800f081f.cp866", 866)):
        assert not looks_utf16le(_read(name)), name
        assert decode(_read(name), page)[1] == "cp%d" % page
    assert not looks_utf16le("検証 100% が完了しました。".encode("cp932"))


def test_codec_for_windows_code_pages():
    assert codec_for(850) == "cp850"
    assert codec_for("932") == "cp932"
    assert codec_for(936) == "cp936"
    assert codec_for(65001) == "utf-8"
    assert codec_for(None) is None
    assert codec_for("x") is None
    assert codec_for(99999) is None


def test_detached_stream_decodes_with_the_reported_code_page():
    raw = _read("ru-RU/dism_enable_feature_0x800f081f.cp866")
    assert "Ошибка" in detached.decode_output(raw, 866)
    assert "Ошибка" not in detached.decode_output(raw)


def test_str_and_utf8_pass_through():
    assert to_text("caf\u00e9\x00") == "caf\u00e9"
    assert decode("abc".encode("utf-8"), 932) == ("abc", "utf-8")
