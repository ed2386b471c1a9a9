# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wsman.py: requests as pywinrm builds them, answers as pywinrm parses them.

pywinrm's own Protocol is driven with its transport replaced by a function
that feeds the request to wsman.parse_request and returns our answer, so both
directions are checked against the real client code."""
from __future__ import annotations

import base64
import uuid

import pytest
import xmltodict
from winrm.exceptions import WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError
from winrm.protocol import Protocol

from winsim import wsman


class FakeTransport:
    """Stands in for winrm.transport.Transport: hands the XML to a handler."""

    def __init__(self, handler):
        self.handler = handler
        self.requests = []

    def send_message(self, message):
        req = wsman.parse_request(message.encode() if isinstance(message, str) else message)
        self.requests.append(req)
        status, body = self.handler(req)
        if status != 200:
            raise WinRMTransportError("http", status, body.decode())
        return body

    def close_session(self):
        pass


def make_protocol(handler):
    proto = Protocol("http://127.0.0.1:5985/wsman", transport="basic", username="u", password="p")
    proto.transport = FakeTransport(handler)
    return proto


def test_create_shell_returns_shell_id_and_parses_options():
    def handler(req):
        assert req.action == "Create"
        assert req.options["WINRS_CODEPAGE"] == "65001"
        assert req.input_streams == "stdin" and req.output_streams == "stdout stderr"
        return 200, wsman.create_response(req, "SHELL-1", "http://127.0.0.1:5985/wsman")
    proto = make_protocol(handler)
    assert proto.open_shell(codepage=65001) == "SHELL-1"
    assert proto.transport.requests[0].operation_timeout == 20.0


def test_command_send_receive_signal_delete_roundtrip():
    seen = {}

    def handler(req):
        if req.action == "Command":
            assert req.shell_id == "S1"
            seen["cmd"] = (req.command, req.arguments)
            return 200, wsman.command_response(req, "C1")
        if req.action == "Send":
            seen.setdefault("stdin", []).extend((c.data, c.end, c.command_id) for c in req.chunks)
            return 200, wsman.send_response(req)
        if req.action == "Receive":
            assert req.command_id == "C1" and req.desired_streams == "stdout stderr"
            return 200, wsman.receive_response(req, "C1", b'{"ping": "pong"}\r\n', b"warn", True, 3)
        if req.action == "Signal":
            assert req.command_id == "C1" and req.signal_code == wsman.SIGNAL_TERMINATE
            return 200, wsman.signal_response(req)
        if req.action == "Delete":
            return 200, wsman.delete_response(req)
        raise AssertionError(req.action)

    proto = make_protocol(handler)
    cid = proto.run_command("S1", "PowerShell", ["-EncodedCommand", "AAAA"], console_mode_stdin=False)
    assert cid == "C1"
    assert seen["cmd"] == ("PowerShell", ["-EncodedCommand AAAA"])
    proto.send_command_input("S1", cid, b"\x00\x01payload", end=False)
    proto.send_command_input("S1", cid, b"rest", end=True)
    assert seen["stdin"] == [(b"\x00\x01payload", False, "C1"), (b"rest", True, "C1")]
    out, err, rc = proto.get_command_output("S1", cid)
    assert (out, err, rc) == (b'{"ping": "pong"}\r\n', b"warn", 3)
    proto.cleanup_command("S1", cid)  # asserts RelatesTo == MessageID itself
    proto.close_shell("S1")  # same


def test_running_state_is_not_done():
    def handler(req):
        return 200, wsman.receive_response(req, "C1", b"partial", b"", False)
    out, err, rc, done = make_protocol(handler).get_command_output_raw("S1", "C1")
    assert (out, done, rc) == (b"partial", False, -1)


def test_operation_timeout_fault_is_retried_by_pywinrm():
    calls = []

    def handler(req):
        calls.append(req.action)
        if len(calls) == 1:
            return 500, wsman.operation_timeout_fault(req)
        return 200, wsman.receive_response(req, "C1", b"late", b"", True, 0)
    out, err, rc = make_protocol(handler).get_command_output("S1", "C1")
    assert out == b"late" and calls == ["Receive", "Receive"]


def test_operation_timeout_fault_code():
    def handler(req):
        return 500, wsman.operation_timeout_fault(req)
    with pytest.raises(WinRMOperationTimeoutError):
        make_protocol(handler).get_command_output_raw("S1", "C1")


def test_internal_error_fault_reaches_the_client_with_its_code():
    def handler(req):
        return 500, wsman.internal_error_fault(req.message_id, "WIN01")
    with pytest.raises(WSManFaultError) as ei:
        make_protocol(handler).run_command("S1", "PowerShell")
    assert ei.value.wsman_fault_code == wsman.WSMAN_INTERNAL_ERROR
    assert ei.value.code == 500
    assert "marked for deletion" in ei.value.reason


def test_relates_to_echoes_message_id():
    mid = "uuid:%s" % uuid.uuid4()
    req = wsman.Request(action="Delete", action_uri="", message_id=mid)
    body = xmltodict.parse(wsman.delete_response(req))
    assert body["s:Envelope"]["s:Header"]["a:RelatesTo"] == mid


def test_receive_streams_are_base64_and_end_marked():
    req = wsman.Request(action="Receive", action_uri="", message_id="uuid:1")
    doc = xmltodict.parse(wsman.receive_response(req, "C9", b"out", b"", True, 0))
    streams = doc["s:Envelope"]["s:Body"]["rsp:ReceiveResponse"]["rsp:Stream"]
    assert base64.b64decode(streams[0]["#text"]) == b"out"
    assert all(s["@CommandId"] == "C9" for s in streams)
    assert [s.get("@End") for s in streams if s["@Name"] == "stdout"][-1] == "true"


@pytest.mark.parametrize("body,msg", [
    (b"not xml", "not XML"),
    (b'<a xmlns="x"/>', "not a SOAP 1.2 envelope"),
])
def test_garbage_is_rejected(body, msg):
    with pytest.raises(wsman.WSManError, match=msg):
        wsman.parse_request(body)


def test_unknown_action_is_rejected():
    proto = make_protocol(lambda req: (200, b""))
    hdr = proto.build_wsman_header(action="http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
                                   resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd")
    xml = xmltodict.unparse({"env:Envelope": dict(hdr, **{"env:Body": {}})})
    with pytest.raises(wsman.WSManError, match="unsupported action"):
        wsman.parse_request(xml.encode())


def test_duration_parsing():
    assert wsman.parse_duration("PT20S") == 20.0
    assert wsman.parse_duration("PT0.500S") == 0.5
    assert wsman.parse_duration("P1D") is None
