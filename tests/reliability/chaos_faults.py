# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arms the faults of a chaos fleet (chaos.py) on a running winsim fleet, run by
run, and tells which of them fired.

A fault "at the n-th call of a step" is armed once the host has answered the
step n-1 times in the run: the injector watches each chaos host's request log
as it grows (it wraps HostModel.record on the host object, in this process),
so it arms the simulator's own fault lists (drop_connection_on, http500_on,
operation_timeout_on, reboot_on; winsim/dispatch.py) exactly between two
calls, with no polling. Two kinds need more than those lists:

  answer_lost   the host answered the step; the injector closes the
                connection instead of sending that final Receive answer (it
                wraps the host server's handle(), as dispatch's "reboot" fault
                does, without the restart);
  disk_full     after the step, the host's free space drops to 0 (what a
                full disk is to winsim/winpath.py); the space is given back
                when the run ends.

The service faults set the knobs of winsim.model.Service (stuck_stop_pending,
access_denied) for the run; slow_restart sets the host's reboot downtime.
After each run clear() takes every fault of that run away and gives the disk
space back: the faults are transient (chaos.py).
"""
from __future__ import annotations

import collections
import json
import threading

from winsim.model import ProtocolFault

# Fault kind -> the winsim fault list it arms, and the name dispatch counts it under in faults.fired.
LISTED = {"drop": ("drop_connection_on", "drop"), "http500": ("http500_on", "http500"),
          "operation_timeout": ("operation_timeout_on", "operation_timeout"), "restart": ("reboot_on", "reboot")}
FAULT_LISTS = ("drop_connection_on", "http500_on", "operation_timeout_on", "access_denied_on", "disk_full_on",
               "reboot_on")
# Steps that read or change the Windows Update services (where a service fault shows).
SERVICE_STEPS = ("wu_reset_state", "wu_reset_apply")


def _runs(args, words, unless=None) -> bool:
    """Whether a detached_start's ARGS start the command with WORDS (and without UNLESS)."""
    text = json.dumps(args).lower()
    return words in text and not (unless and unless in text)


