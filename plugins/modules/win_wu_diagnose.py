#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module: the work is done by the action plugin
# plugins/action/win_wu_diagnose.py and the script it runs on the host.

DOCUMENTATION = r'''
---
module: win_wu_diagnose
short_description: Find out why Windows Update fails on a Windows host, and which repair to try first
description:
- Reads, in one round trip and without changing anything, the evidence that explains a broken Windows Update
  (update history and failure events, C(CBS.log), services, free space, pending restarts, Insider state,
  antivirus and filter drivers, disk health), decodes every failure code, and names the likely causes with
  their evidence and the repair rungs they call for.
- A probe that fails on the host is listed in RV(probe_errors) and the diagnosis uses the rest. The module
  returns C(changed=false) and runs the same in check mode.
- What it reads and how confident each cause is - C(docs/ladder.md) of the collection; causes and rungs -
  C(docs/troubleshooting.md).
version_added: 0.1.0
options:
  min_free_gb:
    description:
    - Free space on the system drive, in GB (1024^3 bytes), below which C(low_disk) is diagnosed.
    type: float
    default: 20
  history_count:
    description:
    - How many entries of the update history to read (newest first), 0 to 1000. 0 skips the history.
    type: int
    default: 50
  event_count:
    description:
    - How many events to read per event query (update failures; storage errors per provider), 0 to 1000.
      0 skips the event log.
    type: int
    default: 50
  cbs_tail_lines:
    description:
    - How many of the last lines of C(CBS.log) to read, 0 to 100000. Lines matching known failure
      signatures are read from the whole file in addition (at most 200, the last ones).
    type: int
    default: 5000
  since_days:
    description:
    - Only update history entries and events of the last this many days count, 1 to 3650.
    type: int
    default: 30
  target_kb:
    description:
    - The update the host should have, for example C(KB5043080); an empty string for none. Failures and
      C(CBS.log) lines older than its successful install no longer mark the host broken (without it, or
      before it installed, the last successful cumulative update draws that line), so a survey after a
      repair agrees with the repair. RV(baseline) says which line was drawn, RV(target) whether it is installed.
    type: str
    default: ''
notes:
- Needs a WinRM account that is a local administrator with an elevated token (C(bcdedit), C(fltmc) and reading
  C(CBS.log) need it).
- The module runs one collection script through M(ansible.windows.win_powershell).
seealso:
- module: winrepair.windows_update.win_wu_reset
- module: ansible.windows.win_updates
- name: From an error code to its cause and rung
  description: Every code the diagnosis knows, the causes and the rung each starts at.
  link: https://github.com/winrepair/windows_update/blob/main/docs/troubleshooting.md
author:
- winrepair.windows_update contributors (@winrepair)
'''

EXAMPLES = r'''
- name: Diagnose Windows Update
  winrepair.windows_update.win_wu_diagnose:
  register: diag

- name: Show the causes and where to start
  ansible.builtin.debug:
    msg: "{{ diag.causes | map(attribute='name') | list }} -> {{ diag.recommended_rungs | map(attribute='rung') | list }}"

- name: Stop here when the disk reports errors (back up first)
  ansible.builtin.fail:
    msg: "{{ inventory_hostname }}: storage errors, back up and check the disk before any repair"
  when: "'storage_fault' in (diag.causes | map(attribute='name'))"

- name: Read more history, and treat less than 30 GB free as too little
  winrepair.windows_update.win_wu_diagnose:
    min_free_gb: 30
    history_count: 200
    since_days: 90
'''

