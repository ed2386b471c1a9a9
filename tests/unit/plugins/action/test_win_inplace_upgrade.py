# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The win_inplace_upgrade action plugin against simulated hosts, in-process.

_execute_module routes to the simulator's win_powershell model (collection
scripts recognised by their text); the restart (ansible.windows' reboot
helper) is replaced by a fake that boots the simulated host, as the fleet's
server does. The fleet clock runs fast (time_scale 1e5: the 30-minute
downlevel phase is 18 ms).
"""
from __future__ import annotations

import datetime

import pytest
from ansible.errors import AnsibleConnectionFailure
from winsim.fake_host import FakeHost as SimulatedHost

from ansible_collections.winrepair.windows_update.plugins.action.win_inplace_upgrade import ActionModule
from winsim.detached import setup_exe
from winsim.model import Antivirus, Clock, HostModel

SCRIPTS = ("detached_start", "detached_status", "iso_mount", "inplace_preflight", "inplace_media_info",
           "inplace_setup_state", "inplace_setup_logs")
ISO = "C:\\iso\\Win11_24H2_x64.iso"
FAST = {"poll_interval": 0.01, "setup_timeout": 30, "scan_timeout": 30, "reboot_timeout": 30,
        "image": ISO, "accept_reboots": True}


class FakeHost(SimulatedHost):
    """fake_host.FakeHost with this module's scripts only, a fast clock, the ISO and a fake restart."""

    def __init__(self, scale=1e5, media=None):
        super().__init__(HostModel(name="win11", address="127.0.0.2"),
                         Clock(scale, datetime.datetime(2026, 11, 22, 3, 15, 0, tzinfo=datetime.timezone.utc)),
                         only_scripts=SCRIPTS)
        self.reboots = 0
        if media is not False:
            self.host.files[ISO.lower()] = media or setup_exe.make_media(26100, 1742)

    def reboot(self, options):
        # What the fleet does on shutdown.exe /r: the host boots (new boot time).
        self.reboots += 1
        self.host.boot_time = self.clock.now()
        return {"changed": True, "rebooted": True, "failed": False, "elapsed": 1}

    def run(self, args=None, check_mode=False, task_vars=None):
        action = self.action(ActionModule, dict(FAST, **(args or {})), check_mode,
                             task_action="winrepair.windows_update.win_inplace_upgrade")
        action._reboot = self.reboot
        return action.run(task_vars=dict({"inventory_hostname": "win11"}, **(task_vars or {})))

    def names(self):
        return self.script_names()

    def started(self):
        return [c[1]["Arguments"] for c in self.scripts if c[0] == "detached_start"]


def test_repair_install_completes_and_reports_before_and_after():
    fake = FakeHost()
    fake.host.component_store.health = "not_repairable"
    fake.host.component_store.system_files_corrupt = True
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["outcome"] == "completed"
    assert result["before"]["build"] == 26100 and result["before"]["ubr"] == 2033
    assert result["after"]["build"] == 26100 and result["after"]["ubr"] == 1742  # the ISO's UBR
    assert "UBR dropped from 2033 to the ISO's 1742" in result["msg"]
    assert result["compat_scan"]["result"]["code"] == "0xC1900210"
    started = fake.started()
    assert len(started) == 2 and "/compat scanonly" in started[0]
    assert started[1] == ("/auto upgrade /quiet /eula accept /dynamicupdate disable /compat ignorewarning "
                          "/showoobe none /noreboot /copylogs C:\\ProgramData\\winrepair\\setup-logs")
    assert result["setup"]["exit_code"] == 3  # CONX_SETUP_EXITCODE_CONTINUE_REBOOT
    assert fake.reboots == 1 and result["rebooted"] is True
    assert fake.host.component_store.health == "healthy"
    assert fake.host.component_store.system_files_corrupt is False
    assert result["media"]["index"] == 6 and result["media"]["image"]["edition"] == "Professional"
    # The mount did not survive the restart; the dismount found nothing to do.
    assert fake.names()[-1] == "iso_mount" and not getattr(fake.host, "mounted_images", {})
    # Setup's own restarts were modelled (SafeOS, first boot, second boot).
    assert len(setup_exe.setup_state(fake.host)["reboots"]) == 3


