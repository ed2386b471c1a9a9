# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix of the repair rungs, shared by tests/reliability/test_faults_rungs.py
and bench/faults_summary.py (which prints the table: faults tried, survived, data lost).

Each case runs one rung's action plugin in-process against a simulated host
(tests/unit/plugins/action/fake_host.py) with one fault injected, then clears
the fault and runs the rung again, as a person (or the ladder driver) would
after reading the message. What is judged, per case (Outcome):

  consistent   the Windows Update services that ran before run again (none left
               stopped or disabled) and SoftwareDistribution / catroot2 exist,
               or a backup of them does (`<name>.bak-*`);
  message      a failure says what happened and what to do: a msg of some
               length naming the case's words (e.g. "8DDD0024", "download_hosts");
               a connection lost is reported by Ansible as unreachable;
  rerun        the second run (fault cleared) finishes (no failure);
  repeated     the destructive step of the rung (a rename of the folders, the
               DISM / setup / DISM /Add-Package start) ran again on the rerun
               although the first run had already done it.

Faults that need the wire (a reboot in the middle, a second run on the same
host, the journal and fix_wu.yml resume) are in test_fix_wu_faults.py.
"""
from __future__ import annotations

import datetime
import os
import tempfile
import traceback
from dataclasses import dataclass, field
from typing import Callable, Optional

_HERE = os.path.dirname(os.path.abspath(__file__))
_TESTS = os.path.dirname(_HERE)
_REPO = os.path.dirname(_TESTS)

from ansible.errors import AnsibleConnectionFailure
from winsim.fake_host import FakeHost

from winsim import winpath
from winsim.detached import setup_exe
from winsim.model import Clock, Folder, HostModel

SD = "C:\\Windows\\SoftwareDistribution"
CR = "C:\\Windows\\System32\\catroot2"
WU_SERVICES = ("wuauserv", "cryptsvc", "bits")
ISO = "C:\\iso\\Win11_24H2_x64.iso"
START = datetime.datetime(2026, 11, 22, 3, 15, 0, tzinfo=datetime.timezone.utc)


class LossyHost(FakeHost):
    """FakeHost plus faults *in the middle* of a step: the host does the work,
    then the answer is lost (``lose_answer_on[(step, n)] = exception``), which is
    what a dropped connection or a WinRM operation timeout after the command
    started looks like to the controller. (fake_host's fail_on raises before
    the call: the host did nothing.)"""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.lose_answer_on = {}
        self.reboots = 0
        self.reboot_fails = None  # msg: the restart is slower than reboot_timeout

    def execute_module(self, check_mode=False):
        inner = super().execute_module(check_mode)

        def _execute_module(*args, **kwargs):
            answer = inner(*args, **kwargs)
            step = self.steps[-1]
            exc = self.lose_answer_on.pop((step, sum(1 for s in self.steps if s == step)), None)
            if exc is not None:
                raise exc
            return answer
        return _execute_module

    def reboot(self, options):
        """What reboot_host answers: a new boot time, or its timeout failure."""
        self.reboots += 1
        self.host.boot_time = self.clock.now()  # the host restarts, slowly or not
        if self.reboot_fails:
            return {"failed": True, "rebooted": True, "changed": True, "msg": self.reboot_fails}
        return {"changed": True, "rebooted": True, "failed": False, "elapsed": 1}

    def clear_faults(self):
        f = self.host.faults
        for attr in ("drop_connection_on", "http500_on", "operation_timeout_on", "access_denied_on", "disk_full_on"):
            setattr(f, attr, [])
        f.reboot_downtime_seconds = None
        self.lose_answer_on.clear()
        self.fail_on.clear()
        self.reboot_fails = None
        for svc in self.host.services.values():
            svc.access_denied = False
            svc.stuck_stop_pending = False
        for folder in self.host.folders.values():
            folder.locked = False


def new_host(name="win11"):
    host = HostModel(name=name, address="127.0.0.2")
    host.folders[SD.lower()] = Folder(path=SD, size_bytes=5_000_000)
    host.folders[CR.lower()] = Folder(path=CR, size_bytes=1_000_000)
    return host


# --------------------------------------------------------------- the invariants

def backups_of(host, path):
    parent, leaf = winpath.parent(path), winpath.leaf(path).lower()
    return [c for c in winpath.children(host, parent)
            if winpath.leaf(c).lower().startswith(leaf + ".bak") and winpath.is_dir(host, c)]


def lost_folders(host):
    """SoftwareDistribution / catroot2 gone with no backup of them left."""
    return [p for p in (SD, CR) if not winpath.is_dir(host, p) and not backups_of(host, p)]


def stopped_services(host, before):
    """Services that ran before and do not now (or were disabled)."""
    return sorted(n for n, (state, mode) in before.items()
                  if (state == "running" and host.services[n].state != "running")
                  or (mode != "disabled" and host.services[n].start_mode == "disabled"))


def services_of(host):
    return {n: (host.services[n].state, host.services[n].start_mode) for n in WU_SERVICES}


# ------------------------------------------------------------------ the rungs

class Rung(object):
    """How to run one rung's action plugin on a LossyHost, and what its destructive step is."""
    name = ""
    destructive = ()  # (script name, parameter predicate or None): a call that changes the host for good

    def __init__(self, tmp, catalog=None):
        self.tmp = tmp
        self.catalog = catalog
        self.fake = LossyHost(new_host(), Clock(1e5, START))
        self.prepare()

    @property
    def host(self):
        return self.fake.host

    def prepare(self):
        pass

    def args(self):
        return {}

    def action_class(self):
        raise NotImplementedError

    def run(self, **overrides):
        """The action's result; a lost connection is what Ansible shows: unreachable + msg."""
        action = self.fake.action(self.action_class(), dict(self.args(), **overrides),
                                  task_action="winrepair.windows_update.win_" + self.name)
        action._reboot = self.fake.reboot
        self.patch(action)
        try:
            return action.run(task_vars={"inventory_hostname": self.host.name})
        except AnsibleConnectionFailure as exc:
            return {"unreachable": True, "msg": str(exc)}

    def patch(self, action):
        pass

    def script_records(self):
        """Collection scripts that really ran on the host (a fault before the step leaves none)."""
        return [r for r in self.host.records if r.kind == "script" and not r.check_mode
                and not r.outcome.startswith("fault") and r.outcome != "refused"]

    def destructive_calls(self, since=0):
        """How many destructive steps ran on the host from script record SINCE on."""
        n = 0
        for rec in self.script_records()[since:]:
            for script, pred in self.destructive:
                if rec.name == script and (pred is None or pred(rec.args)):
                    n += 1
        return n


