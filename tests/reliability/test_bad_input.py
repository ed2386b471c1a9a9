# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, property-based (hypothesis), in-process against a simulated host.

For every module's arguments: malformed KB numbers, unknown architectures and
products, paths and texts with quotes, spaces, $(...), ;, backticks, non-ASCII
and huge values. Each either fails with a clear validation message (no
traceback, nothing sent to the host) or works; in every case:
  - what reaches the host is a collection script sent verbatim: the text
    win_powershell gets is byte for byte the file in plugins/plugin_utils/
    powershell/ (matched by SHA-256 there and by the simulator);
  - the strings arrive as parameters, unchanged (the host's record holds the
    parameters as the script model bound them), never spliced into script text;
  - an integer sent to a script fits PowerShell's [int] (Int32), else the
    binding would fail on a real host with a .NET error instead of a message;
  - in check mode nothing on the host changes: a deep snapshot of the host
    model (hoststate.py: services, folders, files with the journal, disk,
    component store, restore points, ...) taken before the task equals the one
    taken after it. test_the_snapshot_sees_every_kind_of_change and
    test_a_real_run_fails_the_comparison show that comparison can fail.
"""
from __future__ import annotations

import hashlib
import os
import re

import pytest
from ansible.errors import AnsibleError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reliability import faultlib, hoststate
from winsim import scripts as sim_scripts
from winsim.model import Antivirus

SCRIPT_DIR = os.path.join(faultlib._REPO, "plugins", "plugin_utils", "_host", "powershell")
INT32 = (-2 ** 31, 2 ** 31 - 1)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)

NASTY = st.sampled_from(["a'b", 'a"b', "a b", "$(Remove-Item C:\\ -Recurse)", "x; Stop-Computer", "`n`$x",
                         "C:\\Pfad mit Ümläut\\日本", "'; exit 1; '", "%SYSTEMROOT%", "\u202e", "\\\\srv\\share$\\x",
                         "C:\\" + "a" * 300])
TEXT = st.one_of(NASTY, st.text(min_size=1, max_size=60),
                 st.lists(NASTY, min_size=1, max_size=3).map("".join))
# Host paths: absolute (a relative path is not modelled by the simulator, see the report), the rest anything.
# Control characters and UNC paths are left out: the simulator does not model them (see the report).
PLAIN = TEXT.filter(lambda t: all(ord(c) >= 32 for c in t) and "\\\\" not in t)
PATH = st.one_of(PLAIN.map(lambda t: "C:\\ProgramData\\x y\\" + t),
                 NASTY.filter(lambda t: t.startswith("C:\\")))


class Watch(faultlib.LossyHost):
    """Keeps every win_powershell call as sent: (script text, parameters)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent = []

    def execute_module(self, check_mode=False):
        inner = super().execute_module(check_mode)

        def _execute_module(module_name=None, module_args=None, **kw):
            if module_name == self.POWERSHELL:
                self.sent.append((module_args["script"], dict(module_args.get("parameters") or {})))
            return inner(module_name=module_name, module_args=module_args, **kw)
        return _execute_module


def _file_texts():
    out = {}
    for name in os.listdir(SCRIPT_DIR):
        if name.endswith(".ps1"):
            with open(os.path.join(SCRIPT_DIR, name), "rb") as handle:
                out[hashlib.sha256(handle.read()).hexdigest()] = name[:-4]
    return out


FILES = _file_texts()


def run(rung_class, args, check_mode=True, prepare=None):
    rung = rung_class("/tmp/wu-bad-input")
    rung.fake = Watch(faultlib.new_host(), faultlib.Clock(1e5, faultlib.START))
    rung.prepare()
    if prepare:
        prepare(rung)
    action = rung.fake.action(rung.action_class(), args, check_mode=check_mode,
                              task_action="winrepair.windows_update.win_" + rung.name)
    action._reboot = rung.fake.reboot
    rung.check_mode = check_mode
    rung.before = hoststate.snapshot(rung.host)
    try:
        result = action.run(task_vars={"inventory_hostname": "win11"})
    except AnsibleError as exc:  # argument spec validation and the like: ansible shows a task failure
        result = {"failed": True, "msg": str(exc), "validation": True}
    return rung, result


