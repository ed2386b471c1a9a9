# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmarks share: fleets, measured ansible runs, modelled host time,
wire counters, the fake catalog, a counting mirror, and the result format.

A benchmark module exposes run(**sizes) -> result dict:
    {"benchmark": "1 time to green", "rows": [row, ...], "notes": [...], "details": {...}}
with each row made by row(): metric, ours, baseline, ratio (ours / baseline),
target (text) and met (True / False / None when the row has no target).
bench/run_all.py prints the rows of every benchmark as one table.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(REPO, "tests") not in sys.path:
    sys.path.insert(0, os.path.join(REPO, "tests"))

from winsim.fake_catalog import FakeCatalog  # noqa: E402
from winsim.pytest_plugin import VENV, ansible_env, start_fleet  # noqa: E402

BENCH = os.path.join(REPO, "bench")
ANSIBLE_PLAYBOOK = os.path.join(VENV, "bin", "ansible-playbook")
ANSIBLE = os.path.join(VENV, "bin", "ansible")


# ------------------------------------------------------------------ fleets
@contextlib.contextmanager
def fleet(scenario: dict, directory: str):
    """A started winsim fleet (any free port per host) with its inventory in DIRECTORY."""
    f = start_fleet(scenario, directory)
    try:
        yield f
    finally:
        f.stop()


@contextlib.contextmanager
def workdir(prefix: str, keep: Optional[str] = None):
    """A scratch folder (removed afterwards unless KEEP names a folder to use instead)."""
    if keep:
        os.makedirs(keep, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="winrepair-bench-%s-" % prefix) as tmp:
        yield tmp


@contextlib.contextmanager
def fake_catalog(file_size: int = 64 * 1024):
    """The HTTPS fake Microsoft Update Catalog; the simulated hosts trust its CA
    through SSL_CERT_FILE (their downloads are made by this process)."""
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog(file_size=file_size).start()
    os.environ["SSL_CERT_FILE"] = catalog.ca_path
    try:
        yield catalog
    finally:
        catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        before = source.tell()
        super().copyfile(source, outputfile)
        with self.server.counter_lock:
            self.server.counter["requests"] += 1
            self.server.counter["bytes"] += source.tell() - before


@contextlib.contextmanager
def mirror_server(directory: str):
    """A plain http server on loopback standing for the user's internal mirror;
    .counter = {"requests", "bytes"} of files served."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_CountingHandler, directory=directory))
    server.counter = {"requests": 0, "bytes": 0}
    server.counter_lock = threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ measured runs
class Run:
    """One ansible(-playbook) process: wall seconds, exit code, CPU seconds and
    peak RSS of the process and all its forks (wait4 rusage), its output.
    own_cpu: the CPU seconds of the process itself, without its forks (None where
    /proc cannot tell); for ansible-playbook the strategy's work, the rest its task processes."""

    def __init__(self, rc, wall, cpu, maxrss_kb, stdout, stderr, own_cpu=None):
        self.rc, self.wall, self.cpu, self.maxrss_kb = rc, wall, cpu, maxrss_kb
        self.stdout, self.stderr = stdout, stderr
        self.own_cpu = own_cpu

    def tail(self, n: int = 3000) -> str:
        return self.stdout[-n:] + "\n" + self.stderr[-n:]


def measured(cmd: list, timeout: float = 1800, extra_env: Optional[dict] = None, cwd: str = REPO) -> Run:
    """Run CMD and reap it with os.wait4: the rusage Linux returns there covers
    the process and every descendant it waited for (ansible's forks), and
    nothing else this benchmark process did before."""
    env = ansible_env(extra=extra_env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.daemon = True
        timer.start()
        try:
            own = _own_cpu_at_exit(proc.pid)
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), own)


