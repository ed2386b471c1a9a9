# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Read `dism /Get-WimInfo /WimFile:<file> [/Index:<n>]` and pick the image for a host.

DISM /RestoreHealth repairs from /Source:wim:<file>:<index> only when that
image is the installed version, edition and architecture (Microsoft Learn,
"Repair a Windows Image"); install.wim/install.esd hold several editions, so
the index has to be chosen. Field names: "DISM Image Management Command-Line
Options" (/Get-ImageInfo, whose alias is /Get-WimInfo): each image is a block
of "Name : value" lines starting with "Index : n"; with /Index the block also
has Architecture, Version, Edition (the EditionID, e.g. Professional) and
Installation (Client, Server, Server Core).
"""
from __future__ import annotations

import re

__all__ = ["parse_wim_info", "merge_details", "pick_index", "source_argument", "WimInfoError"]

_FIELD_RE = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*:\s?(.*?)\s*$")
_ERROR_RE = re.compile(r"^\s*Error:\s*(\S+)", re.I | re.M)


class WimInfoError(ValueError):
    """The output holds no image (DISM failed) or no image fits the host."""


def _key(name):
    return name.strip().lower().replace(" ", "_")


def parse_wim_info(text):
    """Images listed in DISM's /Get-WimInfo output: list of dicts.

    Each dict: index (int), name, description, size_bytes (int or None) and,
    when DISM printed them (/Index), architecture, version, build (int),
    edition, installation, languages (list). Raises WimInfoError with DISM's
    error line when there is no image in the text.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    images = []
    current = None
    in_languages = False
    for line in text.split("\n"):
        if not line.strip():
            in_languages = False
            continue
        # Languages follow their heading indented, one a line.
        if in_languages and current is not None and line[:1] in (" ", "\t") and not _FIELD_RE.match(line):
            current["languages"].append(line.strip().replace(" (Default)", ""))
            continue
        in_languages = False
        match = _FIELD_RE.match(line)
        if not match:
            continue
        key, value = _key(match.group(1)), match.group(2)
        if key == "index":
            try:
                current = {"index": int(value), "name": None, "description": None, "size_bytes": None,
                           "architecture": None, "version": None, "build": None, "edition": None,
                           "installation": None, "languages": []}
            except ValueError:
                current = None
                continue
            images.append(current)
            continue
        if current is None:
            continue
        if key == "name":
            current["name"] = value
        elif key == "description":
            current["description"] = value
        elif key == "size":
            digits = re.sub(r"[^0-9]", "", value)
            current["size_bytes"] = int(digits) if digits else None
        elif key == "architecture":
            current["architecture"] = value.lower()
        elif key == "version":
            current["version"] = value
            parts = value.split(".")
            current["build"] = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        elif key == "edition":
            current["edition"] = value
        elif key == "installation":
            current["installation"] = value
        elif key == "languages":
            in_languages = True
            if value.strip():
                current["languages"].append(value.strip().replace(" (Default)", ""))
    if not images:
        err = _ERROR_RE.search(text)
        raise WimInfoError("dism /Get-WimInfo listed no image%s"
                           % (" (Error: %s)" % err.group(1) if err else ""))
    return images


def merge_details(summary, details):
    """The summary's images with the fields of per-index (/Index) outputs filled in."""
    by_index = {image["index"]: dict(image) for image in summary}
    for detail in details:
        base = by_index.setdefault(detail["index"], dict(detail))
        for key, value in detail.items():
            if value not in (None, []):
                base[key] = value
    return [by_index[i] for i in sorted(by_index)]


# EditionID -> the edition part of the image name on Microsoft's media, for
# matching when DISM printed no Edition field (names: the install.wim of the
# Windows 11 and Server media; product names as Win32_OperatingSystem reports).
_EDITION_NAMES = {
    "core": "home", "coren": "home n", "coresinglelanguage": "home single language",
    "professional": "pro", "professionaln": "pro n", "education": "education",
    "educationn": "education n", "professionaleducation": "pro education",
    "professionaleducationn": "pro education n", "professionalworkstation": "pro for workstations",
    "professionalworkstationn": "pro n for workstations", "enterprise": "enterprise",
    "enterprisen": "enterprise n", "serverstandard": "standard", "serverdatacenter": "datacenter",
}


def _is_server_core(installation):
    return (installation or "").lower() == "server core"


def _name_edition(name):
    """'Windows 11 Pro' -> 'pro'; 'Windows Server 2022 Standard (Desktop Experience)' -> 'standard'."""
    name = (name or "").lower()
    name = re.sub(r"\(.*?\)", "", name)
    name = re.sub(r"^windows\s+(server\s+)?\d+\s*", "", name).strip()
    return name


def pick_index(images, edition_id, build=None, architecture=None, installation_type=None, product_name=None):
    """Choose the image for a host; returns (index, reason).

    edition_id: the host's EditionID (e.g. Professional). build/architecture:
    when the images carry them (per-index details) they must match. For
    Server, installation_type ('Server' or 'Server Core') separates Desktop
    Experience from Core images of the same edition. Raises WimInfoError
    naming the images when none fits.
    """
    edition = (edition_id or "").lower()
    arch = (architecture or "").lower() or None
    detailed = [i for i in images if i.get("edition")]
    candidates = []
    if detailed:
        for image in detailed:
            if image["edition"].lower() != edition:
                continue
            if installation_type and image.get("installation") and \
                    _is_server_core(image["installation"]) != _is_server_core(installation_type):
                continue
            candidates.append(image)
        how = "Edition %s" % edition_id
    else:
        wanted = _EDITION_NAMES.get(edition)
        for image in images:
            image_edition = _name_edition(image.get("name"))
            if wanted is not None and image_edition == wanted:
                candidates.append(image)
            elif product_name and (image.get("name") or "").lower() == product_name.lower():
                candidates.append(image)
        if installation_type and any(i.get("name") for i in candidates):
            # Server media name the GUI images "(Desktop Experience)".
            desktop = not _is_server_core(installation_type)
            narrowed = [i for i in candidates if ("desktop experience" in (i.get("name") or "").lower()) == desktop]
            if edition.startswith("server"):
                candidates = narrowed
        how = "image name for %s" % (product_name or edition_id)
    if not candidates:
        listing = ", ".join("%d=%s" % (i["index"], i.get("edition") or i.get("name")) for i in images)
        raise WimInfoError("no image for edition %s in the source (images: %s); set source_index"
                           % (edition_id, listing))
    mismatch = []
    fitting = []
    for image in candidates:
        problems = []
        if build is not None and image.get("build") is not None and int(image["build"]) != int(build):
            problems.append("build %s, installed %s" % (image["build"], build))
        if arch and image.get("architecture") and image["architecture"] != arch:
            problems.append("architecture %s, installed %s" % (image["architecture"], arch))
        (mismatch if problems else fitting).append((image, problems))
    if not fitting:
        image, problems = mismatch[0]
        raise WimInfoError("image %d (%s) matches the edition but not the host: %s; DISM cannot repair from it "
                           "(use media of the installed build)" % (image["index"], image.get("name"),
                                                                   "; ".join(problems)))
    return fitting[0][0]["index"], "matched by %s" % how


def source_argument(path, index):
    """DISM's /Source for a WIM or ESD file: /Source:wim:D:\\sources\\install.wim:6 (esd: for .esd)."""
    kind = "esd" if path.lower().endswith(".esd") else "wim"
    return "/Source:%s:%s:%d" % (kind, path, int(index))
