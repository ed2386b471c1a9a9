# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows paths for the simulator, and the file system of a HostModel.

Windows paths are case-insensitive and case-preserving (Microsoft docs:
"Naming Files, Paths, and Namespaces", learn.microsoft.com/windows/win32/fileio/naming-a-file).
HostModel keeps `folders` and `files` keyed by the lower-case normalised path;
`norm()` gives the display form and `key()` the dictionary key.

Environment variables: ansible.windows modules expand `%VAR%` in options of
type `path` ([Environment]::ExpandEnvironmentVariables, Ansible.Basic.cs
ParseType path); an unknown %VAR% is left as it is, as that API does.
`$env:VAR` is PowerShell syntax, expanded only where PowerShell would
(`expand(..., powershell=True)`).

The second half models the host's file system on top of `host.folders`
(Folder records, which may say exists=False) and `host.files` (bytes):
folders a Windows install always has exist without being listed, parents of
any file or folder exist, and writes honour `host.disk.free_bytes`.
"""
from __future__ import annotations

import datetime
import re
from typing import Iterator, Optional

from .model import Folder, HostModel


class WinIOError(Exception):
    """A file-system error with the .NET message text Windows gives.

    win32: the Win32 error code (winerror.h) behind it.
    """

    def __init__(self, message: str, win32: int):
        super().__init__(message)
        self.message = message
        self.win32 = win32


# .NET Framework exception messages for these Win32 errors (mscorlib resources
# IO.PathNotFound_Path, IO.FileNotFound_FileName, UnauthorizedAccess_IODenied_Path;
# ERROR_DISK_FULL 112 is FormatMessage text, winerror.h).
def path_not_found(path: str) -> WinIOError:
    return WinIOError("Could not find a part of the path '%s'." % path, 3)


def file_not_found(path: str) -> WinIOError:
    return WinIOError("Could not find file '%s'." % path, 2)


def access_denied(path: str) -> WinIOError:
    return WinIOError("Access to the path '%s' is denied." % path, 5)


def disk_full() -> WinIOError:
    return WinIOError("There is not enough space on the disk.", 112)


# ---------------------------------------------------------------- path text

def system_drive(host: Optional[HostModel] = None) -> str:
    drive = host.disk.system_drive if host is not None else "C:"
    return drive.rstrip("\\").upper()


def environment(host: Optional[HostModel] = None) -> dict:
    """The environment of a WinRM session of the host's administrator.

    Values as a default Windows install sets them (HKLM\\SYSTEM\\CurrentControlSet\\
    Control\\Session Manager\\Environment and the user profile); keys lower-case.
    """
    drive = system_drive(host)
    user = host.username if host is not None else "Administrator"
    profile = "%s\\Users\\%s" % (drive, user)
    windir = "%s\\Windows" % drive
    return {
        "systemdrive": drive,
        "systemroot": windir,
        "windir": windir,
        "programdata": "%s\\ProgramData" % drive,
        "allusersprofile": "%s\\ProgramData" % drive,
        "programfiles": "%s\\Program Files" % drive,
        "programfiles(x86)": "%s\\Program Files (x86)" % drive,
        "public": "%s\\Users\\Public" % drive,
        "userprofile": profile,
        "appdata": profile + "\\AppData\\Roaming",
        "localappdata": profile + "\\AppData\\Local",
        "temp": profile + "\\AppData\\Local\\Temp",
        "tmp": profile + "\\AppData\\Local\\Temp",
        "username": user,
        "computername": host.os.hostname if host is not None else "WIN11-01",
    }


_PERCENT_VAR = re.compile(r"%([^%\\/]+)%")
_PS_VAR = re.compile(r"\$env:([A-Za-z_][A-Za-z0-9_()]*)", re.IGNORECASE)


def expand(path: str, host: Optional[HostModel] = None, powershell: bool = False) -> str:
    """Expand %VAR% (and $env:VAR when powershell=True) case-insensitively."""
    env = environment(host)

    def percent(match):
        value = env.get(match.group(1).lower())
        return value if value is not None else match.group(0)

    out = _PERCENT_VAR.sub(percent, path)
    if powershell:
        def ps(match):
            value = env.get(match.group(1).lower())
            return value if value is not None else ""  # PowerShell: an unset variable is empty
        out = _PS_VAR.sub(ps, out)
    return out


def norm(path: str, host: Optional[HostModel] = None, powershell: bool = False) -> str:
    """Display form: variables expanded, `/` -> `\\`, `.`/`..` resolved, no trailing `\\`
    except on a drive root, drive letter upper-case. Relative paths are refused."""
    text = expand(str(path), host, powershell).replace("/", "\\")
    match = re.match(r"^([A-Za-z]):(\\.*)?$", text)
    if not match:
        raise ValueError("not an absolute Windows path: %r" % (path,))
    drive = match.group(1).upper() + ":"
    parts = []
    for part in (match.group(2) or "").split("\\"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return drive + "\\" + "\\".join(parts)


def key(path: str, host: Optional[HostModel] = None) -> str:
    """The HostModel dictionary key of a path."""
    return norm(path, host).lower()


def parent(path: str) -> Optional[str]:
    """Parent of a normalised path; None for a drive root."""
    head, _separator, tail = path.rpartition("\\")
    if not tail:
        return None
    if re.match(r"^[A-Za-z]:$", head):
        return head + "\\"
    return head


def leaf(path: str) -> str:
    return path.rstrip("\\").rpartition("\\")[2]


def join(base: str, child: str) -> str:
    return base.rstrip("\\") + "\\" + child.lstrip("\\")


def is_under(path_key: str, folder_key: str) -> bool:
    """True when path_key is strictly inside folder_key (both keys)."""
    prefix = folder_key if folder_key.endswith("\\") else folder_key + "\\"
    return path_key.startswith(prefix) and path_key != folder_key


def same_path(a: str, b: str) -> bool:
    return key(a) == key(b)


# ------------------------------------------------------- the host's folders

# Folders every Windows 10/11 and Server 2016+ install has (relative to the
# system drive). Listing them in host.folders with exists=False removes one.
_DEFAULT_FOLDERS = (
    "",
    "Windows",
    "Windows\\System32",
    "Windows\\SysWOW64",
    "Windows\\Temp",
    "Windows\\Logs",
    "Windows\\Logs\\CBS",
    "Windows\\Logs\\DISM",
    "Windows\\servicing",
    "Windows\\WinSxS",
    "Windows\\SoftwareDistribution",
    "Windows\\SoftwareDistribution\\DataStore",
    "Windows\\SoftwareDistribution\\Download",
    "Windows\\System32\\catroot2",
    "ProgramData",
    "ProgramData\\Microsoft\\Network\\Downloader",
    "Program Files",
    "Program Files (x86)",
    "Users",
    "Users\\Public",
)


def default_folders(host: HostModel) -> dict:
    """key -> display path of the folders a Windows install always has."""
    drive = system_drive(host)
    out = {}
    for rel in _DEFAULT_FOLDERS:
        display = drive + "\\" + rel
        out[display.lower().rstrip("\\") if rel else display.lower()] = display
    profile = environment(host)["userprofile"]
    for rel in ("", "\\AppData", "\\AppData\\Local", "\\AppData\\Local\\Temp", "\\AppData\\Roaming"):
        out[(profile + rel).lower()] = profile + rel
    return out


def default_folder_keys(host: HostModel) -> set:
    return set(default_folders(host))


def _ancestor_gone(host: HostModel, k: str) -> bool:
    """True when a folder above k is recorded as not existing (renamed or deleted)."""
    p = parent(k)
    while p is not None:
        rec = host.folders.get(p)
        if rec is not None and not rec.exists:
            return True
        p = parent(p)
    return False


def is_dir(host: HostModel, path: str) -> bool:
    k = key(path, host)
    folder = host.folders.get(k)
    if folder is not None:
        return bool(folder.exists)
    if k in host.files:
        return False
    if k in default_folder_keys(host) and not _ancestor_gone(host, k):
        return True
    # A folder exists when something existing lies inside it.
    if any(is_under(f, k) for f in host.files):
        return True
    return any(is_under(f, k) and rec.exists for f, rec in host.folders.items())


def is_file(host: HostModel, path: str) -> bool:
    return key(path, host) in host.files


def exists(host: HostModel, path: str) -> bool:
    return is_file(host, path) or is_dir(host, path)


def read(host: HostModel, path: str) -> bytes:
    k = key(path, host)
    if k not in host.files:
        raise file_not_found(norm(path, host))
    return host.files[k]


# ASSUMPTION (the HostModel keeps no time for most files and folders): one that
# host.file_meta does not date was last written when the host last started
# (host.boot_time): in the past, fixed while the host runs (a script and a
# check-mode run of it read the same time), and younger than every age limit of
# the collection's scripts (days) for a host started recently. The models and the
# PowerShell stage's laid-out drive (tests/pwsh/host_fs.py) both use this.
def write_time(host: HostModel, path: str) -> datetime.datetime:
    """LastWriteTimeUtc of a file or folder: host.file_meta's "written", else host.boot_time."""
    written = (host.file_meta.get(key(path, host)) or {}).get("written")
    return written if written is not None else host.boot_time