def _own_cpu_at_exit(pid: int) -> Optional[float]:
    """Wait until PID has exited, without reaping it, and read its own user+system CPU seconds
    (fields 14 and 15 of /proc/PID/stat, proc(5)); None where there is no /proc."""
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    try:
        with open("/proc/%d/stat" % pid, "r", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def playbook(inventory: str, path: str, extra_vars: Optional[dict] = None, forks: int = 50,
             timeout: float = 1800, extra_env: Optional[dict] = None, args=()) -> Run:
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, "-f", str(forks), path]
    if extra_vars:
        # Next to the inventory (a scratch folder), never next to the playbook.
        vars_file = os.path.join(os.path.dirname(os.path.abspath(inventory)), "bench-vars.json")
        with open(vars_file, "w", encoding="utf-8") as handle:
            json.dump(extra_vars, handle)
        cmd += ["-e", "@" + vars_file]
    return measured(cmd + list(args), timeout, extra_env)


def adhoc(inventory: str, module: str, forks: int = 50, timeout: float = 1800) -> Run:
    return measured([ANSIBLE, "all", "-i", inventory, "-m", module, "-f", str(forks)], timeout)


def commit() -> str:
    """The short commit of the repository the benchmark runs from ("?" outside a git checkout):
    results name the code they measured."""
    try:
        out = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.stdout.strip() or "?"


def write_json(path: str, data) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    return path


# ------------------------------------------------------------------ what the hosts saw
def host_seconds(f, name: str) -> float:
    """Modelled seconds host NAME spent on requests: the modelled duration of
    every request record (a reboot's 'boot' record carries its downtime), plus
    the modelled run time of every detached process (DISM, sfc, setup.exe) the
    host ran, which its start/poll records do not carry."""
    host = f.hosts[name]
    with host.lock:
        total = sum(float(r.modelled_seconds or 0) for r in host.records)
        now = f.clock.now()
        for plan in host.detached_runs.values():
            ran = (now - plan["start"]).total_seconds()
            total += max(0.0, min(float(plan["duration"]), float(plan.get("max_run_seconds") or 1e12), ran))
    return total


def wire(f, names=None) -> dict:
    """WinRM traffic summed over hosts: POSTs and SOAP body bytes each way (server.py counters)."""
    out = {"requests": 0, "bytes_in": 0, "bytes_out": 0}
    for name in names or f.hosts:
        srv = f.servers[name]
        with srv._lock:
            for k in out:
                out[k] += srv.wire[k]
    return out


def records(f, name: str) -> list:
    return f.records(name)


# ------------------------------------------------------------------ results
def ratio(ours, baseline):
    if ours is None or baseline in (None, 0):
        return None
    return ours / baseline


def row(metric: str, ours, baseline=None, target: str = "", met=None, unit: str = "") -> dict:
    return {"metric": metric, "ours": ours, "baseline": baseline, "ratio": ratio(ours, baseline),
            "target": target, "met": met, "unit": unit}


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = "%.3g" % value if abs(value) < 100 else "%.0f" % value
    else:
        text = str(value)
    return text + (" " + unit if unit and value is not None else "")


def table(results: list) -> str:
    """One Markdown table of every row of every benchmark."""
    lines = ["| benchmark | metric | ours | baseline | ratio | target | met |",
             "|---|---|---:|---:|---:|---|---|"]
    for res in results:
        for r in res["rows"]:
            met = {True: "yes", False: "**NO**", None: ""}[r["met"]]
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                res["benchmark"], r["metric"], fmt(r["ours"], r["unit"]), fmt(r["baseline"], r["unit"]),
                "-" if r["ratio"] is None else "%.3f" % r["ratio"], r["target"], met))
    return "\n".join(lines)


def main_for(run, parser):
    """The CLI of one benchmark file: its own table, and its result as JSON with --json PATH."""
    parser.add_argument("--json", help="write the result here")
    args = vars(parser.parse_args())
    out = args.pop("json")
    result = run(**args)
    print(table([result]))
    for note in result.get("notes", []):
        print("- " + note)
    if out:
        write_json(out, result)
    return 0 if result.get("ok", True) else 1
