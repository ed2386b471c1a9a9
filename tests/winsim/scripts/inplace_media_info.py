# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of plugins/plugin_utils/_host/powershell/inplace_media_info.ps1 (read-only).

Reads the drive iso_mount's model filled from a simulated ISO
(tests/winsim/detached/setup_exe.py make_media): setup.exe's ProductVersion and
the images of sources\\install.wim / install.esd: one Get-WindowsImage
listing (ImageIndex, ImageName), then Get-WindowsImage -Index (EditionId,
Architecture, Version -> build, SPBuild -> ubr, Languages, InstallationType)
in index order only until the image of EditionId and InstallationType is
found (candidate_index); the images after it are listed without details
(learn.microsoft.com/powershell/module/dism/get-windowsimage).
"""
from __future__ import annotations

from .. import windows_tools, winpath
from ..detached import refuse_unknown, setup_exe
from ..model import NotModelled

PARAMETERS = {"DriveLetter", "EditionId", "InstallationType"}
RESULT_KEYS = {"drive_letter", "setup_path", "setup_exists", "setup_version", "image_path", "images",
               "candidate_index"}


def run(host, parameters, ctx):
    refuse_unknown(parameters, PARAMETERS, "inplace_media_info")
    setup_exe.settle_boot(host, ctx.clock)
    letter = str(parameters["DriveLetter"])
    root = letter.rstrip("\\")
    setup_path = root + "\\setup.exe"
    result = {"drive_letter": letter, "setup_path": setup_path, "setup_exists": False, "setup_version": None,
              "image_path": None, "images": [], "candidate_index": None}
    if winpath.is_file(host, setup_path):
        exe = setup_exe.read_exe(host, setup_path)
        if exe is None:
            raise NotModelled("setup.exe that is no simulated setup.exe: %s" % setup_path)
        result["setup_exists"] = True
        result["setup_version"] = exe["product_version"]
    for name in ("install.wim", "install.esd"):
        candidate = "%s\\sources\\%s" % (root, name)
        if winpath.is_file(host, candidate):
            result["image_path"] = candidate
            break
    if result["image_path"]:
        images = windows_tools.wim_images(host, result["image_path"])
        if images is None:
            raise NotModelled("Get-WindowsImage of a file that is no simulated WIM: %s" % result["image_path"])
        edition = str(parameters.get("EditionId") or "")
        kind = str(parameters.get("InstallationType") or "")
        # ASSUMPTION: the listing about half a second, Get-WindowsImage -Index about a second per image.
        ctx.spend(0.5)
        found = False
        out = []
        for i in images:
            entry = {"index": int(i["index"]), "name": i["name"], "edition": None, "architecture": None,
                     "build": None, "ubr": None, "languages": [], "installation": None, "detailed": False}
            if not found:
                ctx.spend(1.0)
                entry.update(edition=i["edition"], architecture=i["architecture"], build=int(i["build"]),
                             ubr=int(i.get("ubr", 1742)), languages=list(i.get("languages", ["en-US"])),
                             installation=i["installation"], detailed=True)
                # PowerShell's -eq compares strings without case.
                if edition and entry["edition"].lower() == edition.lower() and (
                        not kind or entry["installation"].lower() == kind.lower()):
                    found = True
                    result["candidate_index"] = entry["index"]
            out.append(entry)
        result["images"] = out
    return {"result": result, "changed": False}
