# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a restart does to a simulated host's state: the shutdown half and the boot half.

server.py calls shut_down() when the host goes down (shutdown.exe /r came
due, or a reboot_on fault fired) and boot() when its downtime has passed; the
listener itself (sockets, shells, timers) stays server.py's job. restart()
does both at once for tests that run models in-process without a server
(tests/unit/plugins/action/fake_host.py): the downtime passes in no time.
"""
from __future__ import annotations

import time

from . import detached
from .model import Clock, HostModel, PendingReboot


def shut_down(host: HostModel, clock: Clock) -> list:
    """The host goes down: every process ends. Returns the detached run ids that a restart killed."""
    with host.lock:
        return detached.kill_all(host, clock)


def boot(host: HostModel, clock: Clock, downtime: float, killed=()) -> None:
    """The host has booted: new boot time, restart flags cleared, services per start mode, a `boot` record."""
    with host.lock:
        host.boot_time = clock.now()
        host.pending_reboot = PendingReboot()
        for svc in host.services.values():
            # After boot the Service Control Manager starts auto and
            # delayed-auto services; manual and disabled ones stay stopped
            # (learn.microsoft.com/windows/win32/services/service-startup).
            svc.state = "running" if svc.start_mode in ("auto", "delayed") else "stopped"
            # A service stays STOP_PENDING until its process reports SERVICE_STOPPED or ends
            # (learn.microsoft.com/windows/win32/services/service-status-transitions); the shutdown
            # ends every process, so the hang does not outlive it. Assumption: the hang was in that
            # process, not in something the new boot meets again.
            svc.stuck_stop_pending = False
        host.down_until = 0.0
        args = {"downtime_seconds": downtime}
        if killed:
            args["killed_runs"] = list(killed)
        host.record("raw", "boot", args, False, downtime, "ok", real_time=time.time())


def restart(host: HostModel, clock: Clock, downtime: float = 0.0) -> list:
    """shut_down() then boot() at once (no server: nothing to wait for); the killed run ids."""
    killed = shut_down(host, clock)
    boot(host, clock, downtime, killed)
    return killed
