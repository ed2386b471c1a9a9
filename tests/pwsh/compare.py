# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the differential tests compare: the controller's view of one answer,
and the host state a script can change.

An answer is compared as the controller reads it: changed, failed, msg,
result, output, warning, and each error's exception type, message, category
and FullyQualifiedErrorId up to its first comma (after the comma PowerShell
names the command that wrote it: a cmdlet class on Windows, the stand-in
function's name here). Error records' formatted text, stack traces and
HResult of wrapper exceptions are not compared.

Line ends are compared as "\n" (see _lf). One-line JSON files are compared as
their value, byte order mark and line end (see _file_view).

The host state is everything a script can change in the HostModel, as
Windows would show it: every folder and file that exists (folder sizes as
winpath.folder_size counts them), services, pending restarts, Insider
enrolment, Defender's pause, restore points, mounted images, registry values
kept for no other field, the disk's free bytes and the causes still active.
"""
from __future__ import annotations

import json

from winsim import acl, causes, winpath
from winsim.model import HostModel


def _lf(value):
    """Line ends as "\n": Out-String and friends join lines with [Environment]::NewLine,
    "\r\n" on Windows and "\n" under pwsh on Linux (README "What is verified where")."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, list):
        return [_lf(v) for v in value]
    if isinstance(value, dict):
        return {k: _lf(v) for k, v in value.items()}
    return value


def answer_view(answer: dict) -> dict:
    errors = []
    for err in answer.get("error") or []:
        exc = err.get("exception") or {}
        errors.append({"type": exc.get("type"), "message": exc.get("message"),
                       "category": (err.get("category_info") or {}).get("category"),
                       "fqid": str(err.get("fully_qualified_error_id") or "").split(",", maxsplit=1)[0]})
    return _lf({"changed": bool(answer.get("changed")), "failed": bool(answer.get("failed")),
                "msg": answer.get("msg"), "result": answer.get("result"), "output": answer.get("output") or [],
                "warning": answer.get("warning") or [], "errors": errors})


def _candidate_dirs(host: HostModel) -> set:
    keys = set(winpath.default_folder_keys(host)) | set(host.folders)
    for k in list(host.files) + list(host.folders):
        p = winpath.parent(k)
        while p is not None:
            keys.add(p)
            p = winpath.parent(p)
    return keys


def state_view(host: HostModel) -> dict:
    dirs = {}
    for k in sorted(_candidate_dirs(host)):
        if winpath.is_dir(host, k):
            dirs[k] = winpath.folder_size(host, k)
    files = {k: _file_view(v) for k, v in host.files.items() if winpath.is_file(host, k) and not _ancestor_gone(host, k)}
    return {
        "dirs": dirs,
        # Owners and DACLs as tests/winsim/acl.py reads them (what Get-Acl shows).
        "security": {k: acl.security(host, k) for k in dirs},
        "files": files,
        "file_security": {k: ((host.file_meta.get(k) or {}).get("owner") or acl.ADMINS,
                              (host.file_meta.get(k) or {}).get("readable") is not False) for k in files},
        # Scheduled tasks and the processes they run (tests/winsim/detached).
        "detached_runs": {k: _run_view(p) for k, p in sorted(host.detached_runs.items())},
        "cbs_log": list(host.cbs_log),
        "services": {n: (s.state, s.start_mode, s.security_descriptor) for n, s in sorted(host.services.items())},
        "pending_reboot": vars(host.pending_reboot),
        "insider": vars(host.insider),
        "defender_rtp_paused": bool(getattr(host, "defender_rtp_paused", False)),
        "restore_points": [(p["sequence"], p["time"].isoformat(), p.get("description", ""))
                           for p in getattr(host, "restore_points", None) or []],
        "mounted_images": dict(host.mounted_images),
        "registry": {k: v["values"] for k, v in sorted((getattr(host, "registry", None) or {}).items())},
        "free_bytes": host.disk.free_bytes,
        "installed_kbs": sorted(host.installed_kbs),
        "active_causes": sorted(causes.active(host)),
        "component_store": vars(host.component_store),
    }


def _run_view(plan: dict) -> dict:
    start = plan.get("start")
    return {"run_id": plan.get("run_id"), "task_registered": bool(plan.get("task_registered")),
            "done": bool(plan.get("done")), "label": plan.get("label"), "max_run_seconds": plan.get("max_run_seconds"),
            "duration": plan.get("duration"), "exit_code": plan.get("exit_code"),
            "last_task_result": plan.get("last_task_result"), "start": start.isoformat() if start else None}


def _file_view(data: bytes):
    """A file as its readers see it. JSON (ConvertTo-Json output) is compared as its value, with
    its byte order mark and what follows it (the newline Set-Content adds): the order of a
    hashtable's keys is .NET's hash order, which .NET Core randomises per process and .NET
    Framework does not, so neither a model nor another pwsh process could reproduce the bytes."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    text = body.decode("utf-8", "replace")
    stripped = text.rstrip("\r\n")
    if stripped[:1] in ("{", "[") and "\r\n" not in stripped and "\n" not in stripped:
        try:
            return ("json", bom, text[len(stripped):], json.loads(stripped))
        except ValueError:
            pass
    return data


def _ancestor_gone(host: HostModel, k: str) -> bool:
    p = winpath.parent(k)
    while p is not None:
        rec = host.folders.get(p)
        if rec is not None and not rec.exists:
            return True
        p = winpath.parent(p)
    return False
