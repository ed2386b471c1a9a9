# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_wu_preflight.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_wu_preflight
short_description: Pre-flight steps before repairing Windows Update - restore point, clean-up, leaving Insider, Defender
description:
  - Runs the chosen pre-flight steps before a Windows Update repair, in this order, each in one round trip - a
    System Restore point (O(restore_point), client editions), freeing space on the system drive without
    touching user data (O(cleanup)), leaving the Windows Insider programme (O(leave_insider)), and pausing or
    resuming Defender real-time protection (O(defender)).
  - Leaving Insider needs a restart (RV(reboot_required)) and does not roll back a build that is ahead of the
    release channel. Whoever pauses Defender must resume it, also on failure.
  - What each step does exactly - C(docs/ladder.md) of the collection, section "Inside the rungs".
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  restore_point:
    description: Create a restore point (client editions).
    type: bool
    default: false
  restore_point_description:
    description: Description of the restore point.
    type: str
    default: "winrepair: before Windows Update repair"
  restore_point_max_age_minutes:
    description: A restore point newer than this counts as recent and none is created (Windows' default limit is 1440).
    type: int
    default: 1440
  cleanup:
    description:
    - Remove old Windows Update backups and old temporary files of C(%windir%\Temp) (and the folders that leaves
      empty).
    - The C(%windir%\Temp) sweep is skipped while an install is in progress (TrustedInstaller, TiWorker or msiexec
      running, or a restart pending); files in use are left.
    type: bool
    default: false
  cleanup_older_than_days:
    description: Only what is older than this many days is removed.
    type: int
    default: 7
  component_cleanup:
    description:
    - With O(cleanup), also run C(DISM /Online /Cleanup-Image /StartComponentCleanup), detached on the host and
      polled (it can take tens of minutes); an exit code other than 0 fails the task.
    type: bool
    default: false
  component_cleanup_min_free_gb:
    description:
    - Run O(component_cleanup) only when the clean-up left less free space than this (GB) on the system drive;
      V(0) runs it whenever asked.
    type: float
    default: 0
  leave_insider:
    description: Leave the Windows Insider programme (opt-in; needs a restart).
    type: bool
    default: false
  insider_backup_folder:
    description: Host folder for the C(.reg) exports of the Insider keys.
    type: str
    default: C:\ProgramData\winrepair\insider-backup
  block_preview_builds:
    description: When leaving Insider, also set the policy that blocks preview builds.
    type: bool
    default: true
  defender:
    description: C(pause) or C(resume) Defender real-time protection, or C(keep) it as it is.
    type: str
    choices: [keep, pause, resume]
    default: keep
notes:
  - In check mode the restore point and clean-up steps only report what they would do; leaving Insider and
    Defender are not run and are reported as C(planned).
  - Needs a local administrator with an elevated token.
seealso:
  - module: winrepair.windows_update.win_wu_diagnose
  - module: ansible.windows.win_reboot
  - name: Inside the preflight rung
    description: Restore point frequency, what the clean-up removes, the Insider keys and policy, Tamper Protection.
    link: https://github.com/winrepair/windows_update/blob/main/docs/ladder.md#preflight-win_wu_preflight
"""

EXAMPLES = r"""
- name: Restore point and clean-up before a repair
  winrepair.windows_update.win_wu_preflight:
    restore_point: true
    cleanup: true
    component_cleanup: true

- name: Leave the Insider programme, then restart
  winrepair.windows_update.win_wu_preflight:
    leave_insider: true
  register: pre

- name: Restart after leaving
  ansible.windows.win_reboot:
  when: pre.reboot_required
"""

RETURN = r"""
actions:
  description: The steps that changed the host (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: [restore_point, cleanup]
reboot_required:
  description: A restart is needed (after leaving Insider).
  returned: always
  type: bool
restore_point:
  description: The restore point step (supported, created, reason (not_supported, recent, frequency_limit, not_created, check_mode,
    failed ...), latest (UTC), sequence_number, creation_frequency_minutes, warning); null when not asked.
  returned: always
  type: dict
cleanup:
  description: The clean-up step (removed [path, bytes, kind], problems, kept (.bak-* folders not named by
    win_wu_reset), temp (swept, skipped_reason, files_removed, bytes_removed, files_in_use, folders_removed),
    planned_bytes, free_bytes_before, free_bytes_after, component_cleanup_exit_code, component_cleanup_seconds,
    component_cleanup V(not_needed) when the clean-up alone left O(component_cleanup_min_free_gb) or V(planned) in
    check mode); null when not asked.
  returned: always
  type: dict
insider:
  description: The Insider step (removed_keys [key, backup], flightsigning_removed, bcdedit_exit_code, policy_set,
    reboot_required); C({planned true}) in check mode; null when not asked.
  returned: always
  type: dict
defender:
  description: The Defender step (available, real_time_before, real_time_after, tamper_protected, applied);
    C({planned true}) in check mode; null when not asked.
  returned: always
  type: dict
msg:
  description: On failure, the step that failed and what had been done before.
  returned: failure
  type: str
"""
