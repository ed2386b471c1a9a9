# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/fix_wu.yml (or another playbook of the repository) against a
simulated fleet and read what it did: the runner tests/e2e/test_ladder.py and
tests/reliability/fixwu.py share.

    run = start(fleet, tmp / "first", fix_wu_vars(catalog, tmp / "cache"), "--check")
    finish(run)   # run["rc"], run["stdout"], run["facts"][host], run["records"][host]

start() does not wait, so two runs can go at once (test_concurrent_runs.py).
With dump=True a wrapper playbook imports the playbook and adds a play that
copies each host's fact wu_remediation to <run dir>/facts.json on the
controller (in check mode too), so a test reads what the report role would.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess

from .fake_catalog import FakeCatalog
from .fleet import Fleet
from .pytest_plugin import DUMP, REPO, VENV, ansible_env, dump_tasks

KB = "KB5043080"  # the update the simulated fleets of these tests are asked to install
FIX_WU = "playbooks/fix_wu.yml"
TIMEOUT = 600  # seconds a whole run may take (the machine may be busy with a benchmark)


def fix_wu_vars(catalog, cache_dir, kb: str = KB) -> dict:
    """The variables every run gives the role: the target update, quick polling and reboot wait
    (the fleet clock runs fast), the fake CATALOG (address, CA, download host) with CACHE_DIR as
    the controller's download cache, and no fleet report."""
    return {
        "wu_remediate_target_kb": kb,
        "wu_remediate_poll_interval": 0.2,
        "wu_remediate_reboot_timeout": 300,
        "wu_remediate_catalog_url": catalog.url,
        "wu_remediate_catalog_ca_path": catalog.ca_path,
        "wu_remediate_catalog_download_hosts": [catalog.download_host],
        "wu_remediate_catalog_cache_dir": str(cache_dir),
        "wu_fix_report": False,
    }


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


def _wrapper(playbook: str, out) -> list:
    """PLAYBOOK, then a play writing each host's wu_remediation to OUT/facts.json (check mode or not)."""
    return [
        {"import_playbook": playbook},
        {"name": "dump facts", "hosts": "all", "gather_facts": False,
         "tasks": dump_tasks("wu_remediation | default({})", out / DUMP)},
    ]


def start(fleet, out, variables: dict, *args, playbook: str = FIX_WU, dump: bool = True,
          merge_stderr: bool = True) -> dict:
    """Start ansible-playbook on PLAYBOOK (a path in the repository) against FLEET, not waiting.

    OUT: the run's folder (a pathlib.Path, created here): vars.json, run.yml (the wrapper, with
    DUMP), stdout.txt, stderr.txt (unless MERGE_STDERR) and the dumped facts.
    VARIABLES: passed with -e @vars.json; a None value is left out (the inventory's value holds).
    ARGS: more ansible-playbook arguments ("--check", "-f", "20", "-e", "x=y").
    Returns the run (a dict) for finish().
    """
    out.mkdir()
    (out / "vars.json").write_text(json.dumps({k: v for k, v in variables.items() if v is not None}))
    path = os.path.join(REPO, playbook)
    if dump:
        (out / "run.yml").write_text(json.dumps(_wrapper(path, out)))
        path = str(out / "run.yml")
    seen = {n: len(fleet.records(n)) for n in fleet.hosts}  # records before this run
    # Output goes to files, not pipes: nobody reads a pipe while the run goes on in the background.
    files = [open(out / "stdout.txt", "w", encoding="utf-8")]
    if not merge_stderr:
        files.append(open(out / "stderr.txt", "w", encoding="utf-8"))
    try:
        proc = subprocess.Popen([os.path.join(VENV, "bin", "ansible-playbook"), "-i", fleet.inventory_path, path,
                                 "-e", "@" + str(out / "vars.json"), *args],
                                env=ansible_env(), stdout=files[0], stderr=subprocess.STDOUT if merge_stderr else files[1],
                                cwd=REPO)
    except BaseException:
        for handle in files:
            handle.close()
        raise
    return {"proc": proc, "dir": out, "seen": seen, "files": files, "fleet": fleet, "merge_stderr": merge_stderr}


def finish(run: dict, timeout: float = TIMEOUT) -> dict:
    """Wait for RUN (killed after TIMEOUT seconds, raising subprocess.TimeoutExpired) and add to it:
    rc, stdout, stderr ("" when merged into stdout), facts ({host: wu_remediation} of the hosts whose
    dump exists) and records ({host: the requests the host answered during the run}). Returns RUN."""
    proc = run["proc"]
    try:
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for handle in run["files"]:
            handle.close()
    out, fleet = run["dir"], run["fleet"]
    run["rc"] = proc.returncode
    run["stdout"] = (out / "stdout.txt").read_text(encoding="utf-8")
    run["stderr"] = "" if run["merge_stderr"] else (out / "stderr.txt").read_text(encoding="utf-8")
    dumped = out / DUMP
    run["facts"] = json.loads(dumped.read_text(encoding="utf-8")) if dumped.exists() else {}
    run["records"] = {n: fleet.records(n)[run["seen"][n]:] for n in fleet.hosts}
    return run


def _tail(text: str, size: int) -> str:
    return text[-size:] if size > 0 else ""  # text[-0:] would be all of it


def why(run: dict, out_tail: int = 8000, err_tail: int = 3000) -> str:
    """For an assertion message: the last OUT_TAIL characters of the run's stdout, then the last
    ERR_TAIL of its stderr (nothing when stderr was merged into stdout)."""
    return _tail(run["stdout"], out_tail) + _tail(run["stderr"], err_tail)


def recap(run: dict, host: str) -> str:
    """The PLAY RECAP line of HOST ("" if none; the counts of all plays are summed there)."""
    for line in run["stdout"].splitlines():
        if line.startswith(host + " ") and " : ok=" in line:
            return line
    return ""
