# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The long commands a detached run may start, as plans: how long they take
(modelled seconds), what they print over that time, their exit code and what
they change on the host when they end. Anything else raises NotModelled.

The sfc and DISM /Cleanup-Image runs themselves (texts, exit codes,
durations, effects, with their sources) are modelled once in
tests/winsim/windows_tools.py, which win_command's model uses too; this file
spreads a run's output over its duration.

WIM and ISO files of the simulated host are JSON descriptions kept in
host.files (make_wim / make_iso build them): a WIM lists its images, an ISO
lists the files on it; iso_mount's model copies an ISO's files to a drive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from .. import windows_tools, winpath
from ..model import HostModel, NotModelled
from ..windows_tools import ISO_KEY, WIM_KEY


@dataclass
class Plan:
    label: str
    duration: float  # modelled seconds
    exit_code: int
    stdout: list = field(default_factory=list)  # [(fraction of duration, bytes)] in order
    stderr: list = field(default_factory=list)
    effect: Callable = lambda host, when: None  # applied when the process ends (when: its end time)


# ----------------------------------------------------------------- media

def make_wim(images: list) -> bytes:
    """A WIM file's content in the simulator: its images as JSON.

    images: dicts with index, name, edition (EditionID), architecture, build,
    installation ("Client", "Server", "Server Core")."""
    return json.dumps({WIM_KEY: images}).encode("utf-8")


def make_iso(files: dict) -> bytes:
    """An ISO file's content: {relative path: bytes (e.g. make_wim(...))}."""
    return json.dumps({ISO_KEY: {k: v.decode("utf-8") for k, v in files.items()}}).encode("utf-8")


# Windows 11 24H2 consumer media, install.wim images in their usual order
# (index 6 = Pro, the index most repair guides use).
WINDOWS11_EDITIONS = (
    ("Windows 11 Home", "Core"), ("Windows 11 Home N", "CoreN"),
    ("Windows 11 Home Single Language", "CoreSingleLanguage"), ("Windows 11 Education", "Education"),
    ("Windows 11 Education N", "EducationN"), ("Windows 11 Pro", "Professional"),
    ("Windows 11 Pro N", "ProfessionalN"), ("Windows 11 Pro Education", "ProfessionalEducation"),
    ("Windows 11 Pro Education N", "ProfessionalEducationN"),
    ("Windows 11 Pro for Workstations", "ProfessionalWorkstation"),
    ("Windows 11 Pro N for Workstations", "ProfessionalWorkstationN"),
)


def windows11_images(build: int = 26100, architecture: str = "x64") -> list:
    return [{"index": i + 1, "name": name, "edition": edition, "architecture": architecture,
             "build": build, "installation": "Client"}
            for i, (name, edition) in enumerate(WINDOWS11_EDITIONS)]


def plan_tool_run(run: windows_tools.ToolRun) -> Plan:
    """A Plan printing RUN's output over its duration: its start, the redraws, its end."""
    chunks = [(0.0, run.head.encode(run.encoding))] if run.head else []
    chunks += [(at, text.encode(run.encoding)) for at, text in run.progress]
    chunks.append((1.0, run.tail.encode(run.encoding)))
    return Plan(run.label, run.duration, run.exit_code, chunks, effect=run.effect)


def plan_dism(host: HostModel, args: list) -> Plan:
    return plan_tool_run(windows_tools.dism_cleanup_image(host, args))


def plan_sfc(host: HostModel, args: list) -> Plan:
    return plan_tool_run(windows_tools.sfc_scannow(host, args))


# ----------------------------------------------------------------- registry

COMMANDS = {"dism.exe": plan_dism, "sfc.exe": plan_sfc}


def register(exe_name: str, planner) -> None:
    """Add a command (e.g. setup.exe for win_inplace_upgrade): planner(host, argv) -> Plan."""
    COMMANDS[exe_name.lower()] = planner


def split_command_line(line: str) -> list:
    # The same CommandLineToArgvW rules win_command's model implements.
    from ..modules.win_command import split_command_line as split
    return split(line)


def plan(host: HostModel, file_path: str, arguments: str) -> Plan:
    name = winpath.leaf(file_path.replace("/", "\\")).lower()
    if "." not in name:
        name += ".exe"
    folder = winpath.parent(file_path.replace("/", "\\"))
    if folder and not folder.lower().endswith("\\system32") and name in ("dism.exe", "sfc.exe"):
        raise NotModelled("%s outside System32: %s" % (name, file_path))
    planner = COMMANDS.get(name)
    if planner is None:
        raise NotModelled("detached command %s %s" % (file_path, arguments))
    return planner(host, split_command_line(arguments))
