# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk images, volumes, Windows images and physical disks.

As the simulator models them (tests/winsim/scripts/iso_mount.py and
inplace_media_info.py with their sources): Mount-DiskImage gives the ISO's
volume the first free drive letter and its files appear there until
Dismount-DiskImage (host.mounted_images: ISO key -> "E:"); Get-WindowsImage
lists a simulated WIM's images (ImageIndex, ImageName; with -Index also
EditionId, Architecture 0 x86 / 9 x64 / 12 arm64, Version, SPBuild, Languages,
InstallationType: Microsoft Learn "Get-WindowsImage", ImageArchitecture);
Get-PhysicalDisk HealthStatus / OperationalStatus as wu_diagnose's model has them.
"""
from __future__ import annotations

import os
import shutil

from winsim import windows_tools, winpath
from winsim.model import NotModelled
from winsim.scripts import iso_mount, wu_diagnose

from . import WinError, handler
from .filesystem import windows_path

_ARCH = {"x86": 0, "arm": 5, "x64": 9, "arm64": 12}


def _image(session, path) -> dict:
    key = winpath.key(path, session.host)
    letter = session.host.mounted_images.get(key)
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Storage/MSFT_DiskImage",
            "ImagePath": session.drive.to_local(path), "Attached": letter is not None,
            "StorageType": 1, "DevicePath": "\\\\.\\CDROM0" if letter else None}


@handler("image.get")
def get(session, args):
    path = windows_path(session, args["path"])
    if not winpath.is_file(session.host, path) and not os.path.isfile(session.drive.to_local(path)):
        # Get-DiskImage of a missing file: CimException "The system cannot find the file specified." (0x80070002).
        raise WinError("Microsoft.Management.Infrastructure.CimException", "The system cannot find the file specified.",
                       "HRESULT 0x80070002,Get-DiskImage", "ObjectNotFound", hresult=-2147024894, terminating=True)
    return _image(session, path)


@handler("image.mount")
def mount(session, args):
    host = session.host
    path = windows_path(session, args["path"])
    media = windows_tools.read_media(host, path)
    if not isinstance(media, dict) or windows_tools.ISO_KEY not in media:
        raise NotModelled("Mount-DiskImage of a file that is no simulated ISO: %s" % path)
    key = winpath.key(path, host)
    if key not in host.mounted_images:
        letter = iso_mount._free_letter(host)  # pylint: disable=protected-access
        host.mounted_images[key] = letter
        for rel, text in media[windows_tools.ISO_KEY].items():
            local = session.drive.to_local(letter + "\\" + rel)
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "wb") as handle:
                handle.write(text.encode("utf-8"))
    image = _image(session, path)
    image["DriveRoot"] = session.drive.to_local(host.mounted_images[key] + "\\")
    image["DriveName"] = host.mounted_images[key][0]
    return image


@handler("image.dismount")
def dismount(session, args):
    host = session.host
    path = windows_path(session, args["path"])
    letter = host.mounted_images.pop(winpath.key(path, host), None)
    if letter:
        local = session.drive.to_local(letter + "\\")
        shutil.rmtree(local, ignore_errors=True)
        os.makedirs(local, exist_ok=True)
    return _image(session, path)


@handler("image.volume")
def volume(session, args):
    path = windows_path(session, args["path"])
    letter = session.host.mounted_images.get(winpath.key(path, session.host))
    return {"__type__": "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Storage/MSFT_Volume",
            "DriveLetter": letter[0] if letter else None, "FileSystem": "UDF", "DriveType": "CD-ROM"}


@handler("image.windows")
def windows_image(session, args):
    path = windows_path(session, args["path"])
    images = windows_tools.wim_images(session.host, path)
    if images is None:
        raise NotModelled("Get-WindowsImage of a file that is no simulated WIM: %s" % path)
    index = int(args.get("index") or 0)
    type_name = "Microsoft.Dism.Commands.ImageInfoObject" if index else "Microsoft.Dism.Commands.BasicImageInfoObject"
    out = []
    for i in images:
        if index and int(i["index"]) != index:
            continue
        entry = {"__type__": type_name, "ImagePath": session.drive.to_local(path), "ImageIndex": int(i["index"]),
                 "ImageName": i["name"]}
        if index:
            entry.update({"EditionId": i["edition"], "Architecture": _ARCH[i["architecture"]],
                          "Version": "10.0.%d.%d" % (int(i["build"]), int(i.get("ubr", 1742))),
                          "SPBuild": int(i.get("ubr", 1742)), "Languages": list(i.get("languages", ["en-US"])),
                          "InstallationType": i["installation"]})
        out.append(entry)
    if index and not out:
        raise NotModelled("Get-WindowsImage -Index %d that the image has not" % index)
    return out


@handler("disk.physical")
def physical(session, args):
    return [dict({"__type__": "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Storage/"
                              "MSFT_PhysicalDisk"},
                 FriendlyName=d["friendly_name"], HealthStatus=d["health_status"],
                 OperationalStatus=d["operational_status"], MediaType=d["media_type"])
            for d in wu_diagnose._physical_disks(session.host)]  # pylint: disable=protected-access
