# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is the documentation of an action plugin (plugins/action/win_kb_catalog_install.py); it has no module code.

DOCUMENTATION = r"""
---
module: win_kb_catalog_install
short_description: Install one update (KB) from the Microsoft Update Catalog with DISM, checkpoints included
description:
  - Installs the update O(kb) on a Windows host without Windows Update - for hosts whose Windows Update is
    broken or that must get one update now. When O(kb) is installed already the task reports C(ok) and
    downloads nothing.
  - The controller finds the update for the host's product and architecture in the Microsoft Update Catalog,
    with the earlier checkpoint updates Windows 11 24H2 and later may need, and allows only https downloads
    from Microsoft's download hosts (plus O(download_hosts)).
  - Every file is checked on the host against the catalog's SHA-256 (else SHA-1), then C(DISM /Online
    /Add-Package) installs the target and its checkpoints, detached as SYSTEM and polled. Details -
    C(docs/ladder.md) of the collection, section "Inside the rungs".
version_added: 0.1.0
author:
  - winrepair.windows_update contributors (@winrepair)
options:
  kb:
    description:
      - The update to install, C(KB) followed by its number, for example C(KB5043080). Case does not matter;
        anything else fails validation.
    type: str
    required: true
  supersede:
    description:
      - Install the newest update that supersedes O(kb) for this host instead (from the catalog's details
        page of O(kb); preview and dynamic updates are left out). When nothing supersedes it, O(kb) itself.
      - The task is C(ok) when that newest update is installed already.
    type: bool
    default: false
  download_mode:
    description:
      - How the files reach the host.
      - V(host) each host downloads from Microsoft with M(ansible.windows.win_get_url), checking the hash.
      - V(controller) the controller downloads each file once into O(cache_dir) and copies it to the hosts
        with M(ansible.windows.win_copy) (for hosts without internet access). A file already on the host
        with the right SHA-256 is not copied again.
      - V(mirror) the controller fills O(mirror_dir), which a web server or file share of yours serves at
        O(mirror_url); the hosts fetch from there.
    type: str
    choices: [host, controller, mirror]
    default: host
  catalog_url:
    description:
      - Base URL of the Microsoft Update Catalog (tests point it at a local double).
    type: str
    default: https://www.catalog.update.microsoft.com/
  ca_path:
    description:
      - CA bundle (PEM) the controller trusts for https to O(catalog_url) and the download hosts, instead of
        the system's.
    type: path
  download_hosts:
    description:
      - Download hosts allowed besides Microsoft's (C(download.windowsupdate.com) and its sub-domains,
        C(*.dl.delivery.mp.microsoft.com), C(download.microsoft.com)), as C(host) or C(host:port).
      - Catalog file URLs on these hosts must be https. The host of an http(s) O(mirror_url) must be listed
        here.
    type: list
    elements: str
    default: []
  cache_dir:
    description:
      - Controller folder of the catalog answer cache and the file cache (C(files/<sha256>)).
    type: path
    default: ~/.cache/winrepair/catalog
  catalog_cache_ttl:
    description:
      - Seconds a cached catalog answer (which update, which files) is used before the catalog is asked
        again. C(0) asks every time (one search per host).
    type: int
    default: 3600
  catalog_timeout:
    description: Seconds the controller waits for each catalog answer.
    type: float
    default: 60
  catalog_retries:
    description:
      - Extra attempts after a transient catalog failure (its error 8DDD0010, HTTP 5xx, timeouts), with
        exponential backoff.
    type: int
    default: 4
  mirror_dir:
    description:
      - Controller folder that O(mirror_url) serves; files are written there under their catalog names.
      - Required with O(download_mode=mirror).
    type: path
  mirror_url:
    description:
      - Where hosts read the mirror, an http(s) URL (its host must be in O(download_hosts)) or a UNC path
        (C(\\server\share\folder)), read with M(ansible.windows.win_copy) C(remote_src).
      - http is accepted for an internal mirror because every file is checked against the catalog's
        SHA-256 on the host.
      - Required with O(download_mode=mirror).
    type: str
  host_dir:
    description:
      - Host folder under which each update gets its own folder C(<KB>-<architecture>).
    type: str
    default: C:\ProgramData\winrepair\catalog
  product:
    description:
      - Catalog product name to search for, instead of the one derived from the host, for example
        C(Windows 11 Version 24H2), C(Windows Server 2019),
        C(Microsoft server operating system version 24H2).
    type: str
  architecture:
    description:
      - Architecture to search for instead of the host's.
    type: str
    choices: [x64, arm64, x86]
  allow_not_applicable:
    description:
      - When DISM answers that the update is not applicable (0x800F081E CBS_E_NOT_APPLICABLE or 0x80240017
        WU_E_NOT_APPLICABLE), report C(ok) with RV(not_applicable) instead of failing.
    type: bool
    default: false
  keep_files:
    description:
      - Keep the update's host folder after a successful (or not applicable) install. After a failure the
        files are always kept, so a retry does not download them again.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for DISM. When they pass, DISM keeps running on the host and the task fails;
        running the task again waits for that run.
    type: int
    default: 7200
  poll_interval:
    description: Seconds between two polls of the DISM run.
    type: float
    default: 15
  yield_after:
    description:
      - Seconds the task waits for DISM before it gives its fork back while DISM runs on; the result then has
        RV(pending) and RV(resume). C(0) waits to the end.
      - Only when the play's batch has more hosts than forks; else the task waits to the end.
      - The result then also asks for a rest of five times this without a fork (RV(resume_after)).
      - O(timeout) counts from DISM's start, over every call that waits for it.
    type: float
    default: 0
  resume:
    description:
      - RV(resume) of an earlier result of this module with RV(pending), given with the same other options; the task
        waits for that DISM run instead of looking up, downloading or starting anything.
    type: dict
notes:
  - DISM is used because C(wusa.exe) is denied over WinRM and M(ansible.windows.win_hotfix) cannot read the
    C(.msu) format of Windows 11 24H2 and Windows Server 2025.
  - Check mode reads the host and the catalog and lists in RV(files) what would be installed; nothing is
    downloaded, copied or run.
  - Does not restart; a cumulative update usually needs it (RV(reboot_required)). Use
    M(ansible.windows.win_reboot).
seealso:
  - module: ansible.windows.win_updates
  - module: winrepair.windows_update.win_sfc_dism
  - name: Checkpoint cumulative updates and Microsoft Update Catalog usage
    description: Why a cumulative update comes with earlier checkpoint updates.
    link: https://learn.microsoft.com/windows/deployment/update/catalog-checkpoint-cumulative-updates
  - name: DISM operating system package servicing command-line options
    description: C(/Add-Package), C(/PackagePath), C(/NoRestart).
    link: https://learn.microsoft.com/windows-hardware/manufacture/desktop/dism-operating-system-package-servicing-command-line-options
  - name: Inside the catalog_install rung
    description: The steps, the allow-list, the hash checks, the caches, restarts.
    link: https://github.com/winrepair/windows_update/blob/main/docs/ladder.md#catalog_install-win_kb_catalog_install
"""