def assert_unchanged(rung):
    """The host is exactly as it was before the task (hoststate.snapshot)."""
    changed = hoststate.differences(rung.before, hoststate.snapshot(rung.host))
    assert not changed, "the host changed: %s" % changed


def assert_sound(rung, result):
    """The invariants every case holds, whatever the input (check mode: the host is unchanged)."""
    msg = str(result.get("msg") or "")
    assert "Traceback" not in msg and "winsim internal error" not in msg, msg
    if result.get("failed"):
        assert len(msg) > 15, result
    for text, params in rung.fake.sent:
        # The exact collection file, byte for byte (UTF-8 of the text read by script_runner).
        name = FILES.get(hashlib.sha256(text.encode("utf-8")).hexdigest())
        assert name is not None, "a script text that is not a collection file reached the host"
        assert sim_scripts.lookup(text) == name
        for key, value in params.items():
            for v in (value if isinstance(value, list) else [value]):
                if isinstance(v, int) and not isinstance(v, bool):
                    assert INT32[0] <= v <= INT32[1], "%s=%r does not fit [int] in %s" % (key, v, name)
    # What the models bound is what was sent (JSON round trip, nothing rewritten).
    recs = [r for r in rung.host.records if r.kind == "script"]
    assert [r.args for r in recs] == [p for _t, p in rung.fake.sent][:len(recs)]
    if rung.check_mode:
        assert_unchanged(rung)


def sent_params(rung, script):
    out = []
    for text, params in rung.fake.sent:
        if FILES.get(hashlib.sha256(text.encode("utf-8")).hexdigest()) == script:
            out.append(params)
    return out


# -------------------------------------------------------------------- KB numbers

KB_OK = re.compile(r"^KB[0-9]{6,8}$")
KBS = st.one_of(TEXT, st.from_regex(r"\A(kb|KB|Kb)?[0-9\uff10-\uff19\u0660-\u0669]{1,12}\Z"),
                st.sampled_from(["KB5043080\n", " KB5043080", "KB50430800000", "KB١٢٣٤٥٦٧", "KB５０４３０８０",
                                 "KB-5043080", "KB5043080;rm", "", "KB"]))


@SETTINGS
@given(kb=KBS)
@example(kb="KB５０４３０８０")
@example(kb="kb١٢٣٤٥٦٧")
def test_catalog_install_kb(kb):
    from winsim.model import Clock  # noqa: F401
    rung, result = run(faultlib.CatalogRung, {"kb": kb, "catalog_url": "https://127.0.0.1:9/", "catalog_retries": 0, "catalog_timeout": 0.5})
    assert_sound(rung, result)
    if result.get("failed") and "kb must be" in result["msg"]:
        assert rung.host.records == [], "an invalid KB reached the host"
    else:
        assert KB_OK.match(result["kb"]), (kb, result["kb"])


@SETTINGS
@given(kb=KBS)
@example(kb="00000٠")
@example(kb="KB" + "1" * 40)
def test_journal_kb(kb):
    from reliability.test_check_mode import _journal_rung
    rung, result = run(lambda tmp: _journal_rung(tmp, None), {"kb": kb, "entry": {"verdict": "fixed"}})
    assert_sound(rung, result)
    if result.get("failed"):
        assert "KB" in result["msg"] and rung.host.records == []
    else:
        assert KB_OK.match(result["kb"]), (kb, result["kb"])


# --------------------------------------------------------- architectures, products

@SETTINGS
@given(arch=TEXT, product=TEXT)
def test_catalog_install_unknown_architecture_or_product(arch, product):
    rung, result = run(faultlib.CatalogRung, {"kb": "KB5048667", "architecture": arch,
                                              "catalog_url": "https://127.0.0.1:9/", "catalog_retries": 0, "catalog_timeout": 0.5})
    assert_sound(rung, result)
    if arch not in ("x64", "arm64", "x86"):
        assert result.get("failed") and "architecture" in result["msg"] and rung.host.records == []
    rung, result = run(faultlib.CatalogRung, {"kb": "KB5048667", "product": product,
                                              "catalog_url": "https://127.0.0.1:9/", "catalog_retries": 0, "catalog_timeout": 0.5})
    assert_sound(rung, result)
    assert result.get("failed")  # an unknown product, or the unreachable catalog: a message either way


