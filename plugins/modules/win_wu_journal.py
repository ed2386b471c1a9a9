# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_wu_journal.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_wu_journal
short_description: Read or write the repair ladder's journal on a Windows host
description:
  - Reads or writes the repair ladder's journal, a JSON file on the host (by default
    C(C:\ProgramData\winrepair\journal.json)) with one entry per target update, so that a run interrupted by a
    lost connection or a restart resumes instead of repeating a step that changes the host.
  - Without O(entry) it reads; with O(entry) it replaces the entry of O(kb), atomically, keeping the previous
    file as C(<path>.bak).
  - O(lock=acquire) and O(lock=release) take and give back the run lock C(<path>.lock), so two runs of the
    ladder never change one host at the same time; a stale or abandoned lock is taken over with a warning.
    Details - C(docs/ladder.md) of the collection.
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  path:
    description: Path of the journal on the host. Its folder is created when missing.
    type: str
    default: C:\ProgramData\winrepair\journal.json
  kb:
    description:
      - The target update the entry is about, C(KB) and its number. Required with O(entry).
    type: str
  entry:
    description:
      - The entry to store under O(kb) (a dict; the ladder stores its C(wu_remediation) record).
      - Not with O(lock=acquire). With O(lock=release) the entry is written first, and the lock is given back
        whether the write worked or not.
    type: dict
  lock:
    description:
      - C(acquire) takes the run lock C(<path>.lock) for O(run_id); C(release) gives it back.
      - In check mode nothing is taken or released (a check-mode run changes nothing and needs no lock).
    type: str
    choices: [acquire, release]
  run_id:
    description:
      - Who holds the lock - one id per run of the ladder (role C(wu_remediate) makes a new one per play run).
        Required with O(lock).
    type: str
  stale_after:
    description:
      - Seconds after which a lock held by another run may be taken over (its holder is taken to be gone).
        Longer than the longest rung (a repair install with its restarts). C(0) takes over any lock at once -
        for a person who knows the other run is gone.
    type: int
    default: 14400
  seen:
    description:
      - An earlier result of this module for the same O(path) on this host (a registered variable). With
        O(entry), the journal is then written without being read first, if it is still at the result's
        RV(revision); when it changed since, it is read, merged and written as without O(seen).
      - With O(lock=acquire) (and O(kb)), the task gives the lock back and fails when the entry of O(kb) under
        the lock differs from the one in O(seen) - another run of the ladder worked on the host since O(seen)
        was read.
      - A result without RV(revision), such as a skipped task's, is as good as none.
    type: dict
notes:
  - In check mode nothing is written; C(changed) says whether a write would change the journal.
  - The abandoned-lock test works only from the controller that took the lock; elsewhere only O(stale_after)
    frees it.
  - Taking the lock makes the journal's folder safe first (owner Administrators, a protected ACL that lets only
    SYSTEM and Administrators write) and refuses a folder it cannot make so, so no other account can make the
    ladder skip a rung by editing the journal.
seealso:
  - module: winrepair.windows_update.win_wu_diagnose
  - name: The journal and the run lock
    description: Atomic writes, the lock's holder, stale and abandoned locks.
    link: https://github.com/winrepair/windows_update/blob/main/docs/ladder.md#the-journal-and-the-run-lock-win_wu_journal
"""

EXAMPLES = r"""
- name: Read the entry of KB5043080
  winrepair.windows_update.win_wu_journal:
    kb: KB5043080
  register: journal

- name: Take the run lock before changing the host
  winrepair.windows_update.win_wu_journal:
    kb: KB5043080
    lock: acquire
    run_id: "{{ my_run_id }}"

- name: Give it back
  winrepair.windows_update.win_wu_journal:
    lock: release
    run_id: "{{ my_run_id }}"

- name: Store the ladder's record
  winrepair.windows_update.win_wu_journal:
    kb: KB5043080
    entry: "{{ wu_remediation }}"

- name: Store the verdict and give the lock back, in one task
  winrepair.windows_update.win_wu_journal:
    kb: KB5043080
    entry: "{{ wu_remediation }}"
    lock: release
    run_id: "{{ my_run_id }}"
"""

RETURN = r"""
path:
  description: The journal's path.
  returned: success, except with O(lock=release) without O(entry)
  type: str
  sample: C:\ProgramData\winrepair\journal.json
exists:
  description: Whether the journal existed when it was read.
  returned: success, except with O(lock=release) without O(entry)
  type: bool
kb:
  description: O(kb), normalised (null without O(kb)).
  returned: success, except with O(lock=release) without O(entry)
  type: str
  sample: KB5043080
entry:
  description: The entry of O(kb) (after the write when O(entry) was given); null when there is none.
  returned: success, except with O(lock=release) without O(entry)
  type: dict
entries:
  description: Every entry of the journal, by KB.
  returned: success, except with O(lock=release) without O(entry)
  type: dict
revision:
  description:
    - The journal's revision after this task - the SHA-256 of its text in hex, or C(none) when the host has no
      journal; what O(seen) compares.
    - Null in check mode after a write that would change the journal.
  returned: success, except with O(lock=release) without O(entry)
  type: str
  sample: 3f0a9c6e1d2b4a5f8e7d6c5b4a3928170f1e2d3c4b5a69788796a5b4c3d2e1f0
lock:
  description: What happened to the run lock (with O(lock) only).
  returned: when O(lock) is given
  type: dict
  contains:
    path:
      description: The lock file on the host, C(<path>.lock).
      type: str
    run_id:
      description: O(run_id).
      type: str
    state:
      description:
        - C(acquired) (taken, or already held by O(run_id)), C(taken_over) (a stale or abandoned lock was
          replaced), C(held) (another run holds it - the task failed), C(released) (also after an acquire that
          found the entry changed since O(seen) - the task failed), C(not_held) (nothing to release, or the lock
          is another run's), C(check_mode) (nothing done).
      type: str
    holder:
      description: The holder found in the lock before this task (run_id, controller, pid, user, acquired),
        when another run held it; null otherwise.
      type: dict
"""
