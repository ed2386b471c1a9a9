"""The modelled state of one simulated Windows host.

Plain dataclasses: the module and script models read and change them, the
scenario loader builds them, tests inspect them. Nothing here talks to the
network. Defaults describe a healthy Windows 11 24H2 Pro x64 machine.
"""
from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field
from typing import Optional


class NotModelled(Exception):
    """Raised when a request asks for something the simulator does not model."""


class ProtocolFault(Exception):
    """Raised by a model to make the server misbehave on the wire.

    kind: 'drop' (close the TCP connection without an answer),
          'http500' (WinRM internal error fault),
          'operation_timeout' (wsman OperationTimeout fault on Receive),
          'reboot' (the step ran, then the host restarts before the answer is
          sent: the connection closes as for 'drop' and the host goes through
          a reboot; dispatch.py raises it for the reboot_on fault list).
    """

    def __init__(self, kind: str, detail: str = ""):
        super().__init__("%s: %s" % (kind, detail))
        self.kind = kind
        self.detail = detail


@dataclass
class OSInfo:
    # Values as Win32_OperatingSystem / the registry report them.
    product_name: str = "Windows 11 Pro"
    edition_id: str = "Professional"
    display_version: str = "24H2"
    version: str = "10.0.26100"
    build: int = 26100
    ubr: int = 2033
    architecture: str = "x64"  # x64, arm64 or x86
    product_type: str = "workstation"  # workstation, server, domain_controller
    hostname: str = "WIN11-01"
    domain: str = "WORKGROUP"
    install_language: str = "en-US"
    supports_restore_points: bool = True  # client SKUs have System Restore; Server has not


@dataclass
class Service:
    name: str
    display_name: str
    state: str = "running"  # running, stopped, stop_pending, start_pending, paused
    start_mode: str = "manual"  # auto, delayed, manual, disabled
    # Fault knobs
    stuck_stop_pending: bool = False  # stop leaves it in STOP_PENDING until the process is ended
    access_denied: bool = False
    security_descriptor: str = ""


def default_services() -> dict[str, Service]:
    # Start types as shipped on Windows 11 24H2 (services.msc on a clean install).
    return {
        "wuauserv": Service("wuauserv", "Windows Update", "running", "manual"),
        "cryptsvc": Service("cryptsvc", "Cryptographic Services", "running", "auto"),
        "bits": Service("bits", "Background Intelligent Transfer Service", "running", "manual"),
        "msiserver": Service("msiserver", "Windows Installer", "stopped", "manual"),
        "appidsvc": Service("appidsvc", "Application Identity", "stopped", "manual"),
        "trustedinstaller": Service("trustedinstaller", "Windows Modules Installer", "stopped", "manual"),
        # Windows 10+ only; both work in SoftwareDistribution (Microsoft Learn "Guidance on
        # disabling system services on Windows Server 2016 with Desktop Experience" names them
        # UsoSvc "Update Orchestrator Service" and DoSvc "Delivery Optimization", both
        # Automatic (Delayed Start)).
        "usosvc": Service("usosvc", "Update Orchestrator Service", "running", "delayed"),
        "dosvc": Service("dosvc", "Delivery Optimization", "running", "delayed"),
    }


@dataclass
class Folder:
    path: str
    size_bytes: int = 0
    exists: bool = True
    locked: bool = False  # a rename fails with access denied while a service holds it
    # The service (lower-case name) whose process holds it open: like locked, but only
    # while that service is not stopped (UsoSvc, DoSvc, TrustedInstaller and SoftwareDistribution).
    held_by: str = ""
    # Owner and DACL, as tests/winsim/acl.py reads them (its docstring has the sources).
    owner: str = ""  # SID; "" = made by the collection's elevated session (Administrators)
    writers: list = field(default_factory=list)  # SIDs besides SYSTEM/Administrators its own entries let write
    acl_protected: bool = False  # DACL protected: nothing inherited from the folder above
    reparse_point: bool = False  # a junction or symbolic link (leads elsewhere)
    acl_locked: bool = False  # Set-Acl on it is refused (its owner shut Administrators out)


@dataclass
class UpdateHistoryEntry:
    kb: str
    title: str
    date: str  # ISO 8601
    result_code: int  # 2 succeeded, 4 failed, 5 aborted (OperationResultCode)
    hresult: int = 0  # signed 32-bit as the COM API returns it


@dataclass
class EventRecord:
    log: str
    provider: str
    event_id: int
    time: str  # ISO 8601
    message: str
    level: str = "Error"
    data: dict = field(default_factory=dict)