# ------------------------------------------------------------ paths and free text

@SETTINGS
@given(path=PATH)
def test_journal_path_reaches_the_host_unchanged(path):
    from reliability.test_check_mode import _journal_rung
    rung, result = run(lambda tmp: _journal_rung(tmp, None), {"path": path, "kb": "KB5043080",
                                                              "entry": {"note": path}})
    assert_sound(rung, result)
    assert [p["Path"] for p in sent_params(rung, "wu_journal_read")] == [path]
    assert sent_params(rung, "wu_journal_write") == []  # check mode


@SETTINGS
@given(description=TEXT, folder=PATH)
def test_preflight_texts_reach_the_host_unchanged(description, folder):
    args = {"restore_point": True, "restore_point_description": description, "leave_insider": True,
            "insider_backup_folder": folder}
    rung, result = run(faultlib.PreflightRung, args)
    assert_sound(rung, result)
    assert [p["Description"] for p in sent_params(rung, "wu_restore_point")] == [description]
    assert rung.host.restore_points == []


@SETTINGS
@given(image=PATH)
def test_inplace_image_reaches_the_host_unchanged(image):
    rung, result = run(faultlib.InplaceRung, dict(faultlib.InplaceRung.args(None), image=image))
    assert_sound(rung, result)
    images = [p["ImagePath"] for p in sent_params(rung, "inplace_preflight")]
    assert images in ([image], []), images
    if result.get("failed") and images:
        assert "does not exist" in result["msg"] or "ISO" in result["msg"] or "image" in result["msg"]


@SETTINGS
@given(source=PATH)
def test_sfc_dism_source_is_a_parameter(source):
    rung, result = run(faultlib.SfcDismRung, {"source": source, "poll_interval": 0.01, "timeout": 30})
    assert_sound(rung, result)
    for params in sent_params(rung, "sfc_dism_preflight"):
        for value in params.values():
            if isinstance(value, str) and source in value:
                assert value == source or value.endswith(source)


@SETTINGS
@given(dlls=st.lists(PLAIN.filter(lambda t: "\\" not in t and "/" not in t), min_size=1, max_size=4))
def test_reset_dll_names(dlls):
    rung, result = run(faultlib.ResetRung, {"dlls": dlls, "level": "aggressive"})
    assert_sound(rung, result)
    sent = sent_params(rung, "wu_reset_state")
    assert [p["DllNames"] for p in sent] == [dlls]


# -------------------------------------------------------------------- huge values

HUGE = st.one_of(st.integers(min_value=2 ** 31, max_value=10 ** 30), st.integers(max_value=-1, min_value=-10 ** 30))


@SETTINGS
@given(value=HUGE, option=st.sampled_from(["history_count", "event_count", "cbs_tail_lines", "since_days"]))
def test_diagnose_huge_counts(value, option):
    from reliability.test_check_mode import _diagnose_rung
    rung, result = run(lambda tmp: _diagnose_rung(tmp, None), {option: value})
    assert_sound(rung, result)
    assert result.get("failed") and option in result["msg"] and rung.host.records == []


@SETTINGS
@given(value=HUGE, option=st.sampled_from(["keep_backups", "stop_timeout"]))
def test_reset_huge_values(value, option):
    rung, result = run(faultlib.ResetRung, {option: value})
    assert_sound(rung, result)


@SETTINGS
@given(value=HUGE, option=st.sampled_from(["restore_point_max_age_minutes", "cleanup_older_than_days"]))
def test_preflight_huge_values(value, option):
    rung, result = run(faultlib.PreflightRung, {"restore_point": True, "cleanup": True, option: value})
    assert_sound(rung, result)


@SETTINGS
@given(value=HUGE, option=st.sampled_from(["timeout", "poll_interval", "source_index"]))
def test_sfc_dism_huge_values(value, option):
    rung, result = run(faultlib.SfcDismRung, dict({"poll_interval": 0.01, "timeout": 30}, **{option: value}))
    assert_sound(rung, result)


@SETTINGS
@given(value=HUGE, option=st.sampled_from(["min_free_gb", "scan_timeout", "setup_timeout", "reboot_timeout"]))
def test_inplace_huge_values(value, option):
    rung, result = run(faultlib.InplaceRung, dict(faultlib.InplaceRung.args(None), **{option: value}))
    assert_sound(rung, result)


