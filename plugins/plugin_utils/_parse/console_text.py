# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytes a Windows console tool wrote -> text, in the host's code page.

A tool whose stdout is redirected writes either UTF-16LE (sfc.exe, with or
without a byte order mark) or 8-bit text in a code page. The host scripts
report the OEM and ANSI code pages (registry values OEMCP and ACP under
HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage, Microsoft Learn
"OEMCP" registry reference, previous-versions/windows/it-pro/windows-server-2003/cc775938;
GetOEMCP in winnls.h); 8-bit console output is read in the OEM code page.
ASSUMPTION (no public page states it for redirected output): DISM and the
other console tools write their narrow text in the OEM code page, the
console's output code page (GetConsoleOutputCP, Microsoft Learn) unless
someone changed it. Without a reported code page, 437 (the OEM code page
of US-English Windows, same registry reference) stands in, as it always
did here.

Code page numbers -> Python codecs: Microsoft Learn "Code Page Identifiers"
(437 IBM437, 850 ibm850, 866 cp866, 932 shift_jis, 936 gb2312, 949
ks_c_5601-1987, 950 big5, 1250-1258 windows-125x, 65001 utf-8).
"""
from __future__ import annotations

import codecs

__all__ = ["DEFAULT_OEM_CODE_PAGE", "codec_for", "decode", "looks_utf16le", "to_text"]

DEFAULT_OEM_CODE_PAGE = 437

# Code pages whose Windows flavour Python names differently (Shift JIS as
# Windows extends it is cp932, GB2312 as Windows extends it is cp936 = GBK).
_CODECS = {932: "cp932", 936: "cp936", 949: "cp949", 950: "cp950", 65001: "utf-8", 1200: "utf-16-le"}


def codec_for(code_page):
    """Python codec name for a Windows code page number (int or digit string); None when unknown."""
    try:
        number = int(str(code_page).strip())
    except (TypeError, ValueError):
        return None
    name = _CODECS.get(number, "cp%d" % number)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def looks_utf16le(data: bytes) -> bool:
    """UTF-16LE without a BOM: NUL bytes nearly only in the odd positions.

    ASCII text (line ends, digits, paths) in UTF-16LE has a NUL in the high
    byte of each character; CJK characters have none, so the test counts
    where the NULs are rather than how many there are. 8-bit code pages
    (cp850, cp932, cp866 ...) never write NUL.
    """
    sample = data[:8192]
    if len(sample) < 2:
        return False
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if odd == 0:
        return False
    return odd >= 4 * even and (odd >= len(sample) // 2 * 0.1 or b"\r\x00\n\x00" in sample)


def decode(data, code_page=None):
    """(text, encoding used) for bytes or str.

    Order: a BOM (UTF-16LE, UTF-8); UTF-16LE by its NULs; strict UTF-8 (a
    stream that is valid UTF-8 is taken as such, ASCII included); then the
    given code page, else DEFAULT_OEM_CODE_PAGE. NULs left in a str (a
    UTF-16 stream read as 8-bit text) are dropped.
    """
    if data is None:
        return "", None
    if isinstance(data, str):
        return data.replace("\ufeff", "").replace("\x00", ""), "str"
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("expected str or bytes, got %s" % type(data).__name__)
    data = bytes(data)
    if data.startswith(codecs.BOM_UTF16_LE):
        text, used = _utf16(data[2:]), "utf-16-le"
    elif data.startswith(codecs.BOM_UTF8):
        text, used = data[3:].decode("utf-8", "replace"), "utf-8"
    elif looks_utf16le(data):
        text, used = _utf16(data), "utf-16-le"
    else:
        try:
            text, used = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            used = codec_for(code_page) or codec_for(DEFAULT_OEM_CODE_PAGE)
            text = data.decode(used, "replace")
    return text.replace("\ufeff", "").replace("\x00", ""), used


def _utf16(data):
    if len(data) % 2:
        data = data[:-1]
    return data.decode("utf-16-le", "replace")


def to_text(data, code_page=None) -> str:
    """bytes (UTF-16LE with/without BOM, UTF-8, or 8-bit in CODE_PAGE) or str -> str."""
    return decode(data, code_page)[0]
