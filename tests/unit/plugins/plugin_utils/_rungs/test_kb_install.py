# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kb_install: KB validation, catalog product from host facts, row choice, plan, mirror URLs, exit codes."""
from __future__ import annotations


import pytest


from ansible_collections.winrepair.windows_update.plugins.plugin_utils._rungs import kb_install as k  # noqa: E402
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (  # noqa: E402
    NoMatchingUpdateError, UnknownArchitectureError)

W11 = "Windows 11 Version 24H2"


def title(month, kb, arch="x64", product=W11, suffix="Cumulative Update"):
    return "%s %s for %s for %s-based Systems (%s)" % (month, suffix, product, arch, kb)


def row(guid, text, last="12/10/2024"):
    return {"guid": guid, "title": text, "last_updated": last}


@pytest.mark.parametrize("given, expected", [("KB5043080", "KB5043080"), ("kb5043080", "KB5043080"),
                                             (" KB890830 ", "KB890830"), ("KB12345678", "KB12345678")])
def test_valid_kb(given, expected):
    assert k.validate_kb(given) == expected


@pytest.mark.parametrize("given", ["5043080", "KB", "KB50430", "KB123456789", "KB5043080;calc", "KB 5043080",
                                   "", None, "KB5043080.msu", "Q5043080"])
def test_invalid_kb(given):
    with pytest.raises(k.KbInstallError, match="KB5043080"):
        k.validate_kb(given)


def test_bare_number_gets_a_hint():
    with pytest.raises(k.KbInstallError, match="write it as KB5043080"):
        k.validate_kb("5043080")


def facts(**kw):
    base = {"product_name": "Windows 11 Pro", "display_version": "24H2", "build": 26100,
            "installation_type": "Client", "architecture": "x64"}
    base.update(kw)
    return base


@pytest.mark.parametrize("host, expected", [
    (facts(), (W11, "x64")),
    (facts(product_name="Windows 11 Enterprise", architecture="arm64"), (W11, "arm64")),
    (facts(product_name="Windows 10 Pro", display_version="22H2", build=19045), ("Windows 10 Version 22H2", "x64")),
    (facts(product_name="Microsoft Windows 10 Enterprise LTSC", display_version="1809", build=17763),
     ("Windows 10 Version 1809", "x64")),
    (facts(product_name="Windows Server 2019 Datacenter", display_version="1809", build=17763,
           installation_type="Server"), ("Windows Server 2019", "x64")),
    (facts(product_name="Windows Server 2025 Standard", build=26100, installation_type="Server Core"),
     ("Microsoft server operating system version 24H2", "x64")),
    (facts(product_name="Windows Server 2022 Datacenter", display_version="21H2", build=20348,
           installation_type="Server"), ("Microsoft server operating system version 21H2", "x64")),
])
def test_catalog_target_from_facts(host, expected):
    assert k.catalog_target(host) == expected


def test_catalog_target_overrides_and_refusals():
    assert k.catalog_target(facts(), "Windows 11 Version 23H2", "arm64") == ("Windows 11 Version 23H2", "arm64")
    assert k.catalog_target(facts(architecture="AMD64")) == (W11, "x64")
    with pytest.raises(UnknownArchitectureError):
        k.catalog_target(facts(architecture="ia64"))
    with pytest.raises(k.KbInstallError, match="set product"):
        k.catalog_target(facts(display_version=""))
    with pytest.raises(k.KbInstallError, match="set product"):
        k.catalog_target(facts(product_name="Windows 8.1 Pro"))
    with pytest.raises(k.KbInstallError, match="build 9600"):
        k.catalog_target(facts(product_name="Windows Server 2012 R2", build=9600, installation_type="Server"))


def test_choose_row_takes_exact_kb_product_and_arch():
    rows = [row("a", title("2024-12", "KB5048667", "arm64")),
            row("b", title("2024-12", "KB5048667")),
            row("c", title("2024-12", "KB5048667", product="Windows 11 Version 23H2")),
            row("d", title("2025-01", "KB5050000"))]  # newer, but another KB
    assert k.choose_row(rows, "KB5048667", W11, "x64")["guid"] == "b"
    assert k.choose_row(rows, "KB5048667", W11, "arm64")["guid"] == "a"
    with pytest.raises(NoMatchingUpdateError, match="architecture"):
        k.choose_row(rows[:1], "KB5048667", W11, "x64")
    with pytest.raises(NoMatchingUpdateError, match="no update titled with KB1234567"):
        k.choose_row(rows, "KB1234567", W11, "x64")


