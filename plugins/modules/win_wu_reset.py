#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module: the work is done by the action plugin
# plugins/action/win_wu_reset.py and the scripts it runs on the host.

DOCUMENTATION = r'''
---
module: win_wu_reset
short_description: Reset the Windows Update components of a Windows host, with backups and rollback
description:
- Resets the Windows Update components as Microsoft's support article "Additional resources for Windows
  Update" describes, in one round trip, but renames instead of deleting
  (C(SoftwareDistribution.bak-<timestamp>), C(catroot2.bak-<timestamp>), the BITS queue moved aside), undoes
  itself when a step fails, and reports every step.
- C(standard) stops the update services, renames the folders and starts the services again; C(aggressive)
  (opt-in) also resets the WinHTTP proxy (the previous one is reported and set back on rollback) and winsock,
  registers the update DLLs that exist again and moves the BITS database aside. UsoSvc, DoSvc and
  TrustedInstaller, which can hold SoftwareDistribution, are stopped first and started again if they ran.
- The reset is an action, not a state - every run outside check mode resets again and reports C(changed). The
  steps, the rollback and why the DLL lists of other tools are wrong are in the collection's
  C(docs/reset-guide.md).
version_added: 0.1.0
options:
  level:
    description:
    - C(standard) or C(aggressive), as described above.
    type: str
    choices: [ standard, aggressive ]
    default: standard
  keep_backups:
    description:
    - How many backups of each folder (C(SoftwareDistribution.bak-*), C(catroot2.bak-*),
      C(Downloader.bak-*)) remain after a successful reset, the one just made included. Older ones
      are deleted with their content.
    - This pruning is the only deletion the module does. It touches only folders named exactly
      C(<name>.bak-YYYYMMDDTHHMMSS) or C(<name>.bak-YYYYMMDDTHHMMSS-N) (the module's own names), never
      in check mode and never after a failed reset.
    - Must be 1 or more.
    type: int
    default: 2
  stop_timeout:
    description:
    - Seconds to wait for each service to stop (and, after the reset, to start).
    type: int
    default: 60
  kill_stuck_services:
    description:
    - What to do with a service still in STOP_PENDING after O(stop_timeout).
    - C(true) (the default, because ending a service stuck in STOP_PENDING is part of the standard
      reset) ends the service's process, but only when no other service runs in that process (a
      shared C(svchost.exe)); otherwise the reset fails and the host is restored.
    - C(false) makes the reset fail and restore the host instead; a reboot then frees the service.
    type: bool
    default: true
  restart_when_stuck:
    description:
    - When the reset stopped at a service still in STOP_PENDING that it does not end and rolled back, restart the
      host and reset once more. Such a service stays stopping until its process ends; only C(wuauserv) and
      C(bits) are ever ended (O(kill_stuck_services)).
    type: bool
    default: false
  reboot_timeout:
    description:
    - Seconds to wait for the host to come back after the restart of O(restart_when_stuck).
    type: int
    default: 3600
  dlls:
    description:
    - File names of the DLLs to register again at C(aggressive) level. Only those present in
      C(%windir%\\System32) are registered.
    - Defaults to the list of Microsoft's article (see the description for why many of its names are
      skipped on current Windows).
    type: list
    elements: str
notes:
- Check mode returns the planned steps in RV(steps); diff mode shows the services and folders before and
  after.
- Needs a local administrator with an elevated token. Restarts the host only for O(restart_when_stuck); reboot
  when RV(reboot_required) is true.
seealso:
- module: ansible.windows.win_service
- module: ansible.windows.win_reboot
- name: Resetting the Windows Update components
  description: The steps of both levels, the rollback, the DLL lists.
  link: https://github.com/winrepair/windows_update/blob/main/docs/reset-guide.md
author:
- winrepair.windows_update contributors (@winrepair)
'''

EXAMPLES = r'''
- name: Reset the Windows Update components
  winrepair.windows_update.win_wu_reset:
  register: wu_reset

- name: Aggressive reset, keep only the newest backup, then reboot if needed
  winrepair.windows_update.win_wu_reset:
    level: aggressive
    keep_backups: 1
  register: wu_reset

- name: Reboot to finish the winsock reset
  ansible.windows.win_reboot:
  when: wu_reset.reboot_required

- name: Do not end stuck service processes; fail and restore instead
  winrepair.windows_update.win_wu_reset:
    kill_stuck_services: false
    stop_timeout: 120

- name: Show what a reset would do
  winrepair.windows_update.win_wu_reset:
    level: aggressive
  check_mode: true
  diff: true
  register: planned
'''

