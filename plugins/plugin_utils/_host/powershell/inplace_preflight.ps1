# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read-only checks before an in-place repair install (win_inplace_upgrade):
# the installed Windows (edition, build, UBR, architecture, install language),
# free space on the system drive, a pending restart, a setup already under
# way, and whether the ISO exists on the host (and is attached already).
# Changes nothing, so it also runs in check mode (-WhatIf).
# Sources: HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion (CurrentBuild, UBR,
# EditionID, InstallationType, InstallDate as Unix seconds); InstallLanguage
# under HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language (an LCID in hex);
# Get-DiskImage (learn.microsoft.com/powershell/module/storage/get-diskimage);
# SetupProgress under HKLM\SYSTEM\Setup\MoSetup\Volatile (undocumented; read
# by public deployment scripts) stays after setup has ended until the next
# restart, so it is reported but says nothing about a setup running now: that
# is a running SetupHost.exe, the downlevel engine setup.exe starts from
# $WINDOWS.~BT\Sources (its log opens "SetupHost::Initialize: ModulePath =
# [C:\$WINDOWS.~BT\Sources]", public capture pastebin.com/gwAh0Jbw).
# A pending restart is CBS RebootPending or Windows Update RebootRequired;
# PendingFileRenameOperations alone is not one (many hosts keep entries there
# for good: antivirus and installers queue renames that never clear), it is
# reported as pending_file_renames. The OS architecture, not this process's
# (PROCESSOR_ARCHITEW6432 in a 32-bit PowerShell, Microsoft Learn "WOW64
# Implementation Details"). InstallDate is added to the Unix epoch by hand
# (FromUnixTimeSeconds needs .NET 4.6; Server 2012 R2 may have 4.5.2).
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory)][string]$ImagePath
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("inplace_preflight.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$archMap = @{ AMD64 = 'x64'; ARM64 = 'arm64'; x86 = 'x86' }
$archName = [string]$env:PROCESSOR_ARCHITEW6432
if (-not $archName) { $archName = [string]$env:PROCESSOR_ARCHITECTURE }
$arch = $archMap[$archName]
if (-not $arch) { $arch = $archName }

$language = $null
$nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\Language' -ErrorAction SilentlyContinue
if ($nls -and $nls.InstallLanguage) {
    $language = [System.Globalization.CultureInfo]::GetCultureInfo([Convert]::ToInt32([string]$nls.InstallLanguage, 16)).Name
}

$installDate = $null
if ($cv.InstallDate) {
    $epoch = New-Object -TypeName DateTime -ArgumentList 1970, 1, 1, 0, 0, 0, ([DateTimeKind]::Utc)
    $installDate = $epoch.AddSeconds([long]$cv.InstallDate -band 0xFFFFFFFFL).ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}

$systemDrive = $env:SystemDrive
$disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$systemDrive'"

$cbs = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
$wu = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
$sm = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
$rebootPending = (Test-Path -LiteralPath $cbs) -or (Test-Path -LiteralPath $wu)
$pendingRenames = [bool]($sm -and $sm.PSObject.Properties['PendingFileRenameOperations'] -and $sm.PendingFileRenameOperations)

$volatile = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\Setup\MoSetup\Volatile' -ErrorAction SilentlyContinue
$progress = $null
if ($volatile -and $volatile.PSObject.Properties['SetupProgress'] -and $null -ne $volatile.SetupProgress) {
    $progress = [int]$volatile.SetupProgress
}
$setupRunning = $null -ne (Get-Process -Name 'SetupHost' -ErrorAction SilentlyContinue)

$antivirus = @()
try {
    # Security Center lists the registered antivirus products (client SKUs only).
    $antivirus = @(Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName AntiVirusProduct |
        ForEach-Object { [string]$_.displayName })
}
catch {
    $antivirus = @()
}

$result = @{
    product_name = [string]$cv.ProductName
    edition_id = [string]$cv.EditionID
    display_version = [string]$cv.DisplayVersion
    build = [int]$cv.CurrentBuild
    ubr = [int]$cv.UBR
    architecture = $arch
    install_language = $language
    installation_type = [string]$cv.InstallationType
    install_date = $installDate
    system_drive = $systemDrive
    free_bytes = [long]$disk.FreeSpace
    reboot_pending = [bool]$rebootPending
    pending_file_renames = $pendingRenames
    image_path = $ImagePath
    image_exists = $false
    image_attached = $false
    image_drive_letter = $null
    setup_in_progress = $setupRunning
    setup_progress = $progress
    bt_folder_exists = (Test-Path -LiteralPath (Join-Path $systemDrive '$WINDOWS.~BT'))
    rollback_folder_exists = (Test-Path -LiteralPath (Join-Path $systemDrive '$WINDOWS.~BT\Sources\Rollback'))
    antivirus = $antivirus
}

if (Test-Path -LiteralPath $ImagePath -PathType Leaf) {
    $result.image_exists = $true
    $image = Get-DiskImage -ImagePath $ImagePath
    if ($image.Attached) {
        $result.image_attached = $true
        $volume = $image | Get-Volume
        if ($volume.DriveLetter) { $result.image_drive_letter = "$($volume.DriveLetter):" }
    }
}

$Ansible.Result = $result
