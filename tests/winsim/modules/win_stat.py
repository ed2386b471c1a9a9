# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model of ansible.windows.win_stat on the HostModel's folders and files.

Keys after ansible.windows 3.3.0 plugins/modules/win_stat.ps1 / win_stat.py RETURN:
stat.exists only when the path is missing; otherwise the attribute flags,
timestamps, path, filename, owner, plus for a file extension/isreg/checksum
(lower-case hex of the chosen algorithm, default sha1)/size, and for a folder
isdir/size (sum of the files under it). Links, shares and hard links are not
modelled (every item is a plain file or folder). The modelled host keeps no
per-file timestamps: all three report the host's boot time.
"""
from __future__ import annotations

import hashlib

from .. import winpath
from ..model import HostModel, NotModelled, RunContext

OPTIONS = {"path", "dest", "name", "get_checksum", "get_size", "checksum_algorithm", "follow"}
ALGORITHMS = ("md5", "sha1", "sha256", "sha384", "sha512")


def checksum(data: bytes, algorithm: str) -> str:
    # BitConverter.ToString(hash).Replace("-", "").ToLower() == lower-case hex.
    return hashlib.new(algorithm, data).hexdigest()


def run(host: HostModel, args: dict, ctx: RunContext) -> dict:
    unknown = set(args) - OPTIONS
    if unknown:
        raise NotModelled("win_stat options %s" % ", ".join(sorted(unknown)))
    if args.get("follow"):
        raise NotModelled("win_stat follow=true (links are not modelled)")
    raw = args.get("path") or args.get("dest") or args.get("name")
    if not raw:
        return {"changed": False, "failed": True, "msg": "missing required arguments: path"}
    algorithm = str(args.get("checksum_algorithm") or "sha1")
    if algorithm not in ALGORITHMS:
        # Ansible.Basic choices validation message.
        return {"changed": False, "failed": True,
                "msg": "value of checksum_algorithm must be one of: %s, got: %s" % (", ".join(ALGORITHMS),
                                                                                    algorithm)}
    get_checksum = args.get("get_checksum", True)
    get_size = args.get("get_size", True)
    try:
        path = winpath.norm(str(raw), host)
    except ValueError:
        raise NotModelled("win_stat of a relative path %r" % raw)

    result = {"changed": False, "stat": {"exists": False}}
    is_dir = winpath.is_dir(host, path)
    if not is_dir and not winpath.is_file(host, path):
        return result

    stamp = host.boot_time.timestamp()
    name = winpath.leaf(path) or path
    # Attributes: a folder "Directory", a file written by a program "Archive"
    # ([IO.FileAttributes] ToString of a default file / folder).
    attributes = "Directory" if is_dir else "Archive"
    stat = {
        "exists": True,
        "attributes": attributes,
        "isarchive": not is_dir,
        "isdir": is_dir,
        "ishidden": False,
        "isjunction": False,
        "islnk": False,
        "isreadonly": False,
        "isreg": not is_dir,
        "isshared": False,
        "nlink": 1,
        "hlnk_targets": [],
        "creationtime": stamp,
        "lastaccesstime": stamp,
        "lastwritetime": stamp,
        "path": path,
        "filename": name,
        "owner": "BUILTIN\\Administrators",
    }
    if is_dir:
        if get_size:
            stat["size"] = winpath.folder_size(host, path)
    else:
        data = winpath.read(host, path)
        dot = name.rfind(".")
        stat["extension"] = name[dot:] if dot > 0 else ""
        if get_checksum:
            stat["checksum"] = checksum(data, algorithm)
        if get_size:
            stat["size"] = len(data)
    result["stat"] = stat
    return result
