# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_inplace_upgrade.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_inplace_upgrade
short_description: Repair Windows with an in-place upgrade (repair install) from an ISO, keeping apps and files
description:
  - The last rung of Windows Update repair, for damage DISM and sfc cannot fix (a component store beyond
    repair, 0x80070306 with files that cannot be rebuilt from deltas). Runs Windows Setup C(/auto upgrade)
    from an ISO of the installed edition, build, language and architecture, which reinstalls Windows and keeps
    apps, files and settings.
  - An hour or more, three or more restarts, about 20 GB free - so it does nothing unless
    O(accept_reboots=true).
  - Checks the media first, runs setup detached as SYSTEM with C(/noreboot), restarts the host itself, and on
    a failure returns the key lines of the setup logs with the decoded result code. Details -
    C(docs/ladder.md) of the collection, section "Inside the rungs".
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  image:
    description:
      - Path of the Windows ISO on the host, for example C(C:\iso\Win11_24H2_English_x64.iso), or a UNC path.
      - A UNC path is read from the WinRM session, which cannot reach a share without credential delegation
        (CredSSP, Kerberos delegation or become); otherwise copy the ISO to a local disk first.
      - The ISO must hold the installed edition, architecture and language, of the installed build
        (see O(allow_newer_build)).
    type: str
    required: true
  accept_reboots:
    description:
      - Must be V(true) for the module to do anything, in check mode too. Confirms that the host may
        restart several times and be away for an hour or more.
    type: bool
    default: false
  compat_scan:
    description:
      - Run C(setup.exe ... /compat scanonly) first and stop, without changing the installed Windows, unless
        it answers 0xC1900210 (no issues). Other answers are 0xC1900208 (an app or driver blocks),
        0xC1900200 (system requirements), 0xC190020E (disk space), 0xC1900204 (keeping apps not available).
    type: bool
    default: true
  copy_logs:
    description:
      - Passed to setup as C(/copylogs); setup copies its logs there when it fails. A path on the host or a
        UNC path that the host's SYSTEM account can write to.
    type: str
    default: C:\ProgramData\winrepair\setup-logs
  dynamic_update:
    description:
      - Let setup download Dynamic Update packages (C(/dynamicupdate enable)). Off by default so the
        result depends only on the ISO.
    type: bool
    default: false
  allow_newer_build:
    description:
      - Accept an ISO of a newer build than the installed one. That is a feature update, not a repair install.
    type: bool
    default: false
  min_free_gb:
    description:
      - Refuse to start when the system drive has less free space (GB).
    type: int
    default: 20
  scan_timeout:
    description:
      - Seconds to wait for the compatibility scan.
    type: int
    default: 3600
  setup_timeout:
    description:
      - Seconds to wait for setup's downlevel phase (before the first restart). When it runs out setup keeps
        running on the host; running the task again waits for the same run.
    type: int
    default: 5400
  reboot_timeout:
    description:
      - Seconds to wait for the host to come back after the restart, through all of setup's own restarts
        until the logon screen is shown, and then for setup's final state.
    type: int
    default: 7200
  poll_interval:
    description:
      - Seconds between polls of the detached setup.exe.
    type: float
    default: 30
  resume_id:
    description:
      - An id of the attempt this repair install belongs to; role wu_remediate passes its run's id and the rung's attempt
        (a re-run that takes up a cut-off step keeps it; a failed step tried again is a new attempt).
      - A repair install started under the same id by an earlier, cut-off run is taken up, not started again. It is
        reported V(completed) when setup finished since; when its downlevel phase ended and the host has not
        restarted since, the host is restarted to let setup go on.
      - Empty (the default) starts setup, or attaches to a setup of the same image and command line still running.
    type: str
    default: ""
  yield_after:
    description:
      - Seconds the task waits for the compatibility scan or setup's downlevel phase before it gives its fork back
        while setup.exe runs on; the result then has RV(pending) and RV(resume). C(0) waits to the end.
      - Only when the play's batch has more hosts than forks; else the task waits to the end.
      - The result then also asks for a rest of five times this without a fork (RV(resume_after)).
      - The restart and setup's phases after it are waited for in one call.
    type: float
    default: 0
  resume:
    description:
      - RV(resume) of an earlier result of this module with RV(pending), given with the same other options; the task
        waits for that setup.exe run instead of starting anything.
    type: dict
