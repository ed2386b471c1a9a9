# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""payload.py against real captured ansible-core payloads (tests/fixtures/payloads)
and payloads built by the installed ansible-core itself."""
from __future__ import annotations

import base64
import gzip
import json
import os

import pytest

from winsim import payload, raw
from winsim.model import NotModelled

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "payloads")
VERSIONS = ["core2.17", "core2.18", "core2.19", "core2.21"]


def _cmd(version, name):
    with open(os.path.join(FIXTURES, version, name + ".cmd"), encoding="utf-8") as fh:
        return fh.read()


def _stdin(version, name):
    with gzip.open(os.path.join(FIXTURES, version, name + ".stdin.gz")) as fh:
        return fh.read()


def _encoded(script: str) -> str:
    return ("PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "
            + base64.b64encode(script.encode("utf-16-le")).decode())


@pytest.mark.parametrize("version", VERSIONS)
def test_captured_win_ping_decodes_to_module_with_args_and_check_mode(version):
    inv = payload.decode(_cmd(version, "win_ping_check"), [], _stdin(version, "win_ping_check"))
    assert inv.kind == "module"
    assert inv.short_name == "win_ping"
    assert inv.public_args() == {"data": "hello"}
    assert inv.check_mode is True
    assert b"$module.Result.ping = $data" in inv.module_source
    expected_protocol = "<=2.18" if version in ("core2.17", "core2.18") else "2.19+"
    assert inv.protocol == expected_protocol


@pytest.mark.parametrize("version", ["core2.19", "core2.21"])
def test_219_module_name_is_the_fqcn(version):
    inv = payload.decode(_cmd(version, "win_ping_check"), [], _stdin(version, "win_ping_check"))
    assert inv.name == "ansible.windows.win_ping"
    assert inv.action == "module_wrapper.ps1"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,model", [("boot_time", "boot_time"), ("reboot", "reboot"),
                                        ("reboot_test", "reboot_test")])
def test_captured_reboot_helper_commands_are_recognised(version, name, model):
    inv = payload.decode(_cmd(version, name), [], b"")
    assert inv.kind == "raw"
    found = raw.identify(inv)
    assert found is not None and found.NAME == model


@pytest.mark.parametrize("version", VERSIONS)
def test_captured_shutdown_arguments(version):
    inv = payload.decode(_cmd(version, "reboot"), [], b"")
    assert raw.identify(inv).describe(inv) == {"delay": 2, "msg": "Reboot initiated by Ansible"}


def test_command_line_split_into_arguments_decodes_the_same():
    line = _encoded("Write-Output 'x'")
    parts = line.split(" ")
    assert payload.decode_command_line(parts[0], parts[1:]) == payload.decode_command_line(line, [])


def test_not_powershell_is_refused():
    with pytest.raises(NotModelled, match="only PowerShell -EncodedCommand"):
        payload.decode("cmd.exe", ["/c", "dir"], b"")


def test_powershell_without_encoded_command_is_refused():
    with pytest.raises(NotModelled, match="without -EncodedCommand"):
        payload.decode("PowerShell", ["-Command", "Get-Date"], b"")


def test_219_put_file_built_by_ansible_core():
    from ansible.executor.powershell.module_manifest import _bootstrap_powershell_script
    script, stdin = _bootstrap_powershell_script("winrm_put_file.ps1", {"Path": r"C:\x\y.txt"}, has_input=True)
    data = base64.b64encode(b"hello world") + b"\r\n"
    inv = payload.decode(_encoded(script), [], stdin + data)
    assert inv.kind == "raw" and inv.action == "winrm_put_file.ps1"
    assert inv.args == {"Path": r"C:\x\y.txt"}
    assert inv.extra_input == data
    assert raw.identify(inv).NAME == "put_file"


def test_async_is_refused():
    manifest = {"scripts": {}, "actions": [{"name": "async_wrapper.ps1", "params": {}},
                                           {"name": "module_wrapper.ps1", "params": {}}]}
    stdin = json.dumps({"name": "exec_wrapper", "script": "", "params": {}}).encode() \
        + payload.SEPARATOR_219 + json.dumps(manifest).encode()
    with pytest.raises(NotModelled, match="async"):
        payload.decode(_encoded("bootstrap"), [], stdin)


def test_module_outside_a_collection_is_refused():
    manifest = {"scripts": {}, "actions": [{"name": "module_wrapper.ps1",
                                            "params": {"Script": "myscript.ps1", "ForModule": False}}]}
    stdin = json.dumps({"name": "exec_wrapper", "script": "", "params": {}}).encode() \
        + payload.SEPARATOR_219 + json.dumps(manifest).encode()
    with pytest.raises(NotModelled, match="module_wrapper script"):
        payload.decode(_encoded("bootstrap"), [], stdin)


def test_unknown_raw_script_is_not_identified():
    inv = payload.decode(_encoded("Get-Process | Stop-Process"), [], b"")
    assert inv.kind == "raw" and raw.identify(inv) is None