class PreflightRung(Rung):
    name = "preflight"
    # Nothing to count: each step is idempotent (one restore point a day; the
    # cleanup removes only backups older than N days, gone after the first run).
    destructive = ()

    def action_class(self):
        from ansible_collections.winrepair.windows_update.plugins.action.win_wu_preflight import ActionModule
        return ActionModule

    def args(self):
        return {"restore_point": True, "cleanup": True}


class ResetRung(Rung):
    name = "reset"
    destructive = (("wu_reset_apply", None),)

    def prepare(self):
        self.host.files[("C:\\ProgramData\\Microsoft\\Network\\Downloader\\qmgr.db").lower()] = b"ese" * 10

    def action_class(self):
        from ansible_collections.winrepair.windows_update.plugins.action.win_wu_reset import ActionModule
        return ActionModule

    def args(self):
        return {"stop_timeout": 5}


class SfcDismRung(Rung):
    name = "sfc_dism"
    destructive = (("detached_start", lambda p: "dism" in str(p.get("FilePath", "")).lower()
                    and "restorehealth" in str(p.get("Arguments", "")).lower()),)

    def prepare(self):
        self.host.component_store.health = "repairable"
        self.host.component_store.system_files_corrupt = True

    def action_class(self):
        from ansible_collections.winrepair.windows_update.plugins.action.win_sfc_dism import ActionModule
        return ActionModule

    def args(self):
        return {"poll_interval": 0.01, "timeout": 30}


class CatalogRung(Rung):
    name = "catalog_install"
    destructive = (("detached_start", lambda p: "add-package" in str(p.get("Arguments", "")).lower()),)

    def action_class(self):
        from ansible_collections.winrepair.windows_update.plugins.action.win_kb_catalog_install import ActionModule
        return ActionModule

    def args(self):
        c = self.catalog
        return {"kb": "KB5048667", "catalog_url": c.url, "ca_path": c.ca_path,
                "download_hosts": [c.download_host], "cache_dir": os.path.join(self.tmp, "cache"),
                "poll_interval": 0.01, "timeout": 60, "catalog_retries": 2, "catalog_timeout": 2.0}


