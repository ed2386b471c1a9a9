# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/iso_mount.ps1.

Mount-DiskImage attaches the ISO read-only and Windows gives its volume the
first free drive letter (learn.microsoft.com/powershell/module/storage/mount-diskimage);
the simulated ISO's files (tests/winsim/detached/tools.py make_iso) appear
under that letter until Dismount-DiskImage. Mounted images are kept in
`host.mounted_images` (ISO key -> drive letter), set here when missing; the
n-th of them is the device \\\\.\\CDROMn.

No letter comes when automatic mounting of new volumes is off (mountvol /N,
learn.microsoft.com/windows-server/administration/windows-commands/mountvol;
knob host.setup["automount"] = False) or no letter is free: the script waits
LetterWaitSeconds, dismounts what it mounted and throws.

Dismount is refused (in_use_by) while a detached run under RunsRoot still runs
a command naming the ISO's drive (tests/winsim/detached: a run whose process
has not ended). With the ISO file gone, DevicePath finds the mount.
"""
from __future__ import annotations

from .. import detached as runs_model
from .. import windows_tools, winpath
from ..detached import refuse_unknown
from ..detached.errors import thrown
from ..model import NotModelled

PARAMETERS = {"ImagePath", "Action", "DevicePath", "LetterWaitSeconds", "RunsRoot"}
RESULT_KEYS = {"image_path", "action", "attached_before", "drive_letter", "wim_path", "device_path", "dismounted",
               "in_use_by"}
DEFAULT_RUNS_ROOT = "C:\\ProgramData\\winrepair\\runs"


def mounted(host) -> dict:
    return host.mounted_images


def _free_letter(host) -> str:
    used = {winpath.system_drive(host).lower()[0]} | {k[0] for k in host.files} | \
        {v.lower()[0] for v in mounted(host).values() if v}
    for letter in "defghijklmnopqrstuvwxyz":
        if letter not in used:
            return letter.upper() + ":"
    raise RuntimeError("no free drive letter")


def _assigned_letter(host):
    """The letter Windows gives a newly mounted volume, or None (automount off, none free)."""
    if host.setup.get("automount", True) is False:
        return None
    try:
        return _free_letter(host)
    except RuntimeError:
        return None


def device_path(host, key) -> str:
    return "\\\\.\\CDROM%d" % list(mounted(host)).index(key)


def runs_using(host, ctx, letter, runs_root) -> list:
    """Run ids of detached runs under RUNS_ROOT still running a command that names LETTER's drive."""
    if not letter:
        return []
    runs_model.settle(host, ctx.clock)
    root = winpath.key(runs_root, host)
    users = []
    for run_dir, plan in sorted(runs_model.runs(host).items()):
        if plan["done"] or not winpath.is_under(run_dir, root):
            continue
        spec = runs_model._read_json(host, run_dir + "\\command.json")  # pylint: disable=protected-access
        if not spec:
            continue
        text = "%s %s" % (spec.get("file_path") or "", spec.get("arguments") or "")
        if (letter + "\\").lower() in text.lower():
            users.append(plan["run_id"])
    return users


def _drop_files(host, letter) -> None:
    if letter:
        for k in list(host.files):
            if k.startswith(letter.lower() + "\\"):
                del host.files[k]


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "iso_mount")
    if ctx.check_mode:
        # No SupportsShouldProcess: win_powershell skips it (win_powershell.ps1, ansible.windows 3.3.0).
        return {"result": {}, "changed": True, "msg": "skipped, running in check mode"}
    path = str(parameters["ImagePath"])
    action = str(parameters.get("Action") or "mount")
    if action not in ("mount", "dismount"):
        raise ValueError("iso_mount Action %r (ValidateSet refuses it)" % action)
    wait = int(parameters.get("LetterWaitSeconds", 30))
    if wait < 0:
        return thrown("LetterWaitSeconds %d: give how long to wait for the ISO's drive letter, in seconds (0 or more)"
                      % wait)
    store = mounted(host)
    result = {"image_path": path, "action": action, "attached_before": False, "drive_letter": None,
              "wim_path": None, "device_path": None, "dismounted": False, "in_use_by": []}
    ctx.spend(3.0)
    if action == "dismount":
        return _dismount(host, ctx, parameters, path, store, result)
    media = windows_tools.read_media(host, path)
    if not winpath.is_file(host, path):
        return thrown("ISO file not found: %s" % path)
    if not isinstance(media, dict) or "winsim_iso" not in media:
        raise NotModelled("Mount-DiskImage of a file that is no simulated ISO: %s" % path)
    key = winpath.key(path, host)
    result["attached_before"] = key in store
    changed = False
    if key not in store:
        letter = _assigned_letter(host)
        if letter is None:
            # Mounted, polled for the letter until LetterWaitSeconds, dismounted again.
            ctx.spend(float(wait))
            return thrown("ISO %s is attached but Windows gave its volume no drive letter within %d s (automatic "
                          "mounting of new volumes is off - mountvol /E turns it on - or no drive letter is free); "
                          "it was dismounted again" % (path, wait))
        store[key] = letter
        for rel, text in media["winsim_iso"].items():
            host.files[winpath.key(letter + "\\" + rel, host)] = text.encode("utf-8")
        changed = True
    letter = store[key]
    if not letter:
        ctx.spend(float(wait))
        return thrown("ISO %s is attached but Windows gave its volume no drive letter within %d s (automatic "
                      "mounting of new volumes is off - mountvol /E turns it on - or no drive letter is free); "
                      "it was attached before this task and is left as it is" % (path, wait))
    result["drive_letter"] = letter
    result["device_path"] = device_path(host, key)
    for name in ("install.wim", "install.esd"):
        candidate = "%s\\sources\\%s" % (letter, name)
        if winpath.is_file(host, candidate):
            result["wim_path"] = candidate
            break
    return {"result": result, "changed": changed}


def _dismount(host, ctx, parameters, path, store, result):
    wanted = str(parameters.get("DevicePath") or "")
    if winpath.is_file(host, path):
        key = winpath.key(path, host)
        attached = key in store
    elif wanted:
        key = next((k for k in store if device_path(host, k).lower() == wanted.lower()), None)
        attached = key is not None
    else:
        return thrown("ISO file not found: %s. If it was moved or deleted while mounted, give DevicePath (the "
                      "device_path its mount reported) to dismount it" % path)
    result["attached_before"] = attached
    if not attached:
        return {"result": result, "changed": False}
    letter = store[key]
    result["device_path"] = device_path(host, key)
    result["drive_letter"] = letter or None
    result["in_use_by"] = runs_using(host, ctx, letter, str(parameters.get("RunsRoot") or DEFAULT_RUNS_ROOT))
    if result["in_use_by"]:
        return {"result": result, "changed": False}
    store.pop(key)
    _drop_files(host, letter)
    result["dismounted"] = True
    return {"result": result, "changed": True}
