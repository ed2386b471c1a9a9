# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/fix_wu.yml against a simulated fleet and the fake catalog, as
tests/e2e/test_ladder.py does, for the reliability tests that need the wire
(test_concurrent_runs.py, test_fix_wu_faults.py, test_fix_wu_matrix.py).

start(): one ansible-playbook process (not waited for), so two can run at
once; finish(): its exit, output (stderr merged into stdout), each host's fact
wu_remediation (a last play copies it to a file) and the host records it
caused. finish(), why() and recap() are those of winsim/fix_wu_run.py, the
runner tests/e2e/test_ladder.py uses too.
"""
from __future__ import annotations

import json

from winsim import fix_wu_run

KB = fix_wu_run.KB
JOURNAL = "c:\\programdata\\winrepair\\journal.json"
LOCK = JOURNAL + ".lock"
SD = "C:\\Windows\\SoftwareDistribution"
CR = "C:\\Windows\\System32\\catroot2"
WU_SERVICES = ("wuauserv", "cryptsvc", "bits")
# Records of steps that only read the host.
READ_ONLY = {("script", "wu_diagnose"), ("script", "wu_journal_read")}


# The fleet and the fake catalog, started together (shared with the end-to-end tests).
fleet_and_catalog = fix_wu_run.fleet_and_catalog


def start(fleet, catalog, tmp, name, extra_vars=None, *args):
    """Start fix_wu.yml (plus a play dumping wu_remediation) in the background, in TMP/NAME with a
    catalog cache of its own; EXTRA_VARS override the defaults (None: leave it to the inventory)."""
    variables = fix_wu_run.fix_wu_vars(catalog, tmp / ("catalog-cache-" + name))
    variables.update(extra_vars or {})
    return fix_wu_run.start(fleet, tmp / name, variables, *args)


# The run's exit, output, facts and records; the end of its output; a host's PLAY RECAP line.
finish = fix_wu_run.finish
why = fix_wu_run.why
recap = fix_wu_run.recap


def journal_entry(host):
    data = host.files.get(JOURNAL)
    return (json.loads(data).get("entries") or {}).get(KB) if data else None


def changing(records):
    """Records that changed (or could have changed) the host: not a read, not check mode,
    not a refused lock (a lock script that took or released nothing)."""
    out = []
    for rec in records:
        if (rec.kind, rec.name) in READ_ONLY or rec.check_mode:
            continue
        if rec.name == "wu_journal_lock" and rec.outcome != "changed":
            continue
        out.append(rec)
    return out


def resets(records):
    """Component resets that ran (a fault before the step means it did not)."""
    return [r for r in records if r.name == "wu_reset_apply" and not r.check_mode
            and not r.outcome.startswith("fault")]


def services(host):
    """(state, start mode) of the Windows Update services."""
    return {n: (host.services[n].state, host.services[n].start_mode) for n in WU_SERVICES}


def folder_or_backup(host, path):
    """PATH exists, or a backup of it (<name>.bak-*) does."""
    from winsim import winpath
    if winpath.is_dir(host, path):
        return True
    leaf = winpath.leaf(path).lower()
    return any(winpath.leaf(c).lower().startswith(leaf + ".bak") for c in winpath.children(host, winpath.parent(path)))


def inconsistencies(host, before, boot_before, now, boot_now):
    """What a fault left wrong on HOST: a service disabled, a service that ran and does not
    (a trigger-start one may stay stopped after a restart until something needs it), or
    SoftwareDistribution / catroot2 gone with no backup. BEFORE/NOW come from services()."""
    problems = []
    for svc, (state, mode) in before.items():
        now_state, now_mode = now[svc]
        if now_mode == "disabled" and mode != "disabled":
            problems.append("%s disabled" % svc)
        if state == "running" and now_state != "running" and not (boot_now != boot_before and now_mode != "auto"):
            problems.append("%s left %s" % (svc, now_state))
    problems += ["%s lost" % path for path in (SD, CR) if not folder_or_backup(host, path)]
    return problems
