# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: catalog_search
author: winrepair.windows_update contributors (@winrepair)
short_description: Search the Microsoft Update Catalog, or pick the update a host needs
version_added: 0.1.0
description:
  - Searches U(https://www.catalog.update.microsoft.com) from the controller and returns the result rows
    of every page (the site returns at most 1000 results, 25 a page).
  - When O(product) or O(architecture) is set, returns for each term the newest update that fits the host
    instead (kind O(kind), no preview and no dynamic updates unless asked), optionally with its files.
  - With O(include_files), the files are those of the update's download dialog in install order.
    For Windows 11 24H2 and later, earlier checkpoint cumulative updates come before the target.
    Every file URL is checked against an allow-list of Microsoft download hosts (plus O(download_hosts))
    and must be https (old C(http://download.windowsupdate.com) links are upgraded to https).
  - The catalog is often briefly unavailable (its error 8DDD0010, HTTP 5xx, timeouts); requests are
    retried with exponential backoff. Error 8DDD0024 (update removed) and pages whose layout is not
    recognised fail at once with a message that says so.
options:
  _terms:
    description:
      - Search queries, as typed in the catalog's search box (for example C(KB5048667) or
        C(Cumulative Update for Windows 11 Version 24H2)).
      - With O(supersedes=true), each term is a KB number.
    type: list
    elements: str
    required: true
  catalog_url:
    description: Base URL of the catalog (a test double or a reverse proxy).
    type: str
    default: https://www.catalog.update.microsoft.com/
  product:
    description:
      - Product and version of the host, for example C(Windows 11 Version 24H2), C(Windows 11, version 25H2),
        C(Windows Server 2025). Setting it (or O(architecture)) switches to picking one update per term.
    type: str
  architecture:
    description:
      - Architecture of the host.
      - One of C(x64), C(arm64), C(x86); C(AMD64), C(x86_64) and C(aarch64) spellings are accepted,
        anything else fails rather than guessing. Required when picking.
    type: str
  kind:
    description:
      - Kind of update to pick, as read from its title. C(any) does not filter on kind.
    type: str
    default: cumulative
    choices: [cumulative, dynamic, servicing_stack, dotnet, security, security_only, monthly_rollup, feature, any]
  include_preview:
    description: Also pick "Preview" (optional non-security) updates.
    type: bool
    default: false
  include_dynamic:
    description: Also pick Dynamic updates (setup's dynamic update packages).
    type: bool
    default: false
  supersedes:
    description:
      - Treat each term as a KB and pick the newest update that supersedes it for this host
        (read from the update's details page).
    type: bool
    default: false
  include_files:
    description: Add the update's files (download dialog), in install order, to each picked update.
    type: bool
    default: false
  download_hosts:
    description:
      - Extra download hosts allowed besides Microsoft's, as C(host) (port 443) or C(host:port); https only.
      - The same allow-list as the option C(download_hosts) of M(winrepair.windows_update.win_kb_catalog_install)
        and the variable C(wu_catalog_install_download_hosts) of the role C(wu_catalog_install).
      - The alias C(mirror_hosts) is deprecated and will be removed in 2.0.0.
    type: list
    elements: str
    default: []
    aliases: [mirror_hosts]
    version_added: 0.1.0
  ca_path:
    description: CA bundle to trust for https, instead of the system's.
    type: path
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 30
  retries:
    description: Extra attempts after a transient failure.
    type: int
    default: 4
  max_pages:
    description: Most result pages to read per term (40 pages hold the site's 1000-result cap).
    type: int
    default: 40
notes:
  - Runs on the controller and needs https access to the catalog (honours the usual C(https_proxy) variables).
  - Uses only the Python standard library.
seealso:
  - name: Checkpoint cumulative updates and Microsoft Update Catalog usage
    description: Why a cumulative update may come with earlier checkpoint updates.
    link: https://learn.microsoft.com/windows/deployment/update/catalog-checkpoint-cumulative-updates
"""

EXAMPLES = r"""
- name: Every catalog row of a KB
  ansible.builtin.debug:
    msg: "{{ query('winrepair.windows_update.catalog_search', 'KB5048667') }}"

- name: The newest cumulative update for a Windows 11 24H2 x64 host, with checkpoint files first
  ansible.builtin.set_fact:
    lcu: >-
      {{ lookup('winrepair.windows_update.catalog_search',
                'Cumulative Update for Windows 11 Version 24H2',
                product='Windows 11 Version 24H2', architecture=ansible_facts.architecture | default('x64'),
                include_files=true) }}

- name: The newest update that replaces a broken KB
  ansible.builtin.set_fact:
    replacement: >-
      {{ lookup('winrepair.windows_update.catalog_search', 'KB5043080', supersedes=true,
                product='Windows 11 Version 24H2', architecture='x64') }}
"""

RETURN = r"""
_raw:
  description:
    - Without O(product)/O(architecture), one dict per result row of every term.
    - With them, one dict per term, the picked update (with C(files) when O(include_files)).
  type: list
  elements: dict
  contains:
    guid:
      description: Catalog update id.
      type: str
      sample: 5c0ffee0-0000-4000-8000-000000000005
    title:
      description: Update title.
      type: str
      sample: 2024-12 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5048667)
    products:
      description: The Products cell as shown (product names themselves contain commas). Rows only.
      type: str
    product_list:
      description: The Products cell split into names (heuristic, see the client's notes). Rows only.
      type: list
      elements: str
    classification:
      description: Classification cell, for example C(Security Updates). Rows only.
      type: str
    last_updated:
      description: Last Updated date, ISO format. Rows only.
      type: str
      sample: "2024-12-10"
    size_bytes:
      description: Exact size in bytes. Rows only.
      type: int
    info:
      description: What the title says.
      type: dict
      contains:
        kb: {description: KB number, type: str, sample: KB5048667}
        release: {description: Release month from the title, type: str, sample: "2024-12"}
        product: {description: Product, type: str, sample: Windows 11}
        version: {description: Version, type: str, sample: 24H2}
        architecture: {description: x64 or arm64 or x86, type: str}
        kind: {description: "One of cumulative, dynamic, dotnet, servicing_stack, security, ...", type: str}
        preview: {description: A Preview update, type: bool}
        dynamic: {description: A Dynamic update, type: bool}
    supersedes:
      description: With O(supersedes), the KB and guid of the update that was looked up.
      type: dict
    files:
      description: With O(include_files), the update's files in install order.
      type: list
      elements: dict
      contains:
        url: {description: https URL on an allow-listed host, type: str}
        file_name: {description: File name, type: str}
        sha1: {description: "SHA-1, hex", type: str}
        sha256: {description: "SHA-256, hex, when the catalog gives it", type: str}
        kb: {description: KB the file belongs to, type: str}
        architecture: {description: "From the file name, else the title", type: str}
        role: {description: "checkpoint, other or target", type: str}
        install_order: {description: "1-based position", type: int}
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.client import CatalogClient
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    CatalogError,
    CatalogNoResultsError,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.selection import annotate

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if "mirror_hosts" in kwargs:
            display.deprecated(
                "catalog_search: the option mirror_hosts is now download_hosts (the name the module "
                "win_kb_catalog_install and the role wu_catalog_install use)",
                version="2.0.0", collection_name="winrepair.windows_update")
        self.set_options(var_options=variables, direct=kwargs)
        product = self.get_option("product")
        architecture = self.get_option("architecture")
        kind = self.get_option("kind")
        kind = None if kind == "any" else kind
        picking = bool(product or architecture)
        if self.get_option("include_files") and not picking:
            raise AnsibleLookupError("include_files needs product and architecture: files are given for a picked update")
        if self.get_option("supersedes") and not picking:
            raise AnsibleLookupError("supersedes needs product and architecture")

        client = CatalogClient(
            catalog_url=self.get_option("catalog_url"),
            ca_path=self.get_option("ca_path"),
            timeout=self.get_option("timeout"),
            retries=self.get_option("retries"),
            mirror_hosts=self.get_option("download_hosts"),
            max_pages=self.get_option("max_pages"),
        )
        results = []
        for term in terms:
            try:
                if not picking:
                    try:
                        rows = client.search(term)["rows"]
                    except CatalogNoResultsError:
                        rows = []
                    results.extend(annotate(row) for row in rows)
                    continue
                if self.get_option("supersedes"):
                    update = client.newest_superseding(
                        term, product, architecture, kind,
                        self.get_option("include_preview"), self.get_option("include_dynamic"))
                else:
                    update = client.pick_update(
                        term, product, architecture, kind,
                        self.get_option("include_preview"), self.get_option("include_dynamic"))
                if self.get_option("include_files"):
                    update["files"] = client.update_files(update["guid"], architecture)["files"]
                results.append(update)
            except (CatalogError, ValueError) as exc:
                raise AnsibleLookupError("catalog_search %r: %s" % (term, exc))
        return results
