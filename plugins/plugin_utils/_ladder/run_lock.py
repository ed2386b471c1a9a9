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


def parse(text, answer=None):
    """The holder dict from the lock's text; a lock that cannot be read is a holder without a name
    (it is still a lock: it refuses until stale, judged by the file's age).

    ANSWER: wu_journal_lock's whole answer; its facts about the file on the host
    (file_owner: the SID owning it, file_age_seconds: since it was last written,
    on the host's clock; readable: False when its ACL denies reading it) are kept
    under "file" for the decision and the messages.
    """
    try:
        data = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {"run_id": None, "controller": None, "pid": None, "user": None, "acquired": None,
                "unreadable": True}
    answer = answer or {}
    if answer.get("file_owner") is not None or answer.get("file_age_seconds") is not None \
            or answer.get("readable") is False:
        data["file"] = {"owner": answer.get("file_owner"), "age_seconds": answer.get("file_age_seconds"),
                        "readable": answer.get("readable") is not False}
    return data


def age_seconds(holder_, now=None):
    """Seconds since the holder took the lock, or None when nothing says.

    A lock whose text names no time (unreadable, emptied by an interrupted
    write) is as old as its file: the host's own age of it, so it goes stale
    like any other instead of refusing every run forever.
    """
    taken = isotime.parse(holder_.get("acquired"))
    if taken is None:
        file_age = (holder_.get("file") or {}).get("age_seconds")
        return float(file_age) if isinstance(file_age, (int, float)) else None
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
    age = age_seconds(holder_, now)
    if holder_.get("unreadable"):
        facts = holder_.get("file") or {}
        return "a lock file that cannot be read (%s%s%s)" % (
            "its ACL denies this account" if facts.get("readable") is False else "its text is no run's JSON",
            ", owned by %s" % facts["owner"] if facts.get("owner") else "",
            ", written %s ago" % _span(age) if age is not None else "")
    return "run %s (controller %s, pid %s%s, since %s%s)" % (
        holder_.get("run_id"), holder_.get("controller"), holder_.get("pid"),
        ", user %s" % holder_["user"] if holder_.get("user") else "",
        holder_.get("acquired"), ", %s ago" % _span(age) if age is not None else "")


def refusal(path, holder_, stale_after, now=None):
    """The message of an acquire that finds the lock held."""
    facts = holder_.get("file") or {}
    if facts.get("readable") is False:
        # Its ACL keeps the compare-and-swap from reading it: only a person can clear it.
        return ("The run lock %s cannot be read (%s): it was not made by a run of the repair ladder, or its "
                "ACL was changed. Nothing was changed. An administrator on the host can look at it and clear it: "
                "takeown /F \"%s\" /A, then Rename-Item -LiteralPath '%s' -NewName '%s.untrusted' (kept for a "
                "look), and run again." % (path, describe(holder_, now), path, path, path.rsplit("\\", 1)[-1]))
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
