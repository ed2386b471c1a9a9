# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/fix_wu.yml on a chaos fleet (chaos.py) until nothing changes, and
judge what it left: for tests/reliability/test_chaos_fleet.py and bench/chaos.py.

run(chaos, work_dir) -> a result dict (see summary()). Runs: the first reaches
every host; each later one reaches the hosts that are not quiet yet. A host is
quiet after a run that changed nothing on it (no request but reads:
reliability/fixwu.py changing()) and did not fail on it (PLAY RECAP failed=0,
unreachable=0); with no fault left to come, the next run would only read it
again. The fleet has converged after the run in which every host it reached
was quiet; at most MAX_RUNS runs.

Per chaos host, afterwards (what test_chaos_fleet.py asserts and bench/chaos.py counts):
  fixed_run     the run after which the target update (or one superseding it) was installed;
                its twin's fixed_run says whether fix_wu.yml fixes the host without faults;
  inconsistent  a Windows Update service not in its start state (start mode changed,
                stuck in a pending state, or stopped although it ran before; a trigger-start
                service may stay stopped after a restart), SoftwareDistribution or catroot2
                gone with no backup, a journal that does not parse, the run lock left behind;
  journal_lost  after some run the journal was gone or unreadable, lost the target's entry,
                dropped a step an unfinished run had recorded, or started afresh over an
                unfinished run;
  repeated      completed destructive steps beyond the first of each kind, read from the
                host's records and detached runs in the model: a component reset whose
                renamed folders were still renamed when its run ended (wu_reset_apply
                rolls back what it did when it fails: that one did not complete), a DISM
                /Add-Package or a repair install's downlevel phase that ran to its end, a
                clean-up (wu_disk_cleanup: old backups, DISM /StartComponentCleanup) that
                changed the host;
  verdict       for a host left broken: the verdict of the last run that reached it (the
                journal's; a host with a failing disk gets no journal writes, so the run's
                record), and whether that record names the causes still active on it (the
                plan's diagnosed causes).
"""
from __future__ import annotations

import collections
import json
import time

from reliability import chaos as chaos_mod
from reliability import chaos_faults, fixwu
from winsim import causes as causes_mod
from winsim import detached, winpath
from winsim.detached import setup_exe
from winsim.fake_catalog import FakeCatalog

MAX_RUNS = 5
SETTLED = ("needs_person", "skipped_failing_disk")
PENDING = ("stop_pending", "start_pending")
UPGRADE_CONTINUE = setup_exe.CONTINUE_REBOOT  # setup.exe's downlevel phase ended: restart to go on
SUCCESS = (0, 3010)  # ERROR_SUCCESS, ERROR_SUCCESS_REBOOT_REQUIRED (winerror.h)


def green(host) -> bool:
    return bool(set(chaos_mod.GREEN_KBS) & set(host.installed_kbs))


# ----------------------------------------------------------------- what a host holds

def read_journal(host):
    """(data, problem): the parsed journal (None when there is none), or a problem text."""
    with host.lock:
        raw = host.files.get(fixwu.JOURNAL)
    if raw is None:
        return None, None
    try:
        return json.loads(raw.decode("utf-8-sig")), None
    except ValueError as exc:
        return None, "the journal does not parse: %s" % exc


def journal_problems(before, after, kb):
    """What a run lost of the journal BEFORE it (parsed data) in AFTER."""
    if before is None:
        return []
    if after is None:
        return ["the journal is gone"]
    old, new = (before.get("entries") or {}).get(kb), (after.get("entries") or {}).get(kb)
    if old is None:
        return []
    if new is None:
        return ["the entry of %s is gone" % kb]
    if old.get("run_id") == new.get("run_id"):
        missing = collections.Counter(s.get("rung") for s in old.get("rungs_run") or []) - collections.Counter(
            s.get("rung") for s in new.get("rungs_run") or [])
        return ["steps of run %s dropped: %s" % (old.get("run_id"), dict(missing))] if missing else []
    if old.get("verdict") is None:
        return ["run %s had not finished and was replaced by run %s" % (old.get("run_id"), new.get("run_id"))]
    if (new.get("previous") or {}).get("run_id") not in (None, old.get("run_id")):
        return ["the finished run %s is not the previous of run %s" % (old.get("run_id"), new.get("run_id"))]
    return []


def service_state(host) -> dict:
    with host.lock:
        return {n: (s.state, s.start_mode) for n, s in host.services.items()}


def inconsistencies(host, start: dict, boot_before) -> list:
    """What is wrong with HOST now against its START services (service_state) and boot time."""
    out = []
    rebooted = host.boot_time != boot_before
    for name, (state, mode) in start.items():
        now_state, now_mode = host.services[name].state, host.services[name].start_mode
        if now_mode != mode:
            out.append("%s start mode %s -> %s" % (name, mode, now_mode))
        if now_state in PENDING:
            out.append("%s left %s" % (name, now_state))
        elif state == "running" and now_state != "running" and not (rebooted and now_mode != "auto"):
            out.append("%s left %s" % (name, now_state))
    out += ["%s lost" % path for path in (fixwu.SD, fixwu.CR) if not fixwu.folder_or_backup(host, path)]
    _data, problem = read_journal(host)
    if problem:
        out.append(problem)
    if fixwu.LOCK in host.files:
        out.append("the run lock was left behind")
    return out


def completed_resets(host, records) -> int:
    """Component resets among RECORDS (one run's) whose renames HOST still shows: not rolled back."""
    done = 0
    with host.lock:
        for rec in records:
            if rec.name != "wu_reset_apply" or rec.check_mode or rec.outcome in ("fault:drop", "fault:http500"):
                continue
            if any(winpath.is_dir(host, r.get("backup") or "") for r in rec.args.get("Renames") or []):
                done += 1
    return done


def destructive_steps(host, clock, resets: int) -> dict:
    """kind -> how many times a destructive step ran to its end on HOST (see the module doc);
    RESETS: the completed resets counted run by run (completed_resets)."""
    with host.lock:
        detached.settle(host, clock)
        out = collections.Counter()
        if resets:
            out["reset"] = resets
        for rec in host.records:
            if rec.name == "wu_disk_cleanup" and not rec.check_mode and rec.outcome == "changed":
                out["clean-up"] += 1
        for plan in host.detached_runs.values():
            ended = plan["done"] and "killed_at" not in plan and plan["duration"] <= plan["max_run_seconds"]
            if not ended:
                continue
            if plan["label"] == "DISM Add-Package" and plan["exit_code"] in SUCCESS:
                out["Add-Package"] += 1
            elif plan["label"] == setup_exe.LABEL_UPGRADE and plan["exit_code"] == UPGRADE_CONTINUE:
                out["repair install"] += 1
    return dict(out)


def verdict_of(host, kb, facts=None):
    """(verdict, diagnosed causes, reason) from HOST's journal entry for KB, else from FACTS (the
    record wu_remediation of the last run that reached the host)."""
    data, _problem = read_journal(host)
    entry = ((data or {}).get("entries") or {}).get(kb) or {}
    if not entry.get("verdict") and facts:
        entry = facts
    return entry.get("verdict"), list((entry.get("plan") or {}).get("causes") or []), entry.get("reason")


def _log(records, index) -> list:
    """The requests of one run that may change a host, as "run:name:outcome" (for a report)."""
    return ["%d:%s:%s" % (index, r.name, r.outcome) for r in fixwu.changing(records)]


# ------------------------------------------------------------------------- runs

def _loud(run, name) -> str:
    """Why NAME is not quiet after RUN ("" when it is): what changed it, or its PLAY RECAP."""
    recap = fixwu.recap(run, name)
    changed = sorted({r.name for r in fixwu.changing(run["records"][name])})
    if changed:
        return "changed: " + ",".join(changed)
    if "failed=0" not in recap or "unreachable=0" not in recap:
        return "failed: " + " ".join(recap.split()[2:])
    return ""


def _wait_up(fleet, names, timeout=300.0):
    deadline = time.monotonic() + timeout
    for name in names:
        while fleet.servers[name].is_down() and time.monotonic() < deadline:
            time.sleep(0.2)


def run(chaos, work_dir, forks=20, time_scale=2400.0, max_runs=MAX_RUNS, reboot_timeout=30,
        slow_restart_seconds=None, run_timeout=3600, base_address="127.0.120.1", log=None):
    """Run fix_wu.yml on CHAOS (chaos.Chaos) in WORK_DIR (a pathlib.Path) until it converges; the result.

    REBOOT_TIMEOUT: real seconds every restart may take (wu_remediate_reboot_timeout); a slow
    restart takes SLOW_RESTART_SECONDS real seconds (default 1.5 x the timeout)."""
    log = log or (lambda text: None)
    slow_real = slow_restart_seconds or 1.5 * reboot_timeout
    chaos_catalog = FakeCatalog(slow_seconds=8.0).start()
    started = time.monotonic()

    def scenario(twin_catalog):
        return chaos_mod.scenario(chaos, chaos_catalog, twin_catalog, work_dir, str(work_dir / "ca-bundle.pem"),
                                  time_scale, base_address, reboot_timeout)

    with fixwu.fleet_and_catalog(scenario, work_dir, [chaos_catalog]) as (fleet, twin_catalog):
        names = list(fleet.hosts)
        injector = chaos_faults.Injector(fleet, chaos, chaos_catalog, slow_real * time_scale)
        start = {n: (service_state(fleet.host(n)), fleet.host(n).boot_time) for n in names}
        journals = {n: None for n in names}
        lost = collections.defaultdict(list)
        resets = collections.Counter()
        facts, logs = {}, collections.defaultdict(list)
        fixed_run = {}
        runs, active, converged = [], list(names), None
        for index in range(1, max_runs + 1):
            injector.start(index, active)
            t0 = time.monotonic()
            result = fixwu.finish(fixwu.start(fleet, twin_catalog, work_dir, "run%d" % index,
                                              chaos_mod.run_variables(chaos), "-f", str(forks),
                                              "-l", ",".join(active)), timeout=run_timeout)
            wall = time.monotonic() - t0
            injector.clear(index, active)
            _wait_up(fleet, active)
            loud = {n: _loud(result, n) for n in active}
            quiet = [n for n in active if not loud[n]]
            for n in active:
                resets[n] += completed_resets(fleet.host(n), result["records"][n])
                logs[n] += _log(result["records"][n], index)
                if result["facts"].get(n):
                    facts[n] = result["facts"][n]
                data, problem = read_journal(fleet.host(n))
                if problem:
                    lost[n].append("run %d: %s" % (index, problem))
                else:
                    lost[n] += ["run %d: %s" % (index, p) for p in journal_problems(journals[n], data, chaos.target_kb)]
                    journals[n] = data
                if n not in fixed_run and green(fleet.host(n)):
                    fixed_run[n] = index
            runs.append({"run": index, "hosts": len(active), "quiet": len(quiet), "rc": result["rc"],
                         "wall": round(wall, 1), "not_quiet": {n: why for n, why in loud.items() if why}})
            log("run %d: %d hosts, %d quiet, rc %s, %.0f s" % (index, len(active), len(quiet), result["rc"], wall))
            active = [n for n in active if n not in quiet]
            if not active:
                converged = index
                break
        hosts = {}
        for plan in chaos.hosts:
            host = fleet.host(plan.name)
            services, boot = start[plan.name]
            verdict, diagnosed, reason = verdict_of(host, chaos.target_kb, facts.get(plan.name))
            active_causes = causes_mod.active(host, fleet.clock)
            hosts[plan.name] = {
                "causes": plan.cause_names, "faults": [f.label() for f in plan.faults],
                "fixed_run": fixed_run.get(plan.name), "twin_fixed_run": fixed_run.get(plan.twin),
                "inconsistent": inconsistencies(host, services, boot),
                "twin_inconsistent": inconsistencies(fleet.host(plan.twin), *start[plan.twin]),
                "journal_lost": lost.get(plan.name, []),
                "destructive": destructive_steps(host, fleet.clock, resets[plan.name]),
                "twin_destructive": destructive_steps(fleet.host(plan.twin), fleet.clock, resets[plan.twin]),
                "log": logs[plan.name],
                "verdict": verdict, "diagnosed": diagnosed, "reason": reason, "active_causes": active_causes,
            }
    chaos_catalog.stop()
    return {"seed": chaos.seed, "hosts": len(chaos.hosts), "runs": runs, "converged": converged,
            "per_host": hosts, "faults_armed": dict(injector.armed), "faults_fired": dict(injector.hit),
            "seconds": round(time.monotonic() - started, 1)}


# ---------------------------------------------------------------------- judging

def repeated(destructive: dict) -> int:
    return sum(max(0, n - 1) for n in destructive.values())


def unnamed_cause(h) -> bool:
    """A host left broken whose verdict is missing or does not name a cause still active on it."""
    if h["fixed_run"] is not None:
        return False
    return h["verdict"] not in SETTLED or not (set(h["active_causes"]) & set(h["diagnosed"]))


def summary(result) -> dict:
    """The figures of one seed: what bench/chaos.py tabulates and test_chaos_fleet.py asserts."""
    per = result["per_host"]
    fixable = [n for n, h in per.items() if h["twin_fixed_run"] is not None]
    return {
        "seed": result["seed"], "hosts": result["hosts"], "runs_to_converge": result["converged"],
        "runs": len(result["runs"]),
        "inconsistent": sorted(n for n, h in per.items() if h["inconsistent"]),
        "journals_lost": sorted(n for n, h in per.items() if h["journal_lost"]),
        "repeated_destructive": sum(repeated(h["destructive"]) for h in per.values()),
        "repeated_hosts": sorted(n for n, h in per.items() if repeated(h["destructive"])),
        "fixable": len(fixable),
        "fixable_fixed_in_3": sum(1 for n in fixable if (per[n]["fixed_run"] or 99) <= 3),
        "fixable_not_fixed_in_3": sorted(n for n in fixable if (per[n]["fixed_run"] or 99) > 3),
        "broken_without_named_cause": sorted(n for n, h in per.items() if unnamed_cause(h)),
        "faults_armed": sum(result["faults_armed"].values()), "faults_fired": sum(result["faults_fired"].values()),
    }