notes:
  - Check mode runs only the read-only preflight (and the media check when the ISO is mounted already);
    nothing is mounted or started.
  - Sources - Microsoft Learn "Windows Setup Command-Line Options"; windows-itpro-docs
    C(windows/deployment/upgrade/upgrade-error-codes.md), C(resolution-procedures.md), C(log-files.md).
  - Does not support C(async).
seealso:
  - module: winrepair.windows_update.win_sfc_dism
  - module: winrepair.windows_update.win_wu_diagnose
  - module: ansible.windows.win_reboot
  - name: Inside the inplace_upgrade rung
    description: What it costs, the steps, /noreboot, progress, what it reads afterwards.
    link: https://github.com/winrepair/windows_update/blob/main/docs/ladder.md#inplace_upgrade-win_inplace_upgrade
"""

EXAMPLES = r"""
- name: Repair install from a local ISO (an hour or more, several restarts)
  winrepair.windows_update.win_inplace_upgrade:
    image: C:\iso\Win11_24H2_English_x64.iso
    accept_reboots: true
  register: repair

- name: Show the build before and after
  ansible.builtin.debug:
    msg: "{{ repair.before.build }}.{{ repair.before.ubr }} -> {{ repair.after.build }}.{{ repair.after.ubr }}"

- name: Only check what would happen (read-only)
  winrepair.windows_update.win_inplace_upgrade:
    image: C:\iso\Win11_24H2_English_x64.iso
    accept_reboots: true
  check_mode: true

- name: Skip the separate compatibility scan, keep setup's logs on a share
  winrepair.windows_update.win_inplace_upgrade:
    image: C:\iso\Win11_24H2_English_x64.iso
    accept_reboots: true
    compat_scan: false
    copy_logs: \\logs01\setup$\{{ inventory_hostname }}
    reboot_timeout: 10800
"""

RETURN = r"""
changed:
  description: True once setup's downlevel phase succeeded and the host was restarted into setup (a
    rollback then still counts as a change of the host's state, for example its logs). False when the
    module stopped before (refusal, preflight, media, compatibility scan, downlevel failure). In check
    mode the prediction that a real run would change the host.
  returned: always
  type: bool
outcome:
  description: Where the run ended.
  returned: always
  type: str
  choices: [refused, preflight_failed, media_mismatch, compat_blocked, setup_failed, not_back, rolled_back,
            completed, unknown, check_mode, pending]
msg:
  description: What happened and, on a failure, the likely cause and the next step.
  returned: always
  type: str
  sample: "repair install completed: 26100.2033 before, 26100.1742 after. The UBR dropped ..."
before:
  description: The installed Windows before (from the registry, CurrentVersion); null when refused.
  returned: always
  type: dict
  contains:
    product_name: {description: ProductName., type: str}
    edition_id: {description: EditionID., type: str}
    display_version: {description: DisplayVersion (24H2)., type: str}
    build: {description: CurrentBuild., type: int}
    ubr: {description: Update build revision., type: int}
    install_date: {description: "InstallDate (ISO 8601, UTC).", type: str}
  sample: {"edition_id": "Professional", "build": 26100, "ubr": 2033, "display_version": "24H2"}
after:
  description: The same fields as RV(before) (without product_name) once the host is back.
  returned: when the host came back after the restart
  type: dict
  sample: {"edition_id": "Professional", "build": 26100, "ubr": 1742, "install_date": "2026-11-02T11:32:10Z"}
