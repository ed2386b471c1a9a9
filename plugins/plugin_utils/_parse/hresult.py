# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Decode Windows error numbers (HRESULT, Win32, setup result codes) into facts.

One table, shared by the action plugins, the output parsers of this folder and
the ``winrepair.windows_update.hresult`` filter, so a code means the same thing
everywhere. Each entry carries a ``category`` the repair ladder branches on and
a short ``hint``; the names and meanings come from the public sources cited
above each block.

``decode(value)`` accepts:
- an int, unsigned (2147943174) or signed 32-bit (-2147024122);
- a decimal string ("-2146498529", "3010");
- a hex string ("0x80070306", "0X80070306", "80070306", "0x5");
- a setup result pair "0xC1900101 - 0x4000D" (then an ``extend`` key is added).

A value from 0 to 65535 is a plain Win32 error code (what wusa.exe, msiexec or a
process exit code gives), not an HRESULT: 3010 is ERROR_SUCCESS_REBOOT_REQUIRED.
A string of exactly eight decimal digits ("80070306") is read as hex: as a
decimal number it would be a success HRESULT of an unassigned facility, while
the same digits are a common way to write a failure HRESULT without "0x".
"""
from __future__ import annotations

import re

__all__ = [
    "FACILITIES",
    "HRESULTS",
    "WIN32",
    "SETUP_PHASES",
    "SETUP_OPERATIONS",
    "decode",
    "decode_extend",
    "parse_code",
    "to_signed",
    "to_unsigned",
    "hresult_from_win32",
    "source_missing_codes",
]

# Facility numbers: winerror.h (Windows SDK; also microsoft/win32metadata).
# 0x190 is not a winerror.h facility: it is the facility field of the 0xC190xxxx
# "modern setup" (MOSETUP_E_*) codes listed in windows-itpro-docs
# windows/deployment/upgrade/resolution-procedures.md.
FACILITIES = {
    0: "NULL",
    1: "RPC",
    2: "DISPATCH",
    3: "STORAGE",
    4: "ITF",
    7: "WIN32",
    8: "WINDOWS",
    9: "SECURITY",
    10: "CONTROL",
    11: "CERT",
    12: "INTERNET",
    13: "MEDIASERVER",
    14: "MSMQ",
    15: "SETUPAPI",
    16: "SCARD",
    17: "COMPLUS",
    19: "URT",
    20: "ACS",
    23: "SXS",
    25: "HTTP",
    32: "BACKGROUNDCOPY",
    33: "CONFIGURATION",
    36: "WINDOWSUPDATE",
    37: "DIRECTORYSERVICE",
    38: "GRAPHICS",
    39: "SHELL",
    40: "TPM_SERVICES",
    41: "TPM_SOFTWARE",
    49: "FVE",
    50: "FWP",
    51: "WINRM",
    0x190: "MOSETUP",
}

# Repair-ladder categories (documented in plugins/filter/hresult.yml).
CATEGORIES = (
    "success",
    "reboot_required",
    "already_installed",
    "not_applicable",
    "component_store",
    "forward_delta_hydration",
    "errors_encountered",
    "servicing_stack",
    "source_missing",
    "download",
    "network",
    "disk",
    "access",
    "file_in_use",
    "service_disabled",
    "timeout",
    "pending_operation",
    "driver_rollback",
    "compat_block",
    "requirements",
    "setup_scan_clean",
    "setup",
    "update_agent",
    "generic",
)

_HINTS = {
    "success": "Nothing to repair.",
    "reboot_required": "Succeeded; restart the host to finish.",
    "already_installed": "The update is already installed; treat as done.",
    "not_applicable": "The update does not apply to this host (edition, build or a newer update present).",
    "component_store": "Component store corruption: DISM /RestoreHealth (with a matching source), then sfc /scannow.",
    "forward_delta_hydration": "Files could not be rebuilt from deltas; usually only a repair (in-place) install fixes it.",
    "errors_encountered": "Generic servicing failure: scan CBS.log; with 'Hydration failed' / 'Forward Delta' "
                          "lines (cause forward_delta_hydration) only a repair install has fixed it.",
    "servicing_stack": "Install the latest servicing stack / checkpoint update first, or let the servicing operation finish.",
    "source_missing": "Repair source not found: give DISM a /Source matching the installed build and edition.",
    "download": "Download failed or content is bad: reset the Windows Update components and download again.",
    "network": "Update source not reachable: check proxy, DNS, firewall and the WSUS/WU endpoint.",
    "disk": "Not enough free disk space: clean up (DISM /StartComponentCleanup, temp files) and retry.",
    "access": "Access denied: run elevated / as SYSTEM (wusa over WinRM is denied) and check ACLs.",
    "file_in_use": "A file is locked by another process (often antivirus): retry after a restart or clean boot.",
    "service_disabled": "A required service is disabled: set wuauserv/bits/TrustedInstaller to their default start type.",
    "timeout": "The operation timed out: retry; give the host more resources.",
    "pending_operation": "A previous operation is pending: restart the host, then retry.",
    "driver_rollback": "Setup rolled back, usually a driver: read the extend code, update or remove the driver, retry.",
    "compat_block": "Setup found a compatibility block: read CompatData*.xml and remove the blocker.",
    "requirements": "The host does not meet the requirements of the target version.",
    "setup_scan_clean": "Setup compatibility scan found no issues; the upgrade can proceed.",
    "setup": "Windows Setup failed: read setupact.log / setuperr.log.",
    "update_agent": "Windows Update agent error: reset the Windows Update components and retry.",
    "generic": "See CBS.log / WindowsUpdate.log for the operation that failed.",
}

# Plain Win32 error codes: name, message, category.
# Source: Microsoft Learn "System Error Codes" (winerror.h), and for the
# categories windows-itpro-docs windows/deployment/upgrade/upgrade-error-codes.md
# (0x80070070 = ERROR_DISK_FULL) and SupportArticles "Windows Update common
# errors and mitigation" (common-windows-update-errors.md).
# 774 is ERROR_ERRORS_ENCOUNTERED, never "the handle is invalid" (that is 6).
# 23 (ERROR_CRC) and 1117 (ERROR_IO_DEVICE): winerror.h, checked in microsoft/win32metadata
# generation/WinSDK/RecompiledIdlHeaders/shared/winerror.h. No category names a failing disk;
# diagnosis.py maps both codes to its storage_fault cause by code, so they stay "generic".
WIN32 = {
    0: ("ERROR_SUCCESS", "The operation completed successfully.", "success"),
    1: ("ERROR_INVALID_FUNCTION", "Incorrect function.", "generic"),
    2: ("ERROR_FILE_NOT_FOUND", "The system cannot find the file specified.", "download"),
    3: ("ERROR_PATH_NOT_FOUND", "The system cannot find the path specified.", "generic"),
    5: ("ERROR_ACCESS_DENIED", "Access is denied.", "access"),
    6: ("ERROR_INVALID_HANDLE", "The handle is invalid.", "generic"),
    8: ("ERROR_NOT_ENOUGH_MEMORY", "Not enough memory resources are available to process this command.", "generic"),
    13: ("ERROR_INVALID_DATA", "The data is invalid.", "download"),
    14: ("ERROR_OUTOFMEMORY", "Not enough memory resources are available to complete this operation.", "generic"),
    23: ("ERROR_CRC", "Data read from the device failed its cyclic redundancy check (CRC).", "generic"),
    31: ("ERROR_GEN_FAILURE", "A device attached to the system is not functioning.", "generic"),
    32: ("ERROR_SHARING_VIOLATION",
         "The process cannot access the file because it is being used by another process.", "file_in_use"),
    87: ("ERROR_INVALID_PARAMETER", "The parameter is incorrect.", "generic"),
    112: ("ERROR_DISK_FULL", "There is not enough space on the disk.", "disk"),
    # 126/127: winerror.h in microsoft/win32metadata (generation/WinSDK/RecompiledIdlHeaders/shared).
    # DISM ends with "Error: 127" when a package step failed that way (abbodi1406/BatUtil#21).
    126: ("ERROR_MOD_NOT_FOUND", "The specified module could not be found.", "generic"),
    127: ("ERROR_PROC_NOT_FOUND", "The specified procedure could not be found.", "generic"),
    740: ("ERROR_ELEVATION_REQUIRED", "The requested operation requires elevation.", "access"),
    774: ("ERROR_ERRORS_ENCOUNTERED", "One or more errors occurred while processing the request.",
          "errors_encountered"),
    1058: ("ERROR_SERVICE_DISABLED",
           "The service cannot be started, either because it is disabled or because it has no enabled "
           "devices associated with it.", "service_disabled"),
    1117: ("ERROR_IO_DEVICE", "An I/O error on the device stopped the request.", "generic"),
    1168: ("ERROR_NOT_FOUND", "Element not found.", "generic"),
    1392: ("ERROR_FILE_CORRUPT", "The file or directory is corrupted and unreadable.", "component_store"),
    1460: ("ERROR_TIMEOUT", "This operation returned because the timeout period expired.", "timeout"),
    1603: ("ERROR_INSTALL_FAILURE", "Fatal error during installation.", "generic"),
    1618: ("ERROR_INSTALL_ALREADY_RUNNING",
           "Another installation is already in progress. Complete that installation before proceeding "
           "with this install.", "pending_operation"),
    1641: ("ERROR_SUCCESS_REBOOT_INITIATED",
           "The requested operation completed successfully. The system will be restarted so the changes "
           "can take effect.", "reboot_required"),
    3010: ("ERROR_SUCCESS_REBOOT_REQUIRED",
           "The requested operation is successful. Changes will not be effective until the system is "
           "rebooted.", "reboot_required"),
    3017: ("ERROR_FAIL_REBOOT_REQUIRED",
           "The requested operation failed. A system reboot is required to roll back changes made.",
           "pending_operation"),
    6801: ("ERROR_RM_NOT_ACTIVE",
           "Transaction support within the specified resource manager is not started or was shut down "
           "due to an error.", "component_store"),
    14081: ("ERROR_SXS_ASSEMBLY_MISSING", "The referenced assembly could not be found.", "component_store"),
    14098: ("ERROR_SXS_COMPONENT_STORE_CORRUPT", "The component store has been corrupted.", "component_store"),
    14107: ("ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE",
            "One or more required members of the transaction are not present.", "component_store"),
}

# Win32 codes that are not failures although non-zero.
_WIN32_SUCCESS = frozenset((0, 1641, 3010))

# HRESULTs that have their own name or meaning (everything FACILITY_WIN32 that
# is not listed here is derived from WIN32 above).
HRESULTS = {
    # Generic COM failures: winerror.h.
    0x80004005: ("E_FAIL", "Unspecified failure.", "generic"),
    0x8000FFFF: ("E_UNEXPECTED", "Catastrophic failure.", "generic"),
    # winerror.h names for HRESULT_FROM_WIN32 values (E_ACCESSDENIED = 0x80070005 etc.).
    0x80070005: ("E_ACCESSDENIED", "General access denied error.", "access"),
    0x80070006: ("E_HANDLE", "Handle that is not valid.", "generic"),
    0x8007000E: ("E_OUTOFMEMORY", "Failed to allocate necessary memory.", "generic"),
    0x80070057: ("E_INVALIDARG", "One or more arguments are not valid.", "generic"),

    # CBS / servicing (FACILITY_SETUPAPI 0x800F08xx/09xx): SupportArticles-docs
    # "Windows Update common errors and mitigation", "Fix Windows Update errors
    # via DISM or System Update Readiness tool" (KB 947821), Microsoft Learn
    # DISM "Repair a Windows Image". The CBS_E_* names are in no header of the
    # public SDK (microsoft/win32metadata has none).
    #
    # The source-missing family: DISM found no repair content, so the next step
    # is a /Source matching the installed build (category "source_missing",
    # one class wherever a code is judged: dism_output, cbs_log, diagnosis).
    # 0x800F081F, 0x800F0906, 0x800F0907 with their names and messages: Microsoft
    # Learn ".NET Framework 3.5 deployment errors and resolution steps", table 1
    # (learn.microsoft.com/windows-hardware/manufacture/desktop/net-framework-35-deployment-errors-and-resolution-steps).
    0x800F081F: ("CBS_E_SOURCE_MISSING",
                 "The source for the package or file was not found; the source files could not be found.",
                 "source_missing"),
    0x800F0906: ("CBS_E_DOWNLOAD_FAILURE", "The source files could not be downloaded.", "source_missing"),
    0x800F0907: ("CBS_E_GROUPPOLICY_DISALLOWED",
                 "Group policy does not allow downloading repair content from Windows Update.", "source_missing"),
    # 0x800F0915: no symbolic name in any Microsoft header or page found. DISM
    # /RestoreHealth prints it with "No se encontró el contenido de reparación en
    # ningún lugar." (es-ES, Raphire/Win11Debloat#608) and "Der Reparaturinhalt
    # wurde nirgends gefunden." (de-DE, zoicware/RemoveWindowsAI#180).
    0x800F0915: (None, "The repair content could not be found anywhere (no repair source had the files).",
                 "source_missing"),
    # 0x800F0950 / 0x800F0954: ASSUMPTION kept from this collection's earlier
    # DISM reading: feature and repair content that could not be had from
    # Windows Update / WSUS; no Microsoft page or header naming them was found.
    0x800F0950: (None, "Repair or feature content could not be obtained (no source).", "source_missing"),
    0x800F0954: (None, "Repair or feature content could not be obtained from Windows Update or WSUS.",
                 "source_missing"),
    # 0x800F0830: the name as public tools' CBS error tables give it (no Microsoft
    # header or page found); the message is DISM's own (abbodi1406/BatUtil#21).
    # An unserviceable image is a broken component store.
    0x800F0830: ("CBS_E_IMAGE_UNSERVICEABLE",
                 "The specified image is no longer serviceable and may be corrupted.", "component_store"),
    0x800F0922: ("CBS_E_INSTALLERS_FAILED",
                 "Processing of advanced installers and generic commands failed.", "servicing_stack"),
    0x800F0831: ("CBS_E_STORE_CORRUPTION", "CBS store is corrupted.", "component_store"),
    0x800F0823: ("CBS_E_NEW_SERVICING_STACK_REQUIRED",
                 "The package requires a newer version of the servicing stack.", "servicing_stack"),
    0x800F0821: ("CBS_E_ABORT", "Client abort; the CBS transaction timeout was exceeded.", "timeout"),
    0x800F0825: ("CBS_E_CANNOT_UNINSTALL", "The package cannot be uninstalled.", "component_store"),
    0x800F081E: ("CBS_E_NOT_APPLICABLE", "The package is not applicable.", "not_applicable"),
    0x800F0920: ("CBS_E_HANG_DETECTED",
                 "A failure to respond was detected while processing the operation.", "timeout"),
    0x800F0982: ("PSFX_E_MATCHING_COMPONENT_NOT_FOUND",
                 "Can't identify matching component for hydration.", "forward_delta_hydration"),
    0x800F0984: ("PSFX_E_MATCHING_BINARY_MISSING",
                 "Matching component directory exists but binary missing.", "forward_delta_hydration"),
    0x800F0986: ("PSFX_E_APPLY_FORWARD_DELTA_FAILED", "Applying forward delta failed.",
                 "forward_delta_hydration"),
    0x800F0988: ("PSFX_E_INVALID_DELTA_COMBINATION",
                 "Invalid delta combination; superseded components need cleanup "
                 "(DISM /Cleanup-Image /StartComponentCleanup).", "forward_delta_hydration"),

    # Security / crypto: winerror.h; KB 947821 table. CERT_E_UNTRUSTEDROOT checked in
    # microsoft/win32metadata generation/WinSDK/RecompiledIdlHeaders/shared/winerror.h;
    # "download" like TRUST_E_NOSIGNATURE, the other catroot2 code diagnosis.py sends to the reset rung.
    0x80092003: ("CRYPT_E_FILE_ERROR", "An error occurred while reading or writing to a file.", "download"),
    0x80092004: ("CRYPT_E_NOT_FOUND", "Cannot find object or property.", "component_store"),
    0x800B0100: ("TRUST_E_NOSIGNATURE", "No signature was present in the subject.", "download"),
    0x800B0101: ("CERT_E_EXPIRED",
                 "A required certificate is not within its validity period.", "generic"),
    0x800B0109: ("CERT_E_UNTRUSTEDROOT",
                 "The certificate chain ends in a root certificate that the trust provider does not trust.",
                 "download"),

    # Windows Update agent: wuerror.h (Windows SDK um/wuerror.h,
    # microsoft/win32metadata); mitigations from "Windows Update common errors
    # and mitigation". WU_E_DM_INCORRECTFILEHASH, WU_E_DS_NODATA and
    # WU_E_SETUP_REBOOTREQUIRED checked in microsoft/win32metadata
    # generation/WinSDK/RecompiledIdlHeaders/um/wuerror.h; their categories follow
    # the cause diagnosis.py gives them (download cache, download cache, pending reboot).
    0x00240001: ("WU_S_SERVICE_STOP", "Windows Update Agent was stopped successfully.", "success"),
    0x00240005: ("WU_S_REBOOT_REQUIRED", "The system must be restarted to complete installation of the update.",
                 "reboot_required"),
    0x00240006: ("WU_S_ALREADY_INSTALLED", "The update to be installed is already installed on the system.",
                 "already_installed"),
    0x00240007: ("WU_S_ALREADY_UNINSTALLED", "The update to be removed is not installed on the system.",
                 "already_installed"),
    0x80240016: ("WU_E_INSTALL_NOT_ALLOWED",
                 "Operation tried to install while another installation was in progress or the system was "
                 "pending a mandatory restart.", "pending_operation"),
    0x80240017: ("WU_E_NOT_APPLICABLE", "Operation was not performed because there are no applicable updates.",
                 "not_applicable"),
    0x8024001E: ("WU_E_SERVICE_STOP",
                 "Operation did not complete because the service or system was being shut down.", "update_agent"),
    0x8024001F: ("WU_E_NO_CONNECTION",
                 "Operation did not complete because the network connection was unavailable.", "network"),
    0x80240020: ("WU_E_NO_INTERACTIVE_USER",
                 "Operation did not complete because there is no logged-on interactive user.", "pending_operation"),
    0x80240022: ("WU_E_ALL_UPDATES_FAILED", "Operation failed for all the updates.", "update_agent"),
    0x8024002E: ("WU_E_WU_DISABLED", "Access to an unmanaged server is not allowed.", "update_agent"),
    0x80240034: ("WU_E_DOWNLOAD_FAILED", "Update failed to download.", "download"),
    0x80240FFF: ("WU_E_UNEXPECTED", "An operation failed due to reasons not covered by another error code.",
                 "update_agent"),
    0x80242006: ("WU_E_UH_INVALIDMETADATA",
                 "A handler operation could not be completed because the update contains invalid metadata.",
                 "download"),
    0x8024200D: ("WU_E_UH_NEEDANOTHERDOWNLOAD",
                 "The update handler did not install the update because it needs to be downloaded again.",
                 "download"),
    0x80242014: ("WU_E_UH_POSTREBOOTSTILLPENDING",
                 "The post-reboot operation for the update is still in progress.", "reboot_required"),
    0x80242016: ("WU_E_UH_POSTREBOOTUNEXPECTEDSTATE",
                 "The state of the update after its post-reboot operation has completed is unexpected.",
                 "pending_operation"),
    0x80244019: ("WU_E_PT_HTTP_STATUS_NOT_FOUND",
                 "Same as HTTP status 404 - the server cannot find the requested URI (Uniform Resource "
                 "Identifier).", "network"),
    0x8024401B: ("WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ",
                 "Same as HTTP status 407 - proxy authentication is required.", "network"),
    0x8024401C: ("WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT",
                 "Same as HTTP status 408 - the server timed out waiting for the request.", "network"),
    0x80244022: ("WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL",
                 "Same as HTTP status 503 - the service is temporarily overloaded.", "network"),
    0x8024402C: ("WU_E_PT_WINHTTP_NAME_NOT_RESOLVED",
                 "Same as ERROR_WINHTTP_NAME_NOT_RESOLVED - the proxy server or target server name cannot be "
                 "resolved.", "network"),
    0x8024402F: ("WU_E_PT_ECP_SUCCEEDED_WITH_ERRORS",
                 "External cab file processing completed with some errors.", "network"),
    # wuerror.h (microsoft/win32metadata generation/WinSDK/RecompiledIdlHeaders/um/wuerror.h).
    0x80240438: ("WU_E_PT_ENDPOINT_UNREACHABLE", "There is no route or network connectivity to the endpoint.",
                 "network"),
    0x80246002: ("WU_E_DM_INCORRECTFILEHASH",
                 "The download manager did not recognise the digest of a downloaded file.", "download"),
    0x80246007: ("WU_E_DM_NOTDOWNLOADED", "The update has not been downloaded.", "download"),
    0x80246017: ("WU_E_DM_UNAUTHORIZED_LOCAL_USER",
                 "The download failed because the local user was denied authorization to download the content.",
                 "access"),
    0x80248007: ("WU_E_DS_NODATA", "The Windows Update data store does not hold the requested information.",
                 "download"),
    0x8024A005: ("WU_E_AU_NO_REGISTERED_SERVICE", "No unmanaged service is registered with AU.", "update_agent"),
    # 0x8024A105 is not defined in the public wuerror.h; Windows Update shows it
    # as a generic agent failure. Kept without a symbolic name on purpose.
    0x8024A105: (None, "Windows Update agent error (not defined in the public wuerror.h).", "update_agent"),
    0x8024A10A: ("USO_E_SERVICE_SHUTTING_DOWN", "The Windows Update service is shutting down.", "update_agent"),
    0x8024D00E: ("WU_E_SETUP_REBOOTREQUIRED",
                 "The Windows Update Agent setup package needs a restart to finish installing.", "pending_operation"),

    # Network (WinINet / WinHTTP): "Windows Update common errors and mitigation".
    0x80072EE2: ("WININET_E_TIMEOUT", "The operation timed out.", "network"),
    0x80072EFD: ("WININET_E_CANNOT_CONNECT", "The attempt to connect to the server failed.", "network"),
    0x80072EFE: ("WININET_E_CONNECTION_ABORTED", "The connection with the server was closed abnormally.",
                 "network"),
    0x80072F8F: ("WININET_E_DECODING_FAILED", "Content decoding has failed (TLS / clock problem).", "network"),

    # Windows Setup result codes: windows-itpro-docs
    # windows/deployment/upgrade/upgrade-error-codes.md and
    # resolution-procedures.md ("Modern setup errors").
    0xC1900101: ("MOSETUP_E_SETUP_PLATFORM",
                 "The Setup Platform has encountered an unspecified error (generic rollback code; usually a "
                 "driver).", "driver_rollback"),
    0xC1900107: ("MOSETUP_E_CLEANUP_PENDING",
                 "A cleanup operation from a previous installation attempt is still pending. A system reboot "
                 "is required.", "pending_operation"),
    0xC190012F: ("MOSETUP_E_FINALIZE_ALREADY_REQUESTED",
                 "The install cannot continue because a finalize operation was already requested.",
                 "pending_operation"),
    0xC19001DF: ("MOSETUP_E_DISK_FULL",
                 "The install cannot continue because the system is out of disk space.", "disk"),
    0xC1900200: ("MOSETUP_E_COMPAT_SYSREQ_BLOCK",
                 "The system does not pass the minimum requirements to install the update.", "requirements"),
    0xC1900201: ("MOSETUP_E_COMPAT_SYSREQ_CANCEL",
                 "The user has chosen to cancel because the system does not pass the minimum requirements to "
                 "install the update.", "requirements"),
    0xC1900204: ("MOSETUP_E_COMPAT_MIGCHOICE_BLOCK",
                 "The system does not pass the requirements for desired migration choice.", "compat_block"),
    0xC1900208: ("MOSETUP_E_COMPAT_INSTALLREQ_BLOCK",
                 "The system does not pass the compat scan to install the update (actionable compat issue, "
                 "such as an incompatible app).", "compat_block"),
    0xC190020E: ("MOSETUP_E_INSTALLDISKSPACE_BLOCK",
                 "The system does not pass the disk space requirements to install the payload.", "disk"),
    0xC1900210: ("MOSETUP_E_COMPAT_SCANONLY",
                 "Setup did not find any compat issue (setup.exe was run with /Compat ScanOnly).",
                 "setup_scan_clean"),
    0xC1900216: ("MOSETUP_E_ROLLBACK_PENDING", "Found pending OS rollback operation.", "pending_operation"),
    # 0xC1900223 is not in the MOSETUP table of resolution-procedures.md; Microsoft's
    # Windows Update troubleshooter pages describe it as a problem downloading or
    # installing the feature update that Windows Update retries later. No public
    # symbolic name: the "Modern setup errors" tables of windows-itpro-docs
    # windows/deployment/upgrade/resolution-procedures.md and SupportArticles-docs
    # support/windows-client/deployment/windows-10-upgrade-resolution-procedures.md
    # go from 0xC1900220 to 0xC1900400, and neither header names it.
    0xC1900223: (None, "There was a problem downloading or installing the feature update (Windows Update "
                       "will retry).", "download"),
}

# Extend code of a setup result: phase (first hex digit) and operation (last two
# digits). Source: windows-itpro-docs windows/deployment/upgrade/upgrade-error-codes.md
# ("Extend codes"). resolution-procedures.md calls phase 4 "SECOND_BOOT".
SETUP_PHASES = {
    0: ("SP_EXECUTION_UNKNOWN", "UNKNOWN"),
    1: ("SP_EXECUTION_DOWNLEVEL", "DOWNLEVEL"),
    2: ("SP_EXECUTION_SAFE_OS", "SAFE_OS"),
    3: ("SP_EXECUTION_FIRST_BOOT", "FIRST_BOOT"),
    4: ("SP_EXECUTION_OOBE_BOOT", "SECOND_BOOT"),
    5: ("SP_EXECUTION_UNINSTALL", "UNINSTALL"),
}

SETUP_OPERATIONS = {
    0x00: "UNKNOWN",
    0x01: "COPY_PAYLOAD",
    0x02: "DOWNLOAD_UPDATES",
    0x03: "INSTALL_UPDATES",
    0x04: "INSTALL_RECOVERY_ENVIRONMENT",
    0x05: "INSTALL_RECOVERY_IMAGE",
    0x06: "REPLICATE_OC",
    0x07: "INSTALL_DRVIERS",  # sic: spelled so in the Microsoft table
    0x08: "PREPARE_SAFE_OS",
    0x09: "PREPARE_ROLLBACK",
    0x0A: "PREPARE_FIRST_BOOT",
    0x0B: "PREPARE_OOBE_BOOT",
    0x0C: "APPLY_IMAGE",
    0x0D: "MIGRATE_DATA",
    0x0E: "SET_PRODUCT_KEY",
    0x0F: "ADD_UNATTEND",
    0x10: "ADD_DRIVER",
    0x11: "ENABLE_FEATURE",
    0x12: "DISABLE_FEATURE",
    0x13: "REGISTER_ASYNC_PROCESS",
    0x14: "REGISTER_SYNC_PROCESS",
    0x15: "CREATE_FILE",
    0x16: "CREATE_REGISTRY",
    0x17: "BOOT",
    0x18: "SYSPREP",
    0x19: "OOBE",
    0x1A: "BEGIN_FIRST_BOOT",
    0x1B: "END_FIRST_BOOT",
    0x1C: "BEGIN_OOBE_BOOT",
    0x1D: "END_OOBE_BOOT",
    0x1E: "PRE_OOBE",
    0x1F: "POST_OOBE",
    0x20: "ADD_PROVISIONING_PACKAGE",
}

# Category of an unknown failure code, by facility.
_FACILITY_CATEGORY = {36: "update_agent", 0x190: "setup", 12: "network", 25: "network", 32: "download"}


def source_missing_codes():
    """The HRESULTs of the source-missing family (category "source_missing"), as a frozenset."""
    return frozenset(code for code, entry in HRESULTS.items() if entry[2] == "source_missing")


_HEX_RE = re.compile(r"^(?:0x)?([0-9a-f]{1,8})$", re.IGNORECASE)
_DEC_RE = re.compile(r"^[+-]?[0-9]+$")
_PAIR_RE = re.compile(r"^\s*(\S+)\s*-\s*(-?\s*(?:0x)?[0-9a-f]{1,8})\s*$", re.IGNORECASE)


def to_unsigned(value: int) -> int:
    """A signed or unsigned 32-bit number as unsigned."""
    if not -0x80000000 <= value <= 0xFFFFFFFF:
        raise ValueError("%d does not fit in 32 bits" % value)
    return value & 0xFFFFFFFF


def to_signed(value: int) -> int:
    """A signed or unsigned 32-bit number as signed (how DISM and .NET show it)."""
    value = to_unsigned(value)
    return value - 0x100000000 if value & 0x80000000 else value


def hresult_from_win32(code: int) -> int:
    """HRESULT_FROM_WIN32 as winerror.h defines it."""
    if code <= 0:
        return code & 0xFFFFFFFF
    return ((code & 0xFFFF) | (7 << 16) | 0x80000000) & 0xFFFFFFFF


def parse_code(value) -> int:
    """Any accepted spelling of a code -> its unsigned 32-bit value.

    Raises ValueError (or TypeError for other types) when the input is not a code.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not an error code")
    if isinstance(value, int):
        return to_unsigned(value)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        raise TypeError("cannot read an error code from %s" % type(value).__name__)
    text = value.strip()
    if text.endswith(("L", "l")) and text[:-1].lower().startswith(("0x", "-0x")):
        text = text[:-1]  # C literal suffix as in winerror.h
    if not text:
        raise ValueError("empty string is not an error code")
    lowered = text.lower()
    if lowered.startswith("-0x"):
        return to_unsigned(-int(lowered[3:], 16))
    if lowered.startswith("0x"):
        match = _HEX_RE.match(lowered)
        if not match:
            raise ValueError("%r is not a 32-bit hex code" % value)
        return int(match.group(1), 16)
    if _DEC_RE.match(text):
        if len(text) == 8 and text.isdigit():
            return int(text, 16)  # "80070306": see the module docstring
        return to_unsigned(int(text, 10))
    match = _HEX_RE.match(text)
    if match:
        return int(match.group(1), 16)
    raise ValueError("%r is not an error code" % value)


