# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_sfc_dism.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_sfc_dism
short_description: Repair the component store with DISM, then system files with sfc
description:
  - Runs C(DISM /Online /Cleanup-Image /RestoreHealth) (or C(/CheckHealth), C(/ScanHealth)) and then C(sfc
    /scannow), in that order (KB 929833) - sfc takes its good copies from the component store, so the store is
    repaired first.
  - Each tool runs detached on the host as a scheduled task running as SYSTEM and is polled, so a dropped
    connection or a 30-minute run loses nothing; a run ended by a restart of the host is started once more.
  - DISM can repair from an C(install.wim), C(install.esd) or ISO of the installed edition (O(source));
    C(changed) is true only when something was repaired. Details - C(docs/ladder.md) of the collection,
    section "Inside the rungs".
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  sfc:
    description:
      - Run C(sfc /scannow) after DISM.
    type: bool
    default: true
  dism:
    description:
      - Which DISM health operation to run first.
      - V(none) runs no DISM; V(check) C(/CheckHealth) (seconds, reads what servicing recorded); V(scan)
        C(/ScanHealth) (scans, repairs nothing); V(restore) C(/RestoreHealth) (scans and repairs).
    type: str
    choices: [none, check, scan, restore]
    default: restore
  source:
    description:
      - Repair source for V(restore) on the host, for example C(D:\sources\install.wim),
        C(D:\sources\install.esd) or C(C:\iso\Win11_24H2_English_x64.iso).
      - The image must be of the installed build, edition and architecture.
      - Without it DISM downloads what it needs from Windows Update (or the WSUS/policy source).
    type: str
  source_index:
    description:
      - Index of the image in O(source) to repair from. By default the index whose edition matches the
        installed EditionID (and build and architecture) is chosen from C(dism /Get-WimInfo).
    type: int
  limit_access:
    description:
      - Add C(/LimitAccess) so DISM does not contact Windows Update (use with O(source)).
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for each tool's run (DISM, then sfc). When it is exceeded the task fails, and
        the run keeps going on the host; running the task again waits for it.
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two polls of a running tool (at most 60 are used, so progress shows every minute).
    type: float
    default: 15
  yield_after:
    description:
      - Seconds the task waits for a running tool before it gives its fork back while the tool runs on; the result
        then has RV(pending) and RV(resume). C(0) waits to the end.
      - Only when the play's batch has more hosts than forks; else the task waits to the end.
      - The result then also asks for a rest of five times this without a fork (RV(resume_after)).
      - O(timeout) counts from the tool's start, over every call that waits for it.
    type: float
    default: 0
  resume:
    description:
      - RV(resume) of an earlier result of this module with RV(pending), given with the same other options; the task
        waits for that run instead of starting anything.
    type: dict
notes:
  - Check mode runs only the read-only C(DISM /CheckHealth) and reports in RV(commands) what would run.
  - A failure names the next step - a repair source for C(0x800F081F) (CBS_E_SOURCE_MISSING), a repair install
    when the store cannot be repaired.
seealso:
  - name: Use the System File Checker tool to repair missing or corrupted system files
    description: Microsoft support article (KB 929833).
    link: https://support.microsoft.com/topic/use-the-system-file-checker-tool-to-repair-missing-or-corrupted-system-files-79aa86cb-ca52-166a-92a3-966e85d4094e
  - name: Repair a Windows Image
    description: DISM /CheckHealth, /ScanHealth, /RestoreHealth, /Source and /LimitAccess.
    link: https://learn.microsoft.com/windows-hardware/manufacture/desktop/repair-a-windows-image
  - name: Inside the sfc_dism rung
    description: Detached runs, restarts, repair sources, check mode.
    link: https://github.com/winrepair/windows_update/blob/main/docs/ladder.md#sfc_dism-win_sfc_dism
"""

EXAMPLES = r"""
- name: Repair the component store from Windows Update, then run sfc
  winrepair.windows_update.win_sfc_dism:

- name: Repair from an install.wim without contacting Windows Update
  winrepair.windows_update.win_sfc_dism:
    source: D:\sources\install.wim
    limit_access: true

- name: Repair from an ISO copied to the host; pick the image by edition
  winrepair.windows_update.win_sfc_dism:
    source: C:\iso\Win11_24H2_English_x64.iso
    limit_access: true
    timeout: 5400
  register: repair

- name: Restart when the repair asks for it
  ansible.windows.win_reboot:
  when: repair.reboot_required

- name: Only ask whether the store is flagged corrupt
  winrepair.windows_update.win_sfc_dism:
    dism: check
    sfc: false
"""

RETURN = r"""
changed:
  description: Whether DISM repaired a store that was flagged corrupt, or sfc repaired files. In check mode
    a prediction (store flagged corrupt and O(dism=restore)).
  returned: always
  type: bool
repaired:
  description: Same as C(changed) outside check mode; false in check mode.
  returned: always
  type: bool
reboot_required:
  description: DISM (exit code 3010 or its text) or sfc asked for a restart.
  returned: always
  type: bool
msg:
  description: On failure what happened and the next step; otherwise a note (check mode plan, scan result).
  returned: when failed, in check mode, or when DISM found corruption it was not asked to repair
  type: str
pending:
  description: A tool still runs after O(yield_after) seconds; call the module again with RV(resume).
  returned: when the task gave its fork back
  type: bool
  sample: true
resume:
  description: What O(resume) of the next call needs (the running tool and how often a restart of the host made it
    start again, the answers read before it started and what the tools before it gave).
  returned: when RV(pending)
  type: dict
resume_after:
  description:
    - Seconds the host can wait without a fork before the next call is worth it, five times O(yield_after). The
      collection's strategy C(winrepair.windows_update.free) gives the host no task for that long.
  returned: when RV(pending)
  type: float
  sample: 150.0
error:
  description:
    - Why O(source) could not be used; neither DISM nor sfc ran and the host is as it was.
    - V(source_not_found) nothing exists at O(source) on the host (a DISM run that cannot find the files it
      needs in an existing source is RV(dism.outcome=source_missing) instead).
    - V(source_not_image) O(source) is not a C(.wim), C(.esd) or C(.iso) file, or the ISO has no
      C(sources\install.wim) or C(install.esd).
  returned: when the task failed on O(source)
  type: str
  sample: source_not_found
hresult:
  description: The decoded failure code of DISM (from its C(Error:) line or exit code), as
    plugin_utils/_parse/hresult.py decode() gives it (hex, name, meaning, category, hint, ...).
  returned: when DISM failed
  type: dict
  sample: {"hex": "0x800F081F", "name": "CBS_E_SOURCE_MISSING", "category": "source_missing"}
commands:
  description: The command lines run (or, in check mode, that would run), in order.
  returned: always
  type: list
  elements: str
  sample: ["dism.exe /Online /Cleanup-Image /RestoreHealth /Source:wim:D:\\sources\\install.wim:6 /LimitAccess",
           "sfc.exe /scannow"]
check_mode_ran:
  description: The read-only commands check mode did run (C(dism.exe /Online /Cleanup-Image /CheckHealth)), else empty.
  returned: always
  type: list
  elements: str
check_health:
  description: Result of the read-only C(DISM /CheckHealth) run before a restore or in check mode.
  returned: always (null when it did not run)
  type: dict
  contains:
    outcome:
      description: dism_output outcome (no_corruption, repairable, not_repairable, failed, ...).
      type: str
    exit_code:
      description: DISM's exit code.
      type: int
    message:
      description: The sentence that decided the outcome.
      type: str