class InplaceRung(Rung):
    name = "inplace_upgrade"
    destructive = (("detached_start", lambda p: "/auto upgrade" in str(p.get("Arguments", "")).lower()),)

    def prepare(self):
        self.host.files[ISO.lower()] = setup_exe.make_media(26100, 1742)
        self.host.component_store.health = "not_repairable"

    def action_class(self):
        from ansible_collections.winrepair.windows_update.plugins.action.win_inplace_upgrade import ActionModule
        return ActionModule

    def args(self):
        return {"poll_interval": 0.01, "setup_timeout": 30, "scan_timeout": 30, "reboot_timeout": 30,
                "image": ISO, "accept_reboots": True}


RUNGS = {r.name: r for r in (PreflightRung, ResetRung, SfcDismRung, CatalogRung, InplaceRung)}


# ------------------------------------------------------------------ the cases

def _lost(step, n=1, timeout=False):
    """Lose the answer of the n-th call of STEP after the host did it."""
    text = ("winrm operation timed out (OperationTimeout) on %s" if timeout
            else "winrm connection error: connection reset by peer on %s") % step

    def inject(rung):
        rung.fake.lose_answer_on[(step, n)] = AnsibleConnectionFailure(text)
    return inject


def _drop_before(step, n=1):
    def inject(rung):
        rung.fake.fail_on[(step, n)] = AnsibleConnectionFailure("winrm connection error on %s" % step)
    return inject


def _host_fault(listname, step, times=1):
    def inject(rung):
        getattr(rung.host.faults, listname).append({"step": step, "times": times})
    return inject


def _catalog_fault(path, kind, times=1):
    def inject(rung):
        rung.catalog.fault(path, kind, times)
        rung.catalog.faults[-1].append(times)  # [path, kind, remaining, method, times]: to tell it fired
    return inject


def _stuck_service(name):
    def inject(rung):
        rung.host.services[name].stuck_stop_pending = True
    return inject


def _service_denied(name):
    def inject(rung):
        rung.host.services[name].access_denied = True
    return inject


def _allow_kill(rung):
    # The message's advice: kill_stuck_services=true (the service is still stuck on the rerun).
    rung.host.services["wuauserv"].stuck_stop_pending = True
    return {"kill_stuck_services": True}


def _no_iso(rung):
    rung.saved_iso = rung.host.files.pop(ISO.lower())


def _iso_back(rung):
    # What the message asks for: put the ISO where `image` says.
    rung.host.files[ISO.lower()] = rung.saved_iso


def _rollback(rung):
    # A boot-critical filter driver makes setup roll back with 0xC1900101 (setup_exe model).
    from winsim.model import Antivirus
    rung.host.antivirus.append(Antivirus(name="Contoso Endpoint", vendor="Contoso", filter_driver="csagent.sys"))


def _uninstall_av(rung):
    # What the message asks for: remove the third-party security software, then run again.
    rung.host.antivirus[:] = []


def _locked_old_backup(rung):
    old = SD + ".bak-20260101T000000"
    rung.host.folders[old.lower()] = Folder(path=old, size_bytes=3_000_000, locked=True)


def _slow_reboot(rung):
    rung.fake.reboot_fails = "Timed out waiting for last boot time check (timeout=30)"


@dataclass
class Case:
    rung: str
    fault: str
    inject: Callable
    words: tuple = ()  # a failure msg must name these (case-insensitive), what happened / what to do
    survives_first: bool = False  # the first run finishes despite the fault (retried inside)
    may_repeat: bool = False  # the module itself is not resume-aware (the journal is: fix_wu level)
    restore: Optional[Callable] = None  # what a person does about the cause before the rerun (-> run options)
    stuck: tuple = ()  # services the fault itself keeps from running (named in the message)
    kwargs: dict = field(default_factory=dict)  # run options for both runs
    needs_catalog: bool = False

    @property
    def id(self):
        return "%s-%s" % (self.rung, self.fault)


