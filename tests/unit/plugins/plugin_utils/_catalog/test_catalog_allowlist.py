# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""allowlist: https only, Microsoft hosts on whole labels, explicit mirrors; property-based look-alikes."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.allowlist import (
    MICROSOFT_HOSTS,
    MICROSOFT_PARENT_DOMAINS,
    check_download_url,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import UnsafeUrlError

ALLOWED = sorted(MICROSOFT_HOSTS | set(MICROSOFT_PARENT_DOMAINS))
# Allowed names that are not themselves inside a parent domain: gluing a prefix to their
# first label leaves the allowed set (catalog.sf.dl.delivery.mp.microsoft.com is inside
# dl.delivery.mp.microsoft.com, so "0catalog.sf...." is a legitimate sub-domain).
ROOTS = [h for h in ALLOWED if not any(h.endswith("." + p) for p in MICROSOFT_PARENT_DOMAINS)]
PATH = "/filestreamingservice/files/abc/public/windows11.0-kb5043080-x64_953449672073f8fb99badb4cc6d5d7849b9c83e8.msu"

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
# A DNS label: alphanumerics, with inner hyphens (built directly: from_regex is slow to draw).
label = st.builds(lambda a, mid, b: a + mid + b, st.sampled_from(_ALNUM),
                  st.text(alphabet=_ALNUM + "-", max_size=8), st.sampled_from(_ALNUM))
domain = st.lists(label, min_size=1, max_size=3).map(".".join)


@pytest.mark.parametrize("url", [
    "https://catalog.sf.dl.delivery.mp.microsoft.com" + PATH,
    "https://catalog.s.download.windowsupdate.com/d/msdownload/update/software/secu/2023/08/x.msu",
    "https://download.windowsupdate.com/d/msdownload/x.cab",
    "https://au.download.windowsupdate.com/c/x.cab",
    "https://7.tlu.dl.delivery.mp.microsoft.com/filestreamingservice/files/x",
    "https://download.microsoft.com/download/x/y.exe",
    "https://DOWNLOAD.WindowsUpdate.com:443/d/x.cab",
])
def test_real_microsoft_hosts_pass(url):
    out = check_download_url(url)
    assert out.startswith("https://")
    assert ":443" not in out


def test_http_is_upgraded_for_microsoft_hosts_only():
    old = "http://download.windowsupdate.com/d/msdownload/update/software/crup/2019/04/proof-ar-sa_d140.cab"
    assert check_download_url(old) == "https" + old[4:]
    with pytest.raises(UnsafeUrlError, match="only https"):
        check_download_url(old, upgrade_http=False)
    with pytest.raises(UnsafeUrlError):
        check_download_url("http://mirror.example/x.cab", extra_hosts=["mirror.example"])


@pytest.mark.parametrize("url,why", [
    ("ftp://download.windowsupdate.com/x.cab", "only https"),
    ("file:///etc/passwd", "only https"),
    ("https://download.windowsupdate.com.evil.example/x.cab", "not a Microsoft"),
    ("https://evildownload.windowsupdate.com/x.cab", "not a Microsoft"),
    ("https://x.download.microsoft.com/x.cab", "not a Microsoft"),
    ("https://microsoft.com/x.cab", "not a Microsoft"),
    ("https://download.windowsupdate.com@evil.example/x.cab", "user information"),
    ("https://user:pw@download.windowsupdate.com/x.cab", "user information"),
    ("https://download.windowsupdate.com:8443/x.cab", "port"),
    ("https://download.windowsupdate.com:80/x.cab", "port"),
    ("https://13.107.4.50/x.cab", "IP literals"),
    ("https://[2620:1ec:c11::200]/x.cab", "IP literals"),
    ("https://download.windowsupdate.com./x.cab", "not a DNS name"),
    ("https://download.windowsupdate.com\\@evil.example/x", "backslash"),
    ("https://download.windowsupdate.com/x y.cab", "white space"),
    ("https://download.windowsupdate.com:99999/x.cab", "does not parse"),
    ("", "empty"),
])
def test_refusals(url, why):
    with pytest.raises(UnsafeUrlError, match=why):
        check_download_url(url)


def test_mirror_needs_an_explicit_entry_and_its_port():
    url = "https://localhost:8443/download/x.msu"
    with pytest.raises(UnsafeUrlError):
        check_download_url(url)
    with pytest.raises(UnsafeUrlError):
        check_download_url(url, extra_hosts=["localhost"])  # entry without port means 443
    assert check_download_url(url, extra_hosts=["localhost:8443"]) == url
    assert check_download_url("https://mirror.corp.example/x.msu", extra_hosts=["Mirror.Corp.Example"])
    with pytest.raises(UnsafeUrlError):  # exact entries: no sub-domains
        check_download_url("https://a.mirror.corp.example/x.msu", extra_hosts=["mirror.corp.example"])
    with pytest.raises(UnsafeUrlError, match="IP literals"):
        check_download_url("https://127.0.0.1:8443/x.msu", extra_hosts=["127.0.0.1:8443"])


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(ALLOWED), tail=domain)
def test_allowed_host_followed_by_more_labels_is_refused(host, tail):
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s.%s/x.cab" % (host, tail))


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(ROOTS), prefix=label)
def test_allowed_host_glued_to_a_prefix_is_refused(host, prefix):
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s%s/x.cab" % (prefix, host))
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s-%s/x.cab" % (prefix, host))


@settings(max_examples=60, deadline=None)
@given(parent=st.sampled_from(MICROSOFT_PARENT_DOMAINS), sub=domain)
def test_sub_domains_of_parent_domains_pass(parent, sub):
    assert check_download_url("https://%s.%s/x.cab" % (sub, parent)) == "https://%s.%s/x.cab" % (sub, parent)


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(ALLOWED), user=label, evil=domain)
def test_userinfo_tricks_are_refused(host, user, evil):
    for url in ("https://%s@%s.example/x" % (host, evil), "https://%s@%s/x" % (user, host),
                "https://%s:%s@%s/x" % (user, user, host)):
        with pytest.raises(UnsafeUrlError):
            check_download_url(url)


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(ALLOWED), port=st.integers(min_value=0, max_value=65535).filter(lambda p: p != 443))
def test_other_ports_are_refused(host, port):
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s:%d/x.cab" % (host, port))


@settings(max_examples=60, deadline=None)
@given(address=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_literals_are_refused_even_when_listed(address):
    host = str(address) if isinstance(address, ipaddress.IPv4Address) else "[%s]" % address
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s/x.cab" % host, extra_hosts=[str(address)])


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(ALLOWED), swap=st.data())
def test_one_character_look_alikes_are_refused(host, swap):
    i = swap.draw(st.integers(min_value=0, max_value=len(host) - 1))
    ch = swap.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"))
    evil = host[:i] + ch + host[i + 1:]
    if evil == host or any(evil == h or evil.endswith("." + p) for h in MICROSOFT_HOSTS for p in MICROSOFT_PARENT_DOMAINS):
        return  # the swap produced an allowed name (e.g. a sub-domain label change): not a look-alike
    with pytest.raises(UnsafeUrlError):
        check_download_url("https://%s/x.cab" % evil)
