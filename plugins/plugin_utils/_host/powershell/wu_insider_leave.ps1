# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Leave the Windows Insider programme (opt-in in the roles). What leaving is, as
# the public enrol/unenrol script abbodi1406/offlineinsiderenroll
# (OfflineInsiderEnroll.cmd, "Stop receiving Insider Preview builds") does it:
# delete HKLM\SOFTWARE\Microsoft\WindowsSelfHost and the Insider rings under
# HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs
# (WUMUDCat, RingExternal, RingPreview, RingInsiderSlow, RingInsiderFast),
# `bcdedit /deletevalue {current} flightsigning`, then restart (the caller
# restarts). Optionally block preview builds by policy (Microsoft Learn, Policy
# CSP Update/ManagePreviewBuilds): HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate
# ManagePreviewBuilds = 1, ManagePreviewBuildsPolicyValue = 0.
# Each key is exported with reg.exe to BackupFolder first, so nothing is lost.
# Leaving does not roll back a build that is ahead of the release channel.
#
# - bcdedit prints element names as they are (flightsigning) but their values
#   in the display language ("Yes", "Ja", "Oui"): only the element is read; a
#   flightsigning element that is there is deleted (deleting a "No" changes
#   nothing that matters).
# - reg.exe and bcdedit write their errors to stderr; under
#   ErrorActionPreference Stop a stderr line of a native command can become a
#   terminating error in a hosted runspace before its exit code is read
#   (PowerShell/PowerShell#3996; a 5.1 repro: Osmantic/ODS#3003), and
#   what was already removed would not be reported. They run with Continue
#   and their exit code decides; a failure ends the script with the result
#   so far in $Ansible.Result.
# - The preview-build policy is written only when its values differ.
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $BackupFolder,

    [bool]
    $BlockPreviewBuilds = $true
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_insider_leave.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

function Invoke-Native([string]$Exe, [string[]]$Arguments) {
    # stderr lines are output here, not errors: the exit code decides.
    $ErrorActionPreference = 'Continue'
    $lines = @(& $Exe @Arguments 2>&1 | ForEach-Object { [string]$_ })
    return @{ exit_code = $LASTEXITCODE; output = ($lines -join "`n").Trim() }
}

$keys = @(
    'HKLM\SOFTWARE\Microsoft\WindowsSelfHost'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\WUMUDCat'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingExternal'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingPreview'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingInsiderSlow'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingInsiderFast'
)
$removed = [System.Collections.Generic.List[Object]]@()
$flight = $false
$bcdExit = $null
$policySet = $false
$policyChanged = $false
$failure = $null

function Set-Result {
    $Ansible.Changed = $removed.Count -gt 0 -or ($flight -and $bcdExit -eq 0) -or $policyChanged
    $Ansible.Result = @{
        removed_keys = $removed.ToArray()
        flightsigning_removed = $flight -and ($bcdExit -eq 0)
        bcdedit_exit_code = $bcdExit
        policy_set = $policySet
        policy_changed = $policyChanged
        reboot_required = $removed.Count -gt 0 -or ($flight -and $bcdExit -eq 0)
        error = $failure
    }
}

if (-not (Test-Path -LiteralPath $BackupFolder -PathType Container)) {
    New-Item -Path $BackupFolder -ItemType Directory -Force | Out-Null
}
$stamp = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmss', [Globalization.CultureInfo]::InvariantCulture)
foreach ($key in $keys) {
    $psPath = 'Registry::' + $key
    if (-not (Test-Path -LiteralPath $psPath)) {
        continue
    }
    $file = Join-Path -Path $BackupFolder -ChildPath ("{0}-{1}.reg" -f ($key -replace '^.*\\', ''), $stamp)
    $export = Invoke-Native 'reg.exe' @('export', $key, $file, '/y')
    if ($export.exit_code -ne 0) {
        $failure = "reg.exe export $key failed with exit code $($export.exit_code) ($($export.output)); nothing after it was changed"
        Set-Result
        throw $failure
    }
    Remove-Item -LiteralPath $psPath -Recurse -Force
    $removed.Add(@{ key = $key; backup = $file })
}

$enum = Invoke-Native 'bcdedit.exe' @('/enum', '{current}')
if ($enum.exit_code -ne 0) {
    $failure = "bcdedit /enum {current} failed with exit code $($enum.exit_code) ($($enum.output))"
    Set-Result
    throw $failure
}
$flight = [bool](($enum.output -split "`n") | Where-Object { $_ -match '^flightsigning\s' })
if ($flight) {
    $delete = Invoke-Native 'bcdedit.exe' @('/deletevalue', '{current}', 'flightsigning')
    $bcdExit = $delete.exit_code
    if ($bcdExit -ne 0) {
        $failure = "bcdedit /deletevalue {current} flightsigning failed with exit code $bcdExit ($($delete.output))"
    }
}

if ($BlockPreviewBuilds) {
    $policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate'
    $wanted = @{ ManagePreviewBuilds = 1; ManagePreviewBuildsPolicyValue = 0 }
    $current = Get-ItemProperty -LiteralPath $policy -ErrorAction SilentlyContinue
    foreach ($name in @('ManagePreviewBuilds', 'ManagePreviewBuildsPolicyValue')) {
        $have = $null
        if ($current -and $current.PSObject.Properties[$name]) { $have = $current.$name }
        if ($null -eq $have -or [long]$have -ne $wanted[$name]) {
            if (-not (Test-Path -LiteralPath $policy)) {
                New-Item -Path $policy -Force | Out-Null
            }
            New-ItemProperty -LiteralPath $policy -Name $name -Value $wanted[$name] -PropertyType DWord -Force | Out-Null
            $policyChanged = $true
        }
    }
    $policySet = $true
}

Set-Result
if ($failure) {
    throw $failure
}