CASES = [
    # pre-flight
    Case("preflight", "drop_mid_step", _lost("wu_restore_point")),
    Case("preflight", "operation_timeout", _lost("wu_disk_cleanup", timeout=True)),
    # An old backup folder held open: the cleanup reports it and goes on.
    Case("preflight", "access_denied", _locked_old_backup, survives_first=True),
    # component reset
    Case("reset", "drop_mid_step", _lost("wu_reset_apply"), may_repeat=True),
    Case("reset", "operation_timeout", _lost("wu_reset_apply", timeout=True), may_repeat=True),
    Case("reset", "drop_before_step", _drop_before("wu_reset_apply")),
    Case("reset", "service_will_not_stop", _stuck_service("wuauserv"), words=("wuauserv", "kill_stuck_services"),
         kwargs={"kill_stuck_services": False}, stuck=("wuauserv",), restore=_allow_kill),
    Case("reset", "access_denied", _service_denied("cryptsvc"), words=("cryptsvc", "denied")),
    Case("reset", "disk_full_rename", _host_fault("disk_full_on", "wu_reset_apply"), words=("space",)),
    # DISM + sfc
    Case("sfc_dism", "drop_mid_step", _lost("detached_start")),
    Case("sfc_dism", "operation_timeout", _lost("detached_status", n=2, timeout=True), survives_first=True),
    Case("sfc_dism", "drop_while_polling", _drop_before("detached_status", n=2), survives_first=True),
    # catalog + DISM /Add-Package
    Case("catalog_install", "catalog_8DDD0010_then_ok", _catalog_fault("Search.aspx", "8DDD0010"),
         survives_first=True, needs_catalog=True),
    Case("catalog_install", "catalog_8DDD0024", _catalog_fault("Search.aspx", "8DDD0024", times=10),
         words=("8DDD0024",), needs_catalog=True),
    Case("catalog_install", "catalog_http5xx", _catalog_fault("Search.aspx", "http500", times=10),
         words=("500",), needs_catalog=True),
    Case("catalog_install", "catalog_timeout", _catalog_fault("Search.aspx", "slow", times=10),
         words=("timed out",), needs_catalog=True),
    Case("catalog_install", "catalog_changed_html", _catalog_fault("Search.aspx", "changed_html", times=10),
         words=("catalog",), needs_catalog=True),
    Case("catalog_install", "download_truncated", _catalog_fault("download/", "truncate", times=10),
         words=("download", "nothing was installed", "run again"), needs_catalog=True),
    Case("catalog_install", "download_wrong_hash", _catalog_fault("download/", "badhash", times=10),
         words=("checksum", "SHA256", "nothing was installed"), needs_catalog=True),
    Case("catalog_install", "disk_full_download", _host_fault("disk_full_on", "win_get_url"),
         words=("space", "nothing was installed"), needs_catalog=True),
    Case("catalog_install", "drop_mid_step", _lost("detached_start"), needs_catalog=True),
    # The first poll's answer: the fake's DISM /Add-Package can end before a second poll on a busy
    # machine, and a fault on a poll that never comes would not fire.
    Case("catalog_install", "operation_timeout", _lost("detached_status", n=1, timeout=True),
         survives_first=True, needs_catalog=True),
    # repair install
    Case("inplace_upgrade", "missing_iso", _no_iso, words=("does not exist", "image"), restore=_iso_back),
    Case("inplace_upgrade", "rollback_0xC1900101", _rollback, words=("0xC1900101", "security software"),
         restore=_uninstall_av),
    Case("inplace_upgrade", "reboot_slower_than_timeout", _slow_reboot, words=("reboot_timeout",)),
    Case("inplace_upgrade", "drop_mid_step", _lost("detached_start", n=2)),
    Case("inplace_upgrade", "operation_timeout", _lost("detached_status", n=1, timeout=True), survives_first=True),
]


@dataclass
class Outcome:
    case: Case
    first: dict
    second: Optional[dict]
    consistent: bool
    lost: list
    stopped: list
    message_ok: bool
    rerun_ok: bool
    repeated: int
    problems: list

    @property
    def survived(self):
        return not self.problems

    @property
    def data_lost(self):
        return bool(self.lost)


def _msg_ok(case, result):
    """A failure names what happened and what to do; unreachable is Ansible's own report."""
    if not (result.get("failed") or result.get("unreachable")):
        return True
    msg = str(result.get("msg") or "")
    if result.get("unreachable"):
        return bool(msg)
    if len(msg) < 30 or "Traceback" in msg:
        return False
    return all(w.lower() in msg.lower() for w in case.words)