RETURN = r'''
level:
  description: The level that ran (or was planned).
  returned: success, or failure of a reset step
  type: str
  sample: standard
steps:
  description:
  - The steps in the order they ran, with C(id) (for example C(stop:bits), C(move_queue),
    C(rename:SoftwareDistribution), C(winhttp_reset_proxy), C(winsock_reset),
    C(register_dlls), C(restore_start_mode:bits), C(start:wuauserv), C(prune:<path>)), C(status)
    (C(ok), C(failed), C(warning); C(planned) in check mode) and C(detail).
  - In check mode each step also has C(action) and C(target).
  returned: success, or failure of a reset step
  type: list
  elements: dict
  sample: [{"id": "stop:bits", "status": "ok", "detail": "stopped"}]
backups:
  description:
  - The backups this run made, by folder name (C(SoftwareDistribution), C(catroot2), C(Downloader)).
  - In check mode the backups it would make.
  - After a failure, the backups the rollback could not rename back (still on the host).
  returned: success, or failure of a reset step
  type: dict
  sample: {"SoftwareDistribution": "C:\\Windows\\SoftwareDistribution.bak-20261122T031500",
           "catroot2": "C:\\Windows\\System32\\catroot2.bak-20261122T031500"}
pruned:
  description: Old backups deleted because of O(keep_backups). Empty in check mode and after a failure.
  returned: success, or failure of a reset step
  type: list
  elements: str
  sample: ["C:\\Windows\\SoftwareDistribution.bak-20261001T080000"]
services_before:
  description: State, start type and process id of each service before the reset.
  returned: success, or failure of a reset step
  type: dict
  sample: {"wuauserv": {"state": "running", "start_mode": "manual", "pid": 4312}}
services_after:
  description:
  - State, start type and process id of each service after the reset (after the rollback if it failed).
  - In check mode the same as RV(services_before).
  returned: success, or failure of a reset step
  type: dict
  sample: {"wuauserv": {"state": "running", "start_mode": "manual", "pid": 7720}}
reboot_required:
  description: Whether the host must reboot to complete the reset (C(netsh winsock reset) ran; in check mode, would run).
  returned: success, or failure of a reset step
  type: bool
  sample: false
stuck_services:
  description: Services the reset found still in STOP_PENDING after it stopped and rolled back (before any restart).
  returned: always
  type: list
  elements: str
  sample: [cryptsvc]
restarted:
  description: Whether the host was restarted to free RV(stuck_services) (O(restart_when_stuck)); the other values
    are then those of the reset after the restart.
  returned: always
  type: bool
  sample: false
previous_security_descriptors:
  description: The SDDL of bits and wuauserv before C(aggressive) replaced them; empty otherwise.
  returned: success, or failure of a reset step
  type: dict
  sample: {"wuauserv": "D:(A;;CCLCSWRPLORC;;;AU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)"}
dll_results:
  description: One entry per DLL registered at C(aggressive) level, with C(path), C(rc) (regsvr32 exit code)
    and C(status) (C(registered), C(no_entry_point), C(failed)).
  returned: success, or failure of a reset step
  type: list
  elements: dict
  sample: [{"path": "C:\\Windows\\System32\\wuapi.dll", "rc": 0, "status": "registered"}]
skipped_dlls:
  description: At C(aggressive) level, the names of O(dlls) not found in System32 (not registered); empty otherwise.
  returned: success, or failure of a reset step
  type: list
  elements: str
  sample: ["wuaueng1.dll", "wucltui.dll"]
rollback:
  description: What the rollback did after a failed step, with C(id), C(status) (C(ok), C(kept),
    C(failed), C(not_reverted)) and C(detail). Empty when the reset succeeded.
  returned: success, or failure of a reset step
  type: list
  elements: dict
  sample: [{"id": "rename:SoftwareDistribution", "status": "ok", "detail": "renamed back from C:\\Windows\\SoftwareDistribution.bak-20261122T031500"}]
msg:
  description: What happened; on failure the failed step, the error, what to do, and what the rollback undid.
  returned: always
  type: str
  sample: Windows Update components reset (standard)
'''
