# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The Ansible side of a long host session: reconnecting, progress lines, a wired DetachedRunner.

detached.py knows nothing of Ansible; the action plugins that run detached
commands (win_sfc_dism, win_inplace_upgrade, win_kb_catalog_install) all hand
it the same three functions, built here once.
"""
from __future__ import annotations

import time

from ansible.utils.display import Display

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached

display = Display()


def reset_connection(connection):
    """Drop CONNECTION's WinRM shell so the next call opens a new one.

    After a dropped connection, an operation timeout or a restart the remote
    shell may be gone (ansible.windows' reboot helper resets the connection
    the same way before it polls). Best effort: the host may still be away,
    and the next call reconnects anyway, so errors are swallowed.
    """
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - best effort, the next call reconnects
        pass
    reset = getattr(connection, "reset", None)
    if reset is not None:
        try:
            reset()
        except Exception:  # noqa: BLE001 - the host may still be away
            pass


# Waits before the 2nd and 3rd attempt of a call that is safe to send again (seconds): long enough
# for a WinRM listener that answered HTTP 500 or dropped the connection to take requests again.
RETRY_DELAYS = (2.0, 5.0)
_sleep = time.sleep


def retry_transient(call, connection, what, delays=RETRY_DELAYS):
    """CALL() again after a connection problem (detached.is_transient), up to len(DELAYS) more times,
    resetting CONNECTION before each; for calls that do the same thing when sent twice (WHAT names it
    in the progress line). The last error is raised when every attempt failed."""
    for attempt, delay in enumerate(tuple(delays) + (None,)):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - sorted by is_transient
            if delay is None or not detached.is_transient(exc):
                raise
            display.vvv("%s: %s; sending it again in %.0f s (attempt %d)" % (what, exc, delay, attempt + 2))
            reset_connection(connection)
            _sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def progress(host):
    """A `progress(message)` function that shows MESSAGE prefixed with the host's name."""
    def show(message):
        display.display("%s: %s" % (host, message))
    return show


def detached_runner(action, call, host):
    """A DetachedRunner for ACTION's host: scripts through CALL (script_runner.script_caller),
    the connection reset above, progress lines prefixed with HOST."""
    return detached.DetachedRunner(
        call_script=call,
        # Reads action._connection at reset time, as the actions' own methods did.
        reset_connection=lambda: reset_connection(action._connection),
        progress=progress(host))
