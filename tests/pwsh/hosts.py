# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host states for the differential and culture tests.

Each state is a function that builds a fresh HostModel: a healthy Windows 11
24H2 host, one per root cause (and variant) of tests/winsim/causes.py seeded
for the target update, and hosts with the knobs the scripts read (Server,
pending renames, Insider, restore points, a Windows ISO on disk or mounted,
a folder a service holds, a service stuck stopping, access denied). Every
state also has a Windows ISO at ISO_PATH and a ladder journal, so the scripts
that read them have something to read.
"""
from __future__ import annotations

import datetime
import json

from winsim import acl, causes, detached, winpath
from winsim.detached import setup_exe
from winsim.model import EventRecord, Folder, HostModel

NOW = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
KB = "KB5043080"
ISO_PATH = "C:\\iso\\Win11_24H2_x64.iso"
JOURNAL = "C:\\ProgramData\\winrepair\\journal.json"


def _base() -> HostModel:
    host = HostModel(name="win01", address="127.0.0.1")
    host.target_kb = KB
    host.installed_kbs = ["KB5044284"]
    host.files[winpath.key(ISO_PATH)] = setup_exe.make_media()
    host.files[winpath.key(JOURNAL)] = b'{"version": 1, "steps": []}'
    host.files[winpath.key("C:\\Windows\\Temp\\old.tmp")] = b"x" * 100
    causes.offer(host, KB, NOW)
    return host


def _cause(name, **options):
    def build():
        host = _base()
        causes.seed(host, name, KB, NOW, **options)
        return host
    build.__name__ = name + ("_" + options["variant"] if "variant" in options else "")
    return build


def healthy():
    return _base()


def server():
    host = _base()
    host.os.product_name, host.os.edition_id, host.os.product_type = "Windows Server 2025 Standard", "ServerStandard", "server"
    host.os.supports_restore_points = False
    return host


def pending_renames():
    host = _base()
    host.pending_reboot.pending_file_rename = True
    host.pending_reboot.computer_rename = True
    return host


def restore_point_recent():
    host = _base()
    host.restore_points = [{"time": NOW - datetime.timedelta(hours=2), "sequence": 7, "description": "earlier"}]
    host.events.append(EventRecord(log="System", provider="disk", event_id=153, time="2026-11-01T10:00:00Z",
                                   message="The IO operation at logical block address 0x1 was retried.",
                                   level="Warning"))
    return host


def iso_mounted():
    host = _base()
    letter = "E:"
    host.mounted_images[winpath.key(ISO_PATH)] = letter
    media = __import__("json").loads(setup_exe.make_media().decode("utf-8"))
    for rel, text in media["winsim_iso"].items():
        host.files[winpath.key(letter + "\\" + rel)] = text.encode("utf-8")
    return host


def folder_locked():
    host = _base()
    path = winpath.environment(host)["windir"] + "\\SoftwareDistribution"
    host.folders[winpath.key(path)] = Folder(path=path, locked=True, size_bytes=2 * 1024 ** 3)
    return host


def stuck_service():
    host = _base()
    host.services["wuauserv"].stuck_stop_pending = True
    host.services["bits"].start_mode = "delayed"
    return host


def old_backups():
    host = _base()
    windir = winpath.environment(host)["windir"]
    for name in ("SoftwareDistribution.bak-20260101T000000", "SoftwareDistribution.bak-20261101T000000",
                 "System32\\catroot2.bak-20250101T000000"):
        path = windir + "\\" + name
        host.folders[winpath.key(path)] = Folder(path=path, size_bytes=3 * 1024 ** 2)
    return host


def with_iso_mounted(build):
    """BUILD's host with the Windows ISO mounted as E: (for the scripts that read the mounted media)."""
    def mounted():
        host = build()
        host.mounted_images[winpath.key(ISO_PATH)] = "E:"
        media = __import__("json").loads(setup_exe.make_media().decode("utf-8"))
        for rel, text in media["winsim_iso"].items():
            host.files[winpath.key("E:\\" + rel)] = text.encode("utf-8")
        return host
    mounted.__name__ = build.__name__ + "_mounted"
    return mounted


# --- The run tree of detached runs and the run lock (owners and DACLs: tests/winsim/acl.py).
RUN_ROOT = "C:\\ProgramData\\winrepair\\runs"
TOP = "C:\\ProgramData\\winrepair"
DISM = "C:\\Windows\\System32\\dism.exe"
CHECK = "/Online /Cleanup-Image /CheckHealth"
RESTORE = "/Online /Cleanup-Image /RestoreHealth"
# A standard user's account (the SID form of a local account, as in the Pester tests' FakeAcl.ps1).
USER = "S-1-5-21-1004336348-1177238915-682003330-1001"
LOCK = JOURNAL + ".lock"


class _At:
    """The modelled clock standing at a time (for building states with the models)."""

    def __init__(self, when):
        self.when = when

    def now(self):
        return self.when


def _safe(host, *paths):
    for path in paths:
        host.folders[winpath.key(path)] = Folder(path=path, owner=acl.ADMINS, acl_protected=True)


def _user_made(host, path, **extra):
    # Created by a standard user: they own it and have full control through CREATOR OWNER.
    host.folders[winpath.key(path)] = Folder(path=path, owner=USER, writers=[USER], **extra)


def tree_safe():
    host = _base()
    _safe(host, TOP, RUN_ROOT)
    return host


