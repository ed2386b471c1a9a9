# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/fix_wu.yml against a simulated fleet and the fake catalog, as
tests/e2e/test_ladder.py does, for the reliability tests that need the wire
(test_concurrent_runs.py, test_fix_wu_faults.py).

start(): one ansible-playbook process (not waited for), so two can run at
once; finish(): its exit, output, each host's fact wu_remediation (a last play
copies it to a file) and the host records it caused.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess

from winsim.fake_catalog import FakeCatalog
from winsim.fleet import Fleet
from winsim.pytest_plugin import VENV, ansible_env

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KB = "KB5043080"
JOURNAL = "c:\\programdata\\winrepair\\journal.json"
LOCK = JOURNAL + ".lock"
SD = "C:\\Windows\\SoftwareDistribution"
CR = "C:\\Windows\\System32\\catroot2"
WU_SERVICES = ("wuauserv", "cryptsvc", "bits")
# Records of steps that only read the host.
READ_ONLY = {("script", "wu_diagnose"), ("script", "wu_journal_read")}


@contextlib.contextmanager
def fleet_and_catalog(scenario, tmp, more_catalogs=()):
    """A started fleet and fake catalog (yielded as a pair); the simulated hosts trust the
    catalog's CA and those of MORE_CATALOGS (started by the caller, stopped here with the rest).
    SCENARIO is the scenario, or a function of the shared catalog that returns it."""
    saved = os.environ.get("SSL_CERT_FILE")
    catalog = FakeCatalog().start()
    catalogs = [catalog] + list(more_catalogs)
    fleet = None
    try:
        bundle = str(tmp / "ca-bundle.pem")
        with open(bundle, "w", encoding="ascii") as out:
            for cat in catalogs:
                with open(cat.ca_path, encoding="ascii") as handle:
                    out.write(handle.read().strip() + "\n")
        os.environ["SSL_CERT_FILE"] = bundle  # what the simulated hosts' downloads trust
        fleet = Fleet.from_scenario(scenario(catalog) if callable(scenario) else scenario)
        fleet.start()
        fleet.write_inventory(str(tmp / "hosts.yml"))
        yield fleet, catalog
    finally:
        if fleet is not None:
            fleet.stop()
        for cat in catalogs:
            cat.stop()
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def start(fleet, catalog, tmp, name, extra_vars=None, *args):
    """Start fix_wu.yml (plus a play dumping wu_remediation) in the background."""
    out = tmp / name
    out.mkdir()
    variables = {
        "wu_remediate_target_kb": KB,
        "wu_remediate_poll_interval": 0.2,
        "wu_remediate_reboot_timeout": 300,
        "wu_remediate_catalog_url": catalog.url,
        "wu_remediate_catalog_ca_path": catalog.ca_path,
        "wu_remediate_catalog_download_hosts": [catalog.download_host],
        "wu_remediate_catalog_cache_dir": str(tmp / ("catalog-cache-" + name)),
        "wu_fix_report": False,
    }
    variables.update(extra_vars or {})
    variables = {k: v for k, v in variables.items() if v is not None}  # None: leave it to the inventory
    (out / "vars.json").write_text(json.dumps(variables))
    wrapper = [
        {"import_playbook": os.path.join(ROOT, "playbooks", "fix_wu.yml")},
        {"name": "dump facts", "hosts": "all", "gather_facts": False, "tasks": [
            {"ansible.builtin.copy": {"content": "{{ wu_remediation | default({}) | to_json }}",
                                      "dest": str(out) + "/{{ inventory_hostname }}.json"},
             "delegate_to": "localhost", "check_mode": False, "changed_when": False}]},
    ]
    (out / "run.yml").write_text(json.dumps(wrapper))
    seen = {n: len(fleet.records(n)) for n in fleet.hosts}
    stdout = open(out / "stdout.txt", "w")
    proc = subprocess.Popen([os.path.join(VENV, "bin", "ansible-playbook"), "-i", fleet.inventory_path,
                             str(out / "run.yml"), "-e", "@" + str(out / "vars.json"), *args],
                            env=ansible_env(), stdout=stdout, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    return {"proc": proc, "dir": out, "seen": seen, "stdout_file": stdout, "fleet": fleet}


def finish(run, timeout=600):
    try:
        run["proc"].wait(timeout=timeout)
    finally:
        if run["proc"].poll() is None:
            run["proc"].kill()
            run["proc"].wait()
        run["stdout_file"].close()
    out, fleet = run["dir"], run["fleet"]
    run["rc"] = run["proc"].returncode
    run["stdout"] = (out / "stdout.txt").read_text()
    run["facts"] = {}
    for host in fleet.hosts:
        f = out / ("%s.json" % host)
        if f.exists():
            run["facts"][host] = json.loads(f.read_text())
    run["records"] = {n: fleet.records(n)[run["seen"][n]:] for n in fleet.hosts}
    return run


def why(run):
    return run["stdout"][-8000:]


def recap(run, host):
    """The PLAY RECAP line of HOST (the first play's counts are summed there)."""
    for line in run["stdout"].splitlines():
        if line.startswith(host + " ") and " : ok=" in line:
            return line
    return ""


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
