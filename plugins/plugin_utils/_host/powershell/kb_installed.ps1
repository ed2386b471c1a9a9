# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What win_kb_catalog_install needs from a host before it asks the Microsoft
# Update Catalog, in one read-only round trip (so it also runs in check mode):
# - the catalog product: Win32_OperatingSystem.Caption ("Microsoft Windows 11
#   Pro"; the registry ProductName still says "Windows 10" on Windows 11),
#   DisplayVersion (24H2; ReleaseId on releases before 20H2), the build and
#   InstallationType (Client / Server / Server Core);
# - the architecture of the OS (PROCESSOR_ARCHITECTURE of a 64-bit
#   PowerShell: AMD64, ARM64, x86);
# - the installed updates: Get-HotFix (Win32_QuickFixEngineering) lists the
#   KB of every update CBS installed, also those added with DISM /Add-Package;
# - whether CBS waits for a restart (an install then usually fails or stays
#   pending until the restart).
[CmdletBinding(SupportsShouldProcess)]
param ()

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$arch = switch ($env:PROCESSOR_ARCHITECTURE) {
    'AMD64' { 'x64' }
    'ARM64' { 'arm64' }
    default { 'x86' }
}
$displayVersion = [string]$cv.DisplayVersion
if (-not $displayVersion) {
    $displayVersion = [string]$cv.ReleaseId
}
$installed = @(Get-HotFix | ForEach-Object { ([string]$_.HotFixID).ToUpperInvariant() } | Where-Object { $_ } | Sort-Object -Unique)
$rebootPending = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'

$Ansible.Result = @{
    product_name = ([string]$os.Caption) -replace '^Microsoft\s+', ''
    edition_id = [string]$cv.EditionID
    display_version = $displayVersion
    build = [int]$cv.CurrentBuildNumber
    ubr = [int]$cv.UBR
    installation_type = [string]$cv.InstallationType
    architecture = $arch
    installed_kbs = $installed
    cbs_reboot_pending = $rebootPending
}
