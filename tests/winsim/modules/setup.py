# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible.windows.setup (plugins/modules/setup.ps1 of ansible.windows 3.3.0).

Facts are built from the HostModel; names, subsets (min, network, hardware,
external, all, `!name` exclusions) and value formats follow setup.ps1's
$factMeta / $groupedSubsets. The modelled clock gives date_time and uptime.
The local time zone of every simulated host is UTC.
"""
from __future__ import annotations

import datetime
import hashlib

SUPPORTS_CHECK_MODE = True

# setup.ps1 $groupedSubsets ('all' is the union).
GROUPS = {
    "min": ["date_time", "distribution", "dns", "env", "local", "platform", "powershell_version", "user"],
    "network": ["all_ipv4_addresses", "all_ipv6_addresses", "interfaces", "windows_domain", "winrm"],
    "hardware": ["bios", "memory", "processor", "uptime", "virtual"],
    "external": ["facter"],
}
ALL = sorted({s for v in GROUPS.values() for s in v})


def select_subsets(gather_subset) -> tuple[set, list]:
    """setup.ps1: start from all, remove exclusions, add explicit names."""
    if isinstance(gather_subset, str):
        gather_subset = [s.strip() for s in gather_subset.split(",")]
    groups = dict(GROUPS, all=ALL)
    actual, explicit, exclude, warnings = set(ALL), set(), set(), []
    for item in gather_subset or ["all"]:
        if item.startswith("!"):
            item = item[1:]
            if item == "all":
                exclude |= set(ALL) - set(GROUPS["min"])
            elif item in groups:
                exclude |= set(groups[item])
            elif item in ALL:
                exclude.add(item)
        elif item in groups:
            explicit |= set(groups[item])
        elif item in ALL:
            explicit.add(item)
        else:
            warnings.append("invalid value %s specified in gather_subset" % item)
    return (actual - exclude) | explicit, warnings


def _version(host) -> str:
    # [Environment]::OSVersion.Version on Windows PowerShell 5.1: Major.Minor.Build.0
    major, minor = host.os.version.split(".")[:2]
    return "%s.%s.%d.0" % (major, minor, host.os.build)


def _u(dt: datetime.datetime) -> str:
    # .NET 'u' format: yyyy-MM-dd HH:mm:ssZ
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _machine_sid(host) -> str:
    h = hashlib.sha256(host.name.encode()).digest()
    parts = [int.from_bytes(h[i:i + 4], "little") for i in (0, 4, 8)]
    return "S-1-5-21-%d-%d-%d" % tuple(parts)


def _is_domain(host) -> bool:
    return "." in host.os.domain


def facts(host, now: datetime.datetime, subsets: set, fact_path=None) -> dict:
    os_ = host.os
    f: dict = {}
    user_dir = "C:\\Users\\%s" % host.username
    if {"all_ipv4_addresses", "all_ipv6_addresses"} & subsets:
        f["ansible_ip_addresses"] = [host.address]
    if "bios" in subsets:
        # A Hyper-V generation 2 guest (Win32_BIOS / Win32_ComputerSystem values).
        f.update(ansible_bios_date="11/03/2025", ansible_bios_version="Hyper-V UEFI Release v4.1",
                 ansible_product_name="Virtual Machine",
                 ansible_product_serial="0000-0000-0000-0000-0000-0000-00",
                 ansible_product_uuid=hashlib.md5(host.name.encode()).hexdigest().upper())
    if "date_time" in subsets:
        epoch = int(now.timestamp())
        f["ansible_date_time"] = {
            "date": now.strftime("%Y-%m-%d"), "day": now.strftime("%d"),
            "epoch": str(epoch), "epoch_local": str(epoch), "epoch_int": epoch,
            "hour": now.strftime("%H"), "iso8601": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "iso8601_basic": now.strftime("%Y%m%dT%H%M%S%f"),
            "iso8601_basic_short": now.strftime("%Y%m%dT%H%M%S"),
            "iso8601_micro": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "minute": now.strftime("%M"), "month": now.strftime("%m"), "second": now.strftime("%S"),
            "time": now.strftime("%H:%M:%S"), "tz": "UTC", "tz_offset": "+00:00",
            "weekday": now.strftime("%A"), "weekday_number": now.strftime("%w"),
            "weeknumber": now.strftime("%W"), "year": now.strftime("%Y"),
        }
    if "distribution" in subsets:
        # OSVERSIONINFOEX.wProductType: 1 workstation, 2 domain controller, 3 server;
        # InstallationType (HKLM\...\CurrentVersion) is "Client" on client SKUs, "Server" on Server.
        caption = "Microsoft " + os_.product_name
        f.update(ansible_distribution=caption, ansible_distribution_version=_version(host),
                 ansible_distribution_major_version=_version(host).split(".")[0],
                 ansible_os_family="Windows", ansible_os_name=caption,
                 ansible_os_product_type=os_.product_type,
                 ansible_os_installation_type="Client" if os_.product_type == "workstation" else "Server",
                 ansible_os_install_date="2025-01-15T10:00:00Z")
    if "env" in subsets:
        # Environment of a WinRM (network logon) session; setup.ps1 trims trailing '\'.
        arch = {"x64": "AMD64", "arm64": "ARM64", "x86": "x86"}.get(os_.architecture, "AMD64")
        f["ansible_env"] = {
            "ALLUSERSPROFILE": "C:\\ProgramData", "APPDATA": user_dir + "\\AppData\\Roaming",
            "COMPUTERNAME": os_.hostname.upper(), "ComSpec": "C:\\Windows\\system32\\cmd.exe",
            "LOCALAPPDATA": user_dir + "\\AppData\\Local", "NUMBER_OF_PROCESSORS": "4", "OS": "Windows_NT",
            "PATH": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0;C:\\Windows\\System32\\OpenSSH;"
                    + user_dir + "\\AppData\\Local\\Microsoft\\WindowsApps",
            "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC;.CPL",
            "PROCESSOR_ARCHITECTURE": arch, "ProgramData": "C:\\ProgramData",
            "ProgramFiles": "C:\\Program Files", "ProgramFiles(x86)": "C:\\Program Files (x86)",
            "ProgramW6432": "C:\\Program Files", "PUBLIC": "C:\\Users\\Public",
            "PSModulePath": user_dir + "\\Documents\\WindowsPowerShell\\Modules;C:\\Program Files\\WindowsPowerShell\\Modules;"
                            "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules",
            "SystemDrive": host.disk.system_drive, "SystemRoot": "C:\\Windows",
            "TEMP": user_dir + "\\AppData\\Local\\Temp", "TMP": user_dir + "\\AppData\\Local\\Temp",
            "USERDOMAIN": os_.hostname.upper(), "USERNAME": host.username, "USERPROFILE": user_dir,
            "windir": "C:\\Windows",
        }
    if "interfaces" in subsets:
        f["ansible_interfaces"] = [{
            "connection_name": "Ethernet", "default_gateway": None,
            "dns_domain": os_.domain if _is_domain(host) else None,
            "interface_index": 4, "interface_name": "Microsoft Hyper-V Network Adapter",
            "ipv4": {"address": host.address, "prefix": "8"}, "ipv6": None,
            "macaddress": "00:15:5D:%02X:%02X:%02X" % tuple(hashlib.md5(host.name.encode()).digest()[:3]),
            "mtu": 1500, "speed": 10000,
        }]
    if "local" in subsets and fact_path:
        pass  # no fact files on simulated hosts
    if "memory" in subsets:
        f.update(ansible_memtotal_mb=8192, ansible_memfree_mb=4096, ansible_swaptotal_mb=0,
                 ansible_pagefiletotal_mb=1280, ansible_pagefilefree_mb=1200)
    if "platform" in subsets:
        fqdn = "%s.%s" % (os_.hostname, os_.domain) if _is_domain(host) else os_.hostname
        pr = host.pending_reboot
        f.update(
            ansible_domain=os_.domain if _is_domain(host) else "",
            ansible_fqdn=fqdn, ansible_hostname=os_.hostname, ansible_netbios_name=os_.hostname.upper()[:15],
            ansible_kernel=_version(host), ansible_nodename=fqdn, ansible_machine_id=_machine_sid(host),
            ansible_owner_name="", ansible_owner_contact="",
            ansible_system="Win32NT",  # [Environment]::OSVersion.Platform
            ansible_system_description="", ansible_system_vendor="Microsoft Corporation",
            # setup.ps1 reboot_pending: PendingFileRenameOperations, CBS RebootPending
            # key or ServerManager RestartRequired -- not the Windows Update flag.
            ansible_reboot_pending=bool(pr.pending_file_rename or pr.cbs_reboot_pending),
            # Win32_OperatingSystem.OSArchitecture
            ansible_architecture={"x64": "64-bit", "arm64": "ARM 64-bit Processor", "x86": "32-bit"}.get(
                os_.architecture, "64-bit"),
            ansible_architecture2={"x64": "x86_64", "arm64": "arm64", "x86": "i386"}.get(os_.architecture, "unknown"),
        )
    if "powershell_version" in subsets:
        f["ansible_powershell_version"] = 5  # Windows PowerShell 5.1 ships with every supported Windows
    if "processor" in subsets:
        model = "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz"
        f.update(ansible_processor=["0", "GenuineIntel", model, "1", "GenuineIntel", model],
                 ansible_processor_count=1, ansible_processor_vcpus=4, ansible_processor_cores=2,
                 ansible_processor_threads_per_core=2)
    if "uptime" in subsets:
        f["ansible_lastboot"] = _u(host.boot_time)
        f["ansible_uptime_seconds"] = max(0, round((now - host.boot_time).total_seconds()))
    if "user" in subsets:
        f.update(ansible_user_dir=user_dir, ansible_user_gecos="", ansible_user_id=host.username,
                 ansible_user_sid=_machine_sid(host) + "-500")
    if "windows_domain" in subsets:
        # Win32_ComputerSystem.DomainRole names as setup.ps1 maps them.
        if os_.product_type == "domain_controller":
            role = "Primary domain controller"
        elif _is_domain(host):
            role = "Member workstation" if os_.product_type == "workstation" else "Member server"
        else:
            role = "Stand-alone workstation" if os_.product_type == "workstation" else "Stand-alone server"
        f.update(ansible_windows_domain=os_.domain, ansible_windows_domain_member=_is_domain(host),
                 ansible_windows_domain_role=role)
    if "virtual" in subsets:
        f.update(ansible_virtualization_role="guest", ansible_virtualization_type="Hyper-V")
    return f


def run(host, args, ctx):
    subset = args.get("gather_subset") or ["all"]
    if isinstance(subset, str):
        # Ansible.Basic type=list splits a comma separated string.
        subset = [s.strip() for s in subset.split(",") if s.strip()]
    subsets, warnings = select_subsets(subset)
    out = {"gather_subset": subset, "module_setup": True}
    out.update(facts(host, ctx.clock.now(), subsets, args.get("fact_path")))
    ctx.spend(2.0)  # a full gather takes a couple of seconds on a real host
    result = {"changed": False, "ansible_facts": out}
    if warnings:
        result["warnings"] = warnings
    return result
