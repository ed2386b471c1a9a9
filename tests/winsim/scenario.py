# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenario (YAML file or dict) -> FleetSpec with HostModels.

    fleet:                 # optional fleet settings
      time_scale: 600      # modelled seconds per real second
      base_address: 127.0.10.1
      port: 5985           # 0 = any free port per host
      reboot_downtime: 120 # modelled seconds
      hang_limit: 120      # real seconds a never-finishing command times out before failing
    defaults:              # merged into every host (same keys as a host)
      password: Passw0rd!
    count: 5               # either count + name ...
    name: "win{n:02d}"     #   ({n} counts from 1)
    hosts:                 # ... or/and a list of hosts with overrides
      - name: win01
        groups: [affected]
        os: {build: 19045, display_version: 22H2}
        locale: it-IT      # display language (en-US default; winsim/locales.py lists the modelled ones)
        services: {wuauserv: {state: stopped}}
        faults: {http500_on: [win_ping]}

With both `count` and `hosts`, the list overrides the generated hosts by
name (or adds hosts). Any HostModel field can be set; nested dataclasses
(os, disk, insider, component_store, pending_reboot, faults) merge key by
key, services merge by service name, lists of records (antivirus,
update_history, events) are given as lists of dicts, folders as a dict of
path -> dict, files as path -> text. Unknown keys are errors. Addresses are
given out in order from base_address (last octet 1..254, then the next /24).
"""
from __future__ import annotations

import copy
import dataclasses
import datetime
import ipaddress
from dataclasses import dataclass, field
from typing import Optional, Union

from . import causes, locales, winpath
from .model import (Antivirus, ComponentStore, Disk, EventRecord, Faults, Folder, HostModel, Insider,
                    OSInfo, PendingReboot, Service, UpdateHistoryEntry)

_NESTED = {"os": OSInfo, "disk": Disk, "insider": Insider, "component_store": ComponentStore,
           "pending_reboot": PendingReboot, "faults": Faults}
_LISTS = {"antivirus": Antivirus, "update_history": UpdateHistoryEntry, "events": EventRecord}
_HOST_EXTRA = {"groups", "vars", "root_cause", "root_causes", "install_media"}  # scenario keys that are not HostModel fields


class ScenarioError(ValueError):
    pass


@dataclass
class FleetSpec:
    hosts: list  # HostModel
    time_scale: float = 600.0
    port: int = 5985
    reboot_downtime: float = 120.0
    hang_limit: float = 120.0  # real seconds a command that never finishes keeps timing out
    real_scripts: bool = False  # the collection's scripts run for real in pwsh (winsim/real_scripts.py)
    groups: dict = field(default_factory=dict)  # group -> [host names]
    host_vars: dict = field(default_factory=dict)  # host -> extra inventory vars
    name: str = "winsim"


def _dataclass_from(cls, data: dict, where: str, base=None):
    obj = copy.deepcopy(base) if base is not None else None
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ScenarioError("%s: unknown keys %s (known: %s)" % (where, sorted(unknown), sorted(names)))
    if obj is None:
        return cls(**data)
    for k, v in data.items():
        setattr(obj, k, v)
    return obj


def _parse_time(value, where: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError("%s: not an ISO 8601 time: %r" % (where, value))
    else:
        raise ScenarioError("%s: not a time: %r" % (where, value))
    return dt if dt.tzinfo else dt.replace(tzinfo=datetime.timezone.utc)


def apply_overrides(host: HostModel, data: dict, where: str) -> None:
    fields = {f.name for f in dataclasses.fields(HostModel) if not f.metadata.get("runtime")} - {
        "lock", "records", "name", "address"}
    for key, value in data.items():
        if key in _HOST_EXTRA or key in ("name", "address"):
            continue
        if key not in fields:
            raise ScenarioError("%s: unknown host key %r" % (where, key))
        w = "%s.%s" % (where, key)
        if key in _NESTED:
            if not isinstance(value, dict):
                raise ScenarioError("%s: expected a mapping" % w)
            setattr(host, key, _dataclass_from(_NESTED[key], value, w, getattr(host, key)))
        elif key == "services":
            if not isinstance(value, dict):
                raise ScenarioError("%s: expected a mapping of service name -> settings" % w)
            for svc_name, svc in value.items():
                svc = dict(svc or {})
                existing = host.services.get(svc_name.lower())
                if existing is None:
                    svc.setdefault("display_name", svc_name)
                    host.services[svc_name.lower()] = _dataclass_from(
                        Service, dict(svc, name=svc_name.lower()), "%s.%s" % (w, svc_name))
                else:
                    host.services[svc_name.lower()] = _dataclass_from(Service, svc, "%s.%s" % (w, svc_name), existing)
        elif key in _LISTS:
            if not isinstance(value, list):
                raise ScenarioError("%s: expected a list" % w)
            setattr(host, key, [v if not isinstance(v, dict) else _dataclass_from(_LISTS[key], v, "%s[%d]" % (w, i))
                                for i, v in enumerate(value)])
        elif key == "folders":
            host.folders = {p.lower(): _dataclass_from(Folder, dict({"path": p}, **(f or {})), "%s.%s" % (w, p))
                            for p, f in value.items()}
        elif key == "files":
            host.files = {p.replace("/", "\\").lower(): (c.encode("utf-8") if isinstance(c, str) else c)
                          for p, c in value.items()}
        elif key == "boot_time":
            host.boot_time = _parse_time(value, w)
        elif key == "locale":
            if value not in locales.LOCALES:
                raise ScenarioError("%s: locale %r is not modelled (modelled: %s)"
                                    % (w, value, ", ".join(sorted(locales.LOCALES))))
            host.locale = value
        else:
            setattr(host, key, copy.deepcopy(value))


def _place_install_media(host: HostModel, media: dict, where: str) -> None:
    """install_media: [{path: C:\\iso\\Win11.iso, build: 26100, ubr: 1742, architecture: x64}]
    puts a simulated Windows ISO (setup.exe + install.wim) at PATH on the host."""
    from .detached import setup_exe  # the media format belongs to the setup.exe model
    if not isinstance(media, dict) or "path" not in media:
        raise ScenarioError("%s: install_media entries need a path" % where)
    options = {k: media[k] for k in ("build", "ubr", "architecture") if k in media}
    unknown = set(media) - {"path", "build", "ubr", "architecture"}
    if unknown:
        raise ScenarioError("%s: unknown install_media keys %s" % (where, sorted(unknown)))
    host.files[winpath.key(media["path"])] = setup_exe.make_media(**options)


def _merge(a: dict, b: dict) -> dict:
    """b over a, mappings merged recursively (defaults + host overrides)."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def address_at(base: str, index: int) -> str:
    """The index-th address from base, last octet 1..254, wrapping into the next /24."""
    ip = ipaddress.ip_address(base)
    if ip not in ipaddress.ip_network("127.0.0.0/8"):
        raise ScenarioError("base_address %s is not loopback (127.0.0.0/8)" % base)
    b = int(ip)
    net, last = b & ~0xFF, b & 0xFF
    if not 1 <= last <= 254:
        raise ScenarioError("base_address %s must end in 1..254" % base)
    pos = (last - 1) + index
    addr = ipaddress.ip_address(net + (pos // 254) * 256 + (pos % 254) + 1)
    if addr not in ipaddress.ip_network("127.0.0.0/8"):
        raise ScenarioError("too many hosts for base_address %s" % base)
    return str(addr)


def load(source: Union[str, dict], overrides: Optional[dict] = None) -> FleetSpec:
    """A scenario from a YAML path or a dict; `overrides` replaces fleet settings."""
    default_name = "winsim"
    if isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        default_name = str(source).replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        import yaml
        with open(source, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a mapping")
    known = {"fleet", "defaults", "count", "name", "hosts", "groups", "description"}
    unknown = set(data) - known
    if unknown:
        raise ScenarioError("unknown scenario keys %s (known: %s)" % (sorted(unknown), sorted(known)))
    fleet = dict(data.get("fleet") or {})
    fleet.update(overrides or {})
    fknown = {"time_scale", "base_address", "port", "reboot_downtime", "hang_limit", "name", "real_scripts"}
    if set(fleet) - fknown:
        raise ScenarioError("unknown fleet keys %s (known: %s)" % (sorted(set(fleet) - fknown), sorted(fknown)))
    defaults = data.get("defaults") or {}
    pattern = data.get("name", "win{n:02d}")
    entries: list = []
    for i in range(int(data.get("count") or 0)):
        entries.append({"name": pattern.format(n=i + 1, i=i)})
    for h in data.get("hosts") or []:
        if isinstance(h, str):
            h = {"name": h}
        if "name" not in h:
            raise ScenarioError("host without name: %r" % h)
        for e in entries:
            if e["name"] == h["name"]:
                e.update(_merge(e, h))
                break
        else:
            entries.append(dict(h))
    if not entries:
        raise ScenarioError("scenario has no hosts (give count or hosts)")
    names = [e["name"] for e in entries]
    if len(set(names)) != len(names):
        raise ScenarioError("duplicate host names")
    port = int(fleet.get("port", 5985))
    base = fleet.get("base_address", "127.0.10.1")
    spec = FleetSpec(hosts=[], time_scale=float(fleet.get("time_scale", 600.0)), port=port,
                     reboot_downtime=float(fleet.get("reboot_downtime", 120.0)),
                     hang_limit=float(fleet.get("hang_limit", 120.0)),
                     real_scripts=bool(fleet.get("real_scripts", False)),
                     name=str(fleet.get("name", default_name)))
    for idx, entry in enumerate(entries):
        merged = _merge(defaults, entry)
        name = merged["name"]
        address = merged.get("address") or address_at(base, idx)
        if ipaddress.ip_address(address) not in ipaddress.ip_network("127.0.0.0/8"):
            raise ScenarioError("host %s: address %s is not loopback" % (name, address))
        host = HostModel(name=name, address=address, port=port)
        host.os.hostname = name.upper()[:15]  # NetBIOS names are at most 15 characters
        apply_overrides(host, merged, "host %s" % name)
        # Root causes seed their evidence on top of the explicit overrides
        # (tests/winsim/scenario_causes.md).
        causes.apply_scenario_causes(host, merged)
        for media in merged.get("install_media") or []:
            _place_install_media(host, media, "host %s" % name)
        spec.hosts.append(host)
        for g in merged.get("groups") or []:
            spec.groups.setdefault(g, []).append(name)
        if merged.get("vars"):
            spec.host_vars[name] = dict(merged["vars"])
    for g, members in (data.get("groups") or {}).items():
        for m in members:
            if m not in names:
                raise ScenarioError("group %s names unknown host %s" % (g, m))
            spec.groups.setdefault(g, [])
            if m not in spec.groups[g]:
                spec.groups[g].append(m)
    return spec
