# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""python -m winsim start|stop|status|records|inventory

`start` runs the fleet in a background child (own session, log in
STATE_DIR/winsim.log, pid in STATE_DIR/winsim.pid, control port in
STATE_DIR/control.json) and returns once every listener accepts
connections. The other commands talk to the child's loopback control
endpoint.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

CONTROL = "control.json"
PIDFILE = "winsim.pid"
LOG = "winsim.log"


def _control(state_dir: str) -> dict:
    path = os.path.join(state_dir, CONTROL)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise SystemExit("winsim: no fleet running in %s (no %s)" % (state_dir, CONTROL))


def _get(state_dir: str, path: str):
    ctl = _control(state_dir)
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (ctl["port"], path), timeout=30) as resp:
        return json.load(resp)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def cmd_start(args) -> int:
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    ctl_path = os.path.join(state_dir, CONTROL)
    if os.path.exists(ctl_path):
        try:
            pid = _control(state_dir).get("pid")
        except SystemExit:
            pid = None
        if pid and _pid_alive(pid):
            print("winsim: a fleet is already running in %s (pid %d)" % (state_dir, pid), file=sys.stderr)
            return 1
        os.unlink(ctl_path)
    inventory = os.path.abspath(args.inventory or os.path.join(state_dir, "inventory.yml"))
    cmd = [sys.executable, "-m", "winsim", "_serve", os.path.abspath(args.scenario),
           "--state-dir", state_dir, "--inventory", inventory]
    for opt in ("time_scale", "port", "base_address"):
        if getattr(args, opt) is not None:
            cmd += ["--" + opt.replace("_", "-"), str(getattr(args, opt))]
    if args.catalog:
        cmd.append("--catalog")
    env = dict(os.environ)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(os.path.join(state_dir, LOG), "ab") as log:
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True, env=env, close_fds=True)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            print("winsim: fleet failed to start (exit %s); see %s" % (child.returncode, os.path.join(state_dir, LOG)),
                  file=sys.stderr)
            return 1
        if os.path.exists(ctl_path):
            state = _get(state_dir, "/_winsim/state")
            print("winsim: %d hosts up, inventory %s, pid %d"
                  % (len(state["hosts"]), inventory, child.pid))
            return 0
        time.sleep(0.05)
    print("winsim: fleet not ready after %ss; see %s" % (args.timeout, os.path.join(state_dir, LOG)), file=sys.stderr)
    os.kill(child.pid, signal.SIGTERM)
    return 1


def _start_catalog(fleet):
    """Serve the fake Microsoft Update Catalog beside the fleet (HTTPS on
    loopback, its own CA) and tell the collection's roles where it is."""
    from .fake_catalog import FakeCatalog
    catalog = FakeCatalog().start()
    # The simulated hosts download with Python's ssl in this process: they trust the fake CA.
    os.environ["SSL_CERT_FILE"] = catalog.ca_path
    fleet.inventory_vars.update({
        "wu_remediate_catalog_url": catalog.url,
        "wu_remediate_catalog_ca_path": catalog.ca_path,
        "wu_remediate_catalog_download_hosts": [catalog.download_host],
    })
    return catalog


def cmd_serve(args) -> int:
    """The background child: run the fleet until stopped."""
    from .fleet import Fleet
    overrides = {k: v for k, v in (("time_scale", args.time_scale), ("port", args.port),
                                   ("base_address", args.base_address)) if v is not None}
    fleet = Fleet.from_scenario(args.scenario, overrides)
    catalog = _start_catalog(fleet) if args.catalog else None
    fleet.start(control=True)
    fleet.write_inventory(args.inventory)
    state_dir = args.state_dir
    with open(os.path.join(state_dir, PIDFILE), "w") as fh:
        fh.write("%d\n" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *a: fleet.stop())
    signal.signal(signal.SIGINT, lambda *a: fleet.stop())
    tmp = os.path.join(state_dir, CONTROL + ".tmp")
    with open(tmp, "w") as fh:  # written last: its presence means ready
        json.dump({"port": fleet.control_port, "pid": os.getpid(), "inventory": fleet.inventory_path,
                   "start_seconds": fleet.start_seconds}, fh)
    os.replace(tmp, os.path.join(state_dir, CONTROL))
    print("winsim: serving %d hosts in %.2fs" % (len(fleet.hosts), fleet.start_seconds), flush=True)
    while not fleet.stopped.wait(0.5):
        pass
    if catalog is not None:
        catalog.stop()
    for name in (CONTROL, PIDFILE):
        try:
            os.unlink(os.path.join(state_dir, name))
        except FileNotFoundError:
            pass
    return 0