def _hex(value: int) -> str:
    return "0x%08X" % value


def _category_fields(category):
    return {"category": category, "hint": _HINTS.get(category, _HINTS["generic"])}


def _decode_win32(code: int) -> dict:
    entry = WIN32.get(code)
    name, meaning, category = entry if entry else (None, None, None)
    hres = hresult_from_win32(code)
    result = {
        "input_kind": "win32",
        "hex": _hex(code),
        "unsigned": code,
        "signed": code,
        "severity": "success" if code in _WIN32_SUCCESS else "failure",
        "facility": {"number": 7, "name": "WIN32"},
        "code": code,
        "name": name,
        "meaning": meaning,
        "win32": {"code": code, "name": name},
        "hresult": _hex(hres),
        "known": entry is not None,
    }
    result.update(_category_fields(category or ("success" if code == 0 else "generic")))
    return result


def _decode_hresult(value: int) -> dict:
    facility_number = (value >> 16) & 0x7FF
    code = value & 0xFFFF
    failure = bool(value & 0x80000000)
    # 0xC... values are written in NTSTATUS style (upgrade-error-codes.md:
    # "C = NTSTATUS value"); bit 30 is the HRESULT "R" bit otherwise.
    style = "ntstatus" if (value >> 30) == 3 else "hresult"
    entry = HRESULTS.get(value)
    win32 = None
    name = meaning = category = None
    if facility_number == 7 and failure:
        w_entry = WIN32.get(code)
        win32 = {"code": code, "name": w_entry[0] if w_entry else None}
        if w_entry:
            name, meaning, category = w_entry
    if entry:
        name = entry[0] or name
        meaning = entry[1]
        category = entry[2]
    known = entry is not None or (win32 is not None and win32["name"] is not None)
    if category is None:
        if not failure:
            category = "success"
        else:
            category = _FACILITY_CATEGORY.get(facility_number, "generic")
    result = {
        "input_kind": style,
        "hex": _hex(value),
        "unsigned": value,
        "signed": to_signed(value),
        "severity": "failure" if failure else "success",
        "facility": {"number": facility_number, "name": FACILITIES.get(facility_number)},
        "code": code,
        "name": name,
        "meaning": meaning,
        "win32": win32,
        "hresult": _hex(value),
        "known": known,
    }
    result.update(_category_fields(category))
    return result


