# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# System Restore cmdlets (tests/pwsh/hostapi/restore.py). The restore points
# carry ConvertToDateTime, as the WMI objects Get-ComputerRestorePoint returns
# do (ManagementDateTimeConverter.ToDateTime: a local DateTime).

function Get-ComputerRestorePoint {
    [CmdletBinding()]
    param ()
    foreach ($point in @(Invoke-WinSimCall -Name 'restore.list' -Cmdlet $PSCmdlet)) {
        $point | Add-Member -MemberType ScriptMethod -Name ConvertToDateTime -Value {
            param ([string]$CimDateTime)
            $utc = [DateTime]::ParseExact($CimDateTime.Substring(0, 14), 'yyyyMMddHHmmss', [cultureinfo]::InvariantCulture,
                [System.Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal')
            $utc.ToLocalTime()
        }
        $point
    }
}

function Checkpoint-Computer {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$Description,
        [ValidateSet('APPLICATION_INSTALL', 'APPLICATION_UNINSTALL', 'DEVICE_DRIVER_INSTALL', 'MODIFY_SETTINGS', 'CANCELLED_OPERATION')]
        [string]$RestorePointType = 'APPLICATION_INSTALL'
    )
    if (-not $PSCmdlet.ShouldProcess($env:COMPUTERNAME, 'Checkpoint-Computer')) { return }
    $answer = Invoke-WinSimCall -Name 'restore.create' -Arguments @{ description = $Description; type = $RestorePointType } -Cmdlet $PSCmdlet
    if ($answer -and $answer.warning) { Write-Warning $answer.warning }
}