def cmd_stop(args) -> int:
    ctl = _control(args.state_dir)
    pid = ctl.get("pid")
    try:
        req = urllib.request.Request("http://127.0.0.1:%d/_winsim/stop" % ctl["port"], data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()
    except OSError:
        if pid and _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while pid and _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid and _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    for name in (CONTROL, PIDFILE):
        try:
            os.unlink(os.path.join(args.state_dir, name))
        except FileNotFoundError:
            pass
    print("winsim: stopped")
    return 0


def cmd_status(args) -> int:
    state = _get(args.state_dir, "/_winsim/state")
    if args.json:
        print(json.dumps(state, indent=2))
        return 0
    print("modelled time %s (x%g), inventory %s" % (state["modelled_now"], state["time_scale"], state["inventory"]))
    for name, h in state["hosts"].items():
        print("%-16s %-15s %5s %-5s boot %s records %d" % (
            name, h["address"], h["port"], "DOWN" if h["down"] else "up", h["boot_time"], len(h["records"])))
    return 0


def cmd_records(args) -> int:
    path = "/_winsim/records" + ("?host=%s" % args.host if args.host else "")
    data = _get(args.state_dir, path)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for name, recs in data.items():
        for r in recs:
            print("%-16s %4d %-6s %-28s %-10s %8.1fs %s%s" % (
                name, r["seq"], r["kind"], r["name"], r["outcome"], r["modelled_seconds"],
                json.dumps(r["args"], sort_keys=True), " [check]" if r["check_mode"] else ""))
    return 0


def cmd_inventory(args) -> int:
    ctl = _control(args.state_dir)
    with open(ctl["inventory"], encoding="utf-8") as fh:
        sys.stdout.write(fh.read())
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m winsim", description="simulated Windows hosts over WinRM")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start a fleet in the background")
    s.add_argument("scenario")
    s.add_argument("--state-dir", required=True)
    s.add_argument("--inventory")
    s.add_argument("--time-scale", type=float)
    s.add_argument("--port", type=int)
    s.add_argument("--base-address")
    s.add_argument("--timeout", type=float, default=60.0)
    s.add_argument("--catalog", action="store_true",
                   help="also serve the fake Microsoft Update Catalog and put its address in the inventory")
    s.set_defaults(func=cmd_start)
    s = sub.add_parser("_serve", help=argparse.SUPPRESS)
    s.add_argument("scenario")
    s.add_argument("--state-dir", required=True)
    s.add_argument("--inventory", required=True)
    s.add_argument("--time-scale", type=float)
    s.add_argument("--port", type=int)
    s.add_argument("--base-address")
    s.add_argument("--catalog", action="store_true")
    s.set_defaults(func=cmd_serve)
    for name, func, help_ in (("stop", cmd_stop, "stop the fleet"), ("status", cmd_status, "hosts and their state"),
                              ("records", cmd_records, "what each host was asked to run"),
                              ("inventory", cmd_inventory, "print the inventory")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--state-dir", required=True)
        if name in ("status", "records"):
            s.add_argument("--json", action="store_true")
        if name == "records":
            s.add_argument("--host")
        s.set_defaults(func=func)
    args = p.parse_args(argv)
    return args.func(args)
