# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a download costs in modelled time: one bandwidth for Windows Update and
catalog downloads alike, and the sizes of the packages the simulator knows.

The fake catalog serves small stand-in files (so hashes can be checked); a
download of a known package is timed at the real package's size.

Sizes of the catalog .msu files (bytes):
- KB5043080 (Windows 11 24H2, 2024-09, checkpoint 26100.1742): x64 533,761,740,
  arm64 610,638,429. Measured on the real files: a `7z l` of the x64 .msu
  (github.com/CaddyGlow/wsus-rs, crates/wsus-client/src/install/servicing/msu.rs)
  and HTTP HEAD requests to the catalog's download servers for both
  (github.com/Dano7762/offpatch, docs/RECHERCHE.md, section R-02).
- KB5044284 (2024-10) and KB5048667 (2024-12): ASSUMPTION, no public figure was
  found. Interpolated between KB5043080 and the about 1 GB that 24H2 cumulative
  updates reached by April 2025 (Michael Niehaus, "Windows 11 cumulative
  updates: how can they possibly be that big?", oofhours.com, 2025-10-16).

What Windows Update downloads of a cumulative update: only the content the
device is missing (Microsoft Learn, "Checkpoint cumulative updates and
Microsoft Update Catalog usage": the 24H2 servicing stack "can merge all the
checkpoints and only download and install content that's missing"). No
Microsoft figure; one measurement on 24H2 (26100.8037 to 26100.8457) saw about
2,060 MB downloaded against about 8,712 MB of catalog packages, router and PC
counters alike (elevenforum.com/t/project-not-cumulative.46938/post-748949):
WU_DOWNLOAD_SHARE = 0.24 of the .msu. Microsoft's Windows 10 figures were of
the same order (express 150-200 MB a month against 1-1.2 GB full: Microsoft
Tech Community, "Windows 10 quality updates explained & the end of delta
updates", 2018-07-11).

Bandwidth: 100 Mbit/s, an ASSUMPTION (a wired office link); every download
uses it, so the routes compare at the same rate.
"""
from __future__ import annotations

import re

BYTES_PER_SECOND = 12.5e6  # 100 Mbit/s
WU_DOWNLOAD_SHARE = 0.24

MSU_BYTES = {
    ("KB5043080", "x64"): 533_761_740,
    ("KB5043080", "arm64"): 610_638_429,
    ("KB5044284", "x64"): 600 * 1024 ** 2,  # assumption (see above)
    ("KB5044284", "arm64"): 680 * 1024 ** 2,  # assumption
    ("KB5048667", "x64"): 700 * 1024 ** 2,  # assumption
    ("KB5048667", "arm64"): 790 * 1024 ** 2,  # assumption
}
# A cumulative update the table does not know (ASSUMPTION: the mid-2024 order of size).
DEFAULT_CU_MSU_BYTES = 600 * 1024 ** 2

_MSU_NAME = re.compile(r"kb(\d{6,8})-(x64|arm64|x86)", re.IGNORECASE)


def msu_bytes(kb: str, arch: str = "x64") -> int:
    """The catalog .msu's size of cumulative update KB for ARCH."""
    kb = kb.upper() if kb.upper().startswith("KB") else "KB" + kb
    return MSU_BYTES.get((kb, arch), DEFAULT_CU_MSU_BYTES)


def msu_bytes_of_file(name: str):
    """The real size of the known .msu named NAME (a catalog download), or None."""
    match = _MSU_NAME.search(name or "")
    if not match:
        return None
    return MSU_BYTES.get(("KB" + match.group(1), match.group(2).lower()))


def wu_download_bytes(kb: str, arch: str = "x64") -> int:
    """What Windows Update downloads of cumulative update KB: the share of the .msu a device misses."""
    return int(msu_bytes(kb, arch) * WU_DOWNLOAD_SHARE)


def seconds(size: float) -> float:
    """Modelled seconds a download of SIZE bytes takes."""
    return float(size) / BYTES_PER_SECOND
