# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible.windows module models called directly on a HostModel (no server).

Each test changes or reads the modelled host the way the real module would and
checks the JSON it returns; check mode must leave the host as it was; options
and values the models do not know raise NotModelled; faults fire.
"""
from __future__ import annotations

import copy
import hashlib
import http.server
import io
import os
import base64
import threading
import types
import zipfile

import pytest

from winsim import scripts, winpath
from winsim.model import Clock, Folder, HostModel, NotModelled, ProtocolFault, RunContext
from winsim.modules import (win_command, win_copy, win_file, win_get_url, win_powershell, win_service,
                            win_stat)


def make_host(**kw) -> HostModel:
    return HostModel(name="win11-01", address="127.0.0.2", **kw)


def ctx_for(host, step, check=False) -> RunContext:
    return RunContext(host=host, clock=Clock(), check_mode=check, step=step)


def snapshot(host):
    """Everything a module may change, for check-mode comparisons."""
    return copy.deepcopy({
        "services": {k: vars(v) for k, v in host.services.items()},
        "folders": {k: vars(v) for k, v in host.folders.items()},
        "files": dict(host.files),
        "store": vars(host.component_store),
        "free": host.disk.free_bytes,
        "insider": vars(host.insider),
        "cbs": list(host.cbs_log),
    })


# ================================================================ win_command

def cmd(host, line=None, check=False, **args):
    if line is not None:
        args["cmd"] = line
    ctx = ctx_for(host, "win_command", check)
    return win_command.run(host, args, ctx), ctx


def test_sfc_output_is_utf16_and_decoded_as_utf8_by_default():
    host = make_host()
    res, ctx = cmd(host, "sfc /scannow")
    assert res["rc"] == 0 and res["changed"] is True
    # UTF-16LE read as UTF-8: a NUL after every ASCII character.
    assert "W\x00i\x00n\x00d\x00o\x00w\x00s\x00" in res["stdout"]
    assert ctx.modelled_seconds >= 300
    res, _ctx = cmd(host, "sfc /scannow", output_encoding_override="unicode")
    assert "\x00" not in res["stdout"]
    assert res["stdout"].strip().endswith(win_command.SFC_NO_VIOLATIONS)


def test_sfc_repairs_only_with_a_healthy_store():
    host = make_host()
    host.component_store.system_files_corrupt = True
    host.component_store.health = "repairable"
    res, _ctx = cmd(host, "sfc.exe /SCANNOW", output_encoding_override="utf-16")
    assert "unable to fix some" in res["stdout"]
    assert host.component_store.system_files_corrupt is True
    assert any("[SR] Cannot repair member file" in line for line in host.cbs_log)
    host.component_store.health = "healthy"
    res, _ctx = cmd(host, "sfc /scannow", output_encoding_override="utf-16")
    assert "successfully repaired them" in res["stdout"]
    assert host.component_store.system_files_corrupt is False


def test_sfc_pending_reboot_and_disabled_installer():
    host = make_host()
    host.pending_reboot.cbs_reboot_pending = True
    res, _ctx = cmd(host, "sfc /scannow", output_encoding_override="unicode")
    assert "system repair pending which requires reboot" in res["stdout"]
    host.pending_reboot.cbs_reboot_pending = False
    host.services["trustedinstaller"].start_mode = "disabled"
    res, _ctx = cmd(host, "sfc /scannow", output_encoding_override="unicode")
    assert "could not start the repair service" in res["stdout"]


def test_dism_checkhealth_scanhealth_report_store_state():
    host = make_host()
    res, ctx = cmd(host, "DISM /Online /Cleanup-Image /CheckHealth")
    assert res["rc"] == 0 and "No component store corruption detected." in res["stdout"]
    assert ctx.modelled_seconds < 60
    host.component_store.health = "repairable"
    res, ctx = cmd(host, "dism.exe /online /cleanup-image /scanhealth")
    assert "The component store is repairable." in res["stdout"]
    assert "100.0%" in res["stdout"] and 300 <= ctx.modelled_seconds <= 600
    assert host.component_store.health == "repairable"  # scanning repairs nothing


def test_dism_restorehealth_repairs_and_takes_long():
    host = make_host()
    host.component_store.health = "repairable"
    res, ctx = cmd(host, argv=["dism", "/Online", "/Cleanup-Image", "/RestoreHealth"])
    assert res["cmd"] == "C:\\WINDOWS\\system32\\Dism.exe /Online /Cleanup-Image /RestoreHealth"
    assert res["rc"] == 0
    assert "The restore operation completed successfully." in res["stdout"]
    assert 600 <= ctx.modelled_seconds <= 1800
    assert res["delta"].startswith("0:") and res["start"] < res["end"]
    assert host.component_store.health == "healthy"


def test_dism_source_missing_is_an_unsigned_hresult_rc():
    host = make_host()
    host.component_store.health = "repairable_from_source"
    res, _ctx = cmd(host, "DISM /Online /Cleanup-Image /RestoreHealth")
    # Process.cs reads the exit code as UInt32: 0x800f081f, not -2146498529.
    assert res["rc"] == 0x800F081F == 2148468767
    assert res["failed"] is True and res["msg"] == "non-zero return code"
    assert "Error: 0x800f081f" in res["stdout"]
    assert host.component_store.health == "repairable_from_source"


def test_dism_source_must_exist_and_match_the_edition():
    host = make_host()
    host.component_store.health = "repairable_from_source"
    host.files["d:\\sources\\install.wim"] = b"wim"
    host.component_store.sources["d:\\sources\\install.wim"] = {1: "Core", 6: "Professional"}
    wrong, _ctx = cmd(host, "DISM /Online /Cleanup-Image /RestoreHealth /Source:wim:D:\\sources\\install.wim:1 "
                      "/LimitAccess")
    assert wrong["rc"] == 0x800F081F
    right, _ctx = cmd(host, "DISM /Online /Cleanup-Image /RestoreHealth /Source:wim:D:\\sources\\install.wim:6 "
                      "/LimitAccess")
    assert right["rc"] == 0 and host.component_store.health == "healthy"


def test_dism_undescribed_source_is_not_modelled():
    host = make_host()
    host.component_store.health = "repairable_from_source"
    host.files["e:\\sources\\install.esd"] = b"esd"
    with pytest.raises(NotModelled):
        cmd(host, "DISM /Online /Cleanup-Image /RestoreHealth /Source:esd:E:\\sources\\install.esd:6")


def test_netsh_sc_and_bcdedit():
    host = make_host()
    assert "Winsock Catalog" in cmd(host, "netsh winsock reset")[0]["stdout"]
    assert "Direct access" in cmd(host, "netsh.exe winhttp reset proxy")[0]["stdout"]
    show, _ctx = cmd(host, "sc.exe sdshow wuauserv")
    assert show["stdout"].strip() == win_command.DEFAULT_SDDL["wuauserv"]
    new_sd = "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
    assert cmd(host, argv=["sc.exe", "sdset", "bits", new_sd])[0]["rc"] == 0
    assert host.services["bits"].security_descriptor == new_sd
    bad, _ctx = cmd(host, "sc.exe sdset bits nonsense")
    assert bad["rc"] == 1336 and bad["failed"] is True
    assert host.services["bits"].security_descriptor == new_sd
    missing, _ctx = cmd(host, "sc.exe sdshow nosuchsvc")
    assert missing["rc"] == 1060 and "does not exist" in missing["stdout"]
    host.insider.flightsigning = True
    assert "flightsigning           Yes" in cmd(host, "bcdedit /enum {current}")[0]["stdout"]
    assert cmd(host, "bcdedit /deletevalue {current} flightsigning")[0]["rc"] == 0
    assert "flightsigning" not in cmd(host, "bcdedit /enum {current}")[0]["stdout"]
    assert cmd(host, "bcdedit /deletevalue {current} flightsigning")[0]["rc"] == 1


def test_win_command_check_mode_skips_and_changes_nothing():
    host = make_host()
    host.component_store.health = "repairable"
    before = snapshot(host)
    res, ctx = cmd(host, "DISM /Online /Cleanup-Image /RestoreHealth", check=True)
    assert res == {"changed": False, "skipped": True,
                   "msg": "remote module (win_command) does not support check mode"}
    assert snapshot(host) == before and ctx.modelled_seconds == 0


def test_win_command_creates_removes_chdir():
    host = make_host()
    host.files["c:\\windows\\temp\\marker.txt"] = b"x"
    res, _ctx = cmd(host, "sfc /scannow", creates="%windir%\\Temp\\marker.txt")
    assert res["skipped"] is True and res["msg"] == "skipped, since C:\\Windows\\Temp\\marker.txt exists"
    res, _ctx = cmd(host, "sfc /scannow", removes="C:\\nothing.txt")
    assert res["skipped"] is True and "does not exist" in res["msg"]
    res, _ctx = cmd(host, "sfc /scannow", chdir="C:\\missing")
    assert res["failed"] is True and res["rc"] == 2 and "-WorkingDirectory" in res["msg"]


@pytest.mark.parametrize("args", [
    {"cmd": "wusa.exe C:\\x.msu /quiet"},
    {"cmd": "DISM /Online /Add-Package /PackagePath:C:\\x.msu"},
    {"cmd": "sfc /verifyonly"},
    {"cmd": "netsh advfirewall reset"},
    {"argv": ["C:\\Tools\\sfc.exe", "/scannow"]},
    {"cmd": "sfc /scannow", "output_encoding_override": "klingon"},
    {"cmd": "sfc /scannow", "something": 1},
])
def test_win_command_refuses_what_it_does_not_model(args):
    with pytest.raises(NotModelled):
        win_command.run(make_host(), args, ctx_for(make_host(), "win_command"))


def test_command_line_splitting_and_escaping_round_trip():
    argv = ["C:\\Program Files\\x.exe", 'say "hi"', "trail\\", "", "plain"]
    line = " ".join(win_command.escape_argument(a) for a in argv)
    assert win_command.split_command_line(line) == argv


# ================================================================ win_service

def svc(host, check=False, step="win_service", **args):
    return win_service.run(host, args, ctx_for(host, step, check))


def test_service_stop_start_and_report():
    host = make_host()
    res = svc(host, name="wuauserv", state="stopped")
    assert res["changed"] is True and res["state"] == "stopped"
    assert host.services["wuauserv"].state == "stopped"
    assert {"exists", "name", "display_name", "state", "start_mode", "path", "username", "dependencies",
            "depended_by", "can_pause_and_continue", "description", "desktop_interact"} <= set(res)
    again = svc(host, name="Windows Update", state="stopped")  # found by display name
    assert again["changed"] is False and again["name"] == "wuauserv"
    res = svc(host, name="wuauserv", state="started", start_mode="auto")
    assert res["changed"] is True and res["state"] == "running" and res["start_mode"] == "auto"
    assert host.services["wuauserv"].state == "running" and host.services["wuauserv"].start_mode == "auto"


def test_service_check_mode_reports_but_changes_nothing():
    host = make_host()
    before = snapshot(host)
    res = svc(host, check=True, name="bits", state="stopped", start_mode="disabled")
    assert res["changed"] is True and res["state"] == "stopped" and res["start_mode"] == "disabled"
    assert snapshot(host) == before


def test_service_dependents_need_force():
    host = make_host()
    host.services["appidsvc"].state = "running"
    res = svc(host, name="cryptsvc", state="stopped")
    assert res["failed"] is True and "because it has dependent services" in res["msg"]
    assert host.services["cryptsvc"].state == "running"
    res = svc(host, name="cryptsvc", state="stopped", force_dependent_services=True)
    assert res["changed"] is True
    assert host.services["cryptsvc"].state == "stopped" and host.services["appidsvc"].state == "stopped"
    assert "appidsvc" in res["depended_by"]


def test_service_restart_brings_stopped_dependents_back():
    host = make_host()
    host.services["appidsvc"].state = "running"
    res = svc(host, name="cryptsvc", state="restarted", force_dependent_services=True)
    assert res["changed"] is True and res["state"] == "running"
    assert host.services["cryptsvc"].state == "running" and host.services["appidsvc"].state == "running"


def test_service_disabled_cannot_start():
    host = make_host()
    host.services["bits"].state = "stopped"
    host.services["bits"].start_mode = "disabled"
    res = svc(host, name="bits", state="started")
    assert res["failed"] is True and "cannot be started" in res["msg"]
    assert svc(host, name="bits", state="started", start_mode="manual")["state"] == "running"


def test_service_stuck_stop_pending_never_answers():
    host = make_host()
    host.services["wuauserv"].stuck_stop_pending = True
    with pytest.raises(ProtocolFault) as err:
        svc(host, name="wuauserv", state="stopped")
    assert err.value.kind == "operation_timeout"
    assert host.services["wuauserv"].state == "stop_pending"
    # A later read-only call reports the pending state as win_service does.
    assert svc(host, name="wuauserv")["state"] == "stoppending"


def test_service_access_denied_and_missing():
    host = make_host()
    host.services["wuauserv"].access_denied = True
    res = svc(host, name="wuauserv", state="stopped")
    assert res["failed"] is True and "Access is denied, Win32ErrorCode 5 - 0x00000005" in res["msg"]
    assert host.services["wuauserv"].state == "running"
    host2 = make_host()
    host2.faults.access_denied_on = ["win_service"]
    assert svc(host2, name="bits", state="stopped")["failed"] is True
    res = svc(make_host(), name="nosuch", state="started")
    assert res["failed"] is True and res["exists"] is False and "is not installed" in res["msg"]


@pytest.mark.parametrize("args", [
    {"name": "bits", "state": "absent"},
    {"name": "bits", "state": "paused"},
    {"name": "bits", "path": "C:\\x.exe"},
    {"name": "bits", "username": "LocalSystem"},
])
def test_service_refuses_unmodelled(args):
    with pytest.raises(NotModelled):
        win_service.run(make_host(), args, ctx_for(make_host(), "win_service"))


# ======================================================== win_stat / win_file

def test_stat_file_folder_missing():
    host = make_host()
    host.files["c:\\windows\\temp\\a.txt"] = b"hello"
    host.folders["c:\\windows\\softwaredistribution"] = Folder("C:\\Windows\\SoftwareDistribution", 1000)
    ctx = ctx_for(host, "win_stat")
    res = win_stat.run(host, {"path": "%WINDIR%\\temp\\A.TXT", "checksum_algorithm": "sha256"}, ctx)
    st = res["stat"]
    assert st["exists"] and st["isreg"] and not st["isdir"] and st["size"] == 5
    assert st["checksum"] == hashlib.sha256(b"hello").hexdigest()
    assert st["extension"] == ".TXT" and st["path"] == "C:\\Windows\\temp\\A.TXT"
    res = win_stat.run(host, {"path": "C:\\Windows\\SoftwareDistribution"}, ctx)
    assert res["stat"]["isdir"] and res["stat"]["size"] == 1000 and "checksum" not in res["stat"]
    assert win_stat.run(host, {"path": "C:\\nope"}, ctx) == {"changed": False, "stat": {"exists": False}}
    with pytest.raises(NotModelled):
        win_stat.run(host, {"path": "C:\\x", "follow": True}, ctx)


def file_(host, check=False, **args):
    return win_file.run(host, args, ctx_for(host, "win_file", check))


def test_file_directory_touch_absent():
    host = make_host()
    assert file_(host, path="C:\\WURepair\\logs", state="directory") == {"changed": True}
    assert winpath.is_dir(host, "c:\\wurepair") and winpath.is_dir(host, "C:\\WURepair\\Logs")
    assert file_(host, path="C:\\WURepair\\logs", state="directory") == {"changed": False}
    assert file_(host, path="C:\\WURepair\\logs\\run.txt", state="touch") == {"changed": True}
    assert host.files["c:\\wurepair\\logs\\run.txt"] == b""
    assert file_(host, path="C:\\WURepair\\logs\\run.txt", state="directory")["msg"] == \
        "path C:\\WURepair\\logs\\run.txt is not a directory"
    assert file_(host, path="C:\\WURepair\\none.txt", state="file")["msg"] == \
        "path C:\\WURepair\\none.txt will not be created"
    assert file_(host, path="C:\\WURepair", state="absent") == {"changed": True}
    assert not winpath.exists(host, "C:\\WURepair\\logs\\run.txt") and not winpath.is_dir(host, "C:\\WURepair")
    assert file_(host, path="C:\\WURepair", state="absent") == {"changed": False}


def test_file_absent_on_default_folder_frees_space_and_removes_children():
    host = make_host()
    host.folders["c:\\windows\\softwaredistribution"] = Folder("C:\\Windows\\SoftwareDistribution", 5000)
    free = host.disk.free_bytes
    assert file_(host, path="C:\\Windows\\SoftwareDistribution", state="absent")["changed"] is True
    assert host.disk.free_bytes == free + 5000
    assert not winpath.is_dir(host, "C:\\Windows\\SoftwareDistribution\\Download")


def test_file_locked_folder_and_disk_full():
    host = make_host()
    host.folders["c:\\windows\\system32\\catroot2"] = Folder("C:\\Windows\\System32\\catroot2", locked=True)
    res = file_(host, path="C:\\Windows\\System32\\catroot2", state="absent")
    assert res["failed"] is True and res["msg"].startswith("Failed to delete C:\\Windows\\System32\\catroot2")
    assert winpath.is_dir(host, "C:\\Windows\\System32\\catroot2")
    host.faults.disk_full_on = ["win_file"]
    res = file_(host, path="C:\\New", state="directory")
    assert res["failed"] is True and "not enough space" in res["msg"]
    res = file_(host, path="C:\\new.txt", state="touch")
    assert res["failed"] is True and "not enough space" in res["msg"]
    assert not winpath.exists(host, "C:\\New") and not winpath.exists(host, "C:\\new.txt")


def test_file_check_mode_changes_nothing():
    host = make_host()
    host.files["c:\\windows\\temp\\x.log"] = b"abc"
    before = snapshot(host)
    assert file_(host, True, path="C:\\Windows\\Temp\\x.log", state="absent") == {"changed": True}
    assert file_(host, True, path="C:\\A\\B", state="directory") == {"changed": True}
    assert file_(host, True, path="C:\\A\\t.txt", state="touch") == {"changed": True}
    assert snapshot(host) == before


# ================================================================== win_copy

def copy_(host, check=False, **args):
    return win_copy.run(host, args, ctx_for(host, "win_copy", check))


def test_put_file_then_single_copy_like_content():
    host = make_host()
    tmp = "C:\\Users\\Administrator\\AppData\\Local\\Temp\\ansible-tmp-1\\source"
    with pytest.raises(winpath.WinIOError):
        win_copy.receive_file(host, tmp, b"data")  # the tmp dir is not made yet
    winpath.make_dirs(host, winpath.parent(tmp))
    assert win_copy.receive_file(host, tmp, b"data") == hashlib.sha1(b"data").hexdigest()
    q = copy_(host, _copy_mode="query", dest="C:\\WURepair",
              files=[{"src": "/tmp/x/source", "dest": "plan.txt", "checksum": hashlib.sha1(b"data").hexdigest()}],
              directories=[])
    assert len(q["files"]) == 1 and q["changed"] is False
    res = copy_(host, _copy_mode="single", src=tmp, dest="C:\\WURepair\\", _original_basename="plan.txt")
    assert res == {"changed": True}
    assert host.files["c:\\wurepair\\plan.txt"] == b"data"
    q = copy_(host, _copy_mode="query", dest="C:\\WURepair",
              files=[{"src": "/tmp/x/source", "dest": "plan.txt", "checksum": hashlib.sha1(b"data").hexdigest()}])
    assert q["files"] == []


def test_remote_copy_file_and_folder():
    host = make_host()
    host.files["c:\\src\\a.txt"] = b"A"
    host.files["c:\\src\\sub\\b.txt"] = b"BB"
    res = copy_(host, _copy_mode="remote", src="C:\\src\\a.txt", dest="C:\\dst\\")
    assert res["changed"] is True and res["operation"] == "file_copy" and res["size"] == 1
    assert res["checksum"] == hashlib.sha1(b"A").hexdigest() and host.files["c:\\dst\\a.txt"] == b"A"
    again = copy_(host, _copy_mode="remote", src="C:\\src\\a.txt", dest="C:\\dst\\")
    assert again["changed"] is False
    res = copy_(host, _copy_mode="remote", src="C:\\src", dest="C:\\dst2")
    assert res["operation"] == "folder_copy" and res["dest"] == "C:\\dst2\\src" and res["size"] == 3
    assert host.files["c:\\dst2\\src\\sub\\b.txt"] == b"BB"
    before = snapshot(host)
    res = copy_(host, True, _copy_mode="remote", src="C:\\src\\", dest="C:\\dst3")
    assert res["changed"] is True and snapshot(host) == before
    res = copy_(host, _copy_mode="remote", src="C:\\missing.txt", dest="C:\\dst")
    assert res["failed"] is True and "does not exist" in res["msg"]


def test_explode_zip_and_disk_full():
    host = make_host()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(base64.b64encode(b"dir").decode() + "/", b"")
        zf.writestr(base64.b64encode(b"dir/f.txt").decode(), b"zipped")
    host.files["c:\\windows\\temp\\z.zip"] = buf.getvalue()
    assert copy_(host, _copy_mode="explode", src="C:\\Windows\\Temp\\z.zip", dest="C:\\out")["changed"]
    assert host.files["c:\\out\\dir\\f.txt"] == b"zipped"
    host.disk.free_bytes = 3
    res = copy_(host, _copy_mode="remote", src="C:\\out\\dir\\f.txt", dest="C:\\out\\g.txt")
    assert res["failed"] is True and "not enough space" in res["msg"]
    with pytest.raises(NotModelled):
        copy_(host, _copy_mode="remote", src="C:\\out\\dir\\f.txt", dest="C:\\g.txt", backup=True)


# =============================================================== win_get_url

class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b"cumulative update bytes" * 100

    def do_GET(self):
        if self.path == "/kb.msu":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.payload)))
            self.end_headers()
            self.wfile.write(self.payload)
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def get_url(host, check=False, **args):
    return win_get_url.run(host, args, ctx_for(host, "win_get_url", check))


def test_get_url_downloads_and_is_idempotent(web):
    host = make_host()
    sha = hashlib.sha256(_Handler.payload).hexdigest()
    free = host.disk.free_bytes
    res = get_url(host, url=web + "/kb.msu", dest="C:\\Windows\\Temp", checksum=sha.upper(),
                  checksum_algorithm="sha256")
    assert res["changed"] is True and res["status_code"] == 200 and res["msg"] == "OK"
    assert res["dest"] == "C:\\Windows\\Temp\\kb.msu" and res["checksum_dest"] == sha
    assert res["size"] == len(_Handler.payload) and host.disk.free_bytes == free - res["size"]
    res = get_url(host, url=web + "/kb.msu", dest="C:\\Windows\\Temp\\kb.msu", checksum=sha,
                  checksum_algorithm="sha256", force=False)
    assert res["changed"] is False and "status_code" not in res  # nothing requested
    res = get_url(host, url=web + "/kb.msu", dest="C:\\Windows\\Temp\\kb.msu")
    assert res["changed"] is False and res["checksum_src"] == res["checksum_dest"]


def test_get_url_failures(web):
    host = make_host()
    res = get_url(host, url=web + "/kb.msu", dest="C:\\Windows\\Temp\\kb.msu", checksum="00")
    assert res["failed"] is True and "did not match '00'" in res["msg"]
    assert not winpath.exists(host, "C:\\Windows\\Temp\\kb.msu")
    res = get_url(host, url=web + "/gone.msu", dest="C:\\Windows\\Temp\\gone.msu")
    assert res["failed"] is True and res["status_code"] == 404 and "(404) Not Found." in res["msg"]
    res = get_url(host, url=web + "/kb.msu", dest="C:\\NoSuchDir\\kb.msu")
    assert res["failed"] is True and "Ensure download destination folder exists" in res["msg"]
    host.disk.free_bytes = len(_Handler.payload) + 10  # room for the tmp copy, not for both
    res = get_url(host, url=web + "/kb.msu", dest="C:\\Windows\\Temp\\kb.msu")
    assert res["failed"] is True and "not enough space" in res["msg"]
    assert not winpath.exists(host, "C:\\Windows\\Temp\\kb.msu")


def test_get_url_check_mode_and_refusals(web):
    host = make_host()
    before = snapshot(host)
    res = get_url(host, True, url=web + "/kb.msu", dest="C:\\Windows\\Temp\\kb.msu")
    assert res["changed"] is True and "checksum_src" in res and snapshot(host) == before
    with pytest.raises(NotModelled):
        get_url(host, url="https://catalog.s.download.windowsupdate.com/x.msu", dest="C:\\Windows\\Temp")
    with pytest.raises(NotModelled):
        get_url(host, url=web + "/kb.msu", dest="C:\\x", headers={"a": "b"})


# ============================================================ win_powershell

SCRIPT = """[CmdletBinding(SupportsShouldProcess)]
param ([String]$Name)
$Ansible.Result = @{ state = (Get-Service -Name $Name).Status.ToString(); nested = @{} }
$Ansible.Changed = $false
"""
WRITER = "param ($Name)\n$Ansible.Result = @{ done = $true }\n"


@pytest.fixture
def script_dir(tmp_path, monkeypatch):
    (tmp_path / "probe.ps1").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "writer.ps1").write_text(WRITER, encoding="utf-8")
    calls = []

    def probe_run(host, parameters, ctx):
        calls.append(("probe", dict(parameters), ctx.check_mode))
        return {"result": {"state": host.services[parameters["Name"]].state,
                           "nested": {"a": [{"deep": [1, 2]}]}}, "changed": False}

    def writer_run(host, parameters, ctx):
        calls.append(("writer", dict(parameters), ctx.check_mode))
        host.services[parameters["Name"]].state = "stopped"
        return {"result": {"done": True}, "changed": True,
                "error": [scripts.error_record("it went wrong")], "failed": True}

    monkeypatch.setattr(scripts, "SCRIPT_DIR", str(tmp_path))
    monkeypatch.setattr(scripts, "MODEL_OVERRIDES", {
        "probe": types.SimpleNamespace(PARAMETERS={"Name"}, RESULT_KEYS={"state", "nested"}, run=probe_run),
        "writer": types.SimpleNamespace(PARAMETERS={"Name"}, RESULT_KEYS={"done"}, run=writer_run),
    })
    return calls


def ps(host, text, parameters=None, check=False, **extra):
    ctx = ctx_for(host, "win_powershell", check)
    return win_powershell.run(host, dict(script=text, parameters=parameters or {}, **extra), ctx), ctx


def test_powershell_runs_the_model_of_the_exact_text(script_dir):
    host = make_host()
    res, ctx = ps(host, SCRIPT, {"name": "bits"})  # PowerShell binds names case-insensitively
    assert script_dir == [("probe", {"Name": "bits"}, False)]
    assert ctx.step == "probe" and ctx.kind == "script"
    assert res["changed"] is False and "failed" not in res
    assert res["result"]["state"] == "running"
    # depth 2: result(2) -> nested(1) -> a(0) -> {...}(-1) becomes its [string] form
    assert res["result"]["nested"] == {"a": ["System.Collections.Hashtable"]}
    for key in ("output", "error", "warning", "verbose", "debug", "information", "host_out", "host_err"):
        assert key in res


def test_powershell_refuses_other_text(script_dir):
    host = make_host()
    with pytest.raises(NotModelled) as err:
        ps(host, SCRIPT + " ", {"Name": "bits"})
    assert "[CmdletBinding(SupportsShouldProcess)]" in str(err.value)
    with pytest.raises(NotModelled):
        ps(host, "Get-Service\n")
    assert script_dir == []


def test_powershell_unknown_parameter_is_a_binding_error(script_dir):
    host = make_host()
    res, _ctx = ps(host, SCRIPT, {"Name": "bits", "Force": True})
    assert res["failed"] is True and script_dir == []
    assert res["error"][0]["exception"]["message"] == \
        "A parameter cannot be found that matches parameter name 'Force'."


def test_powershell_check_mode(script_dir):
    host = make_host()
    before = snapshot(host)
    res, _ctx = ps(host, SCRIPT, {"Name": "bits"}, check=True)  # SupportsShouldProcess: runs with -WhatIf
    assert script_dir == [("probe", {"Name": "bits"}, True)] and res["result"]["state"] == "running"
    res, _ctx = ps(host, WRITER, {"Name": "bits"}, check=True)  # no SupportsShouldProcess: skipped
    assert res["changed"] is True and res["msg"] == "skipped, running in check mode"
    assert len(script_dir) == 1 and snapshot(host) == before


def test_powershell_failure_shape(script_dir):
    host = make_host()
    res, _ctx = ps(host, WRITER, {"Name": "bits"})
    assert res["failed"] is True and res["changed"] is True and "msg" not in res
    assert res["error"][0]["output"].startswith("it went wrong")
    assert host.services["bits"].state == "stopped"


def test_powershell_model_result_keys_are_enforced(script_dir, monkeypatch):
    bad = types.SimpleNamespace(PARAMETERS={"Name"}, RESULT_KEYS={"done"},
                                run=lambda h, p, c: {"result": {"done": 1, "extra": 2}, "changed": False})
    monkeypatch.setitem(scripts.MODEL_OVERRIDES, "writer", bad)
    with pytest.raises(NotModelled):
        ps(make_host(), WRITER, {"Name": "bits"})


def test_powershell_creates_and_unmodelled_options(script_dir):
    host = make_host()
    host.files["c:\\windows\\temp\\done.flag"] = b""
    res, _ctx = ps(host, SCRIPT, {"Name": "bits"}, creates="C:\\Windows\\Temp\\done.flag")
    assert res["msg"].startswith("skipped, since") and script_dir == []
    with pytest.raises(NotModelled):
        ps(host, SCRIPT, {"Name": "bits"}, executable="pwsh.exe")
    with pytest.raises(NotModelled):
        ps(host, SCRIPT, {"Name": "bits"}, error_action="stop")


def test_powershell_real_collection_scripts_are_found():
    # Whatever scripts the collection has, each is recognised by its own text only.
    for name in scripts.script_names():
        text = scripts.read_script(os.path.join(scripts.SCRIPT_DIR, name + ".ps1"))
        assert scripts.lookup(text) == name
        assert scripts.lookup(text.replace("\n", "\r\n", 1)) is None


class _MsuHandler(_Handler):
    """Serves a small stand-in under the real KB5043080 x64 .msu's name."""

    def do_GET(self):
        self.path = "/kb.msu" if self.path.endswith(".msu") else self.path
        super().do_GET()


def test_a_known_msu_takes_the_time_of_its_real_size():
    from winsim import downloads
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MsuHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % server.server_address[1]
    try:
        host = make_host()
        known = ctx_for(host, "win_get_url")
        name = "windows11.0-kb5043080-x64_953449672073f8fb99badb4cc6d5d7849b9c83e8.msu"
        win_get_url.run(host, {"url": base + name, "dest": "C:\\Windows\\Temp"}, known)
        other = ctx_for(host, "win_get_url")
        win_get_url.run(host, {"url": base + "other.msu", "dest": "C:\\Windows\\Temp"}, other)
    finally:
        server.shutdown()
        server.server_close()
    # 533,761,740 bytes at 100 Mbit/s: about 43 modelled seconds; an unknown file its own bytes.
    assert known.modelled_seconds == pytest.approx(533_761_740 / downloads.BYTES_PER_SECOND)
    assert 40 < known.modelled_seconds < 45
    assert other.modelled_seconds == pytest.approx(len(_Handler.payload) / downloads.BYTES_PER_SECOND)
