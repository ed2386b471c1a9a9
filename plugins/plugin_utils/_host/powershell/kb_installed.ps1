# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What win_kb_catalog_install needs from a host before it asks the Microsoft
# Update Catalog, in one read-only round trip (so it also runs in check mode):
# - the catalog product: from the build, ProductType and EditionID (see
#   Get-ProductName; the registry ProductName still says "Windows 10" on
#   Windows 11 and the WMI caption is localized), DisplayVersion (24H2;
#   ReleaseId on releases before 20H2), the build and InstallationType
#   (Client / Server / Server Core);
# - the architecture of the OS (see Get-OsArchitecture);
# - the installed updates: Get-HotFix (Win32_QuickFixEngineering) lists the
#   KB of every update CBS installed, also those added with DISM /Add-Package;
# - whether CBS waits for a restart (an install then usually fails or stays
#   pending until the restart).
[CmdletBinding(SupportsShouldProcess)]
param ()

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("kb_installed.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

function Get-OsArchitecture {
    # The OS's architecture, not this process's: a 32-bit PowerShell on 64-bit
    # Windows says x86 in PROCESSOR_ARCHITECTURE and the OS's in
    # PROCESSOR_ARCHITEW6432 (Microsoft Learn "WOW64 Implementation Details").
    $name = [string]$env:PROCESSOR_ARCHITEW6432
    if (-not $name) { $name = [string]$env:PROCESSOR_ARCHITECTURE }
    switch ($name) {
        'AMD64' { return 'x64' }
        'ARM64' { return 'arm64' }
        default { return 'x86' }
    }
}

function Get-ProductName([int]$Build, [int]$ProductType, [string]$EditionId) {
    # The product from numbers, never from Win32_OperatingSystem.Caption, which
    # is in the display language (Russian Windows writes "Microsoft" in Cyrillic). ProductType 1 is
    # a workstation, 2 a domain controller, 3 a server (Microsoft Learn
    # "Win32_OperatingSystem class"); Windows 11 starts at build 22000
    # ("Windows 11 release information"), Server releases by build ("Windows
    # Server release information"). The edition word as the English product
    # names have it (EditionID otherwise).
    $editions = @{ core = 'Home'; coren = 'Home N'; coresinglelanguage = 'Home Single Language'; professional = 'Pro'
        professionaln = 'Pro N'; education = 'Education'; educationn = 'Education N'; enterprise = 'Enterprise'
        enterprisen = 'Enterprise N'; professionalworkstation = 'Pro for Workstations'; serverstandard = 'Standard'
        serverdatacenter = 'Datacenter' }
    if ($ProductType -eq 1) {
        if ($Build -ge 22000) { $family = 'Windows 11' }
        elseif ($Build -ge 10240) { $family = 'Windows 10' }
        else { $family = 'Windows 8.1' }
    }
    else {
        switch ($Build) {
            9600 { $family = 'Windows Server 2012 R2' }
            14393 { $family = 'Windows Server 2016' }
            17763 { $family = 'Windows Server 2019' }
            20348 { $family = 'Windows Server 2022' }
            26100 { $family = 'Windows Server 2025' }
            default { $family = 'Windows Server' }
        }
    }
    $edition = $editions[$EditionId.ToLowerInvariant()]
    if (-not $edition) { $edition = $EditionId }
    return ("$family $edition").Trim()
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$arch = Get-OsArchitecture
$displayVersion = [string]$cv.DisplayVersion
if (-not $displayVersion) {
    $displayVersion = [string]$cv.ReleaseId
}
$installed = @(Get-HotFix | ForEach-Object { ([string]$_.HotFixID).ToUpperInvariant() } | Where-Object { $_ } | Sort-Object -Unique)
$rebootPending = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'

$Ansible.Result = @{
    # ProductName in the registry still says "Windows 10" on Windows 11; the caption is localized.
    product_name = Get-ProductName ([int]$cv.CurrentBuildNumber) ([int]$os.ProductType) ([string]$cv.EditionID)
    edition_id = [string]$cv.EditionID
    display_version = $displayVersion
    build = [int]$cv.CurrentBuildNumber
    ubr = [int]$cv.UBR
    installation_type = [string]$cv.InstallationType
    architecture = $arch
    installed_kbs = $installed
    cbs_reboot_pending = $rebootPending
}
