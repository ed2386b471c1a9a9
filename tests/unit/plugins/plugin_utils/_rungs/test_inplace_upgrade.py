# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of win_inplace_upgrade: setup.exe arguments, media matching, results."""
from __future__ import annotations

import pytest


from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import inplace_upgrade as ipu  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import isotime  # noqa: E402

HOST = {"edition_id": "Professional", "architecture": "x64", "build": 26100, "ubr": 2033,
        "install_language": "en-US", "install_date": "2025-03-14T09:30:00Z", "image_path": "C:\\iso\\w.iso",
        "image_exists": True, "free_bytes": 80 * ipu.GIB, "system_drive": "C:", "reboot_pending": False}


def images(build=26100, ubr=1742, arch="x64", languages=("en-US",), editions=("Core", "Professional")):
    return [{"index": i + 1, "name": e, "edition": e, "architecture": arch, "build": build, "ubr": ubr,
             "languages": list(languages), "installation": "Client"} for i, e in enumerate(editions)]


def test_upgrade_arguments_keep_apps_and_suppress_the_first_restart():
    args = ipu.upgrade_arguments("C:\\logs")
    assert args[:3] == ["/auto", "upgrade", "/quiet"]
    assert "/noreboot" in args and ["/compat", "ignorewarning"] == args[args.index("/compat"):args.index("/compat") + 2]
    assert args[-2:] == ["/copylogs", "C:\\logs"]
    assert "scanonly" not in args
    assert ipu.base_arguments(dynamic_update=True)[-1] == "enable"
    assert "/copylogs" not in ipu.upgrade_arguments(None)


def test_scan_arguments():
    args = ipu.scan_arguments()
    assert "scanonly" in args and "/noreboot" not in args


def test_matching_media_picks_the_installed_edition():
    match = ipu.match_media(HOST, images())
    assert match["ok"] and match["index"] == 2
    assert any("UBR 1742 is older" in w for w in match["warnings"])


@pytest.mark.parametrize("kwargs, words", [
    ({"arch": "arm64"}, "arm64"),
    ({"languages": ("de-DE",)}, "de-DE"),
    ({"build": 22631}, "older than the installed build"),
    ({"build": 26200}, "feature update"),
    ({"editions": ("Enterprise",)}, "no Professional image"),
])
def test_media_that_does_not_fit(kwargs, words):
    match = ipu.match_media(HOST, images(**kwargs))
    assert not match["ok"] and match["index"] is None
    assert any(words in p for p in match["problems"]), match["problems"]


def _server_images():
    # A Windows Server install.wim: Server Core and Desktop Experience of one edition share its EditionId.
    return [dict(image, edition="ServerStandard", installation=kind, index=n)
            for n, (image, kind) in enumerate(zip(images(editions=("a", "b")), ("Server Core", "Server")), 1)]


def test_media_matching_tells_server_core_from_desktop_experience_by_installation_type():
    server = dict(HOST, edition_id="ServerStandard", installation_type="Server")
    assert ipu.match_media(server, _server_images())["index"] == 2
    core = dict(server, installation_type="Server Core")
    assert ipu.match_media(core, _server_images())["index"] == 1
    only_core = ipu.match_media(server, _server_images()[:1])
    assert not only_core["ok"] and any("Server Core" in p and "installation type Server" in p
                                       for p in only_core["problems"]), only_core["problems"]


def test_media_matching_ignores_the_images_listed_without_details():
    listed = images(editions=("Core", "Professional", "Education"))
    listed[2] = {"index": 3, "name": "Education", "edition": None, "architecture": None, "build": None, "ubr": None,
                 "languages": [], "installation": None, "detailed": False}
    match = ipu.match_media(HOST, listed)
    assert match["ok"] and match["index"] == 2
    wrong = ipu.match_media(dict(HOST, edition_id="Enterprise"), listed)
    assert any("(it has Core, Professional)" in p for p in wrong["problems"]), wrong["problems"]


def test_newer_build_allowed_is_only_a_warning():
    match = ipu.match_media(HOST, images(build=26200), allow_newer_build=True)
    assert match["ok"] and any("feature update" in w for w in match["warnings"])


def test_no_images():
    assert not ipu.match_media(HOST, [])["ok"]


def test_preflight_problems():
    assert ipu.preflight_problems(HOST) == []
    bad = dict(HOST, image_exists=False, free_bytes=5 * ipu.GIB, reboot_pending=True)
    problems = ipu.preflight_problems(bad)
    assert len(problems) == 3
    assert "does not exist" in problems[0] and "5.0 GB" in problems[1] and "restart" in problems[2]
    unc = ipu.preflight_problems(dict(HOST, image_exists=False, image_path="\\\\srv\\iso\\w.iso"))
    assert "delegation" in unc[0]


@pytest.mark.parametrize("code, ok, outcome", [
    (-1047526896, True, "no_issues"),  # 0xC1900210 as a signed exit code
    (0xC1900208, False, "app_block"),
    (0xC1900200, False, "requirements_not_met"),
    (0xC190020E, False, "not_enough_disk"),
])
def test_interpret_scan(code, ok, outcome):
    got_ok, info = ipu.interpret_scan(code)
    assert got_ok is ok and info["outcome"] == outcome
    if not ok:
        assert info["code"] in ipu.scan_message(code, info)


