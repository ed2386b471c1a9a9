# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The winrm connection plugin's file transfer (ansible/plugins/connection/winrm.py
put_file / fetch_file). ansible-core >= 2.19 runs ansible/executor/powershell/
winrm_put_file.ps1 (base64 lines on stdin, answers {"sha1": ...}) and
winrm_fetch_file.ps1 (Path, BufferSize, Offset; answers base64, "[DIR]" or
"<path> does not exist" on stderr with exit 1) through the bootstrap wrapper.
Files live in HostModel.files keyed by lower-case Windows path."""
from __future__ import annotations

import base64
import binascii
import json
import re

from .. import winpath
from ..model import NotModelled
from ..modules.win_copy import receive_file
from . import RawResult

# ansible-core <= 2.18 connection/winrm.py put_file: a begin/process/end script
# with the path in single quotes, base64 lines on stdin, prints {"sha1":"..."}.
_LEGACY_PUT_RE = re.compile(r"^begin \{\n\$path = '(?P<path>(?:[^']|'')*)'\n.*FromBase64String\(\$input\)", re.S)
# ansible-core <= 2.18 fetch_file: $path, $buffer_size, $offset literals.
_LEGACY_FETCH_RE = re.compile(
    r"^(?:Set-StrictMode -Version Latest\n)?\$path = '(?P<path>(?:[^']|'')*)'\n"
    r"If \(Test-Path -LiteralPath \$path -PathType Leaf\)\n\{\n"
    r"\$buffer_size = (?P<size>\d+)\n\$offset = (?P<offset>\d+)\n")


def norm(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").lower()


def _unq(text: str) -> str:
    return text.replace("''", "'")


class PutFile:
    NAME = "put_file"

    def match(self, inv):
        if inv.kind != "raw":
            return False
        if inv.action == "winrm_put_file.ps1":
            return True
        m = not inv.action and _LEGACY_PUT_RE.match(inv.script)
        if m:  # normalise the legacy form to the 2.19 one
            inv.args = {"Path": _unq(m.group("path"))}
            inv.extra_input = inv.stdin
            return True
        return False

    def _data(self, inv) -> bytes:
        chunks = []
        for line in inv.extra_input.splitlines():
            line = line.strip()
            if line:
                try:
                    chunks.append(base64.b64decode(line, validate=True))
                except binascii.Error as e:
                    raise NotModelled("put_file input that is not base64 lines (%s)" % e)
        return b"".join(chunks)

    def describe(self, inv):
        return {"path": inv.args.get("Path", ""), "size": len(self._data(inv))}

    def run(self, host, inv, ctx, hooks):
        path = inv.args.get("Path")
        if not path:
            raise NotModelled("put_file without Path")
        data = self._data(inv)
        try:
            # [IO.File]::Create in the script's begin block: the folder must exist and the disk have room.
            sha1 = receive_file(host, path, data, step=self.NAME)
        except winpath.WinIOError as e:
            # A .NET exception from a method call surfaces as PowerShell's
            # MethodInvocationException text ("Exception calling "{0}" with "{1}"
            # argument(s): "{2}""); the script stops, so nothing goes to stdout and
            # ansible-core's put_file raises AnsibleError with this stderr.
            return RawResult(stderr=('Exception calling "Create" with "1" argument(s): "%s"\r\n' % e.message).encode(),
                             rc=1, state="failed")
        return RawResult(stdout=(json.dumps({"sha1": sha1}) + "\r\n").encode())


class FetchFile:
    NAME = "fetch_file"

    def match(self, inv):
        if inv.kind != "raw":
            return False
        if inv.action == "winrm_fetch_file.ps1":
            return True
        m = not inv.action and _LEGACY_FETCH_RE.match(inv.script)
        if m:
            inv.args = {"Path": _unq(m.group("path")), "BufferSize": int(m.group("size")),
                        "Offset": int(m.group("offset"))}
            return True
        return False

    def describe(self, inv):
        return {"path": inv.args.get("Path", ""), "offset": inv.args.get("Offset", 0)}

    def run(self, host, inv, ctx, hooks):
        path = inv.args.get("Path", "")
        key = norm(path)
        if key in host.files:
            data = host.files[key]
            if isinstance(data, str):
                data = data.encode("utf-8")
            offset, size = int(inv.args.get("Offset", 0)), int(inv.args.get("BufferSize", 524288))
            chunk = data[offset:offset + size]
            return RawResult(stdout=(base64.b64encode(chunk).decode() + "\r\n").encode() if chunk else b"")
        folder = host.folders.get(key)
        if folder is not None and getattr(folder, "exists", True):
            return RawResult(stdout=b"[DIR]\r\n")
        return RawResult(stderr=("%s does not exist\r\n" % path).encode(), rc=1)


MODELS = [PutFile(), FetchFile()]
