# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Pure decisions of win_kb_catalog_install: no I/O, no Ansible plumbing.

- validate_kb: "KB" and 6-8 digits, nothing else;
- catalog_target: the catalog's product name and architecture for a host,
  from what the kb_installed script read (caption, DisplayVersion, build,
  PROCESSOR_ARCHITECTURE), overridable by the task;
- choose_row / superseding_candidates: which catalog row is the update;
- install_plan: which files go into one host folder and which one DISM gets;
- mirror_source / check_mirror_url: where hosts fetch in mirror mode;
- lookup_key: the controller cache key of one catalog answer;
- interpret_exit: DISM's exit code -> outcome.
"""
from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote, urlsplit

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import NoMatchingUpdateError
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import (
    annotate,
    pick_newest,
    require_architecture,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode

# [0-9], not \d: \d also matches other scripts' digits ("KB５０４３０８０"); \Z, not $ (no newline).
KB_PATTERN = re.compile(r"^KB[0-9]{6,8}\Z", re.I)
# The catalog names files <name>_<sha1>.<ext>; anything that could leave the
# host folder or confuse a command line is refused.
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
INSTALLABLE = (".msu", ".cab")

# Exit codes (see interpret_exit).
ERROR_SUCCESS_REBOOT_REQUIRED = 3010  # winerror.h
ERROR_SUCCESS_REBOOT_INITIATED = 1641  # winerror.h
CBS_E_NOT_APPLICABLE = 0x800F081E
WU_E_NOT_APPLICABLE = 0x80240017
WU_S_ALREADY_INSTALLED = 0x00240006

# Windows Server releases as the catalog titles name them: LTSC builds before
# 2022 carry the year ("Cumulative Update for Windows Server 2019 for
# x64-based Systems"), 2022 and 2025 "Microsoft server operating system
# version 21H2 / 24H2" (titles of their cumulative updates on the catalog).
SERVER_BY_BUILD = {
    14393: "Windows Server 2016",
    17763: "Windows Server 2019",
    20348: "Microsoft server operating system version 21H2",
    26100: "Microsoft server operating system version 24H2",
}


class KbInstallError(Exception):
    """A decision that cannot be made from what is known; message says what to do."""


def validate_kb(value):
    """'kb5043080' -> 'KB5043080'; anything else raises KbInstallError."""
    text = str(value or "").strip()
    if not KB_PATTERN.match(text):
        hint = ""
        if text.isdigit():
            hint = " (write it as KB%s)" % text
        raise KbInstallError("kb must be 'KB' followed by 6 to 8 digits, e.g. KB5043080; got %r%s" % (value, hint))
    return text.upper()


def catalog_target(host, product=None, architecture=None):
    """(product, architecture) to search the catalog with.

    host: kb_installed's result (product_name, display_version, build,
    installation_type, architecture). Task overrides win. Raises
    KbInstallError when the product cannot be told (rather than guessing).
    """
    arch = require_architecture(architecture or host.get("architecture"))
    if product:
        return product, arch
    caption = str(host.get("product_name") or "")
    version = str(host.get("display_version") or "").upper()
    build = int(host.get("build") or 0)
    server = "server" in caption.lower() or str(host.get("installation_type") or "").lower().startswith("server")
    if server:
        name = SERVER_BY_BUILD.get(build)
        if name is None:
            raise KbInstallError("no catalog product name is known for Windows Server build %d (%s): "
                                 "set product as the catalog's titles name it" % (build, caption))
        return name, arch
    match = re.match(r"^(?:Microsoft\s+)?Windows\s+(10|11)\b", caption, re.I)
    if not match or not re.match(r"^\d{2}H\d$|^\d{4}$", version):
        raise KbInstallError("cannot tell the catalog product of %r version %r: set product (for example "
                             "'Windows 11 Version 24H2')" % (caption, version or None))
    return "Windows %s Version %s" % (match.group(1), version), arch


def choose_row(rows, kb, product, architecture):
    """The newest catalog row of exactly `kb` that fits product and architecture.

    Previews count (the user named this KB); Dynamic updates do not (they are
    setup's packages, never installed with DISM on a running system).
    """
    mine = [r for r in (annotate(row) for row in rows) if r["info"].get("kb") == kb]
    if not mine:
        raise NoMatchingUpdateError("the catalog's results for %s contain no update titled with %s" % (kb, kb))
    return pick_newest(mine, product, architecture, None, True, False, query=kb)


def superseding_choice(links, product, architecture):
    """Newest update among a details page's superseded-by links that fits; None when none fits."""
    candidates = [annotate({"guid": link["guid"], "title": link["title"]}) for link in links]
    candidates = [c for c in candidates if c["info"].get("kb")]
    if not candidates:
        return None
    try:
        return pick_newest(candidates, product, architecture, None, False, False)
    except NoMatchingUpdateError:
        return None


def resolve_update(kb, product, architecture, supersede, search_rows, superseded_by, update_files):
    """Which update a host gets, and its files in install order (JSON-able, it is cached).

    search_rows(query) -> rows; superseded_by(guid) -> [{guid, title}];
    update_files(guid) -> CatalogClient.update_files answer. The callables
    are the catalog client's, each behind the controller cache, so hosts that
    differ only in architecture still share one search.
    """
    base = choose_row(search_rows(kb), kb, product, architecture)
    chosen = base
    if supersede:
        newer = superseding_choice(superseded_by(base["guid"]), product, architecture)
        if newer is not None:
            chosen = newer
    update = update_files(chosen["guid"])
    return {
        "kb": chosen["info"]["kb"],
        "guid": chosen["guid"],
        "title": chosen.get("title") or update.get("title"),
        "superseded": chosen is not base,
        "requested": {"kb": kb, "guid": base["guid"], "title": base.get("title")},
        "files": update["files"],
    }


def request_key(catalog_url, kind, *parts):
    """Cache key of one catalog request (search of a query, dialog or details of a guid)."""
    text = json.dumps([catalog_url.rstrip("/").lower(), kind] + [str(p).lower() for p in parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lookup_key(catalog_url, kb, product, architecture, supersede):
    """Cache key of one catalog answer: the same for every host asking the same."""
    text = json.dumps([catalog_url.rstrip("/").lower(), kb.upper(), product.lower(), architecture, bool(supersede)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def host_folder(base, kb, architecture):
    """One folder per update on the host: DISM finds the checkpoints beside the target there."""
    return "%s\\%s-%s" % (base.rstrip("\\/"), kb.upper(), architecture)


def install_plan(update, folder):
    """Files of one update (from CatalogClient.update_files) -> the host plan.

    Every file goes into `folder` under its catalog name. DISM gets the
    target's .msu (or .cab); the checkpoints beside it are applied by DISM in
    order (Microsoft Learn, "Checkpoint cumulative updates and Microsoft
    Update Catalog usage"). Raises KbInstallError for a file name that is not
    safe or an update with nothing DISM can install.
    """
    files = []
    for f in update["files"]:
        name = f["file_name"]
        if not SAFE_FILE_NAME.match(name) or ".." in name:
            raise KbInstallError("refusing file name %r from the catalog" % name)
        files.append({
            "file_name": name,
            "kb": f.get("kb"),
            "role": f.get("role"),
            "install_order": f.get("install_order"),
            "url": f["url"],
            "sha1": f["sha1"],
            "sha256": f.get("sha256"),
            "host_path": "%s\\%s" % (folder, name),
        })
    targets = [f for f in files if f["role"] == "target" and f["file_name"].lower().endswith(INSTALLABLE)]
    msu = [f for f in targets if f["file_name"].lower().endswith(".msu")]
    chosen = msu or targets
    if len(chosen) != 1:
        raise KbInstallError("update %s (%s) has %d installable files of its own (%s): cannot tell which one DISM "
                             "installs" % (update.get("kb"), update.get("title"), len(chosen),
                                           ", ".join(f["file_name"] for f in files)))
    for f in files:
        if f["role"] == "checkpoint" and not f["file_name"].lower().endswith(".msu"):
            raise KbInstallError("checkpoint file %s is not an .msu" % f["file_name"])
    return {"folder": folder, "files": files, "target": chosen[0]}


def hash_for_host(file_entry):
    """(algorithm, hex) the host checks a file with: SHA-256 when the catalog gives it, else SHA-1."""
    if file_entry.get("sha256"):
        return "sha256", file_entry["sha256"]
    return "sha1", file_entry["sha1"]


def _allowed(host, port, scheme, allowed_hosts):
    default = 443 if scheme == "https" else 80
    for entry in allowed_hosts or ():
        entry = str(entry).strip().lower()
        name, sep, number = entry.rpartition(":")
        if sep and number.isdigit():
            if name == host and int(number) == (port or default):
                return True
        elif entry == host and (port is None or port == default):
            return True
    return False


def is_unc(path):
    return str(path).startswith("\\\\")


def check_mirror_url(url, allowed_hosts):
    """A mirror URL hosts fetch from: a UNC path, or http(s) on a host the user allow-listed.

    http is accepted for an internal mirror because every file is checked
    against the catalog's SHA-256 on the host before it is installed.
    """
    if is_unc(url):
        if not re.match(r"^\\\\[^\\/]+\\[^\\/]+", url) or ".." in url.split("\\"):
            raise KbInstallError("mirror_url %r is not a \\\\server\\share path" % url)
        return url.rstrip("\\")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise KbInstallError("mirror_url %r does not parse: %s" % (url, exc))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KbInstallError("mirror_url %r must be an http(s) URL or a UNC path" % url)
    if parts.username or parts.password or "@" in parts.netloc:
        # Never echo the URL: its user information may be a password (the msg is logged).
        raise KbInstallError("mirror_url carries user information (user:password@); refused: give the host "
                             "access to the mirror another way")
    if not _allowed(parts.hostname.lower(), port, parts.scheme, allowed_hosts):
        raise KbInstallError("mirror_url host %r is not in download_hosts: add %r to download_hosts to allow it"
                             % (parts.hostname, parts.netloc.lower()))
    return url if url.endswith("/") else url + "/"


def mirror_source(mirror_url, file_name):
    """Where a host reads one file of the mirror."""
    if is_unc(mirror_url):
        return "%s\\%s" % (mirror_url.rstrip("\\"), file_name)
    return mirror_url + quote(file_name)


def interpret_exit(exit_code):
    """DISM /Add-Package exit code -> {outcome, reboot_required, hresult}.

    outcome: installed (0), reboot_required (3010/1641: ERROR_SUCCESS_REBOOT_*),
    already_installed (0x00240006 WU_S_ALREADY_INSTALLED),
    not_applicable (0x800F081E CBS_E_NOT_APPLICABLE, 0x80240017 WU_E_NOT_APPLICABLE),
    failed (anything else, with the decoded HRESULT), lost (no exit code).
    DISM's exit code is the failure's HRESULT as a signed 32-bit value, the code
    it prints as "Error: 0x800f081f" (-2146498529). ASSUMPTION: DISM's own pages
    list no exit codes; public DISM wrappers rely on this.
    """
    if exit_code is None:
        return {"outcome": "lost", "reboot_required": False, "hresult": None}
    info = decode(int(exit_code))
    value = info["unsigned"]
    if value == 0:
        outcome = "installed"
    elif value in (ERROR_SUCCESS_REBOOT_REQUIRED, ERROR_SUCCESS_REBOOT_INITIATED):
        outcome = "reboot_required"
    elif value == WU_S_ALREADY_INSTALLED:
        outcome = "already_installed"
    elif value in (CBS_E_NOT_APPLICABLE, WU_E_NOT_APPLICABLE):
        outcome = "not_applicable"
    else:
        outcome = "failed"
    return {"outcome": outcome, "reboot_required": outcome == "reboot_required", "hresult": info}


def describe_hresult(info):
    if not info:
        return "no exit code"
    name = " %s" % info["name"] if info.get("name") else ""
    meaning = ": %s" % info["meaning"] if info.get("meaning") else ""
    return "%s%s%s" % (info["hex"], name, meaning)


def installed_set(host):
    return {str(k).strip().upper() for k in host.get("installed_kbs") or [] if str(k).strip()}