def test_interpret_downlevel():
    assert ipu.interpret_downlevel(3)[0] is True
    ok, info = ipu.interpret_downlevel(7)
    assert not ok and "0x7" in ipu.downlevel_message(7, info)
    ok, info = ipu.interpret_downlevel(-2147023504)  # 0x80070570
    assert not ok and info["code"] == "0x80070570"
    assert ipu.interpret_downlevel(None)[0] is False


def test_judge_after():
    started = isotime.parse("2026-11-02T10:00:00Z")
    done = {"install_date": "2026-11-02T11:10:00Z", "rollback_log_time": None, "setup_progress": None}
    assert ipu.judge_after(HOST, done, started) == "completed"
    rolled = {"install_date": HOST["install_date"], "rollback_log_time": "2026-11-02T11:20:00Z"}
    assert ipu.judge_after(HOST, rolled, started) == "rolled_back"
    old_rollback = dict(rolled, rollback_log_time="2026-01-01T00:00:00Z")
    assert ipu.judge_after(HOST, old_rollback, started) == "unknown"
    running = {"install_date": HOST["install_date"], "setup_progress": 40}
    assert ipu.judge_after(HOST, running, started) == "in_progress"


def test_rollback_message_names_the_driver_cause_and_next_steps():
    pair = ipu.decode_pair("0xC1900101 - 0x4000D")
    msg = ipu.rollback_message(pair, ["Windows Defender", "Contoso Endpoint"])
    assert "0xC1900101 - 0x4000D" in msg and "SECOND_BOOT" in msg and "MIGRATE_DATA" in msg
    assert "driver" in msg and "Contoso Endpoint" in msg and "Windows Defender" not in msg
    assert "setupapi.dev.log" in msg
    assert "0xC1900101" in ipu.rollback_message(None)


def test_summarize_logs_finds_the_result_pair():
    logs = {"files": [
        {"path": "C:\\$WINDOWS.~BT\\Sources\\Rollback\\setupact.log", "exists": True, "size": 10,
         "last_write": "2026-11-02T11:20:00Z",
         "lines": ["2026-11-02 11:20:00, Error                SP     Operation failed: MIGRATE_DATA. "
                   "Result 0xC1900101 - 0x4000D, rolling back"]},
        {"path": "C:\\Windows\\Panther\\setupact.log", "exists": False, "lines": []}],
        "compat_data": []}
    summary = ipu.summarize_logs(logs)
    assert [p["extend"] for p in summary["result_pairs"]] == ["0x4000D"]
    assert len(summary["files"]) == 1 and summary["files"][0]["errors"]


# -- earlier_setup: what a resumed run does with the setup an earlier run started -----------------
_RUN = {"state": "exited", "exit_code": 3, "start_time": "2026-11-22T10:00:00Z", "end_time": "2026-11-22T10:40:00Z"}


@pytest.mark.parametrize("status, state, expected", [
    (None, {}, ipu.EARLIER_NONE),
    ({"state": "unknown"}, {}, ipu.EARLIER_NONE),
    ({"state": "running"}, {}, ipu.EARLIER_RUNNING),
    # killed by a restart, or the downlevel phase failed: the installed Windows is as it was
    (dict(_RUN, state="lost", exit_code=None), {"boot_time": "2026-11-22T10:20:00Z"}, ipu.EARLIER_NONE),
    (dict(_RUN, exit_code=-2147024784), {"boot_time": "2026-11-22T09:00:00Z"}, ipu.EARLIER_NONE),
    # downlevel done, no restart since: setup waits for it
    (_RUN, {"boot_time": "2026-11-22T09:00:00Z", "install_date": "2024-01-01T00:00:00Z"},
     ipu.EARLIER_RESTART_PENDING),
    (_RUN, {"boot_time": "2026-11-22T10:40:00Z"}, ipu.EARLIER_RESTART_PENDING),
    # restarted, new InstallDate: done
    (_RUN, {"boot_time": "2026-11-22T11:30:00Z", "install_date": "2026-11-22T11:20:00Z"}, ipu.EARLIER_COMPLETED),
    # restarted, a rollback log after the start: rolled back (even with an InstallDate from before)
    (_RUN, {"boot_time": "2026-11-22T11:30:00Z", "install_date": "2024-01-01T00:00:00Z",
            "rollback_log_time": "2026-11-22T11:10:00Z"}, ipu.EARLIER_ROLLED_BACK),
    # restarted, an old InstallDate and no rollback: unclear, start again
    (_RUN, {"boot_time": "2026-11-22T11:30:00Z", "install_date": "2024-01-01T00:00:00Z",
            "rollback_log_time": "2026-11-01T00:00:00Z"}, ipu.EARLIER_NONE),
    (dict(_RUN, start_time=None), {"boot_time": "2026-11-22T09:00:00Z"}, ipu.EARLIER_NONE),
])
def test_earlier_setup(status, state, expected):
    assert ipu.earlier_setup(status, state) == expected


@pytest.mark.parametrize("boot, ended, expected", [
    ("2026-11-22T09:00:00Z", "2026-11-22T10:40:00Z", True),
    ("2026-11-22T10:40:00Z", "2026-11-22T10:40:00Z", True),
    ("2026-11-22T10:41:00Z", "2026-11-22T10:40:00Z", False),
    (None, "2026-11-22T10:40:00Z", False),
    ("2026-11-22T09:00:00Z", None, False),
])
def test_restart_missed(boot, ended, expected):
    assert ipu.restart_missed({"boot_time": boot}, ended) is expected
