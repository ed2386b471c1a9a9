# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM listener of one simulated host: HTTP on <loopback address>:<port>/wsman.

* Basic auth against HostModel.username/password; a wrong one gets 401 with
  `WWW-Authenticate: Negotiate` and `Basic realm="WSMAN"` as WinRM sends when
  Basic is enabled (winrm get winrm/config/service/auth). pywinrm turns the 401
  into InvalidCredentialsError("the specified credentials were rejected by the
  server") and ansible-core reports the host UNREACHABLE with that text.
* WinRS shells and commands: stdin gathered from Send, the command dispatched
  on its first Receive, the answer delayed by the modelled duration at the
  fleet's clock scale. A Receive that would wait longer than the request's
  OperationTimeout answers the wsman TimedOut fault, as WinRM does, and
  pywinrm asks again.
* Protocol faults from dispatch: drop = close the connection without an
  answer, http500 = HTTP 500 with a wsman InternalError fault,
  operation_timeout = TimedOut fault on Receive, reboot = the step ran and
  the host restarts now: no answer (the connection closes as for drop) and
  the reboot below starts at once.
* Reboot: shutdown closes the listening socket and every open connection
  (clients get "connection refused") for the modelled downtime and ends
  every detached run still going (power.py, detached.kill_all: they are
  `lost` afterwards), then the host boots: new boot_time, pending reboot
  flags cleared, services in the state their start mode gives, a `boot`
  record.

Only addresses in 127.0.0.0/8 are ever bound.
"""
from __future__ import annotations

import base64
import ipaddress
import os
import socket
import socketserver
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

from . import dispatch, power, wsman
from .model import Clock, HostModel, ProtocolFault

DEFAULT_REBOOT_DOWNTIME = 120.0  # modelled seconds a reboot keeps the host away
DEFAULT_OPERATION_TIMEOUT = 20.0  # pywinrm's DEFAULT_OPERATION_TIMEOUT_SEC
DEFAULT_HANG_LIMIT = 120.0  # real seconds a hung command keeps timing out before winsim fails it


def check_loopback(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or ip not in ipaddress.ip_network("127.0.0.0/8"):
        raise ValueError("winsim only binds loopback addresses (127.0.0.0/8), not %s" % address)
    return str(ip)


class _Command:
    def __init__(self, command_id: str, command: str, arguments: list):
        self.id = command_id
        self.command = command
        self.arguments = arguments
        self.stdin = bytearray()
        self.stdin_closed = False
        self.outcome: Optional[dispatch.Outcome] = None
        self.ready_at = 0.0
        self.started = 0.0
        self.timeouts_left = 0
        self.after_done = False
        self.lock = threading.Lock()
        self.worker: Optional[threading.Thread] = None  # runs the command when the fleet runs real scripts
        self.fault: Optional[ProtocolFault] = None  # raised by the command, for the Receive that answers


class _Shell:
    def __init__(self, shell_id: str):
        self.id = shell_id
        self.commands: dict = {}


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, handler, host_server):
        self.host_server = host_server
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        # A client that closes its connection in the middle of a request (a
        # controller worker killed at its timeout, a benchmark stopped) is not
        # the simulator's error: say nothing. Anything else still prints its
        # traceback, as socketserver does.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def server_bind(self):
        # HTTPServer.server_bind resolves the address with socket.getfqdn(),
        # a reverse DNS lookup that costs up to seconds for 127.0.x.y; the
        # name is only used for CGI, so skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; records are the log
        pass

    def setup(self):
        super().setup()
        self.server.host_server._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.host_server._track(self.connection, False)

    def _send(self, status: int, body: bytes, headers: Optional[list] = None):
        self.send_response(status)
        for k, v in headers or []:
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.server.host_server.count_wire(bytes_out=len(body))

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self._send(405, b"", [("Allow", "POST")])

    def do_POST(self):
        hs: HostServer = self.server.host_server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        hs.count_wire(requests=1, bytes_in=len(body))
        if hs.is_down():
            return self._drop()
        if self.path.split("?", 1)[0].lower() != "/wsman":
            return self._send(404, b"")
        if not hs.authorized(self.headers.get("Authorization", "")):
            return self._send(401, b"", [("WWW-Authenticate", "Negotiate"),
                                         ("WWW-Authenticate", 'Basic realm="WSMAN"')])
        if not body:
            # pywinrm sends an empty POST only to set up message encryption
            # (NTLM/Kerberos), which Basic over HTTP never does.
            return self._send(400, b"")
        try:
            req = wsman.parse_request(body)
        except wsman.WSManError as e:
            return self._send(500, wsman.bad_request_fault("", str(e), hs.machine))
        try:
            status, answer, after = hs.handle(req)
        except ProtocolFault as fault:
            if fault.kind == "reboot":
                # The host goes down before it answers: its connections close
                # (this one too) and it stops listening.
                hs.restart_now("reboot_on fault: %s" % fault.detail)
                return self._drop()
            if fault.kind == "drop":
                return self._drop()
            if fault.kind == "operation_timeout":
                return self._send(500, wsman.operation_timeout_fault(req, hs.machine))
            return self._send(500, wsman.internal_error_fault(req.message_id, hs.machine))
        self._send(status, answer)
        try:
            self.wfile.flush()
        except OSError:
            pass
        for fn in after:
            fn()


class HostServer:
    """One host's listener, shells and reboot cycle."""

    def __init__(self, host: HostModel, clock: Clock, reboot_downtime: float = DEFAULT_REBOOT_DOWNTIME,
                 capture_dir: Optional[str] = None, hang_limit: float = DEFAULT_HANG_LIMIT):
        check_loopback(host.address)
        self.host = host
        self.clock = clock
        self.reboot_downtime = reboot_downtime
        self.hang_limit = hang_limit
        self.script_runner = None  # set by the fleet when it runs the real scripts (winsim/real_scripts.py)
        self.capture_dir = capture_dir or os.environ.get("WINSIM_CAPTURE_DIR") or None
        self.machine = host.os.hostname
        self.shells: dict = {}
        self.outages: list = []  # (down_real_monotonic, up_real_monotonic or None)
        self._listener: Optional[_Listener] = None
        self._thread: Optional[threading.Thread] = None
        self._conns: set = set()
        self._lock = threading.RLock()
        self._shutdown_timer: Optional[threading.Timer] = None
        self._boot_timer: Optional[threading.Timer] = None
        self._down = False
        self._stopped = False
        # What went over the wire, for benchmarks: POSTs received and the bytes
        # of their bodies (SOAP envelopes, HTTP headers not counted) each way.
        self.wire = {"requests": 0, "bytes_in": 0, "bytes_out": 0}

    def count_wire(self, requests: int = 0, bytes_in: int = 0, bytes_out: int = 0) -> None:
        with self._lock:
            self.wire["requests"] += requests
            self.wire["bytes_in"] += bytes_in
            self.wire["bytes_out"] += bytes_out

    # --- listener -------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            self._stopped = False
            self._bind()

    def _bind(self) -> None:
        last = None
        for _attempt in range(50):
            try:
                self._listener = _Listener((self.host.address, self.host.port), _Handler, self)
                break
            except OSError as e:  # the old socket may still be closing after a reboot
                last = e
                time.sleep(0.05)
        else:
            raise OSError("cannot listen on %s:%s: %s" % (self.host.address, self.host.port, last))
        if self.host.port == 0:
            self.host.port = self._listener.server_address[1]
        self._thread = threading.Thread(target=self._listener.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="winsim-%s" % self.host.name, daemon=True)
        self._thread.start()

    def _unbind(self) -> None:
        lst, self._listener = self._listener, None
        if lst is not None:
            lst.shutdown()
            lst.server_close()
        for conn in list(self._conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for timer in (self._shutdown_timer, self._boot_timer):
                if timer is not None:
                    timer.cancel()
            self._unbind()

    def endpoint(self) -> str:
        return "http://%s:%d/wsman" % (self.host.address, self.host.port)

    def _track(self, conn, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    # --- auth -----------------------------------------------------------
    def authorized(self, header: str) -> bool:
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _colon, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        # A local account may be named bare, .\name or HOST\name; Windows
        # account names are case-insensitive, passwords are not.
        if "\\" in user:
            prefix, user = user.split("\\", 1)
            if prefix not in (".", self.host.os.hostname) and prefix.lower() != self.host.os.hostname.lower():
                return False
        return user.lower() == self.host.username.lower() and password == self.host.password

    # --- reboot ---------------------------------------------------------
    def is_down(self) -> bool:
        return self._down

    def shutdown_pending(self) -> bool:
        with self._lock:
            return self._shutdown_timer is not None and not self._down

    def schedule_shutdown(self, delay_modelled: float, reason: str = "") -> None:
        with self._lock:
            if self._stopped:
                return
            timer = threading.Timer(self.clock.real_seconds(delay_modelled), self._go_down)
            timer.daemon = True
            self._shutdown_timer = timer
            timer.start()

    def abort_shutdown(self) -> bool:
        with self._lock:
            if self._shutdown_timer is None or self._down:
                return False
            self._shutdown_timer.cancel()
            self._shutdown_timer = None
            return True

    def restart_now(self, reason: str = "") -> None:
        """The host restarts this moment (a reboot_on fault): the same reboot as
        shutdown.exe /r, without the delay. A shutdown already scheduled is
        overtaken by it."""
        # Lock order host.lock, then _lock: the raw reboot models call
        # shutdown_pending()/abort_shutdown() while they hold host.lock.
        with self.host.lock, self._lock:
            if self._stopped or self._down:
                return
            if self._shutdown_timer is not None:
                self._shutdown_timer.cancel()
                self._shutdown_timer = None
            self._power_off()

    def _go_down(self) -> None:
        with self.host.lock, self._lock:
            if self._stopped or self._shutdown_timer is None:
                return
            self._shutdown_timer = None
            self._power_off()

    def _power_off(self) -> None:
        """Down for the reboot downtime: no listener, no shells, no processes (caller holds host.lock, _lock)."""
        self._down = True
        # First the processes end (runs whose time is up finish, e.g. setup.exe's
        # downlevel phase, which sets the downtime of the restart that follows it).
        killed = power.shut_down(self.host, self.clock)
        downtime = self.host.faults.reboot_downtime_seconds
        downtime = self.reboot_downtime if downtime is None else float(downtime)
        now = time.monotonic()
        self.host.down_until = now + self.clock.real_seconds(downtime)
        self.outages.append([now, None])
        self.shells.clear()
        self._unbind()
        timer = threading.Timer(self.clock.real_seconds(downtime), self._come_up, args=(downtime, killed))
        timer.daemon = True
        self._boot_timer = timer
        timer.start()

    def _come_up(self, downtime: float, killed=()) -> None:
        with self.host.lock, self._lock:
            if self._stopped:
                return
            self._boot_timer = None
            power.boot(self.host, self.clock, downtime, killed)
            self.outages[-1][1] = time.monotonic()
            self._bind()
            self._down = False

    # --- WS-Man operations ----------------------------------------------
    def handle(self, req: wsman.Request):
        """(status, body, after-callables) for one request; may raise ProtocolFault."""
        op = req.action
        if op == "Create":
            shell = _Shell(str(uuid.uuid4()).upper())
            with self._lock:
                self.shells[shell.id] = shell
            return 200, wsman.create_response(req, shell.id, self.endpoint()), []
        with self._lock:
            shell = self.shells.get(req.shell_id)
        if shell is None:
            return 500, wsman.invalid_selectors_fault(req.message_id, self.machine), []
        if op == "Delete":
            with self._lock:
                self.shells.pop(shell.id, None)
            return 200, wsman.delete_response(req), []
        if op == "Command":
            cmd = _Command(str(uuid.uuid4()).upper(), req.command, req.arguments)
            shell.commands[cmd.id] = cmd
            return 200, wsman.command_response(req, cmd.id), []
        cmd = shell.commands.get(req.command_id or "")
        if op == "Send":
            for chunk in req.chunks:
                target = shell.commands.get(chunk.command_id)
                if target is None:
                    return 500, wsman.invalid_selectors_fault(req.message_id, self.machine), []
                target.stdin.extend(chunk.data)
                if chunk.end:
                    target.stdin_closed = True
            return 200, wsman.send_response(req), []
        if cmd is None:
            return 500, wsman.invalid_selectors_fault(req.message_id, self.machine), []
        if op == "Signal":
            # terminate (and ctrl_c) end the command; WinRM frees it.
            shell.commands.pop(cmd.id, None)
            return 200, wsman.signal_response(req), []
        if op == "Receive":
            return self._receive(req, cmd)
        return 500, wsman.bad_request_fault(req.message_id, op, self.machine), []

    def _dispatch(self, cmd: _Command) -> None:
        try:
            cmd.outcome = dispatch.run_command(self.host, self.clock, cmd.command, cmd.arguments,
                                               bytes(cmd.stdin), hooks=self)
        except ProtocolFault as fault:
            # The command is gone; if the client asks again it gets a failure.
            cmd.outcome = dispatch.Outcome(rc=1, stderr=("winsim: %s fault\r\n" % fault.kind).encode())
            cmd.fault = fault

    def _receive(self, req: wsman.Request, cmd: _Command):
        if self.script_runner is not None:
            # Real scripts (winsim/real_scripts.py) take real time, and the fleet's one pwsh runs
            # them one at a time: the command runs beside the Receive, which WinRM holds for
            # OperationTimeout and then answers TimedOut, the client asking again (as for any
            # command that has not finished: [MS-WSMV] 3.1.4.14, wsman:OperationTimeout).
            with cmd.lock:
                if cmd.outcome is None and cmd.worker is None:
                    self._capture(cmd)
                    cmd.worker = threading.Thread(target=self._dispatch, args=(cmd,), daemon=True,
                                                  name="winsim-command-%s" % cmd.id)
                    cmd.worker.start()
            cmd.worker.join(max((req.operation_timeout or DEFAULT_OPERATION_TIMEOUT) - 1.0, 0.5))
            if cmd.worker.is_alive():
                return 500, wsman.operation_timeout_fault(req, self.machine), []
        with cmd.lock:
            if cmd.fault is not None:
                fault, cmd.fault = cmd.fault, None
                raise fault
            if cmd.outcome is None:
                self._capture(cmd)
                self._dispatch(cmd)
                if cmd.fault is not None:
                    fault, cmd.fault = cmd.fault, None
                    raise fault
            if not cmd.started:
                cmd.started = time.monotonic()
                cmd.ready_at = cmd.started + self.clock.real_seconds(cmd.outcome.modelled_seconds)
                cmd.timeouts_left = cmd.outcome.timeouts
            if cmd.timeouts_left > 0:
                cmd.timeouts_left -= 1
                return 500, wsman.operation_timeout_fault(req, self.machine), []
        if cmd.outcome.hang and time.monotonic() < cmd.started + self.hang_limit:
            # WinRM holds a Receive for OperationTimeout, then answers TimedOut.
            op_timeout = req.operation_timeout or DEFAULT_OPERATION_TIMEOUT
            time.sleep(max(min(op_timeout - 1.0, cmd.started + self.hang_limit - time.monotonic()), 0.0))
            if time.monotonic() < cmd.started + self.hang_limit:
                return 500, wsman.operation_timeout_fault(req, self.machine), []
        wait = cmd.ready_at - time.monotonic()
        if wait > 0:
            limit = max((req.operation_timeout or DEFAULT_OPERATION_TIMEOUT) - 1.0, 0.5)
            time.sleep(min(wait, limit))
            if time.monotonic() < cmd.ready_at:
                return 500, wsman.operation_timeout_fault(req, self.machine), []
        out = cmd.outcome
        after = []
        with cmd.lock:
            if not cmd.after_done:
                cmd.after_done = True
                after = list(out.after)
        return 200, wsman.receive_response(req, cmd.id, out.stdout, out.stderr, True, out.rc), after

    def _capture(self, cmd: _Command) -> None:
        """WINSIM_CAPTURE_DIR: keep what the controller sent (for test fixtures)."""
        if not self.capture_dir:
            return
        os.makedirs(self.capture_dir, exist_ok=True)
        stem = os.path.join(self.capture_dir, "%s-%d-%s" % (self.host.name, int(time.time() * 1000), cmd.id[:8]))
        with open(stem + ".cmd", "w", encoding="utf-8") as fh:
            fh.write(" ".join([cmd.command] + list(cmd.arguments)))
        with open(stem + ".stdin", "wb") as fh:
            fh.write(bytes(cmd.stdin))