class HostFaults:
    """One chaos host's faults for the current run."""

    def __init__(self, host, server, plan, slow_downtime):
        self.host, self.server, self.plan = host, server, plan
        self.slow_downtime = slow_downtime
        self.run = 0
        self.faults = []  # this run's
        self.calls = collections.Counter()  # step -> requests answered in this run (not check mode)
        self.waiting = []  # faults armed once their step has been called nth - 1 times
        self.lose = {}  # record seq -> fault: answers to drop
        self.fired = set()  # id() of this run's faults that fired
        self.taken = 0  # free bytes a disk_full fault took
        self.mark = 0  # the host's records before this run
        self.lock = threading.RLock()
        self._record = host.record
        host.record = self._on_record
        self._handle = server.handle
        server.handle = self._on_handle

    # ------------------------------------------------------------- a run
    def start(self, run):
        with self.host.lock, self.lock:
            self.run = run
            self.faults = [f for f in self.plan.faults if f.run == run]
            self.calls = collections.Counter()
            self.waiting, self.lose, self.fired = [], {}, set()
            self.host.faults.fired.clear()  # dispatch's counters: this run's faults fire afresh
            self.mark = len(self.host.records)
            for fault in self.faults:
                self._prepare(fault)

    def _prepare(self, fault):
        kind = fault.kind
        if kind in LISTED or kind in ("answer_lost", "disk_full", "restart_long"):
            self.waiting.append(fault)
            self._arm_due()
        elif kind == "slow_restart":
            if self.host.faults.reboot_downtime_seconds is None:
                self.host.faults.reboot_downtime_seconds = self.slow_downtime
        elif kind == "stuck_service":
            self.host.services[fault.arg].stuck_stop_pending = True
        elif kind == "access_denied":
            self.host.services[fault.arg].access_denied = True
        else:
            raise ValueError("fault kind %r" % kind)

    def _arm_due(self):
        """Arm the listed faults whose call comes next (n-1 calls of their step answered)."""
        for fault in list(self.waiting):
            if fault.kind in LISTED and self.calls[fault.step] == fault.nth - 1:
                listname, _name = LISTED[fault.kind]
                times = int(fault.arg) if fault.kind == "operation_timeout" else 1
                getattr(self.host.faults, listname).append({"step": fault.step, "times": times})
                self.waiting.remove(fault)

    def _on_record(self, kind, name, args, check_mode, *rest, **kw):
        rec = self._record(kind, name, args, check_mode, *rest, **kw)
        if check_mode or not self.faults:
            return rec
        with self.host.lock, self.lock:
            self.calls[name] += 1
            for fault in list(self.waiting):
                if fault.step != name:
                    continue
                if fault.kind == "answer_lost" and self.calls[name] == fault.nth and not rec.outcome.startswith("fault"):
                    self.lose[rec.seq] = fault
                    self.waiting.remove(fault)
                elif fault.kind == "disk_full" and self.calls[name] == fault.nth:
                    self.taken += self.host.disk.free_bytes
                    self.host.disk.free_bytes = 0
                    self.fired.add(id(fault))
                    self.waiting.remove(fault)
                elif fault.kind == "restart_long" and rec.outcome in ("ok", "changed") and _runs(args, *fault.arg):
                    # The long tool runs now: the host restarts at the next poll, killing it.
                    self.host.faults.reboot_on.append({"step": "detached_status", "times": 1})
                    self.fired.add(id(fault))
                    self.waiting.remove(fault)
            self._arm_due()
        return rec

    def _on_handle(self, req):
        status, body, after = self._handle(req)
        if req.action != "Receive" or status != 200 or not self.lose:
            return status, body, after
        with self.server._lock:
            shell = self.server.shells.get(req.shell_id)
            cmd = shell.commands.get(req.command_id or "") if shell else None
        rec = cmd.outcome.record if cmd is not None and cmd.outcome is not None else None
        with self.lock:
            fault = self.lose.pop(rec.seq, None) if rec is not None else None
            if fault is None:
                return status, body, after
            self.fired.add(id(fault))
        for fn in after:  # what the host does after answering, it still does
            fn()
        raise ProtocolFault("drop", "answer of %s #%d lost" % (fault.step, fault.nth))

    def clear(self):
        """End of the run: every fault gone, the disk space back; [(fault, fired)] of the run."""
        with self.host.lock, self.lock:
            fired = dict(self.host.faults.fired)
            out = []
            for fault in self.faults:
                if fault.kind in LISTED:
                    hit = fired.get("%s:%s" % (LISTED[fault.kind][1], fault.step), 0) > 0
                elif fault.kind == "restart_long":
                    hit = id(fault) in self.fired and fired.get("reboot:detached_status", 0) > 0
                elif fault.kind == "slow_restart":
                    hit = any(r.name == "boot" and r.args.get("downtime_seconds") == self.slow_downtime
                              for r in self.host.records[self.mark:])
                elif fault.kind in ("stuck_service", "access_denied"):
                    hit = self.calls["wu_reset_state"] + self.calls["wu_reset_apply"] > 0
                else:
                    hit = id(fault) in self.fired
                out.append((fault, hit))
            for attr in FAULT_LISTS:
                setattr(self.host.faults, attr, [])
            if self.host.faults.reboot_downtime_seconds == self.slow_downtime:
                self.host.faults.reboot_downtime_seconds = None
            for svc in self.host.services.values():
                svc.stuck_stop_pending = False
                svc.access_denied = False
            self.host.disk.free_bytes += self.taken
            self.taken = 0
            self.faults, self.waiting, self.lose = [], [], {}
        return out


class Injector:
    """The faults of CHAOS (chaos.py) on FLEET; the catalog faults on CATALOG (the chaos hosts')."""

    def __init__(self, fleet, chaos, catalog, slow_downtime):
        self.fleet, self.chaos, self.catalog = fleet, chaos, catalog
        self.hosts = {plan.name: HostFaults(fleet.host(plan.name), fleet.servers[plan.name], plan, slow_downtime)
                      for plan in chaos.hosts}
        self.armed = collections.Counter()  # kind -> faults armed (their host ran)
        self.hit = collections.Counter()  # kind -> faults that fired

    def start(self, run, names):
        """Arm run RUN's faults on the chaos hosts among NAMES (those the run reaches)."""
        self.catalog.reset()
        for path, kind, times in self.chaos.catalog_faults.get(run, []):
            self.catalog.fault(path, kind, times)
        for name in names:
            if name in self.hosts:
                self.hosts[name].start(run)

    def clear(self, run, names):
        """After run RUN: count what fired, take every fault away."""
        with self.catalog.lock:
            planned = self.chaos.catalog_faults.get(run, [])
            for (_path, kind, left, _method), (_p, _k, times) in zip(self.catalog.faults, planned):
                self.armed["catalog_" + kind] += 1
                self.hit["catalog_" + kind] += int(left < times)
        self.catalog.reset()
        for name in names:
            if name in self.hosts:
                for fault, hit in self.hosts[name].clear():
                    self.armed[fault.kind] += 1
                    self.hit[fault.kind] += int(hit)
