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
# SetupProgress under HKLM\SYSTEM\Setup\MoSetup\Volatile exists while Windows
# Setup runs (undocumented; read by public deployment scripts).
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory)][string]$ImagePath
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$archMap = @{ AMD64 = 'x64'; ARM64 = 'arm64'; x86 = 'x86' }
$arch = $archMap[[string]$env:PROCESSOR_ARCHITECTURE]
if (-not $arch) { $arch = [string]$env:PROCESSOR_ARCHITECTURE }

$language = $null
$nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\Language' -ErrorAction SilentlyContinue
if ($nls -and $nls.InstallLanguage) {
    $language = [System.Globalization.CultureInfo]::GetCultureInfo([Convert]::ToInt32([string]$nls.InstallLanguage, 16)).Name
}

$installDate = $null
if ($cv.InstallDate) {
    $installDate = [DateTimeOffset]::FromUnixTimeSeconds([long]$cv.InstallDate).UtcDateTime.ToString('o')
}

$systemDrive = $env:SystemDrive
$disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$systemDrive'"

$cbs = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
$wu = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
$sm = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
$rebootPending = (Test-Path -LiteralPath $cbs) -or (Test-Path -LiteralPath $wu) -or
    [bool]($sm -and $sm.PendingFileRenameOperations)

$volatile = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\Setup\MoSetup\Volatile' -ErrorAction SilentlyContinue
$progress = $null
if ($volatile -and $null -ne $volatile.SetupProgress) { $progress = [int]$volatile.SetupProgress }

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
    image_path = $ImagePath
    image_exists = $false
    image_attached = $false
    image_drive_letter = $null
    setup_in_progress = ($null -ne $progress)
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