source:
  description: The repair source used.
  returned: always (null without O(source) or when O(dism) is not V(restore))
  type: dict
  contains:
    path:
      description: O(source) as given.
      type: str
    image_path:
      description: The WIM/ESD file DISM reads (on the mounted ISO's drive for an ISO).
      type: str
    kind:
      description: wim, esd or iso (null when not known).
      type: str
    index:
      description: The image index used (null in check mode for an ISO).
      type: int
    index_reason:
      description: How the index was chosen.
      type: str
    argument:
      description: The C(/Source:) argument given to DISM.
      type: str
    mounted_drive:
      description: Drive letter of the mounted ISO, else null.
      type: str
dism:
  description: What DISM did.
  returned: always (null when it did not run, in check mode, or with O(dism=none))
  type: dict
  contains:
    operation:
      description: CheckHealth, ScanHealth or RestoreHealth.
      type: str
    command:
      description: Its command line.
      type: str
    outcome:
      description: One of dism_output.OUTCOMES (no_corruption, repairable, repaired, source_missing,
        not_repairable, completed, failed, running, unknown).
      type: str
    message:
      description: DISM's sentence that decided the outcome.
      type: str
    exit_code:
      description: DISM's exit code (signed, as DISM returns it, e.g. -2146498529).
      type: int
    hresult:
      description: The exit code decoded (hex, name, meaning, category, hint, ...).
      type: dict
    repaired:
      description: RestoreHealth succeeded on a store CheckHealth had flagged corrupt.
      type: bool
    reboot_required:
      description: DISM asked for a restart.
      type: bool
    run_id:
      description: The detached run's id (its folder under C:\ProgramData\winrepair\runs).
      type: str
    attached:
      description: An earlier start of the same command was found and waited for.
      type: bool
    duration_seconds:
      description: Run time on the host.
      type: int
    start_time:
      description: Start on the host, ISO 8601 UTC.
      type: str
    end_time:
      description: End on the host, ISO 8601 UTC.
      type: str
    connection_errors:
      description: Polls that failed on the connection and were retried.
      type: int
    restarts:
      description:
        - 1 when the host restarted while DISM ran (the restart ended it, the host booted after it started)
          and DISM was started again; the other keys describe that second run. 0 otherwise.
      type: int
sfc:
  description: What sfc did.
  returned: always (null when it did not run)
  type: dict
  contains:
    command:
      description: C(sfc.exe /scannow).
      type: str
    outcome:
      description: One of sfc_output.OUTCOMES (no_violations, repaired, unable_to_fix, could_not_perform,
        service_not_started, pending_reboot, unknown).
      type: str
    message:
      description: sfc's sentence that decided the outcome.
      type: str
    exit_code:
      description: sfc's exit code (not documented; informational).
      type: int
    repaired:
      description: sfc repaired files.
      type: bool
    reboot_required:
      description: sfc asked for a restart.
      type: bool
    run_id:
      description: The detached run's id.
      type: str
    attached:
      description: An earlier start of the same command was found and waited for.
      type: bool
    duration_seconds:
      description: Run time on the host.
      type: int
    start_time:
      description: Start on the host, ISO 8601 UTC.
      type: str
    end_time:
      description: End on the host, ISO 8601 UTC.
      type: str
    connection_errors:
      description: Polls that failed on the connection and were retried.
      type: int
    restarts:
      description:
        - 1 when the host restarted while sfc ran and sfc was started again; the other keys describe that
          second run. 0 otherwise.
      type: int
cbs_sr:
  description: Summary of the C([SR]) lines of CBS.log of this sfc run (sfc_output.summarize_cbs_sr).
  returned: when sfc ran
  type: dict
  contains:
    sr_lines:
      description: Number of [SR] lines.
      type: int
    verify_complete:
      description: Number of "Verify complete" lines.
      type: int
    repairing_corrupted_file:
      description: Number of "Repairing corrupted file" lines.
      type: int
    cannot_repair_member_file:
      description: Number of "Cannot repair member file" lines.
      type: int
    repaired_files:
      description: Files sfc repaired.
      type: list
      elements: str
    unrepaired_files:
      description: Files sfc could not repair.
      type: list
      elements: str
durations:
  description: Seconds each tool ran on the host (null when it did not run) and the task's total on the controller.
  returned: always
  type: dict
  sample: {"dism": 1200, "sfc": 900, "total": 2113.4}
"""
