# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_wu_journal.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_wu_journal
short_description: Read or write the repair ladder's journal on a Windows host
description:
  - The journal is a JSON file on the host (by default C(C:\ProgramData\winrepair\journal.json)) with one
    entry per target update - the record of the repair ladder's run for it (the rungs started and finished,
    their outcomes, the verification, the verdict). The role C(winrepair.windows_update.wu_remediate) writes it
    before and after each rung, so a run interrupted by a lost connection or a restart resumes where it was
    instead of repeating a step that changes the host.
  - Without O(entry) the journal is read (read-only, also in check mode).
  - With O(entry) the entry of O(kb) is replaced by it. The file is written atomically (a temporary file
    replaces it with C(File.Replace)), the previous version is kept as C(<path>.bak) and is read when the
    journal itself cannot be parsed. Nothing is written when the entry is already the same.
  - With O(lock=acquire) the run lock C(<path>.lock) is taken for O(run_id), so two runs of the ladder never
    change one host at the same time. The lock file is created with create-new semantics (C(FileMode.CreateNew)),
    so of two runs exactly one gets it; it names its holder (run id, controller, ansible-playbook process id,
    user, time). When another run holds it the task fails and names that run, unless the lock is stale (taken
    more than O(stale_after) seconds ago) or abandoned (taken from this same controller by an ansible-playbook
    process that no longer runs, e.g. a run cut off by a lost connection); then it is taken over with a warning.
    After taking the lock the journal is read again (RV(entry), RV(entries)), so the caller sees what another run
    may have written meanwhile.
  - With O(lock=release) the lock is removed when it is held by O(run_id); a lock of another run is left alone
    (with a warning).
version_added: 1.0.0
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
      - Mutually exclusive with O(lock).
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
notes:
  - In check mode nothing is written; C(changed) says whether a write would change the journal.
  - The abandoned-lock test (the holder's process is gone) works only from the controller that took the lock;
    from another controller (or another container of an automation platform) only O(stale_after) frees it.
  - The journal's folder inherits the ACL of C(C:\ProgramData); a journal is only a record and never a
    reason to skip a check, but a person who can write it can make the ladder skip a rung it already
    recorded as done. Restrict the folder if that matters to you.
seealso:
  - module: winrepair.windows_update.win_wu_diagnose
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
"""

RETURN = r"""
path:
  description: The journal's path.
  returned: success, except with O(lock=release)
  type: str
  sample: C:\ProgramData\winrepair\journal.json
exists:
  description: Whether the journal existed when it was read.
  returned: success, except with O(lock=release)
  type: bool
kb:
  description: O(kb), normalised (null without O(kb)).
  returned: success, except with O(lock=release)
  type: str
  sample: KB5043080
entry:
  description: The entry of O(kb) (after the write when O(entry) was given); null when there is none.
  returned: success, except with O(lock=release)
  type: dict
entries:
  description: Every entry of the journal, by KB.
  returned: success, except with O(lock=release)
  type: dict
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
          replaced), C(held) (another run holds it - the task failed), C(released), C(not_held) (nothing to
          release, or the lock is another run's), C(check_mode) (nothing done).
      type: str
    holder:
      description: The holder found in the lock before this task (run_id, controller, pid, user, acquired),
        when another run held it; null otherwise.
      type: dict
"""