def test_compat_scan_app_block_stops_before_setup():
    fake = FakeHost()
    fake.host.setup = {"compat_block": "app", "blocking_app": "Contoso VPN 3.1"}
    result = fake.run()
    assert result["failed"] is True and result["outcome"] == "compat_blocked"
    assert result["compat_scan"]["result"]["code"] == "0xC1900208"
    assert result["compat_scan"]["result"]["name"] == "MOSETUP_E_COMPAT_INSTALLREQ_BLOCK"
    assert "CompatData" in result["msg"] and "not changed" in result["msg"]
    assert len(fake.started()) == 1 and fake.reboots == 0
    assert result["changed"] is False
    assert any("Contoso VPN 3.1" in l for l in result["logs"]["lines"])
    assert result["logs"]["compat_data"]
    assert not getattr(fake.host, "mounted_images", {})  # dismounted again


def test_not_enough_disk_space_is_found_by_the_preflight():
    fake = FakeHost()
    fake.host.disk.free_bytes = 8 * 1024 ** 3
    result = fake.run()
    assert result["failed"] is True and result["outcome"] == "preflight_failed"
    assert "8.0 GB free" in result["msg"]
    assert fake.names() == ["inplace_preflight"]


def test_rollback_with_third_party_filter_driver():
    fake = FakeHost()
    fake.host.antivirus = [Antivirus(name="Contoso Endpoint", filter_driver="csfilter")]
    result = fake.run()
    assert result["failed"] is True and result["outcome"] == "rolled_back"
    rollback = result["setup"]["rollback"]
    assert rollback["result"] == "0xC1900101" and rollback["extend"] == "0x4000D"
    assert rollback["phase"]["short"] == "SECOND_BOOT" and rollback["operation"]["short"] == "MIGRATE_DATA"
    assert "driver" in result["msg"] and "Contoso Endpoint" in result["msg"]
    assert "setupapi.dev.log" in result["msg"] and "clean boot" in result["msg"]
    assert any("csfilter" in l for l in result["logs"]["lines"])
    assert result["after"]["ubr"] == 2033 and fake.host.os.ubr == 2033  # the old installation is back
    assert result["rebooted"] is True


def test_failing_disk_fails_the_downlevel_phase_without_restart():
    fake = FakeHost()
    fake.host.disk.failing = True
    result = fake.run({"compat_scan": False})
    assert result["failed"] is True and result["outcome"] == "setup_failed"
    assert result["setup"]["result"]["code"] == "0x80070570"
    assert fake.reboots == 0 and result["changed"] is False
    assert "0x80070570 - 0x10001" in result["msg"]
    assert "unchanged" in result["msg"]


def test_missing_iso_is_a_clear_error_and_nothing_changes():
    fake = FakeHost(media=False)
    result = fake.run()
    assert result["failed"] is True and result["outcome"] == "preflight_failed"
    assert "does not exist" in result["msg"] and ISO in result["msg"]
    assert fake.names() == ["inplace_preflight"]


def test_unc_path_missing_mentions_delegation():
    fake = FakeHost(media=False)
    result = fake.run({"image": "\\\\files\\iso\\win11.iso"})
    assert result["failed"] is True and "delegation" in result["msg"]


def test_not_accepted_is_refused_without_touching_the_host():
    fake = FakeHost()
    result = fake.run({"accept_reboots": False})
    assert result["failed"] is True and result["outcome"] == "refused"
    assert "accept_reboots" in result["msg"] and "hour" in result["msg"]
    assert fake.scripts == []


