# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Create a System Restore point before the repair ladder changes the host.
# - System Restore exists on client editions only (Win32_OperatingSystem
#   ProductType 1); Server has no Checkpoint-Computer.
# - Windows creates at most one restore point per 24 hours by default: since
#   Windows 8 a request within SystemRestorePointCreationFrequency minutes
#   (HKLM\Software\Microsoft\Windows NT\CurrentVersion\SystemRestore, default
#   1440 when the value is missing) of the last one creates nothing, and
#   Checkpoint-Computer only warns (Microsoft Learn "Calling SRSetRestorePoint";
#   Checkpoint-Computer reference). So the script reads the newest restore
#   point and that value first and reports a recent one (younger than
#   MaxAgeMinutes) or one Windows would refuse to follow (frequency_limit,
#   with creation_frequency_minutes) instead of asking for one that Windows
#   does not create; when Checkpoint-Computer still creates nothing, its
#   warning is kept in `warning`.
# - A failure (System Restore turned off for the drive) is reported, not thrown:
#   a missing restore point must not stop the repair; the caller decides.
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $Description,

    [int]
    $MaxAgeMinutes = 1440
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_restore_point.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$supported = [int]$os.ProductType -eq 1
$created = $false
$reason = $null
$latest = $null
$sequence = $null
$warningText = $null
$frequency = 1440
$srKey = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SystemRestore' -ErrorAction SilentlyContinue
if ($srKey -and $srKey.PSObject.Properties['SystemRestorePointCreationFrequency']) {
    # A REG_DWORD (Int32 here): masked to its unsigned value.
    $frequency = [long]$srKey.SystemRestorePointCreationFrequency -band 0xFFFFFFFFL
}

function Get-NewestRestorePoint {
    $points = @(Get-ComputerRestorePoint -ErrorAction SilentlyContinue | Sort-Object -Property SequenceNumber)
    if ($points.Count -eq 0) {
        return $null
    }
    $point = $points[-1]
    return @{
        time = $point.ConvertToDateTime($point.CreationTime).ToUniversalTime()
        sequence = [int]$point.SequenceNumber
    }
}

if (-not $supported) {
    $reason = 'not_supported'
}
else {
    $newest = Get-NewestRestorePoint
    if ($newest) {
        $latest = $newest.time
        $sequence = $newest.sequence
    }
    $age = $null
    if ($latest) { $age = ([DateTime]::UtcNow - $latest).TotalMinutes }
    if ($null -ne $age -and $age -lt $MaxAgeMinutes) {
        $reason = 'recent'
    }
    elseif ($null -ne $age -and $age -lt $frequency) {
        # Windows would create nothing and only warn: say so instead.
        $reason = 'frequency_limit'
    }
    elseif ($PSCmdlet.ShouldProcess($env:SystemDrive, 'Checkpoint-Computer')) {
        try {
            $said = @()
            Checkpoint-Computer -Description $Description -RestorePointType MODIFY_SETTINGS -WarningVariable said -WarningAction SilentlyContinue
            if ($said.Count) { $warningText = ($said | ForEach-Object { [string]$_ }) -join ' ' }
            $newest = Get-NewestRestorePoint
            if ($newest -and $newest.sequence -ne $sequence) {
                $created = $true
                $latest = $newest.time
                $sequence = $newest.sequence
            }
            else {
                $reason = 'not_created'
            }
        }
        catch {
            $reason = "failed: $($_.Exception.Message)"
        }
    }
    else {
        $reason = 'check_mode'
        $Ansible.Changed = $true
    }
}

if ($created) {
    $Ansible.Changed = $true
}
$latestText = $null
if ($latest) {
    $latestText = $latest.ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}
$Ansible.Result = @{
    supported = $supported
    created = $created
    reason = $reason
    latest = $latestText
    sequence_number = $sequence
    creation_frequency_minutes = $frequency
    warning = $warningText
}
