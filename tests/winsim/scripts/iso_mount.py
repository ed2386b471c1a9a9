# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/iso_mount.ps1.

Mount-DiskImage attaches the ISO read-only and Windows gives its volume the
first free drive letter (learn.microsoft.com/powershell/module/storage/mount-diskimage);
the simulated ISO's files (tests/winsim/detached/tools.py make_iso) appear
under that letter until Dismount-DiskImage. Mounted images are kept in
`host.mounted_images` (ISO key -> drive letter), set here when missing.
"""
from __future__ import annotations

from .. import windows_tools, winpath
from ..detached import refuse_unknown
from ..detached.errors import thrown
from ..model import NotModelled

PARAMETERS = {"ImagePath", "Action"}
RESULT_KEYS = {"image_path", "action", "attached_before", "drive_letter", "wim_path"}


def mounted(host) -> dict:
    return host.mounted_images


def _free_letter(host) -> str:
    used = {winpath.system_drive(host).lower()[0]} | {k[0] for k in host.files} | \
        {v.lower()[0] for v in mounted(host).values()}
    for letter in "defghijklmnopqrstuvwxyz":
        if letter not in used:
            return letter.upper() + ":"
    raise RuntimeError("no free drive letter")


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "iso_mount")
    if ctx.check_mode:
        # No SupportsShouldProcess: win_powershell skips it (win_powershell.ps1, ansible.windows 3.3.0).
        return {"result": {}, "changed": True, "msg": "skipped, running in check mode"}
    path = str(parameters["ImagePath"])
    action = str(parameters.get("Action") or "mount")
    if action not in ("mount", "dismount"):
        raise ValueError("iso_mount Action %r (ValidateSet refuses it)" % action)
    media = windows_tools.read_media(host, path)
    if not winpath.is_file(host, path):
        return thrown("ISO file not found: %s" % path)
    if not isinstance(media, dict) or "winsim_iso" not in media:
        raise NotModelled("Mount-DiskImage of a file that is no simulated ISO: %s" % path)
    key = winpath.key(path, host)
    store = mounted(host)
    result = {"image_path": path, "action": action, "attached_before": key in store,
              "drive_letter": None, "wim_path": None}
    ctx.spend(3.0)
    changed = False
    if action == "dismount":
        if key in store:
            letter = store.pop(key)
            for k in list(host.files):
                if k.startswith(letter.lower() + "\\"):
                    del host.files[k]
            changed = True
        return {"result": result, "changed": changed}
    if key not in store:
        letter = _free_letter(host)
        store[key] = letter
        for rel, text in media["winsim_iso"].items():
            host.files[winpath.key(letter + "\\" + rel, host)] = text.encode("utf-8")
        changed = True
    letter = store[key]
    result["drive_letter"] = letter
    for name in ("install.wim", "install.esd"):
        candidate = "%s\\sources\\%s" % (letter, name)
        if winpath.is_file(host, candidate):
            result["wim_path"] = candidate
            break
    return {"result": result, "changed": changed}
