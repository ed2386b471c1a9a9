# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The host's run lock (``<journal>.lock``), as pure functions.

Two runs of the ladder on one host at once would interleave changing steps
(one resets the component store while the other installs). The ladder driver
therefore holds a lock while it changes the host: a small JSON file next to
the journal, created with create-new semantics on the host (FileMode.CreateNew
fails when the file exists, so only one run can create it), naming its holder:

  {"run_id": "...", "controller": "<controller host name>", "pid": <ansible-playbook pid>,
   "user": "<controller user>", "acquired": "<controller UTC ISO 8601>"}

When the lock is held by another run, the controller decides here whether it
may be taken over:
  - ``stale``: it was taken longer than ``stale_after`` seconds ago (longer
    than the longest rung), so its holder is gone or hung;
  - ``abandoned``: it was taken from this same controller by an ansible-playbook
    process that no longer runs (a run cut off by a lost connection leaves its
    lock behind: Ansible runs no ``always:`` section for an unreachable host).
Anything else refuses, naming the holder. A take-over is a compare-and-swap on
the host: the lock is replaced only if it still holds the text that was judged.
"""
from __future__ import annotations

import datetime
import errno
import getpass
import json
import os
import socket

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import remediation

LOCK_SUFFIX = ".lock"
# Longer than the longest rung (a repair install: ~2-3 h with its restarts).
DEFAULT_STALE_AFTER = 4 * 3600


def lock_path(journal_path):
    return journal_path + LOCK_SUFFIX


def controller_identity():
    """(controller host name, pid of the ansible-playbook process, user).

    Action plugins run in worker processes forked from ansible-playbook
    (ansible/utils/multiprocessing.py uses the 'fork' context), so the parent
    of this process is the run itself: it lives exactly as long as the run.
    """
    try:
        user = getpass.getuser()
    except Exception:  # no user name (a container without passwd entry): not needed for the decision
        user = None
    return socket.gethostname(), os.getppid(), user


def holder(run_id, controller, pid, user=None, now=None):
    return {"run_id": run_id, "controller": controller, "pid": pid, "user": user,
            "acquired": now or remediation.utc_now()}


def dump(holder_):
    return json.dumps(holder_, sort_keys=True)


def parse(text):
    """The holder dict from the lock's text; a lock that cannot be read is a holder without a name
    (it is still a lock: it refuses until stale)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return {"run_id": None, "controller": None, "pid": None, "user": None, "acquired": None,
                "unreadable": True}
    return data


def age_seconds(holder_, now=None):
    """Seconds since the holder took the lock, or None when it does not say."""
    taken = isotime.parse(holder_.get("acquired"))
    if taken is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, str):
        now = isotime.parse(now)
    return max(0.0, (now - taken).total_seconds())


def pid_running(pid):
    """Whether process PID runs on this machine (signal 0 checks without sending anything)."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return True  # unknown: assume alive (refusing is the safe side)
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except OSError as err:
        return err.errno == errno.EPERM  # exists, but another user's
    return True


def decide(holder_, run_id, stale_after, controller, now=None, alive=pid_running):
    """What an acquire may do about a lock HOLDER_ (dict) found on the host.

    Returns (verdict, why): 'ours' (this run already holds it), 'stale',
    'abandoned' (both: take it over) or 'held' (refuse).
    """
    if holder_.get("run_id") and holder_.get("run_id") == run_id:
        return "ours", "this run already holds the lock"
    if stale_after <= 0:
        return "stale", "stale_after is 0: any lock may be taken over"
    age = age_seconds(holder_, now)
    if age is not None and age > stale_after:
        return "stale", "it was taken %s ago, longer than stale_after (%ds)" % (_span(age), stale_after)
    if (holder_.get("controller") and holder_.get("controller") == controller
            and holder_.get("pid") is not None and not alive(holder_.get("pid"))):
        return "abandoned", ("its ansible-playbook process (pid %s on this controller, %s) no longer runs"
                             % (holder_.get("pid"), controller))
    return "held", "it is held"


def describe(holder_, now=None):
    """One line naming the holder for messages."""
    if holder_.get("unreadable"):
        return "a lock file that cannot be read"
    age = age_seconds(holder_, now)
    return "run %s (controller %s, pid %s%s, since %s%s)" % (
        holder_.get("run_id"), holder_.get("controller"), holder_.get("pid"),
        ", user %s" % holder_["user"] if holder_.get("user") else "",
        holder_.get("acquired"), ", %s ago" % _span(age) if age is not None else "")


def refusal(path, holder_, stale_after, now=None):
    """The message of an acquire that finds the lock held."""
    return ("Another run of the repair ladder is changing this host: its lock %s is held by %s. Nothing was "
            "changed. Wait for that run to finish and run again. If it is gone (its controller stopped), the lock "
            "can be taken over after stale_after (%ds) or at once with stale_after=0 "
            "(wu_remediate_lock_stale_after=0); or delete %s on the host."
            % (path, describe(holder_, now), stale_after, path))


def _span(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%ds" % seconds