@dataclass
class ComponentStore:
    # healthy | repairable | repairable_from_source | not_repairable
    health: str = "healthy"
    system_files_corrupt: bool = False  # what sfc finds
    sfc_can_fix: bool = True
    # Repair sources DISM /RestoreHealth /Source can use: lower-case path of an
    # install.wim / install.esd -> {image index: EditionID of that image}
    # (what `dism /Get-WimInfo` lists). A source not listed here is not modelled.
    sources: dict = field(default_factory=dict)


@dataclass
class PendingReboot:
    cbs_reboot_pending: bool = False
    wu_reboot_required: bool = False
    pending_file_rename: bool = False
    computer_rename: bool = False

    def any(self) -> bool:
        return any((self.cbs_reboot_pending, self.wu_reboot_required,
                    self.pending_file_rename, self.computer_rename))


@dataclass
class Insider:
    enrolled: bool = False
    branch_name: str = ""
    ring: str = ""
    flightsigning: bool = False


@dataclass
class Antivirus:
    name: str
    vendor: str = ""
    third_party: bool = True
    filter_driver: str = ""  # e.g. a minifilter the product loads
    enabled: bool = True


@dataclass
class Disk:
    system_drive: str = "C:"
    size_bytes: int = 256 * 1024 ** 3
    free_bytes: int = 80 * 1024 ** 3
    failing: bool = False  # SMART / storage errors in the event log


@dataclass
class Faults:
    """Per-host faults, each keyed by the step name they hit (module, script or raw command)."""
    drop_connection_on: list = field(default_factory=list)
    http500_on: list = field(default_factory=list)
    operation_timeout_on: list = field(default_factory=list)
    access_denied_on: list = field(default_factory=list)
    disk_full_on: list = field(default_factory=list)
    # The host restarts right after the step ran, before its answer is sent
    # (dispatch.py, server.py HostServer.restart_now); every detached run dies.
    reboot_on: list = field(default_factory=list)
    reboot_downtime_seconds: Optional[float] = None  # modelled; longer than the caller's timeout to test that
    # How often each step's fault has fired (dispatch keeps it). A list entry is
    # a step name (fires once) or {"step": name, "times": N} (N times, -1 = always).
    fired: dict = field(default_factory=dict)


@dataclass
class Record:
    """One request the host answered: the log tests and benchmarks read."""
    seq: int
    kind: str  # module | script | raw
    name: str
    args: dict
    check_mode: bool
    modelled_seconds: float
    outcome: str  # ok | changed | failed | refused | fault:<kind>
    real_time: float = 0.0


# Field metadata of HostModel state that models keep while the fleet runs:
# a scenario cannot set it (scenario.py refuses the key as unknown).
RUNTIME = {"runtime": True}