# ------------------------------------------------------ the comparison can fail

JOURNAL = "c:\\programdata\\winrepair\\journal.json"


def _host():
    host = faultlib.new_host()
    host.files[JOURNAL] = b'{"entries": {"KB5043080": {"verdict": null}}}'
    return host


def _detached_run(host):
    host.detached_runs["c:\\programdata\\winrepair\\runs\\x"] = {"run_id": "x", "done": False, "label": "DISM"}


MUTATIONS = {
    "service state": lambda h: setattr(h.services["wuauserv"], "state", "stopped"),
    "service start mode": lambda h: setattr(h.services["bits"], "start_mode", "disabled"),
    "service stuck in STOP_PENDING": lambda h: setattr(h.services["cryptsvc"], "stuck_stop_pending", True),
    "folder renamed": lambda h: setattr(h.folders[faultlib.SD.lower()], "path", faultlib.SD + ".bak-1"),
    "folder added": lambda h: h.folders.update({"c:\\x": faultlib.Folder(path="C:\\x")}),
    "journal rewritten": lambda h: h.files.update({JOURNAL: b'{"entries": {}}'}),
    "lock file left": lambda h: h.files.update({JOURNAL + ".lock": b"{}"}),
    "file removed": lambda h: h.files.pop(JOURNAL),
    "free space": lambda h: setattr(h.disk, "free_bytes", h.disk.free_bytes - 1),
    "restore point": lambda h: h.restore_points.append({"description": "x"}),
    "installed update": lambda h: h.installed_kbs.append("KB5043080"),
    "pending reboot flag (registry)": lambda h: setattr(h.pending_reboot, "cbs_reboot_pending", True),
    "insider settings (registry)": lambda h: setattr(h.insider, "flightsigning", True),
    "component store": lambda h: setattr(h.component_store, "health", "repairable"),
    "antivirus": lambda h: h.antivirus.append(Antivirus(name="Contoso Endpoint")),
    "defender real-time protection": lambda h: setattr(h, "defender_rtp_paused", True),
    "boot time": lambda h: setattr(h, "boot_time", faultlib.START),
    "update history": lambda h: h.update_history.append("entry"),
    "event log": lambda h: h.events.append("event"),
    "CBS.log": lambda h: h.cbs_log.append("line"),
    "setup state": lambda h: h.setup.update({"_state": {"pending": {}}}),
    "mounted image": lambda h: h.mounted_images.update({"c:\\iso\\x.iso": "E:"}),
    "detached run": _detached_run,
    "detached run ended": lambda h: (_detached_run(h), h.detached_runs["c:\\programdata\\winrepair\\runs\\x"]
                                     .update({"done": True})),
}


def test_every_field_of_the_host_is_in_the_snapshot():
    import dataclasses
    snap = hoststate.snapshot(_host())
    fields = {f.name for f in dataclasses.fields(_host())}
    assert fields - set(hoststate.NOT_STATE) == set(snap)


@pytest.mark.parametrize("what", sorted(MUTATIONS))
def test_the_snapshot_sees_every_kind_of_change(what):
    host = _host()
    if what == "detached run ended":
        _detached_run(host)
    before = hoststate.snapshot(host)
    assert hoststate.differences(before, hoststate.snapshot(host)) == []  # taking it changes nothing
    MUTATIONS[what](host)
    assert hoststate.differences(before, hoststate.snapshot(host)), what


def test_a_real_run_fails_the_comparison():
    # The reset for real renames folders and restarts services: the check-mode assertion catches it.
    rung, result = run(faultlib.ResetRung, {"stop_timeout": 5}, check_mode=False)
    assert not result.get("failed"), result.get("msg")
    with pytest.raises(AssertionError, match="the host changed"):
        assert_unchanged(rung)
    # And a check-mode run whose host is changed behind its back fails assert_sound.
    rung, result = run(faultlib.ResetRung, {"stop_timeout": 5})
    assert_sound(rung, result)
    rung.host.services["wuauserv"].state = "stopped"
    with pytest.raises(AssertionError, match="services.wuauserv.state"):
        assert_sound(rung, result)