def test_choose_row_allows_preview_but_not_dynamic():
    preview = row("p", title("2025-01", "KB5050100", suffix="Cumulative Update Preview"))
    dynamic = row("d", title("2025-01", "KB5050200", suffix="Dynamic Cumulative Update"))
    assert k.choose_row([preview], "KB5050100", W11, "x64")["guid"] == "p"
    with pytest.raises(NoMatchingUpdateError, match="dynamic"):
        k.choose_row([dynamic], "KB5050200", W11, "x64")


def test_superseding_choice():
    links = [{"guid": "g3", "title": title("2024-10", "KB5044284")},
             {"guid": "g5", "title": title("2024-12", "KB5048667")},
             {"guid": "g7", "title": title("2025-01", "KB5050100", suffix="Cumulative Update Preview")},
             {"guid": "g8", "title": title("2025-01", "KB5050200", suffix="Dynamic Cumulative Update")},
             {"guid": "ga", "title": title("2025-02", "KB5051111", "arm64")}]
    assert k.superseding_choice(links, W11, "x64")["guid"] == "g5"
    assert k.superseding_choice(links, W11, "arm64")["guid"] == "ga"
    assert k.superseding_choice([], W11, "x64") is None
    assert k.superseding_choice(links[2:4], W11, "x64") is None


def test_lookup_key_is_shared_only_by_the_same_question():
    base = k.lookup_key("https://cat/", "KB5048667", W11, "x64", False)
    assert base == k.lookup_key("https://CAT", "kb5048667", W11.lower(), "x64", False)
    others = {k.lookup_key("https://cat/", "KB5048667", W11, "arm64", False),
              k.lookup_key("https://cat/", "KB5048667", W11, "x64", True),
              k.lookup_key("https://cat/", "KB5043080", W11, "x64", False),
              k.lookup_key("https://other/", "KB5048667", W11, "x64", False),
              k.lookup_key("https://cat/", "KB5048667", "Windows 11 Version 23H2", "x64", False)}
    assert base not in others and len(others) == 5
    assert len(base) == 64


def catalog_file(kb, role, order, name=None, sha256="ab" * 32):
    name = name or "windows11.0-%s-x64_%s.msu" % (kb.lower(), "0" * 40)
    return {"file_name": name, "kb": kb, "role": role, "install_order": order, "url": "https://h/" + name,
            "sha1": "0" * 40, "sha256": sha256}


def test_install_plan_puts_everything_in_one_folder_and_targets_the_msu():
    update = {"kb": "KB5048667", "title": "t", "files": [
        catalog_file("KB5043080", "checkpoint", 1), catalog_file("KB5048667", "target", 2)]}
    folder = k.host_folder("C:\\ProgramData\\winrepair\\catalog\\", "kb5048667", "x64")
    assert folder == "C:\\ProgramData\\winrepair\\catalog\\KB5048667-x64"
    plan = k.install_plan(update, folder)
    assert [f["host_path"].rsplit("\\", 1)[0] for f in plan["files"]] == [folder, folder]
    assert plan["target"]["kb"] == "KB5048667"
    assert [f["role"] for f in plan["files"]] == ["checkpoint", "target"]


def test_install_plan_prefers_the_msu_and_refuses_what_dism_cannot_install():
    msu = catalog_file("KB5048667", "target", 2)
    cab = catalog_file("KB5048667", "target", 1, name="windows11.0-kb5048667-x64_%s.cab" % ("1" * 40))
    assert k.install_plan({"kb": "KB5048667", "files": [cab, msu]}, "C:\\x")["target"]["file_name"] \
        == msu["file_name"]
    exe = catalog_file("KB890830", "target", 1, name="windows-kb890830-x64-v5.127.exe")
    with pytest.raises(k.KbInstallError, match="0 installable"):
        k.install_plan({"kb": "KB890830", "files": [exe]}, "C:\\x")
    with pytest.raises(k.KbInstallError, match="refusing file name"):
        k.install_plan({"kb": "KB1", "files": [catalog_file("KB5048667", "target", 1, name="..\\evil.msu")]},
                       "C:\\x")
    two = catalog_file("KB5048667", "target", 1, name="windows11.0-kb5048667-x64_%s.msu" % ("2" * 40))
    with pytest.raises(k.KbInstallError, match="2 installable"):
        k.install_plan({"kb": "KB5048667", "files": [msu, two]}, "C:\\x")


def test_hash_for_host_prefers_sha256():
    assert k.hash_for_host({"sha1": "1" * 40, "sha256": "2" * 64}) == ("sha256", "2" * 64)
    assert k.hash_for_host({"sha1": "1" * 40, "sha256": None}) == ("sha1", "1" * 40)


