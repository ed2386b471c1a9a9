# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse WS-Management (WinRS) SOAP requests and build the answers.

Only the operations of the Windows Remote Shell that pywinrm (and so the
ansible-core `winrm` connection plugin) uses: Create and Delete of a shell,
Command, Send, Receive and Signal. Shapes follow [MS-WSMV] (Web Services
Management Protocol Extensions for Windows Vista), sections 3.1.4.1 (Create),
3.1.4.11 (Command), 3.1.4.12 (Signal), 3.1.4.13 (Send), 3.1.4.14 (Receive),
and SOAP 1.2 faults with a wsmanfault detail as WinRM returns them. What the
client reads back is in pywinrm's winrm/protocol.py: the ShellId selector,
the CommandId, rsp:Stream elements (base64) and rsp:CommandState/ExitCode,
RelatesTo equal to the request MessageID, and fault code 2150858793 for an
operation timeout.
"""
from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
ACTIONS = {
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create": "Create",
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete": "Delete",
    SHELL_URI + "/Command": "Command",
    SHELL_URI + "/Send": "Send",
    SHELL_URI + "/Receive": "Receive",
    SHELL_URI + "/Signal": "Signal",
}
RESPONSE_ACTIONS = {
    "Create": "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
    "Delete": "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse",
    "Command": SHELL_URI + "/CommandResponse",
    "Send": SHELL_URI + "/SendResponse",
    "Receive": SHELL_URI + "/ReceiveResponse",
    "Signal": SHELL_URI + "/SignalResponse",
}
STATE_DONE = SHELL_URI + "/CommandState/Done"
STATE_RUNNING = SHELL_URI + "/CommandState/Running"
SIGNAL_TERMINATE = SHELL_URI + "/signal/terminate"

# The wsman fault code pywinrm turns into WinRMOperationTimeoutError and retries
# (winrm/protocol.py); it is ERROR_WSMAN_OPERATION_TIMEDOUT 0x80338029 in
# wsmerror.h ("The WS-Management service cannot complete the operation within
# the time specified in OperationTimeout").
WSMAN_OPERATION_TIMEDOUT = 0x80338029
# HRESULT_FROM_WIN32(ERROR_KEY_DELETED 1018) = 0x800703FA (winerror.h): the
# "Illegal operation attempted on a registry key that has been marked for
# deletion" internal error WinRM is known to answer under load or after a
# profile unload; used for the modelled HTTP 500.
WSMAN_INTERNAL_ERROR = 0x800703FA


class WSManError(Exception):
    """The request is not a WS-Man message this server understands."""


@dataclass
class SendChunk:
    command_id: str
    stream: str
    data: bytes
    end: bool


@dataclass
class Request:
    action: str  # Create, Delete, Command, Send, Receive, Signal
    action_uri: str
    message_id: str
    resource_uri: str = ""
    shell_id: Optional[str] = None
    operation_timeout: Optional[float] = None  # seconds, from w:OperationTimeout
    options: dict = field(default_factory=dict)  # w:OptionSet
    # Create
    input_streams: str = ""
    output_streams: str = ""
    working_directory: Optional[str] = None
    environment: dict = field(default_factory=dict)
    # Command
    command: str = ""
    arguments: list = field(default_factory=list)
    # Send
    chunks: list = field(default_factory=list)  # SendChunk
    # Receive / Signal
    command_id: Optional[str] = None
    desired_streams: str = ""
    signal_code: str = ""


def _q(prefix: str, name: str) -> str:
    return "{%s}%s" % (NS[prefix], name)


def parse_duration(text: str) -> Optional[float]:
    """xs:duration of the PT<n>S / PT<n>.<m>S form pywinrm sends."""
    if not text:
        return None
    t = text.strip().upper()
    if not t.startswith("PT") or not t.endswith("S"):
        return None
    try:
        return float(t[2:-1])
    except ValueError:
        return None


def parse_request(body: bytes) -> Request:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise WSManError("not XML: %s" % e)
    if root.tag != _q("s", "Envelope"):
        raise WSManError("not a SOAP 1.2 envelope: %s" % root.tag)
    header = root.find(_q("s", "Header"))
    sbody = root.find(_q("s", "Body"))
    if header is None:
        raise WSManError("SOAP envelope without header")
    action_uri = (header.findtext(_q("a", "Action")) or "").strip()
    if action_uri not in ACTIONS:
        raise WSManError("unsupported action %r" % action_uri)
    message_id = (header.findtext(_q("a", "MessageID")) or "").strip()
    if not message_id:
        raise WSManError("request without MessageID")
    req = Request(action=ACTIONS[action_uri], action_uri=action_uri, message_id=message_id)
    req.resource_uri = (header.findtext(_q("w", "ResourceURI")) or "").strip()
    req.operation_timeout = parse_duration(header.findtext(_q("w", "OperationTimeout")) or "")
    for sel in header.iterfind("%s/%s" % (_q("w", "SelectorSet"), _q("w", "Selector"))):
        if sel.get("Name") == "ShellId":
            req.shell_id = (sel.text or "").strip()
    for opt in header.iterfind("%s/%s" % (_q("w", "OptionSet"), _q("w", "Option"))):
        req.options[opt.get("Name", "")] = (opt.text or "").strip()

    if req.action == "Create":
        shell = sbody.find(_q("rsp", "Shell")) if sbody is not None else None
        if shell is None:
            raise WSManError("Create without rsp:Shell")
        req.input_streams = (shell.findtext(_q("rsp", "InputStreams")) or "").strip()
        req.output_streams = (shell.findtext(_q("rsp", "OutputStreams")) or "").strip()
        req.working_directory = shell.findtext(_q("rsp", "WorkingDirectory"))
        for var in shell.iterfind("%s/%s" % (_q("rsp", "Environment"), _q("rsp", "Variable"))):
            req.environment[var.get("Name", "")] = var.text or ""
    elif req.action == "Command":
        cl = sbody.find(_q("rsp", "CommandLine")) if sbody is not None else None
        if cl is None:
            raise WSManError("Command without rsp:CommandLine")
        req.command = cl.findtext(_q("rsp", "Command")) or ""
        req.arguments = [a.text or "" for a in cl.iterfind(_q("rsp", "Arguments"))]
    elif req.action == "Send":
        send = sbody.find(_q("rsp", "Send")) if sbody is not None else None
        if send is None:
            raise WSManError("Send without rsp:Send")
        for st in send.iterfind(_q("rsp", "Stream")):
            text = (st.text or "").strip()
            try:
                data = base64.b64decode(text, validate=True) if text else b""
            except ValueError as e:
                raise WSManError("Send stream is not base64: %s" % e)
            req.chunks.append(SendChunk(st.get("CommandId", ""), st.get("Name", ""), data,
                                        (st.get("End") or "").lower() == "true"))
    elif req.action == "Receive":
        rcv = sbody.find(_q("rsp", "Receive")) if sbody is not None else None
        ds = rcv.find(_q("rsp", "DesiredStream")) if rcv is not None else None
        if ds is None:
            raise WSManError("Receive without rsp:DesiredStream")
        req.command_id = ds.get("CommandId")
        req.desired_streams = (ds.text or "").strip()
    elif req.action == "Signal":
        sig = sbody.find(_q("rsp", "Signal")) if sbody is not None else None
        if sig is None:
            raise WSManError("Signal without rsp:Signal")
        req.command_id = sig.get("CommandId")
        req.signal_code = (sig.findtext(_q("rsp", "Code")) or "").strip()
    if req.action != "Create" and not req.shell_id:
        raise WSManError("%s without ShellId selector" % req.action)
    return req


# --- answers ---------------------------------------------------------------

_ENVELOPE_OPEN = (
    '<s:Envelope xml:lang="en-US"'
    ' xmlns:s="%(s)s" xmlns:a="%(a)s" xmlns:x="%(x)s" xmlns:w="%(w)s" xmlns:rsp="%(rsp)s" xmlns:p="%(p)s">'
) % NS


def _envelope(action_uri: str, relates_to: str, body: str) -> bytes:
    header = (
        "<s:Header>"
        "<a:Action>%s</a:Action>"
        "<a:MessageID>uuid:%s</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        "<a:RelatesTo>%s</a:RelatesTo>"
        "</s:Header>"
    ) % (escape(action_uri), str(uuid.uuid4()).upper(), escape(relates_to))
    return ('<?xml version="1.0" encoding="UTF-8"?>%s%s<s:Body>%s</s:Body></s:Envelope>'
            % (_ENVELOPE_OPEN, header, body)).encode("utf-8")


def create_response(req: Request, shell_id: str, endpoint: str) -> bytes:
    body = (
        "<x:ResourceCreated>"
        "<a:Address>%s</a:Address>"
        "<a:ReferenceParameters>"
        "<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>"
        '<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters>"
        "</x:ResourceCreated>"
        "<rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</rsp:ResourceUri>"
        "<rsp:InputStreams>%s</rsp:InputStreams><rsp:OutputStreams>%s</rsp:OutputStreams></rsp:Shell>"
    ) % (escape(endpoint), escape(shell_id), escape(shell_id),
         escape(req.input_streams or "stdin"), escape(req.output_streams or "stdout stderr"))
    return _envelope(RESPONSE_ACTIONS["Create"], req.message_id, body)


def command_response(req: Request, command_id: str) -> bytes:
    body = "<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>" % escape(command_id)
    return _envelope(RESPONSE_ACTIONS["Command"], req.message_id, body)


def send_response(req: Request) -> bytes:
    return _envelope(RESPONSE_ACTIONS["Send"], req.message_id, "<rsp:SendResponse/>")


def signal_response(req: Request) -> bytes:
    return _envelope(RESPONSE_ACTIONS["Signal"], req.message_id, "<rsp:SignalResponse/>")


def delete_response(req: Request) -> bytes:
    return _envelope(RESPONSE_ACTIONS["Delete"], req.message_id, "")


def receive_response(req: Request, command_id: str, stdout: bytes, stderr: bytes,
                     done: bool, exit_code: int = 0) -> bytes:
    """Streams then CommandState. Real WinRM splits output over several
    rsp:Stream elements and marks the last one End="true"; one element a
    stream is enough for pywinrm, which joins them."""
    cid = quoteattr(command_id)
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in (("stdout", stdout), ("stderr", stderr)):
        if data:
            parts.append('<rsp:Stream Name="%s" CommandId=%s>%s</rsp:Stream>'
                         % (name, cid, base64.b64encode(data).decode("ascii")))
        if done:
            parts.append('<rsp:Stream Name="%s" CommandId=%s End="true"></rsp:Stream>' % (name, cid))
    if done:
        parts.append('<rsp:CommandState CommandId=%s State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>'
                     % (cid, STATE_DONE, exit_code))
    else:
        parts.append('<rsp:CommandState CommandId=%s State="%s"/>' % (cid, STATE_RUNNING))
    parts.append("</rsp:ReceiveResponse>")
    return _envelope(RESPONSE_ACTIONS["Receive"], req.message_id, "".join(parts))


def fault_response(relates_to: str, code: str, subcode: str, reason: str,
                   wsman_code: int, machine: str = "localhost") -> bytes:
    """A SOAP 1.2 fault with the WSManFault detail WinRM adds ([MS-WSMV] 2.2.4.43
    WSManFault). WinRM sends faults with HTTP status 500."""
    body = (
        "<s:Fault>"
        "<s:Code><s:Value>s:%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code>"
        '<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>'
        "<s:Detail>"
        '<f:WSManFault xmlns:f="%s" Code="%d" Machine=%s><f:Message>%s</f:Message></f:WSManFault>'
        "</s:Detail>"
        "</s:Fault>"
    ) % (escape(code), escape(subcode), escape(reason), NS["f"], wsman_code, quoteattr(machine), escape(reason))
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)


def operation_timeout_fault(req: Request, machine: str = "localhost") -> bytes:
    # Text of ERROR_WSMAN_OPERATION_TIMEDOUT; subcode w:TimedOut per DSP0226
    # (WS-Management) 14.6 "wsman:TimedOut".
    return fault_response(
        req.message_id, "Receiver", "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
        WSMAN_OPERATION_TIMEDOUT, machine)


def internal_error_fault(relates_to: str, machine: str = "localhost") -> bytes:
    # DSP0226 14.6 "wsman:InternalError"; message text of ERROR_KEY_DELETED (winerror.h).
    return fault_response(
        relates_to, "Receiver", "w:InternalError",
        "Illegal operation attempted on a registry key that has been marked for deletion.",
        WSMAN_INTERNAL_ERROR, machine)


def invalid_selectors_fault(relates_to: str, machine: str = "localhost") -> bytes:
    # What WinRM answers for a ShellId it does not know: DSP0226 14.6
    # "wsman:InvalidSelectors", ERROR_WSMAN_INVALID_SELECTORS 0x80338011 (wsmerror.h).
    return fault_response(
        relates_to, "Sender", "w:InvalidSelectors",
        "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
        0x80338011, machine)


def bad_request_fault(relates_to: str, detail: str, machine: str = "localhost") -> bytes:
    # Subcode from DSP0226 14.6 "wsa:ActionNotSupported". The reason and the
    # WSManFault code 0 are winsim's own (no Windows text is imitated): the
    # simulator names what it did not understand so a test fails loudly.
    return fault_response(
        relates_to or "uuid:00000000-0000-0000-0000-000000000000", "Sender", "a:ActionNotSupported",
        "winsim does not understand this WS-Man request: %s" % detail, 0, machine)
