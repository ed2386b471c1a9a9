# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Where an in-place repair install stands (win_inplace_upgrade polls this):
# the installed build and UBR, InstallDate (a completed repair install or
# feature update sets it anew), the last boot time, SetupProgress and
# BoxResult under HKLM\SYSTEM\Setup\MoSetup\Volatile (undocumented values that
# public deployment scripts read for setup's percentage and compat result), and
# the time the setup logs were last written: $WINDOWS.~BT\Sources\Panther
# (downlevel), $WINDOWS.~BT\Sources\Rollback (after a rollback),
# %windir%\Panther (after the upgrade). Log locations: windows-itpro-docs
# windows/deployment/upgrade/log-files.md. Read-only.
[CmdletBinding(SupportsShouldProcess)]
param (
    [string]$SystemDrive = $env:SystemDrive
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-WriteTime([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        return (Get-Item -LiteralPath $Path).LastWriteTimeUtc.ToString('o')
    }
    return $null
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem -Property LastBootUpTime
$volatile = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\Setup\MoSetup\Volatile' -ErrorAction SilentlyContinue
$installDate = $null
if ($cv.InstallDate) {
    $installDate = [DateTimeOffset]::FromUnixTimeSeconds([long]$cv.InstallDate).UtcDateTime.ToString('o')
}
$progress = $null
$boxResult = $null
if ($volatile) {
    if ($null -ne $volatile.SetupProgress) { $progress = [int]$volatile.SetupProgress }
    if ($null -ne $volatile.BoxResult) { $boxResult = [long]([uint32]$volatile.BoxResult) }
}
$bt = Join-Path $SystemDrive '$WINDOWS.~BT'

$Ansible.Result = @{
    build = [int]$cv.CurrentBuild
    ubr = [int]$cv.UBR
    edition_id = [string]$cv.EditionID
    display_version = [string]$cv.DisplayVersion
    install_date = $installDate
    boot_time = $os.LastBootUpTime.ToUniversalTime().ToString('o')
    volatile_present = [bool]$volatile
    setup_progress = $progress
    box_result = $boxResult
    bt_folder_exists = (Test-Path -LiteralPath $bt)
    panther_log_time = Get-WriteTime (Join-Path $bt 'Sources\Panther\setupact.log')
    rollback_log_time = Get-WriteTime (Join-Path $bt 'Sources\Rollback\setupact.log')
    new_panther_log_time = Get-WriteTime (Join-Path $env:SystemRoot 'Panther\setupact.log')
}