def test_mirror_urls():
    assert k.check_mirror_url("https://mirror.example/u", ["mirror.example"]) == "https://mirror.example/u/"
    assert k.check_mirror_url("http://mirror.example:8080/u/", ["mirror.example:8080"]) \
        == "http://mirror.example:8080/u/"
    assert k.check_mirror_url("http://mirror.example/u/", ["mirror.example"]) == "http://mirror.example/u/"
    with pytest.raises(k.KbInstallError, match="not in download_hosts"):
        k.check_mirror_url("https://mirror.example:8443/u", ["mirror.example"])
    with pytest.raises(k.KbInstallError, match="not in download_hosts"):
        k.check_mirror_url("https://evil.example/u", ["mirror.example"])
    with pytest.raises(k.KbInstallError, match="user information"):
        k.check_mirror_url("https://mirror.example@evil.example/u", ["evil.example"])
    with pytest.raises(k.KbInstallError, match="http\\(s\\) URL or a UNC"):
        k.check_mirror_url("ftp://mirror.example/u", ["mirror.example"])
    assert k.check_mirror_url("\\\\fs01\\updates\\lcu\\", []) == "\\\\fs01\\updates\\lcu"
    with pytest.raises(k.KbInstallError, match="server"):
        k.check_mirror_url("\\\\fs01", [])
    assert k.mirror_source("https://m/u/", "a b.msu") == "https://m/u/a%20b.msu"
    assert k.mirror_source("\\\\fs01\\updates", "x.msu") == "\\\\fs01\\updates\\x.msu"


@pytest.mark.parametrize("code, outcome, reboot", [
    (0, "installed", False),
    (3010, "reboot_required", True),
    (1641, "reboot_required", True),
    (-2146498530, "not_applicable", False),  # 0x800F081E, signed as DISM exits
    (0x80240017, "not_applicable", False),
    (0x00240006, "already_installed", False),
    (-2146498529, "failed", False),  # 0x800F081F
    (87, "failed", False),
    (None, "lost", False),
])
def test_interpret_exit(code, outcome, reboot):
    got = k.interpret_exit(code)
    assert (got["outcome"], got["reboot_required"]) == (outcome, reboot)
    if code is not None:
        assert got["hresult"]["unsigned"] == code & 0xFFFFFFFF


def test_describe_hresult_names_the_code():
    text = k.describe_hresult(k.interpret_exit(-2146498530)["hresult"])
    assert text.startswith("0x800F081E CBS_E_NOT_APPLICABLE")
    assert k.describe_hresult(None) == "no exit code"


def test_installed_set_normalises():
    assert k.installed_set({"installed_kbs": ["kb5043080", " KB5048667 ", ""]}) == {"KB5043080", "KB5048667"}
    assert k.installed_set({}) == set()


def test_resolve_update_plain_and_superseded():
    rows = [row("g1", title("2024-09", "KB5043080")), row("g2", title("2024-09", "KB5043080", "arm64"))]
    links = {"g1": [{"guid": "g5", "title": title("2024-12", "KB5048667")},
                    {"guid": "g7", "title": title("2025-01", "KB5050100", suffix="Cumulative Update Preview")}]}
    asked = []

    def files(guid):
        asked.append(guid)
        return {"title": "dialog title", "files": [catalog_file("KB5043080", "target", 1)]}
    plain = k.resolve_update("KB5043080", W11, "x64", False, lambda q: rows, links.get, files)
    assert (plain["kb"], plain["guid"], plain["superseded"]) == ("KB5043080", "g1", False)
    newer = k.resolve_update("KB5043080", W11, "x64", True, lambda q: rows, links.get, files)
    assert (newer["kb"], newer["guid"], newer["superseded"]) == ("KB5048667", "g5", True)
    assert newer["requested"] == {"kb": "KB5043080", "guid": "g1", "title": rows[0]["title"]}
    # Nothing newer fits (arm64 has no superseding link here): the KB itself.
    alone = k.resolve_update("KB5043080", W11, "arm64", True, lambda q: rows, lambda g: [], files)
    assert (alone["guid"], alone["superseded"]) == ("g2", False)
    assert asked == ["g1", "g5", "g2"]


def test_request_keys_differ_by_kind_and_ident():
    a = k.request_key("https://cat/", "search", "KB5048667")
    assert a == k.request_key("https://CAT", "search", "kb5048667")
    assert a != k.request_key("https://cat/", "dialog", "KB5048667")
    assert k.request_key("https://cat/", "dialog", "g", "x64") != k.request_key("https://cat/", "dialog", "g", "arm64")
