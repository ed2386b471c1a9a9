# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet: the hosts of a scenario, their listeners, the modelled clock, the
inventory file, and a small JSON control endpoint for test tooling
(GET /_winsim/state, GET /_winsim/records[?host=NAME], POST /_winsim/stop) on
a loopback port of its own."""
from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Union
from urllib.parse import parse_qs, urlparse

from . import real_scripts
from . import scenario as scenario_mod
from .model import Clock, HostModel
from .server import HostServer, check_loopback


def to_jsonable(obj):
    """HostModel (and its parts) as plain JSON data; skips the lock."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "lock"}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, datetime.datetime):
        return obj.isoformat()
    if isinstance(obj, bytes):
        try:
            return obj.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(obj).decode()
    return obj


class Fleet:
    def __init__(self, spec: scenario_mod.FleetSpec, capture_dir: Optional[str] = None):
        self.spec = spec
        self.clock = Clock(spec.time_scale)
        self.hosts: dict = {h.name: h for h in spec.hosts}
        self.servers: dict = {h.name: HostServer(h, self.clock, spec.reboot_downtime, capture_dir, spec.hang_limit)
                              for h in spec.hosts}
        self.inventory_path: Optional[str] = None
        self.inventory_vars: dict = {}  # extra vars for every host (e.g. where the fake catalog is)
        self.control_port: Optional[int] = None
        self._control: Optional[ThreadingHTTPServer] = None
        self.stopped = threading.Event()
        self.start_seconds = 0.0
        # The collection's scripts run for real (winsim/real_scripts.py): one pwsh for the fleet.
        self.real_scripts = real_scripts.wanted(spec.real_scripts)
        self.script_runner = None

    @classmethod
    def from_scenario(cls, source: Union[str, dict], overrides: Optional[dict] = None, **kw) -> "Fleet":
        return cls(scenario_mod.load(source, overrides), **kw)

    # --- lifecycle ------------------------------------------------------
    def start(self, control: bool = False) -> "Fleet":
        t0 = time.monotonic()
        started = []
        if self.real_scripts and self.script_runner is None:
            self.script_runner = real_scripts.start_runner()
            for server in self.servers.values():
                server.script_runner = self.script_runner
        try:
            with ThreadPoolExecutor(max_workers=32) as pool:
                for name, fut in [(n, pool.submit(s.start)) for n, s in self.servers.items()]:
                    fut.result()
                    started.append(name)
        except Exception:
            for n in started:
                self.servers[n].stop()
            raise
        if control:
            self._start_control()
        self.wait_ready()
        self.start_seconds = time.monotonic() - t0
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until every listener accepts a TCP connection."""
        deadline = time.monotonic() + timeout
        for h in self.hosts.values():
            while True:
                try:
                    with socket.create_connection((h.address, h.port), timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError("%s (%s:%s) does not accept connections" % (h.name, h.address, h.port))
                    time.sleep(0.02)

    def stop(self) -> None:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda s: s.stop(), self.servers.values()))
        if self.script_runner is not None:
            runner, self.script_runner = self.script_runner, None
            runner.close()
        if self._control is not None:
            ctl, self._control = self._control, None
            threading.Thread(target=lambda: (ctl.shutdown(), ctl.server_close()), daemon=True).start()
        self.stopped.set()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what tests read ------------------------------------------------
    def host(self, name: str) -> HostModel:
        return self.hosts[name]

    def records(self, host: Optional[str] = None) -> list:
        if host is not None:
            h = self.hosts[host]
            with h.lock:
                return list(h.records)
        return [r for name in self.hosts for r in self.records(name)]

    def state(self) -> dict:
        out = {"time_scale": self.clock.scale, "modelled_now": self.clock.now().isoformat(),
               "inventory": self.inventory_path, "hosts": {}}
        for name, h in self.hosts.items():
            with h.lock:
                data = to_jsonable(h)
            srv = self.servers[name]
            data["down"] = srv.is_down()
            data["outages"] = [[a, b] for a, b in srv.outages]
            data["endpoint"] = srv.endpoint()
            out["hosts"][name] = data
        return out

    # --- inventory ------------------------------------------------------
    def inventory_text(self) -> str:
        """The fleet as a YAML inventory (JSON is YAML): host vars may be lists or dicts."""
        hosts = {}
        for h in self.hosts.values():
            hv = {
                "ansible_host": h.address, "ansible_port": h.port,
                "ansible_user": h.username, "ansible_password": h.password,
            }
            hv.update(self.spec.host_vars.get(h.name, {}))
            hosts[h.name] = hv
        children = {g: {"hosts": {m: {} for m in members}} for g, members in sorted(self.spec.groups.items())}
        inventory = {"windows": {
            "hosts": hosts,
            "vars": {
                "ansible_connection": "winrm",
                "ansible_winrm_transport": "basic",
                "ansible_winrm_scheme": "http",
                "ansible_winrm_server_cert_validation": "ignore",
                **self.inventory_vars,
            },
            "children": children,
        }}
        return ("# winsim inventory for scenario %s (generated; loopback only)\n" % self.spec.name
                + json.dumps(inventory, indent=2, default=str) + "\n")

    def write_inventory(self, path: str) -> str:
        # ansible's yaml inventory plugin only reads files with these endings.
        if not path.endswith((".yml", ".yaml", ".json")):
            raise ValueError("winsim writes YAML inventories: name it *.yml, not %s" % path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.inventory_text())
        os.replace(tmp, path)
        self.inventory_path = os.path.abspath(path)
        return self.inventory_path

    # --- control endpoint -----------------------------------------------
    def _start_control(self, address: str = "127.0.0.1", port: int = 0) -> None:
        check_loopback(address)
        fleet = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _json(self, status, data):
                body = json.dumps(data, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                q = parse_qs(url.query)
                if url.path == "/_winsim/state":
                    return self._json(200, fleet.state())
                if url.path == "/_winsim/records":
                    host = (q.get("host") or [None])[0]
                    if host is not None and host not in fleet.hosts:
                        return self._json(404, {"error": "no host %s" % host})
                    names = [host] if host else list(fleet.hosts)
                    return self._json(200, {n: [to_jsonable(r) for r in fleet.records(n)] for n in names})
                return self._json(404, {"error": "unknown path"})

            def do_POST(self):
                if urlparse(self.path).path == "/_winsim/stop":
                    self._json(200, {"stopping": True})
                    threading.Thread(target=fleet.stop, daemon=True).start()
                    return
                return self._json(404, {"error": "unknown path"})

        srv = ThreadingHTTPServer((address, port), Handler)
        srv.daemon_threads = True
        self._control = srv
        self.control_port = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, daemon=True, name="winsim-control").start()
