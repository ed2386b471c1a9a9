# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wim_info.py: parse `dism /Get-WimInfo` (summary and /Index details) and pick the image for a host."""
from __future__ import annotations


import pytest


from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse import wim_info  # noqa: E402
from winsim import windows_tools

# Layout of DISM's answer (Microsoft Learn, "DISM Image Management Command-Line Options", /Get-ImageInfo).
SUMMARY = (
    "\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.26100.1\r\n\r\n"
    "Details for image : D:\\sources\\install.wim\r\n\r\n"
    "Index : 1\r\nName : Windows 11 Home\r\nDescription : Windows 11 Home\r\nSize : 18,408,286,105 bytes\r\n\r\n"
    "Index : 6\r\nName : Windows 11 Pro\r\nDescription : Windows 11 Pro\r\nSize : 18,665,222,083 bytes\r\n\r\n"
    "Index : 7\r\nName : Windows 11 Pro N\r\nDescription : Windows 11 Pro N\r\nSize : 17,939,001,244 bytes\r\n\r\n"
    "The operation completed successfully.\r\n"
)


def detail(index, name, edition, version="10.0.26100", arch="x64", installation="Client"):
    return (
        "\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.26100.1\r\n\r\n"
        "Details for image : D:\\sources\\install.wim\r\n\r\n"
        "Index : %d\r\nName : %s\r\nDescription : %s\r\nSize : 18,665,222,083 bytes\r\n"
        "WIM Bootable : No\r\nArchitecture : %s\r\nHal : <undefined>\r\nVersion : %s\r\n"
        "ServicePack Build : 1742\r\nServicePack Level : 0\r\nEdition : %s\r\nInstallation : %s\r\n"
        "ProductType : WinNT\r\nProductSuite : Terminal Server\r\nSystem Root : WINDOWS\r\n"
        "Directories : 22563\r\nFiles : 102233\r\nCreated : 9/6/2024 - 8:25:57 AM\r\n"
        "Modified : 9/6/2024 - 8:50:13 AM\r\nLanguages :\r\n        en-US (Default)\r\n"
        "The operation completed successfully.\r\n" % (index, name, name, arch, version, edition, installation))


def test_parse_summary():
    images = wim_info.parse_wim_info(SUMMARY)
    assert [i["index"] for i in images] == [1, 6, 7]
    assert images[1]["name"] == "Windows 11 Pro"
    assert images[1]["size_bytes"] == 18665222083
    assert images[1]["edition"] is None


def test_parse_detail():
    (image,) = wim_info.parse_wim_info(detail(6, "Windows 11 Pro", "Professional"))
    assert image["edition"] == "Professional"
    assert image["build"] == 26100
    assert image["architecture"] == "x64"
    assert image["installation"] == "Client"
    assert image["languages"] == ["en-US"]


def test_parse_error_output_raises_with_dism_error():
    text = ("\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.26100.1\r\n\r\n"
            "Error: 2\r\n\r\nThe system cannot find the file specified.\r\n")
    with pytest.raises(wim_info.WimInfoError) as err:
        wim_info.parse_wim_info(text)
    assert "Error: 2" in str(err.value)


def test_pick_by_edition_from_details():
    images = wim_info.merge_details(wim_info.parse_wim_info(SUMMARY), [
        wim_info.parse_wim_info(detail(1, "Windows 11 Home", "Core"))[0],
        wim_info.parse_wim_info(detail(6, "Windows 11 Pro", "Professional"))[0],
        wim_info.parse_wim_info(detail(7, "Windows 11 Pro N", "ProfessionalN"))[0],
    ])
    assert wim_info.pick_index(images, "Professional", 26100, "x64")[0] == 6
    assert wim_info.pick_index(images, "ProfessionalN", 26100, "x64")[0] == 7
    assert wim_info.pick_index(images, "Core", 26100, "x64")[0] == 1


def test_pick_by_name_without_details():
    images = wim_info.parse_wim_info(SUMMARY)
    index, reason = wim_info.pick_index(images, "Professional", product_name="Windows 11 Pro")
    assert index == 6 and "name" in reason
    # "Pro" must not match "Pro N".
    assert wim_info.pick_index(images, "ProfessionalN")[0] == 7


def test_no_matching_edition_lists_the_images():
    images = wim_info.parse_wim_info(SUMMARY)
    with pytest.raises(wim_info.WimInfoError) as err:
        wim_info.pick_index(images, "Enterprise")
    assert "6=Windows 11 Pro" in str(err.value)


def test_wrong_build_is_refused():
    images = [wim_info.parse_wim_info(detail(6, "Windows 11 Pro", "Professional", version="10.0.22631"))[0]]
    with pytest.raises(wim_info.WimInfoError) as err:
        wim_info.pick_index(images, "Professional", 26100, "x64")
    assert "build 22631" in str(err.value)


def test_wrong_architecture_is_refused():
    images = [wim_info.parse_wim_info(detail(6, "Windows 11 Pro", "Professional", arch="arm64"))[0]]
    with pytest.raises(wim_info.WimInfoError):
        wim_info.pick_index(images, "Professional", 26100, "x64")


def test_server_core_and_desktop_are_told_apart():
    images = [
        wim_info.parse_wim_info(detail(1, "Windows Server 2022 Standard", "ServerStandard",
                                       version="10.0.20348", installation="Server Core"))[0],
        wim_info.parse_wim_info(detail(2, "Windows Server 2022 Standard (Desktop Experience)", "ServerStandard",
                                       version="10.0.20348", installation="Server"))[0],
    ]
    assert wim_info.pick_index(images, "ServerStandard", 20348, "x64", "Server")[0] == 2
    assert wim_info.pick_index(images, "ServerStandard", 20348, "x64", "Server Core")[0] == 1


def test_source_argument():
    assert wim_info.source_argument("D:\\sources\\install.wim", 6) == "/Source:wim:D:\\sources\\install.wim:6"
    assert wim_info.source_argument("E:\\sources\\install.esd", 3) == "/Source:esd:E:\\sources\\install.esd:3"


def test_simulator_output_parses_the_same_way():
    # The simulator's /Get-WimInfo (tests/winsim/detached/tools.py) must read like DISM's.
    from winsim.detached import tools
    from winsim.model import HostModel
    host = HostModel("h", "127.0.0.2")
    host.files["d:\\sources\\install.wim"] = tools.make_wim(tools.windows11_images())
    text, code = windows_tools.wim_info(host, "D:\\sources\\install.wim")
    assert code == 0
    assert len(wim_info.parse_wim_info(text)) == 11
    one, _code = windows_tools.wim_info(host, "D:\\sources\\install.wim", 6)
    assert wim_info.parse_wim_info(one)[0]["edition"] == "Professional"