def decode_extend(value) -> dict:
    """Decode a Windows Setup extend code (0x4000D) into phase and operation."""
    # Written "0x4000D" or "-0x4000D" (a sign sometimes shown by tools); the sign means nothing.
    if isinstance(value, int) and not isinstance(value, bool):
        number = to_unsigned(abs(value))
    else:
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        if isinstance(text, str):
            text = text.strip().lstrip("-").strip()
        number = parse_code(text)
    phase_number = (number >> 16) & 0xF
    op_number = number & 0xFF
    phase = SETUP_PHASES.get(phase_number)
    operation = SETUP_OPERATIONS.get(op_number)
    return {
        "hex": "0x%X" % number,
        "value": number,
        "phase": {
            "number": phase_number,
            "name": phase[0] if phase else None,
            "short": phase[1] if phase else None,
        },
        "operation": {
            "number": op_number,
            "name": ("SP_EXECUTION_OP_" + operation) if operation else None,
            "short": operation,
        },
        "known": phase is not None and operation is not None,
    }


def decode(value) -> dict:
    """Decode one code (see the module docstring for the accepted forms)."""
    if isinstance(value, str) and _PAIR_RE.match(value) and not _DEC_RE.match(value.strip()):
        main, extend = _PAIR_RE.match(value).groups()
        result = decode(main)
        extend = extend.replace(" ", "").lstrip("-")
        if not extend.lower().startswith("0x"):
            extend = "0x" + extend
        result["extend"] = decode_extend(extend)
        return result
    number = parse_code(value)
    if number <= 0xFFFF:
        return _decode_win32(number)
    return _decode_hresult(number)
