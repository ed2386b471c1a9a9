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

from winsim import causes, winpath
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


CAUSE_STATES = [_cause(name) for name in causes.CAUSES] + [
    _cause("corrupt_download_cache", variant="post_reboot"),
    _cause("corrupt_component_store", variant="sxs"),
    _cause("corrupt_component_store", variant="needs_source"),
]
OTHER_STATES = [healthy, server, pending_renames, restore_point_recent, iso_mounted, folder_locked, stuck_service,
                old_backups]
ALL = {fn.__name__: fn for fn in OTHER_STATES + CAUSE_STATES}
ALL.update({fn.__name__ + "_mounted": with_iso_mounted(fn) for fn in OTHER_STATES + CAUSE_STATES})