EXAMPLES = r"""
- name: Install the September 2024 cumulative update (each host downloads from Microsoft)
  winrepair.windows_update.win_kb_catalog_install:
    kb: KB5043080
  register: lcu

- name: Restart when the update asks for it
  ansible.windows.win_reboot:
  when: lcu.reboot_required

- name: Hosts without internet access get the newest update replacing KB5043080 from the controller
  winrepair.windows_update.win_kb_catalog_install:
    kb: KB5043080
    supersede: true
    download_mode: controller
    cache_dir: /srv/winrepair/cache

- name: Hosts read an internal mirror the controller fills
  winrepair.windows_update.win_kb_catalog_install:
    kb: KB5048667
    download_mode: mirror
    mirror_dir: /srv/www/updates
    mirror_url: https://updates.corp.example/updates/
    download_hosts: [updates.corp.example]

- name: Same from a file share
  winrepair.windows_update.win_kb_catalog_install:
    kb: KB5048667
    download_mode: mirror
    mirror_dir: /mnt/updates
    mirror_url: \\fileserver\updates

- name: Accept that an update is not applicable to some hosts
  winrepair.windows_update.win_kb_catalog_install:
    kb: KB5048667
    allow_not_applicable: true
"""

RETURN = r"""
pending:
  description: DISM still runs after O(yield_after) seconds; call the module again with RV(resume).
  returned: when the task gave its fork back
  type: bool
  sample: true
resume:
  description: What O(resume) of the next call needs (the result so far and the staged files).
  returned: when RV(pending)
  type: dict
resume_after:
  description:
    - Seconds the host can wait without a fork before the next call is worth it, five times O(yield_after). The
      collection's strategy C(winrepair.windows_update.free) gives the host no task for that long.
  returned: when RV(pending)
  type: float
  sample: 150.0
kb:
  description: The requested KB, normalised.
  returned: always
  type: str
  sample: KB5043080
update:
  description: The update chosen in the catalog; null when O(kb) was found installed before any catalog request.
  returned: always
  type: dict
  contains:
    kb:
      description: KB of the update that is installed (differs from O(kb) with O(supersede)).
      type: str
      sample: KB5048667
    guid:
      description: Catalog update id.
      type: str
    title:
      description: Catalog title.
      type: str
      sample: 2024-12 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5048667)
    superseded:
      description: Whether a newer update than O(kb) was chosen.
      type: bool
    requested:
      description: The catalog row of O(kb) itself (kb, guid, title).
      type: dict
catalog_product:
  description: Product searched in the catalog. Null when the task failed before.
  returned: always
  type: str
  sample: Windows 11 Version 24H2
catalog_architecture:
  description: Architecture searched in the catalog.
  returned: always
  type: str
  sample: x64
catalog:
  description: What this host's task asked the catalog.
  returned: always
  type: dict
  contains:
    from_cache:
      description: The answer came from the controller cache (another host or fork asked first); null when the catalog was not needed.
      type: bool
    requests:
      description: Requests this task sent to the catalog and its download hosts (retries count).
      type: int
download_mode:
  description: O(download_mode).
  returned: always
  type: str
outcome:
  description:
    - C(already_installed), C(would_install) (check mode), C(installed), C(reboot_required), C(not_applicable),
      C(failed), C(lost) (DISM ended without an exit code; also when the host restarted during DISM twice),
      or null when the task failed before DISM.
  returned: always
  type: str
already_installed:
  description: The update was installed before this task (found in C(Get-HotFix), or DISM said so).
  returned: always
  type: bool
installed:
  description: DISM installed the update in this run.
  returned: always
  type: bool
reboot_required:
  description: DISM exited with 3010 (ERROR_SUCCESS_REBOOT_REQUIRED); restart to complete the install.
  returned: always
  type: bool
not_applicable:
  description: DISM answered that the update is not applicable to the host.
  returned: always
  type: bool
target_path:
  description: The host path of the C(.msu) given to DISM.
  returned: always
  type: str
  sample: C:\ProgramData\winrepair\catalog\KB5048667-x64\windows11.0-kb5048667-x64_<sha1>.msu
files:
  description: The update's files in install order (checkpoints first, then the target).
  returned: always
  type: list
  elements: dict
  contains:
    file_name:
      description: Catalog file name.
      type: str
    kb:
      description: KB the file belongs to.
      type: str
    role:
      description: C(checkpoint), C(other) or C(target).
      type: str
    install_order:
      description: 1-based position.
      type: int
    url:
      description: Catalog download URL (https, on an allow-listed host).
      type: str
    sha1:
      description: SHA-1 from the catalog (hex).
      type: str
    sha256:
      description: SHA-256 (hex), from the catalog or computed by the controller cache; null when unknown.
      type: str
    host_path:
      description: Path on the host.
      type: str
    source:
      description:
        - C(planned) (check mode, or not reached), C(reused) (already on the host with the right hash),
          C(downloaded) (host mode), C(copied) (controller mode), C(mirror), C(removed) (removed again after a failure).
      type: str
    verified:
      description: Hash algorithm the host copy was checked with after it was written.
      type: str
      returned: when written in this run
    controller_download:
      description: The controller downloaded it in this task (false when the cache had it).
      type: bool
      returned: controller and mirror modes
    mirror_written:
      description: The file was (re)written in O(mirror_dir).
      type: bool
      returned: mirror mode
files_removed:
  description: The host folder of the update was removed after the install (O(keep_files=false)).
  returned: always
  type: bool
exit_code:
  description: DISM's exit code (signed, as DISM returns HRESULTs).
  returned: always
  type: int
  sample: 3010
hresult:
  description: The exit code decoded (hex, name, meaning, category, hint), as the collection's hresult filter does.
  returned: always
  type: dict
dism:
  description: The detached DISM run (null when DISM did not run).
  returned: always
  type: dict
  contains:
    command:
      description: The command line.
      type: str
    run_id:
      description: Run id; the run folder is C(C:\ProgramData\winrepair\runs\<run_id>).
      type: str
    state:
      description: C(exited) or C(lost).
      type: str
    exit_code:
      description: Exit code.
      type: int
    start_time:
      description: Start (ISO 8601).
      type: str
    end_time:
      description: End (ISO 8601).
      type: str
    duration_seconds:
      description: Duration on the host.
      type: int
    attached:
      description: An earlier run of the same command was found and waited for.
      type: bool
    polls:
      description: Status polls.
      type: int
    connection_errors:
      description: Polls that failed and were retried.
      type: int
    restarts:
      description:
        - 1 when the host restarted while DISM ran (the restart ended it, the host booted after it started)
          and DISM was started again; this is its second run. 0 otherwise.
      type: int
    message:
      description: DISM's last message line.
      type: str
msg:
  description: What happened, and on failure what to do.
  returned: when there is something to say
  type: str
"""