def test_check_mode_reads_only():
    fake = FakeHost()
    result = fake.run(check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == "check_mode" and result["changed"] is True
    assert fake.names() == ["inplace_preflight"]
    assert result["media"]["inspected"] is False
    assert result["msg"].startswith("check mode: would mount")


def test_media_of_another_language_is_refused_before_setup():
    fake = FakeHost(media=setup_exe.make_media(26100, 1742, languages=("de-DE",)))
    result = fake.run()
    assert result["failed"] is True and result["outcome"] == "media_mismatch"
    assert "de-DE" in result["msg"] and "keep apps" in result["msg"]
    assert fake.started() == []
    assert not getattr(fake.host, "mounted_images", {})


def test_connection_lost_after_the_restart_is_retried():
    fake = FakeHost()
    # The downlevel phase is over within one wait (no progress poll), so the
    # first inplace_setup_state call is the first one after the restart.
    fake.fail_on[("inplace_setup_state", 1)] = AnsibleConnectionFailure("winrm connection error")
    result = fake.run({"compat_scan": False})
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == "completed"
    assert fake.names().count("inplace_setup_state") == 2


def test_an_iso_that_gets_no_drive_letter_is_dismounted_and_the_task_fails_saying_why():
    # Automatic mounting of new volumes off (mountvol /N): Windows gives the ISO's volume no letter.
    fake = FakeHost()
    fake.host.setup = {"automount": False}
    result = fake.run()
    assert result["failed"] is True
    assert "no drive letter" in result["msg"] and "mountvol /E" in result["msg"]
    assert "dismounted again" in result["msg"]
    assert not fake.host.mounted_images and fake.started() == []


def test_the_iso_stays_mounted_while_setup_still_runs_from_it_when_the_wait_ends():
    # A slow clock: setup's downlevel phase outlasts setup_timeout; the task gives up waiting
    # but setup.exe keeps running from the ISO's drive, so the ISO must stay mounted.
    fake = FakeHost(scale=1.0)
    result = fake.run({"compat_scan": False, "setup_timeout": 1, "poll_interval": 0.2})
    assert result["failed"] is True
    letters = list(fake.host.mounted_images.values())
    assert len(letters) == 1
    warning = " ".join(result.get("warnings", []))
    assert "left %s mounted at %s" % (ISO, letters[0]) in warning and "win_inplace_upgrade-setup" in warning
    assert [c[1].get("DevicePath") for c in fake.scripts if c[0] == "iso_mount"][-1] == "\\\\.\\CDROM0"


def test_the_media_is_read_only_up_to_the_image_of_the_installed_edition_and_installation_type():
    fake = FakeHost()
    result = fake.run()
    assert not result.get("failed"), result.get("msg")
    media_calls = [c[1] for c in fake.scripts if c[0] == "inplace_media_info"]
    assert media_calls and media_calls[0]["EditionId"] == "Professional" and media_calls[0]["InstallationType"] == "Client"
    assert result["media"]["index"] == 6 and result["media"]["image"]["installation"] == "Client"


# -- cut off, and taken up again ----------------------------------------------------------------

def test_a_restart_that_ends_the_downlevel_phase_starts_setup_once_more():
    # A slower clock (the downlevel phase lasts about a second): the restart after the first
    # poll lands while setup.exe still runs, and ends it.
    fake = FakeHost(scale=2e3)
    fake.reboot_after = {("detached_status", 1)}
    result = fake.run({"compat_scan": False})
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == "completed" and result["setup"]["restarts"] == 1
    assert fake.restarts == 1 and len(fake.started()) == 2 and fake.reboots == 1


def test_a_restart_request_that_was_lost_is_sent_once_more():
    fake = FakeHost()
    answers = []

    def reboot(options):
        answers.append(options)
        if len(answers) == 1:  # the request never reached the host: no new boot time
            return {"rebooted": False, "failed": True, "elapsed": 30, "msg": "timed out waiting for the restart"}
        return FakeHost.reboot(fake, options)
    fake.reboot = reboot
    result = fake.run({"compat_scan": False})
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == "completed" and len(answers) == 2


def test_a_restart_that_happened_but_took_too_long_is_not_asked_for_again():
    fake = FakeHost()
    answers = []

    def reboot(options):
        answers.append(FakeHost.reboot(fake, options))  # the host went down and came back
        return {"rebooted": False, "failed": True, "elapsed": 30, "msg": "timed out waiting for the restart"}
    fake.reboot = reboot
    result = fake.run({"compat_scan": False})
    assert result["failed"] is True and result["outcome"] == "not_back"
    assert len(answers) == 1


def test_a_rerun_with_the_same_resume_id_takes_up_the_completed_repair_install():
    # The journal write after a completed repair install failed; the ladder's re-run resumes
    # the rung with the same resume_id: setup is not run a second time.
    fake = FakeHost()
    first = fake.run({"compat_scan": False, "resume_id": "run-1"})
    assert first["outcome"] == "completed" and fake.reboots == 1
    again = fake.run({"compat_scan": False, "resume_id": "run-1"})
    assert not again.get("failed"), again.get("msg")
    assert again["outcome"] == "completed" and again["changed"] is False
    assert again["setup"]["taken_up"] == "completed" and "not run again" in again["msg"]
    assert len(fake.started()) == 1 and fake.reboots == 1
    assert again["after"]["ubr"] == 1742
    # Another run of the ladder (a new id) repairs again when asked to.
    fresh = fake.run({"compat_scan": False, "resume_id": "run-2"})
    assert fresh["outcome"] == "completed" and fresh["changed"] is True and len(fake.started()) == 2


def test_a_rerun_restarts_a_setup_that_still_waits_for_its_restart():
    fake = FakeHost()

    def lost(options):
        return {"rebooted": False, "failed": True, "elapsed": 30, "msg": "timed out waiting for the restart"}
    fake.reboot = lost
    first = fake.run({"compat_scan": False, "resume_id": "run-1"})
    assert first["failed"] is True and first["outcome"] == "not_back"
    del fake.reboot  # restarts reach the host again
    again = fake.run({"resume_id": "run-1"})
    assert not again.get("failed"), again.get("msg")
    assert again["outcome"] == "completed" and again["setup"]["taken_up"] == "restart_pending"
    assert len(fake.started()) == 1 and fake.reboots == 1  # no scan, no second setup: only the restart


# -- giving the fork back --------------------------------------------------------------------------
CROWDED = {"ansible_play_batch": ["win%02d" % n for n in range(10)]}  # more hosts than the default 5 forks


def _in_steps(fake, args, between=None, limit=500):
    """Call the task again with resume while it answers pending; (every result, the phases waited in).
    BETWEEN(fake, result) runs after each pending answer."""
    results = [fake.run(args, task_vars=CROWDED)]
    while results[-1].get("pending") and len(results) < limit:
        pending = results[-1]
        assert pending["changed"] is False and pending["outcome"] == "pending" and "resume" in pending["msg"]
        assert pending["resume_after"] == pytest.approx(5 * args["yield_after"])
        if between:
            between(fake, pending)
        results.append(fake.run(dict(args, resume=pending["resume"]), task_vars=CROWDED))
    return results, [r["resume"]["phase"] for r in results if r.get("pending")]


def test_a_repair_install_waited_for_in_steps_ends_as_one_task_does_and_starts_setup_once():
    args = {"yield_after": 0.02}
    whole = FakeHost(scale=1500).run(args)  # no crowd: no fork to give back, one call
    fake = FakeHost(scale=1500)  # the scan: 0.6 s, the downlevel phase: 1.2 s (many rounds on a busy machine too)
    results, phases = _in_steps(fake, args)
    last = results[-1]
    assert not last.get("pending") and not last.get("failed"), last.get("msg")
    assert "scan" in phases and "downlevel" in phases and phases == sorted(phases, key=("scan", "downlevel").index)
    for key in ("changed", "outcome", "before", "commands", "rebooted"):
        assert last[key] == whole[key], key
    assert dict(last["after"], install_date=None) == dict(whole["after"], install_date=None)  # setup's end differs
    assert last["compat_scan"]["result"] == whole["compat_scan"]["result"]
    assert last["setup"]["exit_code"] == whole["setup"]["exit_code"] and last["setup"]["attached"] is False
    # One scan and one setup.exe on the host; the preflight and the media read once, before setup.
    assert len(fake.host.detached_runs) == 2 and fake.reboots == 1
    assert fake.names().count("inplace_preflight") == 1 and fake.names().count("inplace_media_info") == 1
    # The ISO stays mounted from the first call to the last, which dismounts it.
    actions = [c[1]["Action"] for c in fake.scripts if c[0] == "iso_mount"]
    assert actions == ["mount"] * len(results) + ["dismount"]


def test_a_restart_between_two_calls_ends_setup_and_it_is_started_once_more():
    from winsim import power

    restarted = []

    def restart_once(fake, pending):
        if pending["resume"]["phase"] == "downlevel" and not restarted:
            restarted.append(power.restart(fake.host, fake.clock))
    fake = FakeHost(scale=1500)
    results, phases = _in_steps(fake, {"yield_after": 0.02, "compat_scan": False}, between=restart_once)
    last = results[-1]
    assert restarted and not last.get("failed"), last.get("msg")
    assert last["outcome"] == "completed" and last["setup"]["restarts"] == 1
    assert len([c for c in fake.scripts if c[0] == "detached_start"]) == 2


def test_the_setup_timeout_counts_from_the_start_of_setup_over_every_call():
    fake = FakeHost(scale=600)  # the downlevel phase: 3 real s
    results, _phases = _in_steps(fake, {"compat_scan": False, "setup_timeout": 1, "poll_interval": 0.05,
                                        "yield_after": 0.2})
    # A timeout counted in each call alone would never run out (0.2 s a call): setup would end at 3 s.
    assert len(results) > 2 and results[-1]["failed"] is True, results[-1].get("msg")
    assert "setup_timeout=1s" in results[-1]["msg"] and "keeps running" in results[-1]["msg"]
    assert results[-1]["elapsed_seconds"] < 3  # counted from the first call
    assert fake.reboots == 0


@pytest.mark.parametrize("resume", [{"run_id": "x"}, {"phase": "downlevel", "pre": {}, "result": {}}])
def test_a_resume_that_is_no_earlier_result_is_refused_before_anything_runs(resume):
    fake = FakeHost()
    result = fake.run({"resume": resume})
    assert result["failed"] and "resume" in result["msg"] and fake.scripts == []