media:
  description: What the ISO holds and whether it fits.
  returned: unless refused or stopped by the preflight
  type: dict
  contains:
    inspected: {description: False in check mode when the ISO is not mounted already., type: bool}
    reason: {description: Why the media was not inspected., type: str, returned: when not inspected}
    drive_letter: {description: Drive letter of the mounted ISO., type: str}
    setup_version: {description: ProductVersion of setup.exe., type: str}
    image_path: {description: sources\install.wim or install.esd on the ISO., type: str}
    index: {description: "The image setup will use (matching edition), null when it does not fit.", type: int}
    image: {description: "That image (index, name, edition, architecture, build, ubr, languages, installation).", type: dict}
    problems: {description: Why the media does not fit., type: list, elements: str}
    warnings: {description: "Things to know (older UBR, newer build allowed).", type: list, elements: str}
compat_scan:
  description: The compatibility scan's run and decoded result.
  returned: when O(compat_scan) ran
  type: dict
  contains:
    exit_code: {description: setup.exe's exit code (signed 32-bit)., type: int, sample: -1047526896}
    result: {description: "Decoded: outcome (no_issues, app_block, ...), message, code (hex), name.", type: dict}
    run_id: {description: The detached run's id., type: str}
    duration_seconds: {description: Run time on the host., type: int}
    state: {description: exited or lost., type: str}
setup:
  description: The repair install's detached run.
  returned: when setup.exe was started
  type: dict
  contains:
    run_id: {description: The detached run's id (a key of image and command line)., type: str}
    attached: {description: An earlier run with the same key was found and waited for., type: bool}
    taken_up:
      description: "What became of the setup an earlier run started under O(resume_id): V(completed) or
        V(rolled_back) (not run again), V(restart_pending) (only the restart was left)."
      type: str
      returned: when an earlier run's setup was taken up
    restarts:
      description: 1 when a restart of the host ended the downlevel phase and setup was started again.
      type: int
      returned: when that happened
    exit_code: {description: "setup.exe's exit code; 3 (CONX_SETUP_EXITCODE_CONTINUE_REBOOT) is success.", type: int}
    result: {description: "Decoded exit code (outcome, message, code, name).", type: dict}
    start_time: {description: When setup.exe started (host clock)., type: str}
    end_time: {description: When the downlevel phase ended., type: str}
    duration_seconds: {description: Length of the downlevel phase., type: int}
    state: {description: exited or lost., type: str}
    connection_errors: {description: Polls that failed and were retried., type: int}
    rollback:
      description: The decoded C(result - extend) pair of a rollback (setup_result.decode_rollback).
      returned: when rolled back and the logs carry the pair
      type: dict
      sample: {"result": "0xC1900101", "extend": "0x4000D", "phase": {"short": "SECOND_BOOT"},
               "operation": {"short": "MIGRATE_DATA"}}
rebooted:
  description: Whether the host was restarted.
  returned: always
  type: bool
reboot:
  description: The reboot helper's answer (elapsed seconds, failed).
  returned: when the host was restarted
  type: dict
logs:
  description: Key lines of setup's logs.
  returned: on compat_blocked, setup_failed and rolled_back
  type: dict
  contains:
    files: {description: "Each existing setupact.log/setuperr.log: path, size, last_write, errors.", type: list}
    result_pairs: {description: Decoded result - extend pairs found in the lines., type: list}
    lines: {description: The last 40 error or result-code lines., type: list, elements: str}
    compat_data: {description: Paths of CompatData*.xml compatibility reports., type: list, elements: str}
commands:
  description: The setup.exe command lines run (or that would run); empty when refused or stopped by the
    preflight.
  returned: always
  type: list
  elements: str
elapsed_seconds:
  description: Controller-side duration of the task, from the first call when taken up with O(resume).
  returned: always
  type: float
pending:
  description: setup.exe still runs after O(yield_after) seconds; call the module again with RV(resume).
  returned: when the task gave its fork back
  type: bool
  sample: true
resume:
  description: What O(resume) of the next call needs (the phase, the preflight's answers, whether this task mounted
    the ISO, the result so far).
  returned: when RV(pending)
  type: dict
resume_after:
  description:
    - Seconds the host can wait without a fork before the next call is worth it, five times O(yield_after). The
      collection's strategy C(winrepair.windows_update.free) gives the host no task for that long.
  returned: when RV(pending)
  type: float
  sample: 150.0
"""
