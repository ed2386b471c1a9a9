# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What win_sfc_dism needs to know before it repairs, in one round trip, without
# changing the host (so it also runs in check mode):
# - the installed edition, build and architecture (to pick the source image);
# - whether the repair source exists and what it is; for a WIM/ESD file the
#   output of `dism /Get-WimInfo` for the file and for each of its images
#   (only the per-index output names Edition, Version and Architecture:
#   Microsoft Learn "DISM Image Management Command-Line Options");
# - optionally `DISM /Online /Cleanup-Image /CheckHealth`: read-only, seconds
#   long, it reports what CBS already recorded (Microsoft Learn "Repair a
#   Windows Image").
# dism.exe and sfc.exe refuse to run without elevation; a WinRM logon of an
# administrator is elevated, so these short calls can run in the shell.
[CmdletBinding(SupportsShouldProcess)]
param (
    [string]$Source = '',
    [bool]$CheckHealth = $false,
    [bool]$WimInfo = $true
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("sfc_dism_preflight.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
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

function Invoke-Dism([string[]]$Arguments) {
    # DISM prints in the OEM code page; its messages are ASCII in English.
    $output = & "$env:SystemRoot\System32\dism.exe" @Arguments 2>&1 | Out-String
    @{ output = $output; exit_code = $LASTEXITCODE }
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$arch = Get-OsArchitecture
$rebootPending = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'

$result = @{
    edition_id = [string]$cv.EditionID
    # ProductName in the registry still says "Windows 10" on Windows 11; the caption is localized.
    product_name = Get-ProductName ([int]$cv.CurrentBuildNumber) ([int]$os.ProductType) ([string]$cv.EditionID)
    build = [int]$cv.CurrentBuildNumber
    ubr = [int]$cv.UBR
    architecture = $arch
    installation_type = [string]$cv.InstallationType
    cbs_reboot_pending = $rebootPending
    check_health_output = $null
    check_health_exit_code = $null
    source = $Source
    source_exists = $false
    source_kind = $null
    wim_info_output = $null
    wim_info_exit_code = $null
    wim_details = @()
}

if ($CheckHealth) {
    $check = Invoke-Dism @('/English', '/Online', '/Cleanup-Image', '/CheckHealth')
    $result.check_health_output = $check.output
    $result.check_health_exit_code = $check.exit_code
}

if ($Source) {
    if (Test-Path -LiteralPath $Source -PathType Leaf) {
        $result.source_exists = $true
        $result.source_kind = switch -Regex ($Source) {
            '\.wim$' { 'wim' }
            '\.esd$' { 'esd' }
            '\.iso$' { 'iso' }
            default { 'other' }
        }
    }
    elseif (Test-Path -LiteralPath $Source -PathType Container) {
        $result.source_exists = $true
        $result.source_kind = 'folder'
    }
    if ($WimInfo -and $result.source_kind -in @('wim', 'esd')) {
        $info = Invoke-Dism @('/English', '/Get-WimInfo', "/WimFile:$Source")
        $result.wim_info_output = $info.output
        $result.wim_info_exit_code = $info.exit_code
        if ($info.exit_code -eq 0) {
            $details = foreach ($match in [regex]::Matches($info.output, '(?m)^Index\s*:\s*(\d+)')) {
                $index = $match.Groups[1].Value
                $one = Invoke-Dism @('/English', '/Get-WimInfo', "/WimFile:$Source", "/Index:$index")
                @{ index = [int]$index; output = $one.output; exit_code = $one.exit_code }
            }
            $result.wim_details = @($details)
        }
    }
}

$Ansible.Result = $result