def files_under(host: HostModel, folder: str) -> Iterator[str]:
    """Keys of the files inside folder, at any depth."""
    k = key(folder, host)
    return (f for f in list(host.files) if is_under(f, k))


def folder_size(host: HostModel, folder: str) -> int:
    """Bytes in a folder: its modelled size_bytes (content not listed file by file)
    plus the files stored under it, plus listed sub-folders' size_bytes."""
    k = key(folder, host)
    total = sum(len(host.files[f]) for f in files_under(host, folder))
    for fk, rec in host.folders.items():
        if rec.exists and (fk == k or is_under(fk, k)):
            total += int(rec.size_bytes or 0)
    return total


def children(host: HostModel, folder: str) -> list:
    """Display paths of the direct children (files and folders) of a folder."""
    k = key(folder, host)
    base = norm(folder, host)
    names = {}
    candidates = list(host.files) + [f for f, rec in host.folders.items() if rec.exists]
    candidates += [f for f in default_folder_keys(host)
                   if f not in host.folders and not _ancestor_gone(host, f)]
    for c in candidates:
        if is_under(c, k):
            rest = c[len(k.rstrip("\\")) + 1:]
            first = rest.split("\\", 1)[0]
            names.setdefault(first, join(base, _display_name(host, join(k, first), first)))
    return sorted(names.values(), key=str.lower)


