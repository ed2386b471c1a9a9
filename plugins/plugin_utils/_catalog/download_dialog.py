# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Parse the DownloadDialog.aspx answer (JavaScript assignments) into update files.

The answer is an HTML page whose script sets, one statement a line:
  downloadInformation[0].updateID ='<guid>';
  downloadInformation[0].enTitle ='<title>';
  downloadInformation[0].files[i].url = '<url>';
  downloadInformation[0].files[i].digest = '<base64 SHA-1>';
  downloadInformation[0].files[i].sha256 = '<base64 SHA-256>';   (newer answers only)
  downloadInformation[0].files[i].architectures / .languages / .longLanguages / .fileName
(capture: tests/fixtures/catalog/downloaddialog_office2013_multifile_2019.html).
Only assignments of that shape are read: the page is never executed.
`architectures` is usually empty, so the architecture is taken from the file
name (windows11.0-kb5043080-x64_<sha1>.msu), else from the update title.
"""
from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog import _html
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import CatalogFormatError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.titles import (
    normalize_architecture,
    parse_title,
)

_JS_STRING = r"'(?:[^'\\\r\n]|\\.)*'|\"(?:[^\"\\\r\n]|\\.)*\""
_ASSIGN = re.compile(
    r"downloadInformation\[(\d+)\]\.(?:files\[(\d+)\]\.)?([A-Za-z_]\w*)\s*=\s*"
    r"(%s|new\s+(?:Object|Array)\(\s*\)|true|false|-?\d+)\s*;" % _JS_STRING)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_NAME_SHA1 = re.compile(r"_([0-9a-f]{40})\.[a-z0-9]+$", re.I)
# Architecture token in a catalog file name: "-x64_", "-arm64_", "-x86_", "-amd64."
_NAME_ARCH = re.compile(r"[-_.](x64|amd64|arm64|x86)(?=[-_.])", re.I)
_KB_IN_NAME = re.compile(r"kb(\d{6,8})", re.I)


def _js_unescape(literal):
    body = literal[1:-1]

    def repl(match):
        esc = match.group(1)
        if esc[0] in "ux" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        return _ESCAPES.get(esc, esc)

    return _JS_ESCAPE.sub(repl, body)


def _value(token):
    if token[0] in "'\"":
        return _js_unescape(token)
    if token.startswith("new"):
        return None
    if token in ("true", "false"):
        return token == "true"
    return int(token)


def _b64_hex(value, size, what, where):
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CatalogFormatError("%s: %s %r is not base64" % (where, what, value))
    if len(raw) != size:
        raise CatalogFormatError("%s: %s decodes to %d bytes, expected %d" % (where, what, len(raw), size))
    return binascii.hexlify(raw).decode("ascii")


def architecture_of(file_name, title=None):
    """x64/arm64/x86 from the file name, else from the title, else None."""
    match = _NAME_ARCH.search(file_name or "")
    if match:
        return normalize_architecture(match.group(1))
    if title:
        return parse_title(title).architecture
    return None


def _languages(value):
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _build_file(raw, update, index):
    where = "update %s file %d" % (update.get("updateID"), index)
    url = raw.get("url")
    if not url:
        raise CatalogFormatError("%s has no url" % where)
    digest = raw.get("digest")
    file_name = raw.get("fileName") or url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    name_sha1 = _NAME_SHA1.search(file_name)
    if digest:
        sha1 = _b64_hex(digest, 20, "digest", where)
    elif name_sha1:
        # Some dialogs leave `digest` empty; the catalog's file name still carries
        # the SHA-1 (<name>_<40 hex>.msu), which the download is checked against.
        sha1 = name_sha1.group(1).lower()
    else:
        raise CatalogFormatError("%s has no digest (SHA-1) and its file name %s carries none" % (where, file_name))
    sha256 = _b64_hex(raw["sha256"], 32, "sha256", where) if raw.get("sha256") else None
    kb = _KB_IN_NAME.search(file_name)
    declared = [normalize_architecture(a) for a in _languages(raw.get("architectures"))]
    declared = [a for a in declared if a]
    return {
        "index": index,
        "url": url,
        "file_name": file_name,
        "sha1": sha1,
        "sha1_from": "digest" if digest else "file_name",
        "sha256": sha256,
        # The catalog names files <name>_<sha1>.<ext>; None when the name has no hash.
        "name_sha1": name_sha1.group(1).lower() if name_sha1 else None,
        "kb": "KB%s" % kb.group(1) if kb else None,
        "architecture": architecture_of(file_name, None) or (declared[0] if declared else None)
        or architecture_of("", update.get("enTitle")),
        "languages": _languages(raw.get("languages")),
        "long_languages": _languages(raw.get("longLanguages")),
    }


def parse_download_dialog(body):
    """Parse a DownloadDialog.aspx answer into a list of updates.

    Each update: {'update_id', 'title', 'kb', 'files': [...]}; each file:
    url, file_name, sha1 (hex), sha256 (hex or None), name_sha1, kb,
    architecture, languages, long_languages, index (the catalog's order).
    Raises CatalogFormatError when the answer has no downloadInformation.
    """
    text = _html.decode_body(body)
    updates = {}
    for match in _ASSIGN.finditer(text):
        u_index, f_index, prop, token = int(match.group(1)), match.group(2), match.group(3), match.group(4)
        update = updates.setdefault(u_index, {"files": {}})
        value = _value(token)
        if f_index is None:
            if prop != "files":
                update[prop] = value
        else:
            update["files"].setdefault(int(f_index), {})
            if value is not None:
                update["files"][int(f_index)][prop] = value
    if not updates:
        raise CatalogFormatError(
            "the download dialog answer has no downloadInformation[...] assignments: "
            "the dialog format has changed or this is not a dialog answer")
    result = []
    for u_index in sorted(updates):
        raw = updates[u_index]
        if not raw.get("updateID"):
            raise CatalogFormatError("downloadInformation[%d] has no updateID" % u_index)
        indices = sorted(raw["files"])
        if indices != list(range(len(indices))):
            raise CatalogFormatError("update %s: file indices %s are not 0..n-1" % (raw["updateID"], indices))
        files = [_build_file(raw["files"][i], raw, i) for i in indices]
        if not files:
            raise CatalogFormatError("update %s lists no files" % raw["updateID"])
        title = raw.get("enTitle")
        result.append({
            "update_id": str(raw["updateID"]).lower(),
            "title": title,
            "kb": parse_title(title).kb if title else None,
            "files": files,
        })
    return result
