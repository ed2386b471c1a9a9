# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of winrepair.windows_update.win_kb_catalog_install.

1. host: kb_installed.ps1 (read-only): product, version, architecture, installed KBs;
2. controller: the update and its files from the Microsoft Update Catalog,
   once per (catalog, kb, product, architecture, supersede) for all hosts and
   forks (download_cache.py; locks on disk);
3. controller (modes controller/mirror): each file downloaded once into the
   content-addressed cache, and for mirror mode placed in mirror_dir;
4. host: every file into one folder (win_get_url / win_copy), each checked
   with win_stat against the catalog's SHA-256 (SHA-1 when the catalog gives
   no SHA-256); a file that does not match is removed and nothing installs;
5. host: DISM /Online /Add-Package /PackagePath:<target .msu> /NoRestart run
   detached and polled (detached.py); DISM applies the checkpoint .msu files
   it finds beside the target (Microsoft Learn "Checkpoint cumulative updates and
   Microsoft Update Catalog usage"). wusa.exe is denied over WinRM
   (ansible/ansible#26385) and win_hotfix cannot read the WIM/PSF .msu format of
   24H2 (ansible-collections/ansible.windows#942), hence DISM.
Decisions live in plugin_utils/_rungs/kb_install.py; this file is the plumbing.
With `yield_after` the wait for DISM ends early while it runs on
(plugin_utils/_action/fork_share.py): the result is `pending` with a `resume`
value (the result and plan so far), and a call with it takes up that DISM run.
"""
from __future__ import annotations

import os
import time

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action import fork_share
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._action.base import (
    ActionFailure, WinRepairAction, above, at_least)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host import detached, host_session
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.client import (
    DEFAULT_CATALOG_URL,
    CatalogClient,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogError,
    CatalogNoResultsError,
    UnsafeUrlError,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.dism_output import parse_dism
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.download_cache import (
    CacheError,
    DownloadCache,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._host.script_runner import (
    run_script,
    script_caller,
)

DEFAULT_CACHE_DIR = "~/.cache/winrepair/catalog"
DEFAULT_HOST_DIR = "C:\\ProgramData\\winrepair\\catalog"

ARGUMENT_SPEC = {
    "kb": {"type": "str", "required": True},
    "supersede": {"type": "bool", "default": False},
    "download_mode": {"type": "str", "default": "host", "choices": ["host", "controller", "mirror"]},
    "catalog_url": {"type": "str", "default": DEFAULT_CATALOG_URL},
    "ca_path": {"type": "path"},
    "download_hosts": {"type": "list", "elements": "str", "default": []},
    "cache_dir": {"type": "path", "default": DEFAULT_CACHE_DIR},
    "catalog_cache_ttl": {"type": "int", "default": 3600},
    "catalog_timeout": {"type": "float", "default": 60.0},
    "catalog_retries": {"type": "int", "default": 4},
    "mirror_dir": {"type": "path"},
    "mirror_url": {"type": "str"},
    "host_dir": {"type": "str", "default": DEFAULT_HOST_DIR},
    "product": {"type": "str"},
    "architecture": {"type": "str", "choices": ["x64", "arm64", "x86"]},
    "allow_not_applicable": {"type": "bool", "default": False},
    "keep_files": {"type": "bool", "default": False},
    "timeout": {"type": "int", "default": 7200},
    "poll_interval": {"type": "float", "default": 15.0},
    "yield_after": fork_share.YIELD_AFTER_SPEC,
    "resume": fork_share.RESUME_SPEC,
}
REQUIRED_IF = [("download_mode", "mirror", ("mirror_dir", "mirror_url"))]
RANGES = {
    "timeout": at_least(1),
    "poll_interval": above(0),
    "catalog_cache_ttl": at_least(0),
    "catalog_timeout": above(0),
    "catalog_retries": at_least(0),
    "yield_after": at_least(0),
}


class StagingError(ActionFailure):
    """A file could not be put on the host, or it does not match its hash."""


# Modules sent again after a dropped connection or a WinRM error (host_session.retry_transient):
# win_stat only reads; win_get_url with force and the catalog's checksum writes the same file
# again, and the host's hash is checked before DISM sees it. win_file (the folder this task may
# create, and remove again on a failure) is not: a second answer would hide who created it.
SAFE_TO_SEND_AGAIN = ("ansible.windows.win_stat", "ansible.windows.win_get_url")


class ActionModule(WinRepairAction):
    argument_spec = ARGUMENT_SPEC
    validation = {"required_if": REQUIRED_IF}
    ranges = RANGES

    # -- host calls (small methods: unit tests replace _copy_to_host) ------------------------
    def _module(self, name, args, task_vars):
        def call():
            return self._execute_module(module_name=name, module_args=args, task_vars=task_vars)
        if name in SAFE_TO_SEND_AGAIN:
            return host_session.retry_transient(call, self._connection, name)
        return call()

    def _copy_to_host(self, src, dest, task_vars, remote_src=False):
        """ansible.windows.win_copy of one file (its action plugin: put_file, then the module)."""
        task = self._task.copy()
        task.args = {"src": src, "dest": dest, "remote_src": remote_src, "force": True}
        action = self._shared_loader_obj.action_loader.get(
            "ansible.windows.win_copy", task=task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        return action.run(task_vars=task_vars)

    # -- entry point -----------------------------------------------------------------------------
    def act(self, result, options, task_vars):
        result.update(changed=False, kb=None, update=None, catalog_product=None, catalog_architecture=None,
                      download_mode=options["download_mode"], outcome=None, already_installed=False,
                      installed=False, reboot_required=False, not_applicable=False, files=[], files_removed=False,
                      target_path=None,
                      exit_code=None, hresult=None, dism=None, catalog={"from_cache": None, "requests": 0})
        result["kb"] = kb_install.validate_kb(options["kb"])
        resume = options.get("resume") or None
        if resume is not None and not all(isinstance(resume.get(k), dict) for k in ("result", "plan")):
            raise ActionFailure("resume must be the resume value of an earlier win_kb_catalog_install result "
                                "(pending: true)")
        rounds = fork_share.rounds_of(resume)
        until = None if self._task.check_mode else fork_share.deadline(options["yield_after"], task_vars,
                                                                       rounds=rounds)
        try:
            if resume:
                # Taking up the wait for DISM: everything before it was done by an earlier call.
                result.update(resume["result"])
                self._run_dism(result, resume["plan"], options, resume["target_kb"], task_vars, until,
                               resume["timeout_at"], resume.get("restarts", 0))
            else:
                self._install(result, options, task_vars, until)
        except fork_share.StillRunning as exc:
            fork_share.pending_result(result, exc, rounds, options["yield_after"])
        except CacheError as exc:
            raise ActionFailure(str(exc)) from exc
        except CatalogNoResultsError as exc:
            raise ActionFailure("%s is not in the Microsoft Update Catalog (%s): check the KB number"
                                % (result["kb"], options["catalog_url"])) from exc
        except UnsafeUrlError as exc:
            raise ActionFailure("%s; nothing was downloaded. Add a trusted mirror host to download_hosts if it is "
                                "one" % exc) from exc
        except (CatalogError, ValueError) as exc:
            raise ActionFailure("catalog lookup of %s failed: %s" % (result["kb"], exc)) from exc

    def _install(self, result, options, task_vars, until=None):
        kb = result["kb"]
        check_mode = bool(self._task.check_mode)
        host = run_script(self, "kb_installed", {}, task_vars)
        product, arch = kb_install.catalog_target(host, options.get("product"), options.get("architecture"))
        result.update(catalog_product=product, catalog_architecture=arch)
        installed = kb_install.installed_set(host)
        if kb in installed and not options["supersede"]:
            result.update(already_installed=True, outcome="already_installed",
                          msg="%s is already installed; nothing downloaded" % kb)
            return
        mirror_base = None
        if options["download_mode"] == "mirror":
            mirror_base = kb_install.check_mirror_url(options["mirror_url"], options["download_hosts"])

        cache = DownloadCache(options["cache_dir"])
        clients = []

        def client():
            if not clients:
                clients.append(CatalogClient(
                    catalog_url=options["catalog_url"], ca_path=options.get("ca_path"),
                    timeout=options["catalog_timeout"], retries=options["catalog_retries"],
                    mirror_hosts=options["download_hosts"]))
            return clients[0]

        url, ttl = options["catalog_url"], options["catalog_cache_ttl"]

        def cached(kind, ident, fetch):
            # One request per distinct search / dialog / details page for all hosts and forks.
            return cache.lookup(kb_install.request_key(url, kind, *ident), ttl, fetch)[0]

        def resolve():
            return kb_install.resolve_update(
                kb, product, arch, options["supersede"],
                search_rows=lambda query: cached("search", (query,), lambda: client().search(query)["rows"]),
                superseded_by=lambda guid: cached("details", (guid,),
                                                  lambda: client().details(guid)["superseded_by"]),
                update_files=lambda guid: cached("dialog", (guid, arch),
                                                 lambda: client().update_files(guid, arch)))

        key = kb_install.lookup_key(url, kb, product, arch, options["supersede"])
        try:
            update, hit = cache.lookup(key, ttl, resolve)
        finally:
            result["catalog"]["requests"] = clients[0].requests if clients else 0
        result["catalog"]["from_cache"] = hit
        result["update"] = {k: update[k] for k in ("kb", "guid", "title", "superseded", "requested")}
        target_kb = update["kb"]
        if target_kb in installed:
            result.update(already_installed=True, outcome="already_installed",
                          msg="%s is already installed; nothing downloaded" % target_kb)
            return

        plan = kb_install.install_plan(update, kb_install.host_folder(options["host_dir"], target_kb, arch))
        result["target_path"] = plan["target"]["host_path"]
        result["files"] = [dict(f, source="planned") for f in plan["files"]]
        if check_mode:
            result.update(changed=True, outcome="would_install",
                          msg="check mode: would install %s (%s) from %d file(s) into %s" % (
                              target_kb, update["title"], len(plan["files"]), plan["folder"]))
            return

        local = {}
        if options["download_mode"] in ("controller", "mirror"):
            try:
                for f in result["files"]:
                    path, fetched = cache.fetch(f["sha1"], f["sha256"],
                                                lambda d, f=f: client().download(f, d))
                    f["sha256"] = os.path.basename(path)  # the cache names files by their SHA-256
                    f["controller_download"] = fetched
                    local[f["file_name"]] = path
                    if mirror_base is not None:
                        f["mirror_written"] = cache.place(f["sha256"], options["mirror_dir"], f["file_name"])
            finally:
                result["catalog"]["requests"] = clients[0].requests if clients else 0

        self._stage(result, plan, options, local, mirror_base, task_vars)
        self._run_dism(result, plan, options, target_kb, task_vars, until)

    # -- host: stage and verify --------------------------------------------------------------------
    def _stat(self, path, algorithm, task_vars):
        res = self._module("ansible.windows.win_stat",
                           {"path": path, "get_checksum": True, "checksum_algorithm": algorithm}, task_vars)
        if res.get("failed"):
            raise StagingError("win_stat of %s failed: %s" % (path, res.get("msg")))
        stat = res.get("stat") or {}
        return stat.get("checksum") if stat.get("exists") else None

    def _fetch_one(self, f, options, local, mirror_base, task_vars):
        """Put one file at its host path; returns how (downloaded, copied, mirror)."""
        mode = options["download_mode"]
        algorithm, digest = kb_install.hash_for_host(f)
        dest = f["host_path"]
        if mode == "controller":
            res = self._copy_to_host(local[f["file_name"]], dest, task_vars)
            how = "copied"
        elif mode == "mirror" and kb_install.is_unc(mirror_base):
            res = self._copy_to_host(kb_install.mirror_source(mirror_base, f["file_name"]), dest, task_vars,
                                     remote_src=True)
            how = "mirror"
        else:
            url = f["url"] if mode == "host" else kb_install.mirror_source(mirror_base, f["file_name"])
            res = self._module("ansible.windows.win_get_url", {
                "url": url, "dest": dest, "checksum": digest, "checksum_algorithm": algorithm, "force": True,
            }, task_vars)
            how = "downloaded" if mode == "host" else "mirror"
        if res.get("failed"):
            # Say what to do as well: a partial or mismatching file is never installed.
            raise StagingError("could not put %s on the host (%s mode): %s. Nothing was installed (the host checks "
                               "the catalog's %s of each file before DISM sees it); check the host's free space and "
                               "its access to the download host, then run again, or use download_mode=controller "
                               "or a mirror" % (f["file_name"], mode, res.get("msg"), str(algorithm).upper()))
        return how

    def _stage(self, result, plan, options, local, mirror_base, task_vars):
        folder = plan["folder"]
        made = self._module("ansible.windows.win_file", {"path": folder, "state": "directory"}, task_vars)
        if made.get("failed"):
            raise StagingError("could not create %s on the host: %s" % (folder, made.get("msg")))
        created_folder = bool(made.get("changed"))
        plan["created_folder"] = created_folder
        written = []
        if created_folder:
            result["changed"] = True
        try:
            for f in result["files"]:
                algorithm, digest = kb_install.hash_for_host(f)
                if self._stat(f["host_path"], algorithm, task_vars) == digest:
                    f["source"] = "reused"
                    continue
                written.append(f["host_path"])
                f["source"] = self._fetch_one(f, options, local, mirror_base, task_vars)
                result["changed"] = True
                got = self._stat(f["host_path"], algorithm, task_vars)
                if got != digest:
                    raise StagingError("%s on the host has %s %s, the catalog says %s: refused, the file was removed "
                                       "and nothing was installed" % (f["file_name"], algorithm.upper(), got, digest))
                f["verified"] = algorithm
        except StagingError:
            self._undo(written, folder if created_folder else None, task_vars, result)
            raise

    def _undo(self, written, folder, task_vars, result):
        """Remove what this run put on the host (its own downloads; nothing else)."""
        undone = True
        for path in ([folder] if folder else written):
            res = self._module("ansible.windows.win_file", {"path": path, "state": "absent"}, task_vars)
            if res.get("failed"):
                undone = False
                result.setdefault("warnings", []).append("could not remove %s: %s" % (path, res.get("msg")))
        for f in result["files"]:
            if f["host_path"] in written or (folder and f["source"] != "planned"):
                f["source"] = "removed"
        result["changed"] = not undone

    # -- host: DISM ------------------------------------------------------------------------------
    def _run_dism(self, result, plan, options, target_kb, task_vars, until=None, timeout_at=None, restarts=0):
        """DISM /Add-Package of the staged target; TIMEOUT_AT: when the timeout of a run taken up ends
        (given only then), RESTARTS: the starts after a restart the earlier calls made."""
        target = plan["target"]
        host_name = task_vars.get("inventory_hostname", "host")
        # /English: the console text is read, so it must not depend on the display language (DISM global options).
        arguments = ["/Online", "/English", "/Add-Package", "/PackagePath:%s" % target["host_path"], "/NoRestart"]
        runner = host_session.detached_runner(self, script_caller(self, task_vars), host_name)
        run_id = detached.make_key("kb-install-" + target_kb, target["host_path"], target.get("sha256") or target["sha1"])
        label = "DISM /Add-Package %s" % target_kb
        # The timeout counts from DISM's start, over every call that waits for it.
        taken_up = timeout_at is not None
        timeout_at = timeout_at if taken_up else time.time() + options["timeout"]
        # A restart of the host in the middle ends the run; it is started once more (detached.py).
        # Taken up, the same key attaches to the run still there.
        try:
            run = runner.run_restarting(run_id, "dism.exe", arguments, timeout=max(0.0, timeout_at - time.time()),
                                        interval=options["poll_interval"], label=label,
                                        reuse_seconds=options["timeout"], until=until,
                                        taken_up=taken_up, restarts=restarts)
        except fork_share.StillRunning as exc:
            raise fork_share.StillRunning(exc.what, {"result": dict(result), "plan": plan, "target_kb": target_kb,
                                                     "timeout_at": timeout_at,
                                                     "restarts": exc.state.get("restarts", 0)})
        except detached.HostRestartedError:
            result["outcome"] = "lost"  # twice; the message says so (run() reports it)
            raise
        verdict = kb_install.interpret_exit(run.exit_code if run.state == detached.EXITED else None)
        parsed = parse_dism(run.stdout, run.exit_code)
        result["exit_code"] = run.exit_code
        result["hresult"] = verdict["hresult"]
        result["outcome"] = verdict["outcome"]
        result["dism"] = dict(run.as_dict(), command="dism.exe " + detached.command_line(arguments),
                              message=parsed.get("message"))
        outcome = verdict["outcome"]
        if outcome in ("installed", "reboot_required"):
            result.update(changed=True, installed=True, reboot_required=verdict["reboot_required"])
            result["msg"] = "%s installed%s" % (target_kb, "; restart the host to complete it"
                                                if verdict["reboot_required"] else "")
        elif outcome == "already_installed":
            result.update(already_installed=True, msg="DISM says %s is already installed" % target_kb)
        elif outcome == "not_applicable":
            result["not_applicable"] = True
            text = ("%s is not applicable to this host (%s): DISM refused it. The host may already have a newer "
                    "update, or the update is for another product/architecture than %s %s"
                    % (target_kb, kb_install.describe_hresult(verdict["hresult"]), result["catalog_product"],
                       result["catalog_architecture"]))
            if not options["allow_not_applicable"]:
                raise ActionFailure(text + "; set allow_not_applicable=true to accept that")
            result["msg"] = text
        elif outcome == "lost":
            raise ActionFailure("%s ended without an exit code (the host restarted or the task was stopped); run the "
                                "task again" % label)
        else:
            raise ActionFailure("DISM could not install %s: %s. Details: %%windir%%\\Logs\\CBS\\CBS.log and "
                                "%%windir%%\\Logs\\DISM\\dism.log; the files stay in %s for a retry"
                                % (target_kb, kb_install.describe_hresult(verdict["hresult"]), plan["folder"]))
        if not options["keep_files"]:
            res = self._module("ansible.windows.win_file", {"path": plan["folder"], "state": "absent"}, task_vars)
            if res.get("failed"):
                result.setdefault("warnings", []).append("could not remove %s: %s" % (plan["folder"], res.get("msg")))
            else:
                result["files_removed"] = True
                if not result["installed"] and plan.get("created_folder"):
                    # Not installed and everything this run put there is gone again: the host is as before.
                    result["changed"] = False
