# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The repair ladder policy: which rungs exist, in which order, and where each cause starts.

A broken Windows Update is repaired by climbing a ladder of ever more costly
and more invasive rungs, stopping at the first rung after which the update
installs. This module only holds the policy, as data and pure functions, so
the diagnose module (win_wu_diagnose) and the ladder driver role share it:

- ``RUNGS``: the rungs, cheapest and safest first.
- ``DEFAULT_CAUSE_MAP``: for each diagnosed cause, the rung(s) to start at and why.
- ``recommended_rungs(causes, cause_map=None, enabled_rungs=None)``: the rungs
  the causes call for, in climbing order, each with its reasons.
- ``LAST_RESORTS``: what is left when the ladder is exhausted; each needs a person.
- ``next_rung(current, enabled_rungs=None)``: the rung above ``current``, for a driver.

A cause is a dict ``{"name": str, "confidence": "low"|"medium"|"high", "evidence": [str, ...]}``
as plugin_utils/_ladder/diagnosis.py produces it. Causes this module does not know are
reported under the rung ``manual`` (a person has to look) rather than ignored.
"""
from __future__ import annotations

# The rungs, in climbing order. Each later rung costs more time, changes more
# of the host, or needs a person; a driver climbs from the lowest recommended
# rung and stops as soon as the update installs.
RUNGS = ("preflight", "sfc_dism", "reset", "catalog_install", "inplace_upgrade", "manual")

RUNG_INFO = {
    "preflight": {
        "summary": "Checks and cheap fixes before any repair: restart to finish pending servicing, "
                   "free space on the system drive, put the update services' start types back, "
                   "record the host's state.",
        "needs_person": False,
        "changes_host": True,
    },
    "sfc_dism": {
        "summary": "Repair the component store and the system files: "
                   "DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow.",
        "needs_person": False,
        "changes_host": True,
    },
    "reset": {
        "summary": "Reset the Windows Update components: stop the update services, rename "
                   "SoftwareDistribution and catroot2 (kept as backups), clear the BITS queue, "
                   "start the services.",
        "needs_person": False,
        "changes_host": True,
    },
    "catalog_install": {
        "summary": "Download the update (and its checkpoint updates) from the Microsoft Update "
                   "Catalog and install it offline with DISM /Online /Add-Package.",
        "needs_person": False,
        "changes_host": True,
    },
    "inplace_upgrade": {
        "summary": "Repair install: setup.exe /auto upgrade from media of the same edition, "
                   "architecture and language; keeps applications, settings and files.",
        "needs_person": False,
        "changes_host": True,
    },
    "manual": {
        "summary": "Stop and hand over to a person: the next step needs a decision or hands "
                   "on the machine (see last_resorts).",
        "needs_person": True,
        "changes_host": False,
    },
}

# What is left when every rung failed. None of these is automated: each loses
# something (applications, settings, time) and needs someone to decide.
LAST_RESORTS = (
    {
        "name": "reset_this_pc_keep_files",
        "summary": "Settings > System > Recovery > Reset this PC, 'Keep my files': reinstalls Windows, "
                   "keeps user files, removes applications and settings.",
        "needs_person": True,
    },
    {
        "name": "clean_install",
        "summary": "Back up, then install Windows from current media and restore data and applications.",
        "needs_person": True,
    },
    {
        "name": "wait_next_cumulative",
        "summary": "Leave the failing update and install the next monthly cumulative update, which "
                   "supersedes it (possible when the failure is the update's own fault).",
        "needs_person": True,
    },
)

# A host whose disk reports errors gets no repair: what is left is the disk itself.
DISK_LAST_RESORTS = (
    {
        "name": "back_up_and_replace_disk",
        "summary": "Back up the host's data now, then replace the disk (or move Windows to a sound disk) and "
                   "restore or reinstall; no repair runs on a disk that reports errors, and a reinstall on it "
                   "would fail the same way.",
        "needs_person": True,
    },
)

# Cause -> where to start. "rungs" are alternatives in order of preference: the
# first enabled one is recommended, the others are named as fallbacks.
# "blocking" causes must be dealt with before any other rung runs (their rung
# is listed first). Rule of the ladder: the cheapest rung that can fix the
# cause, and never a rung that makes a bad situation worse.
DEFAULT_CAUSE_MAP = {
    "pending_reboot": {
        "rungs": ("preflight",),
        "blocking": False,
        "why": "restart the host first: servicing is waiting for a reboot and blocks further installs",
    },
    "low_disk": {
        "rungs": ("preflight",),
        "blocking": False,
        "why": "free space on the system drive first (old SoftwareDistribution/catroot2 backups, "
               "Disk Cleanup); servicing and every later rung need room",
    },
    "wu_services_disabled": {
        "rungs": ("preflight",),
        "blocking": False,
        "why": "set the Windows Update services back to their default start types",
    },
    "corrupt_system_files": {
        "rungs": ("sfc_dism",),
        "blocking": False,
        "why": "repair the system files with DISM /RestoreHealth then sfc /scannow",
    },
    "corrupt_component_store": {
        "rungs": ("sfc_dism",),
        "blocking": False,
        "why": "repair the component store with DISM /RestoreHealth (with a matching /Source if needed)",
        # The install fails in the store, not in the protected files sfc checks:
        # DISM /RestoreHealth is the repair (KB 947821's table sends the store
        # codes to DISM), so sfc /scannow is left out unless another cause asks
        # for it (remediation.plan's "sfc").
        "sfc": False,
    },
    "corrupt_download_cache": {
        "rungs": ("reset",),
        "blocking": False,
        "why": "rename SoftwareDistribution so Windows Update downloads the update again",
    },
    "inconsistent_catroot2": {
        "rungs": ("reset",),
        "blocking": False,
        "why": "rename catroot2 so the Cryptographic service rebuilds its catalog database",
    },
    "insider_build_conflict": {
        "rungs": ("catalog_install", "manual"),
        "blocking": False,
        "why": "an Insider build is ahead of or apart from the release channel: install the "
               "superseding update from the catalog, or leave the Insider programme (a person "
               "decides; leaving does not roll the build back)",
    },
    "third_party_filter_driver": {
        "rungs": ("manual",),
        "blocking": False,
        "why": "a third-party antivirus filter driver can block servicing: a person pauses or "
               "uninstalls it with the vendor's tool for the update, then the ladder is climbed again",
        # The filter breaks every install, whatever installs: DISM /Add-Package
        # fails with CBS_E_INSTALLERS_FAILED and setup.exe rolls back with
        # 0xC1900101-0x30018 ("uninstall antivirus", Microsoft Learn "Windows
        # upgrade error codes"). Repairs that install nothing still run.
        "futile": ("catalog_install", "inplace_upgrade"),
    },
    "forward_delta_hydration": {
        "rungs": ("inplace_upgrade",),
        "blocking": False,
        "why": "0x80070306 with 'Hydration failed ... Forward Delta' in CBS.log: the cumulative "
               "update cannot rebuild files from deltas; only a repair install fixes it",
        # DISM /Add-Package of the same cumulative update hydrates the same
        # forward deltas and fails the same way.
        "futile": ("catalog_install",),
    },
    "storage_fault": {
        "rungs": ("manual",),
        "blocking": True,
        "why": "the disk reports errors: back up first and check or replace the disk before any "
               "repair writes to it",
    },
    "unknown_update_failure": {
        "rungs": ("sfc_dism",),
        "blocking": False,
        "why": "updates fail without a known signature: climb the ladder from the first repair rung",
    },
}

CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}

# Rough minutes of each rung's own work, used only to order hosts for forks (the host with the longest
# expected path first), never to time anything. Assumptions, except the repair install: Microsoft measured
# 30 to 82 minutes offline for a feature update ("We're listening to you", Windows Insider blog, March
# 2018), plus the compatibility scan and the down-level phase before it. DISM /RestoreHealth and sfc
# /scannow take "several minutes" each (Microsoft Learn, KB 947821). INSTALL_MINUTES: the install that
# verifies a rung (the catalog rung's own install is that install).
RUNG_MINUTES = {"preflight": 1, "sfc_dism": 35, "reset": 1, "catalog_install": 30, "inplace_upgrade": 95,
                "manual": 0}
INSTALL_MINUTES = 28


def expected_minutes(rungs, try_install_first=False, stop_for_person=False):
    """Rough minutes of a climb of RUNGS (in order) that ends at its first repair rung (or the pre-flight
    alone, which cures a pending restart or a full disk), with the install that verifies it;
    TRY_INSTALL_FIRST: the plain install comes first and is expected to work; STOP_FOR_PERSON: the climb
    ends with a person, not with an install."""
    if try_install_first:
        return INSTALL_MINUTES
    total = 0
    for rung in rungs or ():
        total += RUNG_MINUTES.get(rung, 0)
        if rung != "preflight":
            return total + (INSTALL_MINUTES if rung in ("sfc_dism", "reset", "inplace_upgrade") else 0)
    return total + (0 if stop_for_person else INSTALL_MINUTES)


def rung_index(rung):
    """Position of RUNG on the ladder (0 = cheapest); ValueError for an unknown rung."""
    try:
        return RUNGS.index(rung)
    except ValueError:
        raise ValueError("unknown rung %r (known: %s)" % (rung, ", ".join(RUNGS)))


def _enabled(enabled_rungs):
    """The set of usable rungs. 'manual' is always usable: stopping for a person cannot be disabled."""
    if enabled_rungs is None:
        return set(RUNGS)
    chosen = set()
    for rung in enabled_rungs:
        rung_index(rung)  # refuse typos early
        chosen.add(rung)
    chosen.add("manual")
    return chosen


def next_rung(current, enabled_rungs=None):
    """The first enabled rung above CURRENT, or None at the top of the ladder.

    current=None gives the lowest enabled rung.
    """
    enabled = _enabled(enabled_rungs)
    start = 0 if current is None else rung_index(current) + 1
    for rung in RUNGS[start:]:
        if rung in enabled:
            return rung
    return None


def _route(cause_name, cause_map, enabled):
    """(rung, fallbacks, why, blocking, note) for one cause under the map and the enabled rungs."""
    entry = cause_map.get(cause_name)
    if entry is None:
        return ("manual", (), "no rung is known for this cause: a person has to look", False, None)
    wanted = tuple(entry.get("rungs") or ("manual",))
    for rung in wanted:
        rung_index(rung)
    usable = [rung for rung in wanted if rung in enabled]
    note = None
    if usable:
        chosen = usable[0]
        if chosen != wanted[0]:
            note = "%s is disabled" % wanted[0]
    else:
        # Every rung the map names is disabled: climb to the next enabled rung
        # above the preferred one (a costlier rung may still fix it).
        chosen = next_rung(wanted[0], enabled) or "manual"
        note = "%s is disabled" % ", ".join(wanted)
    fallbacks = tuple(rung for rung in usable[1:])
    return (chosen, fallbacks, entry.get("why", ""), bool(entry.get("blocking")), note)


def _sort_causes(causes):
    # Strongest evidence first; ties keep the diagnosis order.
    return sorted(causes, key=lambda c: -CONFIDENCE_RANK.get(c.get("confidence"), 0))


def recommended_rungs(causes, cause_map=None, enabled_rungs=None):
    """The rungs CAUSES call for, in the order a driver should take them.

    causes: list of {"name", "confidence", "evidence"} (diagnosis.diagnose()).
    cause_map: overrides merged over DEFAULT_CAUSE_MAP ({cause: {"rungs": (...),
        "blocking": bool, "why": str, "sfc": bool, "futile": (...)}}), e.g. to send a cause
        elsewhere; "sfc" (default true) false: the sfc_dism rung needs no sfc /scannow for it;
        "futile": rungs that cannot help while the cause is there (the driver leaves them out).
    enabled_rungs: the rungs a driver may use (default: all). A cause whose rungs
        are all disabled moves up to the next enabled rung; 'manual' is always enabled.

    Returns a list of dicts, each
      {"rung", "summary", "needs_person", "blocking", "causes": [names],
       "reasons": [{"cause", "confidence", "why", "fallbacks": [rungs], "note"}]}
    ordered: blocking rungs first, then by position on the ladder. 'preflight'
    (when enabled) leads any non-empty list: its checks are cheap and every
    later rung relies on them. No causes -> [].
    """
    causes = list(causes or [])
    if not causes:
        return []
    merged = dict(DEFAULT_CAUSE_MAP)
    merged.update(cause_map or {})
    enabled = _enabled(enabled_rungs)

    by_rung = {}
    for cause in _sort_causes(causes):
        name = cause.get("name")
        rung, fallbacks, why, blocking, note = _route(name, merged, enabled)
        slot = by_rung.setdefault(rung, {"blocking": False, "reasons": []})
        slot["blocking"] = slot["blocking"] or blocking
        slot["reasons"].append({
            "cause": name,
            "confidence": cause.get("confidence", "low"),
            "why": why,
            "fallbacks": list(fallbacks),
            "note": note,
        })

    if "preflight" in enabled and "preflight" not in by_rung:
        by_rung["preflight"] = {"blocking": False, "reasons": [{
            "cause": None,
            "confidence": None,
            "why": "always first: check disk space and pending reboots before any repair",
            "fallbacks": [],
            "note": None,
        }]}

    ordered = sorted(by_rung.items(), key=lambda item: (not item[1]["blocking"], rung_index(item[0])))
    result = []
    for rung, slot in ordered:
        info = RUNG_INFO[rung]
        result.append({
            "rung": rung,
            "summary": info["summary"],
            "needs_person": info["needs_person"],
            "blocking": slot["blocking"],
            "causes": [r["cause"] for r in slot["reasons"] if r["cause"] is not None],
            "reasons": slot["reasons"],
        })
    return result


def last_resorts():
    """The steps beyond the ladder, each needing a person (copies, safe to change)."""
    return [dict(item) for item in LAST_RESORTS]


def disk_last_resorts():
    """What is left for a host whose disk reports errors (copies, safe to change)."""
    return [dict(item) for item in DISK_LAST_RESORTS]
