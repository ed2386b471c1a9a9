# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parameters each host script is run with in the differential and culture
tests (as the controller's action plugins send them), and whether it runs in
check mode (only scripts that declare SupportsShouldProcess do run then)."""
from __future__ import annotations

from .hosts import CHECK, DISM, HOLDER, ISO_PATH, JOURNAL, LOCK, RESTORE, RUN_ROOT

PARAMETERS = {
    "cbs_sr_lines": [{}, {"MaxLines": 2}],
    "kb_installed": [{}],
    "wu_defender_rtp": [{"Disable": True}, {"Disable": False}],
    "wu_journal_read": [{"Path": JOURNAL}],
    # Expected: the revision the controller saw (the SHA-256 of the hosts' journal text), another one, none.
    "wu_journal_write": [{"Path": JOURNAL, "Content": '{"version": 1, "steps": [1]}'},
                         {"Path": JOURNAL, "Content": '{"version": 1, "steps": [1]}',
                          "Expected": "ade0158a87a4cc2585ac795c629ce63affe95eb72bdae8b3668772cdda1873b8"},
                         {"Path": JOURNAL, "Content": '{"version": 1, "steps": [1]}', "Expected": "0" * 64},
                         {"Path": JOURNAL, "Content": '{"version": 1, "steps": [1]}', "Expected": "none"}],
    "wu_journal_lock": [{"Path": LOCK, "Action": "acquire", "RunId": "run-1", "Content": HOLDER["run-1"]},
                        {"Path": LOCK, "Action": "release", "RunId": "run-1"},
                        {"Path": LOCK, "Action": "acquire", "RunId": "run-1", "Content": HOLDER["run-1"],
                         "Replace": HOLDER["run-0"]},
                        {"Path": LOCK, "Action": "acquire", "RunId": "run-1", "Content": HOLDER["run-1"],
                         "ReplaceEmpty": True},
                        # The journal read once the lock is taken (win_wu_journal lock=acquire), also with a take-over.
                        {"Path": LOCK, "Action": "acquire", "RunId": "run-1", "Content": HOLDER["run-1"],
                         "JournalPath": JOURNAL},
                        {"Path": LOCK, "Action": "acquire", "RunId": "run-1", "Content": HOLDER["run-1"],
                         "Replace": HOLDER["run-0"], "JournalPath": JOURNAL}],
    "inplace_setup_state": [{}],
    "inplace_setup_logs": [{}],
    "inplace_preflight": [{"ImagePath": ISO_PATH}],
    "inplace_media_info": [{"DriveLetter": "E:"}],
    "iso_mount": [{"ImagePath": ISO_PATH}, {"ImagePath": ISO_PATH, "Action": "dismount"}],
    "sfc_dism_preflight": [{"CheckHealth": True}, {"Source": ISO_PATH, "WimInfo": True}],
    "wu_diagnose": [{}, {"CbsPattern": "HRESULT = 0x8", "SinceDays": 30}],
    "wu_disk_cleanup": [{"OlderThanDays": 7}],
    "wu_insider_leave": [{"BackupFolder": "C:\\ProgramData\\winrepair\\insider", "BlockPreviewBuilds": True}],
    "wu_reset_state": [{"ServiceNames": ["wuauserv", "bits"], "DllNames": ["wuaueng.dll"]},
                       # What win_wu_reset sends (plugins/action/win_wu_reset.py: STOP_ONLY + STOP_ORDER).
                       {"ServiceNames": ["usosvc", "dosvc", "trustedinstaller", "bits", "wuauserv", "appidsvc",
                                         "cryptsvc", "msiserver"], "DllNames": ["wuaueng.dll"]}],
    "wu_restore_point": [{"Description": "winrepair", "MaxAgeMinutes": 1440}],
    "wu_reset_apply": [{"StopServices": ["wuauserv", "bits"], "StartServices": ["bits", "wuauserv"],
                        "StartModes": {"wuauserv": "manual", "bits": "manual"}, "RunningBefore": ["wuauserv", "bits"],
                        "StopTimeoutSeconds": 30, "KillStuck": True,
                        "Renames": [{"name": "SoftwareDistribution", "path": "C:\\Windows\\SoftwareDistribution",
                                     "backup": "C:\\Windows\\SoftwareDistribution.bak-20261102T090000"}]}],
    "detached_start": [{"RunId": "r1", "FilePath": DISM, "Arguments": CHECK, "WorkRoot": RUN_ROOT},
                       {"RunId": "r1", "FilePath": DISM, "Arguments": RESTORE, "WorkRoot": RUN_ROOT},
                       {"RunId": "r1", "FilePath": DISM, "Arguments": CHECK, "WorkRoot": RUN_ROOT, "ReuseSeconds": 3600}],
    "detached_status": [{"RunId": "r1", "WorkRoot": RUN_ROOT},
                        {"RunId": "r1", "WorkRoot": RUN_ROOT, "StdoutOffset": 2, "MaxBytes": 16}],
}