@dataclass
class HostModel:
    name: str
    address: str
    port: int = 5985
    username: str = "Administrator"
    password: str = "Passw0rd!"
    os: OSInfo = field(default_factory=OSInfo)
    # Display language: the code pages and the language sfc and DISM print in (winsim/locales.py).
    locale: str = "en-US"
    services: dict = field(default_factory=default_services)
    folders: dict = field(default_factory=dict)  # lower-case Windows path -> Folder
    files: dict = field(default_factory=dict)  # lower-case Windows path -> bytes
    component_store: ComponentStore = field(default_factory=ComponentStore)
    cbs_log: list = field(default_factory=list)  # lines of %windir%\Logs\CBS\CBS.log
    events: list = field(default_factory=list)  # EventRecord
    update_history: list = field(default_factory=list)  # UpdateHistoryEntry
    installed_kbs: list = field(default_factory=list)  # "KB5043080", ...
    pending_reboot: PendingReboot = field(default_factory=PendingReboot)
    disk: Disk = field(default_factory=Disk)
    insider: Insider = field(default_factory=Insider)
    antivirus: list = field(default_factory=list)  # Antivirus
    defender_enabled: bool = True
    # Machine WinHTTP proxy: the bytes of the registry value WinHttpSettings (see
    # tests/winsim/scripts/wu_reset_apply.py), None when no proxy is set.
    winhttp_proxy: bytes | None = None
    boot_time: datetime.datetime = field(
        default_factory=lambda: datetime.datetime(2026, 11, 1, 8, 0, 0, tzinfo=datetime.timezone.utc))
    down_until: float = 0.0  # real monotonic time until which the host does not answer (reboot)
    faults: Faults = field(default_factory=Faults)
    # Windows Setup (in-place repair install), see tests/winsim/detached/setup_exe.py.
    # Scenario knobs: compat_block ("" | "app" | "requirements"), blocking_app (its name),
    # install_date (ISO 8601). The setup.exe model keeps its run state under "_state".
    setup: dict = field(default_factory=dict)
    # What the scenario says should fix this host's update, for tests to compare with.
    expected: dict = field(default_factory=dict)
    # Root causes that keep updates from installing, one dict each (their table,
    # evidence and cures: tests/winsim/causes.py); win_updates and the other
    # update-installing models ask causes.try_install().
    update_blockers: list = field(default_factory=list)
    # The update a scenario is about ("KB5043080") and what Windows Update offers
    # this host (dicts made by causes.offer(); the win_updates model searches them).
    target_kb: str = ""
    available_updates: list = field(default_factory=list)
    # Test knob: {"KB5048667": -2146498530} forces DISM /Add-Package's exit code
    # for that KB (tests/winsim/detached/dism_packages.py).
    kb_install_exit: dict = field(default_factory=dict)
    # State the models keep while the fleet runs (not scenario keys, RUNTIME):
    # detached runs by run folder key (tests/winsim/detached/__init__.py),
    # mounted ISOs: image key -> drive letter (scripts/iso_mount.py),
    # system restore points (scripts/wu_restore_point.py) and whether Defender's
    # real-time protection is paused (scripts/wu_defender_rtp.py).
    detached_runs: dict = field(default_factory=dict, metadata=RUNTIME)
    mounted_images: dict = field(default_factory=dict, metadata=RUNTIME)
    restore_points: list = field(default_factory=list, metadata=RUNTIME)
    defender_rtp_paused: bool = field(default=False, metadata=RUNTIME)
    # What the file system knows of a file besides its bytes, where a model needs it
    # (scripts/wu_journal_lock.py): key -> {"written": datetime (UTC), "owner": SID,
    # "readable": bool}. A file without an entry was written by the collection; its
    # time is unknown to the model.
    file_meta: dict = field(default_factory=dict, metadata=RUNTIME)
    records: list = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def record(self, kind, name, args, check_mode, modelled_seconds, outcome, real_time=0.0):
        with self.lock:
            rec = Record(len(self.records) + 1, kind, name, args, check_mode,
                         modelled_seconds, outcome, real_time)
            self.records.append(rec)
            return rec


class Clock:
    """The fleet's modelled clock: `scale` modelled seconds pass per real second."""

    def __init__(self, scale: float = 600.0,
                 start: datetime.datetime = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)):
        self.scale = scale
        self._start = start
        self._real0 = time.monotonic()

    def now(self) -> datetime.datetime:
        return self._start + datetime.timedelta(seconds=(time.monotonic() - self._real0) * self.scale)

    def real_seconds(self, modelled_seconds: float) -> float:
        return modelled_seconds / self.scale


class SteppingClock(Clock):
    """For tests that run models in-process: modelled time moves only by advance()."""

    def __init__(self, start: datetime.datetime = datetime.datetime(2026, 11, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)):
        super().__init__(600.0, start)
        self.t = start

    def now(self) -> datetime.datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += datetime.timedelta(seconds=seconds)


@dataclass
class RunContext:
    """What a module, script or raw-command model gets besides the host and its arguments."""
    host: HostModel
    clock: Clock
    check_mode: bool
    step: str  # the name faults are keyed by: module name, script name or raw command name
    modelled_seconds: float = 0.0
    # What the host's record says ran (dispatch fills these; a model that runs
    # something under its own name, e.g. win_powershell running a collection
    # script, calls record() to say so).
    kind: str = "module"  # module | script | raw
    args: dict = field(default_factory=dict)  # recorded arguments, no _ansible_* keys
    fault_hook: Optional[object] = field(default=None, repr=False)  # callable(step): raises ProtocolFault
    # The server's handle on this host (server.HostServer): schedule_shutdown(),
    # abort_shutdown(), shutdown_pending(); None when a model runs outside a fleet.
    hooks: Optional[object] = field(default=None, repr=False)

    def record(self, kind: str, name: str, args: Optional[dict] = None) -> None:
        """Declare what this request is recorded as; the faults listed for
        `name` fire here (a ProtocolFault is raised for the server)."""
        self.kind = kind
        self.step = name
        if args is not None:
            self.args = {k: v for k, v in args.items() if not str(k).startswith("_ansible_")}
        if self.fault_hook is not None:
            self.fault_hook(name)

    def spend(self, seconds: float) -> None:
        """Add modelled time this request took on the host."""
        self.modelled_seconds += seconds
