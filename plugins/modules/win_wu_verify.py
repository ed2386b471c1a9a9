# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_wu_verify.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_wu_verify
short_description: Install one update through Windows Update, asking again while the answer is no answer
description:
  - Installs one update with M(ansible.windows.win_updates) (C(accept_list) of O(kb), every category, C(state=installed))
    and returns its answer - how the repair ladder sees whether Windows Update works again.
  - An answer that is no answer (the host unreachable, the connection dropped, WinRM answering HTTP 5xx) is asked
    again after O(delay) seconds, doubled each time, up to O(retries) more times. Any other answer, a failed install
    included, is returned as M(ansible.windows.win_updates) gave it, with its C(failed) - use C(ignore_errors) to read it.
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  kb:
    description: The update, C(KB) and its number.
    type: str
    required: true
  retries:
    description: How many more times an answer that was no answer is asked again.
    type: int
    default: 3
  delay:
    description: Seconds before the first time it is asked again; doubled each time after.
    type: float
    default: 10
  yield_after:
    description:
      - Seconds the task waits for the install before it gives its fork back while the install runs on; the result
        then has RV(pending) and RV(resume). C(0) waits to the end.
      - Only when the play's batch has more hosts than forks; else the task waits to the end.
      - The result then also asks for a rest of five times this without a fork (RV(resume_after)), or longer while
        the update task's progress lines come further apart.
    type: float
    default: 0
  resume:
    description:
      - RV(resume) of an earlier result of this module with RV(pending); the task waits for that install instead of
        starting one.
    type: dict
  journal:
    description:
      - Options of M(winrepair.windows_update.win_wu_journal) (C(path), C(kb), C(entry), C(seen)); that module's
        write is made first, in this task, and nothing is installed when it fails (RV(journal_failed)).
      - Not with O(resume).
    type: dict
notes:
  - Check mode searches only, as M(ansible.windows.win_updates) does.
seealso:
  - module: ansible.windows.win_updates
"""

EXAMPLES = r"""
- name: Install KB5043080 through Windows Update (is Windows Update repaired?)
  winrepair.windows_update.win_wu_verify:
    kb: KB5043080
  register: verify
  ignore_errors: true
  ignore_unreachable: true
"""

RETURN = r"""
kb:
  description: O(kb), normalised.
  returned: always
  type: str
  sample: KB5043080
attempts:
  description: How many times the update was asked for (1 when the first answer was one).
  returned: always
  type: int
  sample: 1
transient:
  description: Whether the last answer was still no answer (O(retries) ran out).
  returned: always
  type: bool
pending:
  description: The install still runs on the host after O(yield_after) seconds; call the module again with RV(resume).
  returned: when the task gave its fork back
  type: bool
  sample: true
resume:
  description: What O(resume) of the next call needs (the update task on the host and what it reported so far).
  returned: when RV(pending)
  type: dict
resume_after:
  description:
    - Seconds the host can wait without a fork before the next call is worth it, five times O(yield_after), or
      until the update task's next progress line is due when that is later (up to four times as long, since a poll waits
      for the next line). The collection's strategy C(winrepair.windows_update.free) gives the host no task for
      that long.
  returned: when RV(pending)
  type: float
  sample: 150.0
updates:
  description: The answer of M(ansible.windows.win_updates) - see its C(updates).
  returned: when Windows Update answered
  type: dict
reboot_required:
  description: The answer of M(ansible.windows.win_updates) - see its C(reboot_required).
  returned: when Windows Update answered
  type: bool
journal:
  description:
    - The result of the write O(journal) asked for (see M(winrepair.windows_update.win_wu_journal)), also in each
      later call of the same wait.
  returned: when O(journal) was given
  type: dict
journal_failed:
  description: The write O(journal) asked for failed, so nothing was installed; RV(journal) says why.
  returned: when the write failed
  type: bool
  sample: true
"""