RETURN = r'''
collected_at:
  description: When the evidence was read, host clock in UTC (ISO 8601).
  returned: always
  type: str
  sample: '2026-11-02T09:00:00Z'
os:
  description: The operating system.
  returned: always
  type: dict
  contains:
    product_name:
      description: Win32_OperatingSystem Caption without "Microsoft ".
      type: str
      sample: Windows 11 Pro
    edition_id:
      description: Registry EditionID.
      type: str
      sample: Professional
    display_version:
      description: Registry DisplayVersion.
      type: str
      sample: 24H2
    version:
      description: Win32_OperatingSystem Version.
      type: str
      sample: 10.0.26100
    build:
      description: Registry CurrentBuild.
      type: int
      sample: 26100
    ubr:
      description: Update build revision (registry UBR).
      type: int
      sample: 2033
    full_build:
      description: C(build.ubr).
      type: str
      sample: '26100.2033'
    architecture:
      description: C(x64), C(arm64) or C(x86).
      type: str
      sample: x64
    product_type:
      description: C(workstation), C(server) or C(domain_controller).
      type: str
      sample: workstation
    is_server:
      description: Whether product_type is C(server) or C(domain_controller).
      type: bool
    install_language:
      description: Language of the installed OS (culture name).
      type: str
      sample: en-US
    hostname:
      description: Computer name.
      type: str
system_drive:
  description: The system drive's space.
  returned: always
  type: dict
  contains:
    drive:
      description: Drive letter.
      type: str
      sample: 'C:'
    size_bytes:
      description: Size in bytes.
      type: int
    free_bytes:
      description: Free bytes.
      type: int
    free_gb:
      description: Free space in GB (1024^3), two decimals.
      type: float
    backups_bytes:
      description: Bytes held by the backups listed in RV(backups).
      type: int
pending_reboot:
  description: The pending-reboot flags.
  returned: always
  type: dict
  contains:
    cbs_reboot_pending:
      description: Component Based Servicing\RebootPending exists.
      type: bool
    wu_reboot_required:
      description: WindowsUpdate\Auto Update\RebootRequired exists.
      type: bool
    pending_file_rename:
      description: Session Manager PendingFileRenameOperations is set.
      type: bool
    computer_rename:
      description: ActiveComputerName differs from ComputerName.
      type: bool
    any:
      description: Any of the above.
      type: bool
services:
  description: wuauserv, cryptsvc, bits, msiserver, appidsvc and trustedinstaller, in that order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Service name, lower case.
      type: str
    display_name:
      description: Display name (null when the service does not exist).
      type: str
    exists:
      description: Whether the service is registered.
      type: bool
    state:
      description: C(running), C(stopped), C(stop_pending), C(start_pending), C(paused), ... (null when missing).
      type: str
    start_mode:
      description: C(auto), C(delayed), C(manual), C(disabled) (null when missing).
      type: str
folders:
  description: The Windows Update folders.
  returned: always
  type: dict
  contains:
    software_distribution:
      description: C(%windir%\SoftwareDistribution); keys C(path), C(exists), C(size_bytes), C(size_gb).
      type: dict
    catroot2:
      description: C(%windir%\System32\catroot2); keys C(path), C(exists), C(size_bytes), C(size_gb).
      type: dict
backups:
  description: Backups of those folders left by earlier resets (C(*.bak*), C(*.old*)).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Full path.
      type: str
    of:
      description: C(software_distribution) or C(catroot2).
      type: str
    size_bytes:
      description: Bytes it holds.
      type: int
    size_gb:
      description: GB it holds.
      type: float
    last_write_time:
      description: Last write time, UTC ISO 8601.
      type: str
insider:
  description: Windows Insider enrolment.
  returned: always
  type: dict
  contains:
    enrolled:
      description: WindowsSelfHost\Applicability names a branch, ring, content type or enables preview builds.
      type: bool
    branch_name:
      description: BranchName.
      type: str
    ring:
      description: Ring.
      type: str
    content_type:
      description: ContentType.
      type: str
    preview_builds_enabled:
      description: EnablePreviewBuilds value (null when not set).
      type: int
    flightsigning:
      description: C(bcdedit /enum {current}) shows flightsigning on.
      type: bool
antivirus:
  description: Antivirus products registered in root\SecurityCenter2 (empty on Server).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: displayName.
      type: str
    product_state:
      description: productState.
      type: int
    product_state_hex:
      description: productState in hex.
      type: str
    enabled:
      description: Real-time protection on, read from productState (undocumented layout).
      type: bool
    third_party:
      description: Not Microsoft Defender.
      type: bool
    path:
      description: pathToSignedProductExe.
      type: str
defender:
  description: Microsoft Defender (Get-MpComputerStatus).
  returned: always
  type: dict
  contains:
    available:
      description: Get-MpComputerStatus exists and answered.
      type: bool
    am_service_enabled:
      description: AMServiceEnabled.
      type: bool
    antivirus_enabled:
      description: AntivirusEnabled.
      type: bool
    real_time_protection_enabled:
      description: RealTimeProtectionEnabled.
      type: bool
    am_running_mode:
      description: AMRunningMode.
      type: str
      sample: Normal
filter_drivers:
  description: Loaded file system minifilters (C(fltmc filters)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Filter name.
      type: str
    instances:
      description: Number of instances.
      type: int
    altitude:
      description: Altitude.
      type: int
    frame:
      description: Frame.
      type: int
    antivirus_range:
      description: Altitude in the FSFilter Anti-Virus group (320000-329999).
      type: bool
    third_party_antivirus:
      description: In that range and not Microsoft Defender's WdFilter.
      type: bool
installed_kbs:
  description: Installed updates (Win32_QuickFixEngineering HotFixID), upper case, sorted.
  returned: always
  type: list
  elements: str
update_failures:
  description: Failed or aborted installs from the update history and System event 20, merged per update and code, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    kb:
      description: KB number from the title (null when none).
      type: str
    title:
      description: Update title (or the event message).
      type: str
    hresult:
      description: The decoded failure code (null when none was recorded).
      type: dict
      contains:
        hex:
          description: C(0x%08X).
          type: str
          sample: '0x80070306'
        signed:
          description: Signed 32-bit value.
          type: int
        facility:
          description: Facility name.
          type: str
          sample: WIN32
        facility_number:
          description: Facility number.
          type: int
        name:
          description: Symbolic name (null when unknown).
          type: str
          sample: ERROR_ERRORS_ENCOUNTERED
        meaning:
          description: What the code means (null when unknown).
          type: str
        category:
          description: The collection's category of the code (see the hresult filter).
          type: str
        hint:
          description: What usually fixes it.
          type: str
    result:
      description: C(failed) or C(aborted).
      type: str
    count:
      description: How many records were merged.
      type: int
    first_seen:
      description: Earliest record, UTC ISO 8601.
      type: str
    last_seen:
      description: Latest record, UTC ISO 8601.
      type: str
    sources:
      description: C(history) and/or C(event).
      type: list
      elements: str
    resolved:
      description: The update was installed later (history success after the failure, or the KB is installed).
      type: bool
    cause_hint:
      description: The cause the code points at (null when none).
      type: str
cbs:
  description: What CBS.log shows.
  returned: always
  type: dict
  contains:
    path:
      description: Path of CBS.log.
      type: str
    exists:
      description: Whether it exists.
      type: bool
    size_bytes:
      description: Its size.
      type: int
    lines_read:
      description: Distinct lines read (matching lines and tail).
      type: int
    signals:
      description: Failure signatures found (name, cause, count, first_line, sample), as the collection's cbs_log reader gives them.
      type: list
      elements: dict
    causes:
      description: Distinct causes of those signals.
      type: list
      elements: str
    sfc:
      description: sfc's [SR] verdicts (cannot_repair_member_file, repairing_corrupted_file, unrepaired_files).
      type: dict
    forward_delta_lines:
      description: Up to 10 lines with both "Hydration failed" and "Forward Delta".
      type: list
      elements: str
disk_health:
  description: Storage errors and disk health.
  returned: always
  type: dict
  contains:
    storage_events:
      description: System log events (time, provider, event_id, level, message).
      type: list
      elements: dict
    physical_disks:
      description: Get-PhysicalDisk (friendly_name, health_status, operational_status, media_type).
      type: list
      elements: dict
    healthy:
      description: No storage event and every disk Healthy.
      type: bool
probe_errors:
  description: Probes that failed on the host (probe, message, hresult); the rest of the evidence is still used.
  returned: always
  type: list
  elements: dict
baseline:
  description: The line before which failures and CBS.log lines no longer count - the UTC time (at) of the
    target's last successful install, else of the last successful cumulative update, with its kb and why;
    at is null when the history shows neither.
  returned: always
  type: dict
  sample: {"kb": KB5043080, "at": "2026-10-31T05:00:00Z", "why": the target update installed}
target:
  description: With O(target_kb) only - the target (kb) and whether it is installed; null without it.
  returned: always
  type: dict
  sample: {"kb": KB5043080, "installed": true}
causes:
  description: Likely causes, strongest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Cause name (see the description).
      type: str
      sample: forward_delta_hydration
    confidence:
      description: C(high), C(medium) or C(low).
      type: str
    evidence:
      description: Sentences naming what led to the cause.
      type: list
      elements: str
recommended_rungs:
  description: The repair rungs the causes call for, in the order to take them (blocking rungs first, then up the ladder); empty when there is no cause.
  returned: always
  type: list
  elements: dict
  contains:
    rung:
      description: C(preflight), C(sfc_dism), C(reset), C(catalog_install), C(inplace_upgrade) or C(manual).
      type: str
    summary:
      description: What the rung does.
      type: str
    needs_person:
      description: The rung needs a person.
      type: bool
    blocking:
      description: Deal with this rung before any other (for example a failing disk).
      type: bool
    causes:
      description: Names of the causes that led here.
      type: list
      elements: str
    reasons:
      description: Per cause (null for preflight's own reason) - cause, confidence, why, fallbacks (other rungs), note.
      type: list
      elements: dict
last_resorts:
  description: What is left beyond the ladder, each needing a person (name, summary, needs_person).
  returned: always
  type: list
  elements: dict
'''
