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
#
# Registry REG_DWORD values arrive in PowerShell as Int32, so a result code
# such as 0xC1900101 reads as -1047527167: it is masked to its unsigned value
# (0xFFFFFFFFL: the literal 0xFFFFFFFF alone is the Int32 -1). InstallDate
# (seconds since 1970) is added to the Unix epoch by hand: FromUnixTimeSeconds
# needs .NET 4.6, and Windows Server 2012 R2 may have 4.5.2.
[CmdletBinding(SupportsShouldProcess)]
param (
    [string]$SystemDrive = $env:SystemDrive
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("inplace_setup_state.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

function Get-WriteTime([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        return (Get-Item -LiteralPath $Path).LastWriteTimeUtc.ToString('o', [Globalization.CultureInfo]::InvariantCulture)
    }
    return $null
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem -Property LastBootUpTime
$volatile = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\Setup\MoSetup\Volatile' -ErrorAction SilentlyContinue
$installDate = $null
$invariant = [Globalization.CultureInfo]::InvariantCulture
$epoch = New-Object -TypeName DateTime -ArgumentList 1970, 1, 1, 0, 0, 0, ([DateTimeKind]::Utc)
if ($cv.PSObject.Properties['InstallDate'] -and $cv.InstallDate) {
    $installDate = $epoch.AddSeconds([long]$cv.InstallDate -band 0xFFFFFFFFL).ToString('o', $invariant)
}
$progress = $null
$boxResult = $null
if ($volatile) {
    if ($volatile.PSObject.Properties['SetupProgress'] -and $null -ne $volatile.SetupProgress) {
        $progress = [int]$volatile.SetupProgress
    }
    if ($volatile.PSObject.Properties['BoxResult'] -and $null -ne $volatile.BoxResult) {
        $boxResult = [long]$volatile.BoxResult -band 0xFFFFFFFFL
    }
}
$bt = Join-Path $SystemDrive '$WINDOWS.~BT'

$Ansible.Result = @{
    build = [int]$cv.CurrentBuild
    ubr = [int]$cv.UBR
    edition_id = [string]$cv.EditionID
    display_version = [string]$cv.DisplayVersion
    install_date = $installDate
    boot_time = $os.LastBootUpTime.ToUniversalTime().ToString('o', $invariant)
    volatile_present = [bool]$volatile
    setup_progress = $progress
    box_result = $boxResult
    bt_folder_exists = (Test-Path -LiteralPath $bt)
    panther_log_time = Get-WriteTime (Join-Path $bt 'Sources\Panther\setupact.log')
    rollback_log_time = Get-WriteTime (Join-Path $bt 'Sources\Rollback\setupact.log')
    new_panther_log_time = Get-WriteTime (Join-Path $env:SystemRoot 'Panther\setupact.log')
}
