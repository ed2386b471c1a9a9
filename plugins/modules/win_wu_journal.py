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
version_added: 1.0.0
author:
  - winrepair.windows_update contributors
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
    type: dict
notes:
  - In check mode nothing is written; RV(changed) says whether a write would change the journal.
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

- name: Store the ladder's record
  winrepair.windows_update.win_wu_journal:
    kb: KB5043080
    entry: "{{ wu_remediation }}"
"""

RETURN = r"""
path:
  description: The journal's path.
  returned: success
  type: str
  sample: C:\ProgramData\winrepair\journal.json
exists:
  description: Whether the journal existed when it was read.
  returned: success
  type: bool
kb:
  description: O(kb), normalised (null without O(kb)).
  returned: success
  type: str
  sample: KB5043080
entry:
  description: The entry of O(kb) (after the write when O(entry) was given); null when there is none.
  returned: success
  type: dict
entries:
  description: Every entry of the journal, by KB.
  returned: success
  type: dict
"""