def tree_user_made():
    """The tree pre-created by a standard user, with a planted "finished, uncollected" run."""
    host = _base()
    for folder in (TOP, RUN_ROOT, RUN_ROOT + "\\r1"):
        _user_made(host, folder)
    end = (NOW - datetime.timedelta(minutes=5)).isoformat()
    host.files[winpath.key(RUN_ROOT + "\\r1\\command.json")] = json.dumps(
        {"run_id": "r1", "file_path": DISM, "arguments": CHECK, "requested_time": end}).encode()
    host.files[winpath.key(RUN_ROOT + "\\r1\\exit.json")] = json.dumps(
        {"exit_code": 0, "end_time": end, "error": None}).encode()
    return host


def tree_acl_locked():
    host = _base()
    _user_made(host, TOP, acl_locked=True)
    return host


def tree_reparse():
    host = _base()
    _user_made(host, TOP, reparse_point=True)
    return host


def _started(host, arguments, seconds_ago, run_id="r1", max_run_seconds=7200):
    detached.start(host, _At(NOW - datetime.timedelta(seconds=seconds_ago)), run_id, DISM, arguments, RUN_ROOT,
                   max_run_seconds, 0)
    return host


def run_running():
    return _started(_base(), RESTORE, 30)


def run_exited():
    """Ended two minutes ago, its output not collected yet."""
    return _started(_base(), CHECK, 135)


def run_collected():
    host = run_exited()
    detached.status(host, _At(NOW - datetime.timedelta(seconds=60)), "r1", RUN_ROOT, 0, 0, 65536)
    return host


def run_lost():
    """Running when the host restarted: the task is gone, no exit record."""
    host = _started(_base(), RESTORE, 600)
    detached.kill_all(host, _At(NOW - datetime.timedelta(seconds=300)))
    detached.unregister(host, "r1")
    return host


def run_timed_out():
    return _started(_base(), RESTORE, 900, max_run_seconds=300)


def _registered_only(last_task_result):
    """detached_start wrote command.json and registered the task; the wrapper never started the command."""
    host = tree_safe()
    run_dir = RUN_ROOT + "\\r1"
    _safe(host, run_dir)
    host.files[winpath.key(run_dir + "\\command.json")] = detached._json(  # pylint: disable=protected-access
        {"run_id": "r1", "file_path": DISM, "arguments": CHECK, "requested_time": "2026-11-02T08:50:00.0000000Z"})
    if last_task_result is not None:
        host.detached_runs[winpath.key(run_dir)] = {
            "run_id": "r1", "start": NOW - datetime.timedelta(minutes=10), "duration": 0.0, "stdout": [],
            "stderr": [], "exit_code": None, "effect": lambda h, when: None, "done": True,
            "label": "task registered, not started", "max_run_seconds": 7200.0, "task_registered": True,
            "last_task_result": last_task_result}
    return host


def task_never_ran():
    # LastTaskResult 0x41303 SCHED_S_TASK_HAS_NOT_RUN (Microsoft Learn "Task Scheduler Error and Success Constants").
    return _registered_only(0x41303)


def task_failed_early():
    return _registered_only(1)


def task_gone():
    return _registered_only(None)


def _lock(text, seconds_ago=600, owner=acl.ADMINS, readable=True):
    def build():
        host = tree_safe()
        key = winpath.key(LOCK)
        host.files[key] = text.encode("utf-8")
        host.file_meta[key] = {"written": NOW - datetime.timedelta(seconds=seconds_ago), "owner": owner,
                               "readable": readable}
        return host
    return build


HOLDER = {"run-0": '{"run_id": "run-0", "controller": "ctl", "pid": 4242}',
          "run-1": '{"run_id": "run-1", "controller": "ctl", "pid": 4343}'}
lock_held = _lock(HOLDER["run-0"])
lock_held.__name__ = "lock_held"
lock_mine = _lock(HOLDER["run-1"], seconds_ago=30)
lock_mine.__name__ = "lock_mine"
lock_empty = _lock("", seconds_ago=7200)
lock_empty.__name__ = "lock_empty"
lock_unreadable = _lock("", seconds_ago=86400, owner=USER, readable=False)
lock_unreadable.__name__ = "lock_unreadable"
lock_garbage = _lock("not json", seconds_ago=3600)
lock_garbage.__name__ = "lock_garbage"


def journal_absent():
    """No journal yet (a host the ladder never ran on): the lock's folder is there."""
    host = tree_safe()
    del host.files[winpath.key(JOURNAL)]
    return host


def journal_backed_up():
    """A journal that cannot be parsed (cut off by hand) and the .bak its last write kept."""
    host = tree_safe()
    host.files[winpath.key(JOURNAL)] = b'{"version": 1, "ste'
    host.files[winpath.key(JOURNAL + ".bak")] = '{"version": 1, "steps": ["réinit"]}'.encode("utf-8")
    return host


JOURNAL_STATES = [journal_absent, journal_backed_up]

RUN_STATES = [tree_safe, tree_user_made, tree_acl_locked, tree_reparse, run_running, run_exited, run_collected,
              run_lost, run_timed_out, task_never_ran, task_failed_early, task_gone]
LOCK_STATES = [lock_held, lock_mine, lock_empty, lock_unreadable, lock_garbage]

CAUSE_STATES = [_cause(name) for name in causes.CAUSES] + [
    _cause("corrupt_download_cache", variant="post_reboot"),
    _cause("corrupt_component_store", variant="sxs"),
    _cause("corrupt_component_store", variant="needs_source"),
]
OTHER_STATES = [healthy, server, pending_renames, restore_point_recent, iso_mounted, folder_locked, stuck_service,
                old_backups] + RUN_STATES + LOCK_STATES + JOURNAL_STATES
ALL = {fn.__name__: fn for fn in OTHER_STATES + CAUSE_STATES}
ALL.update({fn.__name__ + "_mounted": with_iso_mounted(fn) for fn in OTHER_STATES + CAUSE_STATES})
