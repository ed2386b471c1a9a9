# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The consistency check the fix_wu-level fault tests rely on (fixwu.inconsistencies) finds what it must."""
from __future__ import annotations

import datetime

from reliability import fixwu
from winsim.model import Folder, HostModel

BOOT = datetime.datetime(2026, 11, 22, 3, 0, tzinfo=datetime.timezone.utc)
LATER = BOOT + datetime.timedelta(hours=1)


def _host():
    host = HostModel(name="h", address="127.0.0.2")
    for path in (fixwu.SD, fixwu.CR):
        host.folders[path.lower()] = Folder(path=path, size_bytes=1000)
    for name in fixwu.WU_SERVICES:
        host.services[name].state = "running"
    return host


def test_a_consistent_host_has_no_problems():
    host = _host()
    before = fixwu.services(host)
    assert fixwu.inconsistencies(host, before, BOOT, fixwu.services(host), BOOT) == []


def test_a_stopped_or_disabled_service_and_a_lost_folder_are_found():
    host = _host()
    before = fixwu.services(host)
    host.services["bits"].state = "stopped"
    host.services["cryptsvc"].start_mode = "disabled"
    host.folders[fixwu.CR.lower()].exists = False  # how winsim keeps a deleted folder
    problems = fixwu.inconsistencies(host, before, BOOT, fixwu.services(host), BOOT)
    assert "bits left stopped" in problems and "cryptsvc disabled" in problems
    assert "%s lost" % fixwu.CR in problems


def test_a_backup_keeps_a_renamed_folder_and_a_restart_explains_a_trigger_start_service():
    host = _host()
    before = fixwu.services(host)
    backup = fixwu.SD + ".bak-20261122T030000"
    host.folders[backup.lower()] = Folder(path=backup, size_bytes=1000)
    host.folders[fixwu.SD.lower()].exists = False
    host.services["wuauserv"].start_mode = "manual"
    host.services["wuauserv"].state = "stopped"
    assert fixwu.inconsistencies(host, before, BOOT, fixwu.services(host), LATER) == []
    assert fixwu.inconsistencies(host, before, BOOT, fixwu.services(host), BOOT) == ["wuauserv left stopped"]
