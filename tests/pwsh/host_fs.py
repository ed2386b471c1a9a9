# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated host's system drive as a real folder, for one script run.

The scripts read and write files with cmdlets and with .NET ([System.IO.File]::Open,
ReadAllText, Replace ...). .NET calls cannot be replaced by stand-ins, so the
host's drive C: is laid out under a real folder (<root>/C) before each run and
read back into the HostModel after it:
- folders: the ones every Windows install has (winsim/winpath.py) and
  host.folders; a folder's modelled size_bytes (content not listed file by
  file) becomes one sparse file PLACEHOLDER inside it, so lengths and
  Get-ChildItem -Recurse sums agree with winpath.folder_size;
- files: host.files, and %windir%\\Logs\\CBS\\CBS.log from host.cbs_log when
  the log is kept as lines;
- the environment of the run points %SystemRoot%, %SystemDrive% ... at <root>/C
  (runner.py), and strings in the answer are mapped back to C:\\...

Windows paths are case-insensitive, Linux paths are not: each name is laid out
in the case Windows would show (the folder record's display path, else the
spelling a host script uses for it, collected from the scripts' string
literals, else the model's lower-case key), and a path the script asks for is
found whatever its case only when it is spelled as the host scripts spell it.
Times: a file or folder gets its LastWriteTime from winpath.write_time (the
host's file_meta, else the host's boot time: the models' convention);
a file the run wrote gets the run's now in host.file_meta when read back.
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
from typing import Optional

from winsim import winpath
from winsim.model import Folder, HostModel, NotModelled
from winsim.scripts.wu_reset_state import MODERN_SYSTEM32_DLLS

PLACEHOLDER = "winsim-content.bin"
_LITERAL = re.compile(r"'([^'\r\n]*)'|\"([^\"\r\n$]*)\"")


def spellings(script_dir: str) -> dict:
    """lower-case name -> spelling, for every path component in the scripts' string literals."""
    names = {}
    for name in sorted(os.listdir(script_dir)):
        if not name.endswith(".ps1"):
            continue
        with open(os.path.join(script_dir, name), encoding="utf-8") as handle:
            text = handle.read()
        for match in _LITERAL.finditer(text):
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            for part in re.split(r"[\\/]", literal):
                if part and re.match(r"^[\w$.~ -]+$", part) and not part.startswith("*"):
                    names.setdefault(part.lower(), part)
    return names


class HostDrive:
    """Lays out one host's system drive under ROOT/<letter> and reads it back."""

    def __init__(self, root: str, names: dict):
        self.root = root
        self._base_names = dict(names)
        self.names = dict(names)
        self.host: Optional[HostModel] = None
        self.now: Optional[datetime.datetime] = None
        self.kept_times: set = set()  # file keys a rename moved: their time is not the run's
        self.base = ""
        self.letter = "C"
        self._before: dict = {}
        self._cbs_from_lines = False
        self._system_files: set = set()

    # ----------------------------------------------------------------- paths
    def to_local(self, path: str) -> str:
        """C:\\X\\y -> <root>/C/X/y, each existing component found whatever its case."""
        display = winpath.norm(path, self.host)
        local = os.path.join(self.root, display[0].upper())
        for part in [p for p in display[3:].split("\\") if p]:
            local = os.path.join(local, self._child_name(local, part))
        return local

    def to_windows(self, local: str) -> str:
        rel = os.path.relpath(local, self.root)
        letter, _sep, rest = rel.partition("/")
        return "%s:\\%s" % (letter, rest.replace("/", "\\"))

    def windows_text(self, text: str) -> str:
        """TEXT with every laid-out path in it written as C:\\... again."""
        if self.root not in text:
            return text
        pattern = re.escape(self.root) + r"/([A-Z])((?:[/\\][^\s'\"/\\:*?<>|]+)*[/\\]?)"
        return re.sub(pattern, lambda m: m.group(1) + ":" + m.group(2).replace("/", "\\"), text)

    def drive_slashes(self, text: str) -> str:
        """'E:/setup.exe' (a path the FileSystem provider on Linux joined) -> 'E:\\setup.exe'."""
        return re.sub(r"\b([A-Z]):(/[^\s'\"]*)", lambda m: m.group(1) + ":" + m.group(2).replace("/", "\\"), text)

    def drives(self) -> dict:
        """Drive letter -> its folder, for every drive laid out (the system drive, mounted images)."""
        return {name: os.path.join(self.root, name) for name in sorted(os.listdir(self.root))}

    def _child_name(self, local_dir: str, part: str) -> str:
        try:
            for entry in os.listdir(local_dir):
                if entry.lower() == part.lower():
                    return entry
        except OSError:
            pass
        return part

    def _spelled(self, display: str) -> str:
        parts = display.split("\\")
        return "\\".join(parts[:1] + [self.names.get(p, p) if p == p.lower() else p for p in parts[1:]])

    # ---------------------------------------------------------------- layout
    def lay_out(self, host: HostModel, now: datetime.datetime, step: str, paths=()) -> None:
        """Lay out HOST's drives; PATHS are Windows paths the run names (their spelling wins)."""
        if winpath.fault_fires(host, "disk_full_on", step):
            raise NotModelled("the disk_full_on fault for %s with the real script (a real folder has room)" % step)
        self.host = host
        self.names = dict(self._base_names)
        for path in paths:
            for part in re.split(r"[\\/]", str(path))[1:]:
                if part:
                    self.names[part.lower()] = part
        self.letter = winpath.system_drive(host)[0]
        self.base = os.path.join(self.root, self.letter)
        for folder in (self.root, self.root + "-reparse"):
            if os.path.exists(folder):
                shutil.rmtree(folder)
        os.makedirs(self.base)
        self.now = now
        self.kept_times = set()
        self._system_files = set()
        for key, display in sorted(winpath.default_folders(host).items()):
            if winpath.is_dir(host, display):
                self._mkdir(display)
        for key, rec in sorted(host.folders.items()):
            if rec.exists and winpath.is_dir(host, rec.path) and getattr(rec, "reparse_point", False):
                self._reparse_point(rec.path)
        for key, rec in sorted(host.folders.items()):
            if rec.exists and winpath.is_dir(host, rec.path):
                local = self._mkdir(rec.path)
                if rec.size_bytes:
                    with open(os.path.join(local, PLACEHOLDER), "wb") as handle:
                        handle.truncate(int(rec.size_bytes))
        windir = winpath.environment(host)["windir"]
        cbs = winpath.key(windir + "\\Logs\\CBS\\CBS.log", host)
        # CBS.log exists on every Windows install (the servicing stack writes it at
        # each servicing session: Microsoft Learn "Fix Windows Update corruption",
        # %windir%\Logs\CBS\CBS.log); host.cbs_log holds its lines.
        self._cbs_from_lines = cbs not in host.files
        files = dict(host.files)
        if self._cbs_from_lines:
            files[cbs] = "".join(line + "\r\n" for line in host.cbs_log).encode("utf-8")
        # The system DLLs a modern host has, as tests/winsim/scripts/wu_reset_state.py
        # models them (their content is not modelled: empty files).
        if host.os.build >= 10240:
            for dll in MODERN_SYSTEM32_DLLS:
                key = winpath.key(windir + "\\System32\\" + dll, host)
                files.setdefault(key, b"")
                self._system_files.add(key)
        for key, data in sorted(files.items()):
            display = self._spelled(winpath.norm(key, host))
            parent = winpath.parent(display)
            local_dir = self._mkdir(parent) if parent else self.base
            local = os.path.join(local_dir, self._child_name(local_dir, winpath.leaf(display)))
            with open(local, "wb") as handle:
                handle.write(data)
        for dirpath, dirnames, filenames in os.walk(self.root, topdown=False):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                target = dirpath if name == PLACEHOLDER else path
                when = winpath.write_time(host, self.to_windows(target)).timestamp()
                os.utime(path, (when, when))
        self._before = self._snapshot()

    def _reparse_point(self, display: str) -> None:
        """A junction: a symbolic link to an empty folder outside the drive (.NET on Linux
        reports a symbolic link with FileAttributes.ReparsePoint, as Windows does a junction)."""
        local = self.to_local(self._spelled(display))
        targets = self.root + "-reparse"
        os.makedirs(targets, exist_ok=True)
        target = os.path.join(targets, str(len(os.listdir(targets))))
        os.makedirs(target)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        os.symlink(target, local)

    def unreadable(self) -> list:
        """Laid-out files whose ACL shuts this account out (host.file_meta readable false)."""
        return sorted(self.to_local(winpath.norm(k, self.host)) for k, meta in self.host.file_meta.items()
                      if meta.get("readable") is False and k in self.host.files)

    def write_through(self, host: HostModel, keys) -> None:
        """Files the host itself wrote during the run (a detached run starting: KEYS) onto the
        laid-out drive, as part of the starting state: the script sees them, and reading
        back does not take them for the script's writes."""
        for key in keys:
            data = host.files[key]
            local = self.to_local(self._spelled(winpath.norm(key, host)))
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "wb") as handle:
                handle.write(data)
            self._before[local] = ("file", data)
            parent = os.path.dirname(local)
            while parent not in self._before and parent.startswith(self.base + os.sep):
                self._before[parent] = ("dir", 0)
                parent = os.path.dirname(parent)

    def _mkdir(self, display: str) -> str:
        local = self.to_local(self._spelled(display))
        os.makedirs(local, exist_ok=True)
        return local

    def _snapshot(self) -> dict:
        """local path -> ("dir", 0) | ("file", bytes) | ("size", apparent size of a placeholder)."""
        snap = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            if dirpath == self.root:
                continue  # the drives themselves
            for name in dirnames:
                snap[os.path.join(dirpath, name)] = ("dir", 0)
            for name in filenames:
                path = os.path.join(dirpath, name)
                if name == PLACEHOLDER:
                    snap[path] = ("size", os.path.getsize(path))
                else:
                    with open(path, "rb") as handle:
                        snap[path] = ("file", handle.read())
        return snap

    @staticmethod
    def _bytes(entry) -> int:
        kind, value = entry
        return value if kind == "size" else len(value) if kind == "file" else 0

    def freed(self, after: Optional[dict] = None) -> int:
        """Bytes freed on the system drive since the layout (negative: used); other volumes do not count."""
        after = self._snapshot() if after is None else after
        system = os.path.join(self.root, self.letter) + os.sep
        return (sum(self._bytes(e) for p, e in self._before.items() if p.startswith(system))
                - sum(self._bytes(e) for p, e in after.items() if p.startswith(system)))

    # ------------------------------------------------------------- read back
    def read_back(self) -> None:
        """Carry what the run changed on the drive into the HostModel."""
        host = self.host
        after = self._snapshot()
        before = self._before
        windir = winpath.environment(host)["windir"]
        cbs = winpath.key(windir + "\\Logs\\CBS\\CBS.log", host)
        for path, entry in before.items():
            if path in after:
                continue
            key = winpath.key(self.to_windows(path), host)
            if entry[0] == "file":
                if key == cbs and self._cbs_from_lines:
                    host.cbs_log = []
                if key in self._system_files:
                    raise NotModelled("a script deleting the system file %s" % key)
                host.files.pop(key, None)
                host.file_meta.pop(key, None)
            elif entry[0] == "dir":
                rec = host.folders.get(key)
                if rec is None:
                    host.folders[key] = Folder(path=self.to_windows(path), exists=False)
                else:
                    rec.exists = False
                    rec.size_bytes = 0
        for path, entry in after.items():
            old = before.get(path)
            if entry == old:
                continue
            if entry[0] == "file":
                key = winpath.key(self.to_windows(path), host)
                if key in self._system_files and old is not None:
                    raise NotModelled("a script writing the system file %s" % key)
                if key == cbs and self._cbs_from_lines:
                    host.cbs_log = entry[1].decode("utf-8", "replace").splitlines()
                else:
                    host.files[key] = entry[1]
                    if key not in self.kept_times:
                        host.file_meta.setdefault(key, {})["written"] = self.now
            elif entry[0] == "dir":
                display = self.to_windows(path)
                key = winpath.key(display, host)
                rec = host.folders.get(key)
                if rec is None:
                    host.folders[key] = Folder(path=display)
                else:
                    rec.exists, rec.path = True, display
            elif entry[0] == "size":
                display = self.to_windows(os.path.dirname(path))
                rec = host.folders.setdefault(winpath.key(display, host), Folder(path=display))
                rec.size_bytes = entry[1]
        for path, entry in before.items():
            if entry[0] == "size" and path not in after and os.path.dirname(path) in after:
                # The content went, the folder stayed (emptied, or renamed and made again).
                rec = host.folders.get(winpath.key(self.to_windows(os.path.dirname(path)), host))
                if rec is not None:
                    rec.size_bytes = 0
        host.disk.free_bytes += self.freed(after)
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.root + "-reparse", ignore_errors=True)
