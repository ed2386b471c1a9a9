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

Line ends are compared as "\n" (see _lf).

The host state is everything a script can change in the HostModel, as
Windows would show it: every folder and file that exists (folder sizes as
winpath.folder_size counts them), services, pending restarts, Insider
enrolment, Defender's pause, restore points, mounted images, registry values
kept for no other field, the disk's free bytes and the causes still active.
"""
from __future__ import annotations

from winsim import causes, winpath
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
                       "fqid": str(err.get("fully_qualified_error_id") or "").split(",")[0]})
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
    files = {k: v for k, v in host.files.items() if winpath.is_file(host, k) and not _ancestor_gone(host, k)}
    return {
        "dirs": dirs,
        "files": files,
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


def _ancestor_gone(host: HostModel, k: str) -> bool:
    p = winpath.parent(k)
    while p is not None:
        rec = host.folders.get(p)
        if rec is not None and not rec.exists:
            return True
        p = winpath.parent(p)
    return False
