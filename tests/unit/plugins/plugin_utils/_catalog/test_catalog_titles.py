# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""titles: what a catalog update title says."""
from __future__ import annotations

import pytest

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.titles import (
    normalize_architecture,
    parse_product,
    parse_title,
)


@pytest.mark.parametrize("title,expected", [
    ("2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)",
     dict(kb="KB5043080", release="2024-09", product="Windows 11", version="24H2", architecture="x64",
          kind="cumulative", preview=False, dynamic=False, build=None)),
    ("2026-03 Cumulative Update for Windows 11, version 25H2 for x64-based Systems (KB5086672) (26200.8117)",
     dict(kb="KB5086672", release="2026-03", product="Windows 11", version="25H2", architecture="x64",
          kind="cumulative", build="26200.8117")),
    ("2024-09 Cumulative Update Preview for Windows 11 Version 24H2 for arm64-based Systems (KB5043178)",
     dict(kind="cumulative", preview=True, architecture="arm64", version="24H2")),
    ("2024-10 Dynamic Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5044285)",
     dict(kind="dynamic", dynamic=True, architecture="x64")),
    ("2024-09 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11, version 24H2 for x64 (KB5042873)",
     dict(kind="dotnet", product="Windows 11", version="24H2", architecture="x64")),
    ("2024-09 Servicing Stack Update for Windows 10 Version 22H2 for x86-based Systems (KB5043936)",
     dict(kind="servicing_stack", product="Windows 10", version="22H2", architecture="x86")),
    ("2024-09 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5042881)",
     dict(kind="cumulative", product="Microsoft server operating system", version="21H2")),
    ("2025-01 Cumulative Update for Windows Server 2025 for x64-based Systems (KB5050009)",
     dict(kind="cumulative", product="Windows Server 2025", version=None, architecture="x64")),
    ("2019-01 Security Monthly Quality Rollup for Windows Server 2012 R2 for x64-based Systems (KB4480963)",
     dict(kind="monthly_rollup", product="Windows Server 2012 R2")),
    ("Update for Microsoft Office 2013 (KB4022233) 64-Bit Edition",
     dict(kind="update", kb="KB4022233", architecture="x64", product=None, release=None)),
    ("Update for Microsoft Office 2013 (KB4022233) 32-Bit Edition", dict(architecture="x86")),
    ("2024-08 Dynamic Update for Windows 11 Version 24H2 for arm64-based Systems (KB5041571)",
     dict(kind="dynamic", architecture="arm64")),
    ("Windows Malicious Software Removal Tool x64 - v5.127 (KB890830)", dict(kind="msrt")),
    ("Kaspersky Security Data Escort Provider - net - 32.1.110.0",
     dict(kb=None, architecture=None, product=None, kind="other")),
])
def test_parse_title(title, expected):
    info = parse_title(title)
    for key, value in expected.items():
        assert info[key] == value, key


def test_kb_number_and_month_are_numbers():
    info = parse_title("2024-12 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5048667)")
    assert (info.kb_number, info.year, info.month) == (5048667, 2024, 12)


def test_white_space_is_collapsed():
    info = parse_title("  2024-09 Cumulative  Update\n for Windows 11 Version 24H2 for x64-based Systems (KB5043080) ")
    assert info.title == "2024-09 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5043080)"
    assert info.kind == "cumulative"


@pytest.mark.parametrize("spec,expected", [
    ("Windows 11 Version 24H2", ("Windows 11", "24H2")),
    ("windows 11, version 24h2", ("Windows 11", "24H2")),
    ("Windows Server 2025", ("Windows Server 2025", None)),
    ("Windows 10 Version 1809", ("Windows 10", "1809")),
    ("Office 2013", (None, None)),
])
def test_parse_product(spec, expected):
    assert parse_product(spec) == expected


@pytest.mark.parametrize("value,expected", [
    ("x64", "x64"), ("AMD64", "x64"), ("x86_64", "x64"), ("ARM64", "arm64"), ("aarch64", "arm64"),
    ("x86", "x86"), ("32-bit", "x86"), ("ia64", None), ("", None), (None, None),
])
def test_normalize_architecture(value, expected):
    assert normalize_architecture(value) == expected