def _display_name(host: HostModel, child_key: str, fallback: str) -> str:
    rec = host.folders.get(child_key)
    if rec is not None:
        return leaf(rec.path)
    return fallback


def make_dirs(host: HostModel, path: str) -> list:
    """Create a folder and its missing parents (New-Item -ItemType Directory does);
    returns the display paths created. Raises WinIOError when a file is in the way."""
    created = []
    display = norm(path, host)
    chain = []
    p = display
    while p is not None and not is_dir(host, p):
        if is_file(host, p):
            raise WinIOError("An item with the specified name %s already exists." % p, 183)
        chain.append(p)
        p = parent(p)
    for p in reversed(chain):
        k = key(p, host)
        rec = host.folders.get(k)
        if rec is not None:
            rec.exists = True
            rec.path = p
        else:
            host.folders[k] = Folder(path=p)
        created.append(p)
    return created


def fault_fires(host: HostModel, listname: str, step: Optional[str]) -> bool:
    """Whether host.faults.<listname> names this step (a name, or {"step": name, ...})."""
    if not step:
        return False
    for entry in getattr(host.faults, listname, []) or []:
        name = entry.get("step") if isinstance(entry, dict) else entry
        if name == step:
            return True
    return False


def write_file(host: HostModel, path: str, data: bytes, step: Optional[str] = None, written_before: bool = False) -> str:
    """Write bytes to a file whose parent folder must exist ([IO.File]::Create semantics).

    Honours host.disk.free_bytes (replacing a file frees its old size first) and
    the disk_full fault listed for `step`. Returns the display path.
    written_before: bytes a process wrote earlier, which the model writes only now
    (a detached run's output): they take space but never fail on a disk that
    filled up since.
    """
    display = norm(path, host)
    k = display.lower()
    par = parent(display)
    if par is None or not is_dir(host, par):
        raise path_not_found(display)
    if is_dir(host, display):
        raise access_denied(display)  # File.Create on a folder (UnauthorizedAccessException)
    old = len(host.files.get(k, b""))
    need = len(data) - old
    if not written_before and (fault_fires(host, "disk_full_on", step) or need > host.disk.free_bytes):
        raise disk_full()
    host.files[k] = bytes(data)
    host.disk.free_bytes = max(0, host.disk.free_bytes - need)
    return display


def reserve(host: HostModel, size: int, step: Optional[str] = None) -> None:
    """Check that `size` bytes could be written now (a temporary copy); raises disk_full."""
    if fault_fires(host, "disk_full_on", step) or size > host.disk.free_bytes:
        raise disk_full()


def delete_file(host: HostModel, path: str) -> None:
    k = key(path, host)
    data = host.files.pop(k)
    host.disk.free_bytes += len(data)


def delete_tree(host: HostModel, path: str) -> None:
    """Remove a folder and everything in it; frees the space it held.
    Raises WinIOError (access denied) when the folder or one inside it is locked."""
    k = key(path, host)
    for fk, rec in host.folders.items():
        if rec.exists and rec.locked and (fk == k or is_under(fk, k)):
            raise access_denied(rec.path)
    for f in list(files_under(host, path)):
        delete_file(host, f)
    for fk, rec in list(host.folders.items()):
        if rec.exists and (fk == k or is_under(fk, k)):
            host.disk.free_bytes += int(rec.size_bytes or 0)
            rec.size_bytes = 0
            rec.exists = False
    # Default folders inside, and the folder itself, need an explicit "gone" record.
    for dk, display in default_folders(host).items():
        if is_under(dk, k) and dk not in host.folders:
            host.folders[dk] = Folder(path=display, exists=False)
    host.folders.setdefault(k, Folder(path=norm(path, host), exists=False)).exists = False