def _unfired(rung, catalog):
    """Faults still waiting after the first run: a case whose fault never fired proves nothing."""
    left = list(rung.fake.lose_answer_on) + list(rung.fake.fail_on)
    if catalog is not None:
        left += [tuple(e[:2]) for e in catalog.faults if e[2] == e[4]]
    return left


def run_case(case, tmp, catalog=None):
    """Run CASE: fault, then rerun; return its Outcome (never raises for a failed check)."""
    if case.needs_catalog:
        catalog.reset()
    rung = RUNGS[case.rung](tmp, catalog)
    before = services_of(rung.host)
    problems = []
    case.inject(rung)
    try:
        first = rung.run(**case.kwargs)
    except Exception:  # a traceback out of an action plugin is a finding, not a crash of the matrix
        first = {"failed": True, "msg": "Traceback: " + traceback.format_exc()}
    lost, stopped = lost_folders(rung.host), stopped_services(rung.host, before)
    if lost:
        problems.append("folders lost: %s" % lost)
    # A service stuck in STOP_PENDING cannot be started again by anyone until its
    # process ends: acceptable only when the message names it and says what to do.
    stopped = [n for n in stopped if n not in case.stuck or n not in str(first.get("msg"))]
    if stopped:
        problems.append("services left stopped: %s" % stopped)
    message_ok = _msg_ok(case, first)
    if not message_ok:
        problems.append("unclear message: %r" % str(first.get("msg"))[:300])
    if case.survives_first and (first.get("failed") or first.get("unreachable")):
        problems.append("the first run did not survive the fault: %r" % str(first.get("msg"))[:300])
    # The destructive step counts as "done" when the first run got that far and
    # was cut off (unreachable): a rerun must not do it again. A failure the
    # module rolled back (reset, setup rollback) is undone: trying again is right.
    done_before = rung.destructive_calls() if first.get("unreachable") else 0
    unfired = _unfired(rung, catalog if case.needs_catalog else None)
    if case.words and not first.get("failed"):
        unfired.append("a failure naming %s was expected" % (case.words,))
    if unfired:
        problems.append("the fault never fired: %s" % unfired)
    mark = len(rung.script_records())
    rung.fake.clear_faults()
    rerun_kwargs = dict(case.kwargs)
    if case.restore is not None:
        rerun_kwargs.update(case.restore(rung) or {})
    if case.needs_catalog:
        catalog.reset()
    try:
        second = rung.run(**rerun_kwargs)
    except Exception:
        second = {"failed": True, "msg": "Traceback: " + traceback.format_exc()}
    rerun_ok = not (second.get("failed") or second.get("unreachable"))
    if not rerun_ok:
        problems.append("the rerun failed: %r" % str(second.get("msg"))[:300])
    repeated = rung.destructive_calls(mark) if done_before else 0
    if repeated and not case.may_repeat:
        problems.append("the rerun repeated the destructive step (%d times)" % repeated)
    lost2, stopped2 = lost_folders(rung.host), stopped_services(rung.host, before)
    if lost2:
        problems.append("folders lost after the rerun: %s" % lost2)
        lost = lost or lost2
    if stopped2:
        problems.append("services stopped after the rerun: %s" % stopped2)
    return Outcome(case, first, second, not (lost or stopped), lost, stopped, message_ok, rerun_ok,
                   repeated, problems)


def run_matrix(cases=None, catalog=None):
    """Run every case (starting a fake catalog when none is given); [Outcome]."""
    from winsim.fake_catalog import FakeCatalog
    cases = CASES if cases is None else cases
    own = catalog is None and any(c.needs_catalog for c in cases)
    saved = os.environ.get("SSL_CERT_FILE")
    if own:
        catalog = FakeCatalog(slow_seconds=3.0).start()
    if catalog is not None:
        os.environ["SSL_CERT_FILE"] = catalog.ca_path
    try:
        out = []
        for case in cases:
            with tempfile.TemporaryDirectory(prefix="wu-fault-") as tmp:
                out.append(run_case(case, tmp, catalog))
        return out
    finally:
        if own:
            catalog.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved
