# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pause (Disable = $true) or resume (Disable = $false) Microsoft Defender
# Antivirus real-time protection with Set-MpPreference
# -DisableRealtimeMonitoring, and read back what is in force: with Tamper
# Protection on, the change is silently not applied (Microsoft Learn "Protect
# security settings with tamper protection"), and with another antivirus
# registered Defender runs in passive mode or is off (Microsoft Learn
# "Microsoft Defender Antivirus compatibility with other security products"),
# so there is nothing to pause. Without the Defender module nothing is done.
# When another antivirus or a policy turned Defender off, Get-MpComputerStatus
# throws a CimException (FullyQualifiedErrorId "HRESULT 0x800106ba", public
# captures: scipag/HardeningKitty#52 with CrowdStrike, microsoft/CSS-Exchange#1703):
# that is reported as defender_off, the very case where there is nothing to pause.
# The state read right after Set-MpPreference can still be the old one (the
# service applies the preference on its own time - ASSUMPTION from the review
# of this script, no Microsoft page says how long): it is read again for up to
# 10 seconds before it counts as not applied; not_applied says why (tamper
# protection on, or not in force in time).
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [bool]
    $Disable
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$available = $null -ne (Get-Command -Name Get-MpComputerStatus -ErrorAction SilentlyContinue)
$before = $null
$after = $null
$tamper = $null
$applied = $false
$defenderOff = $false
$statusError = $null
$notApplied = $null
$status = $null
if ($available) {
    try {
        $status = Get-MpComputerStatus
    }
    catch {
        $defenderOff = $true
        # The error's id, not its (localized) message: "HRESULT 0x800106ba".
        $statusError = ([string]$_.FullyQualifiedErrorId -split ',')[0]
    }
}
if ($null -ne $status) {
    $before = [bool]$status.RealTimeProtectionEnabled
    $tamper = [bool]$status.IsTamperProtected
    $wanted = -not $Disable
    if ([bool]$status.AntivirusEnabled -and $before -ne $wanted) {
        Set-MpPreference -DisableRealtimeMonitoring $Disable
        for ($try = 1; $try -le 20; $try++) {
            $after = [bool](Get-MpComputerStatus).RealTimeProtectionEnabled
            if ($after -eq $wanted) { break }
            Start-Sleep -Milliseconds 500
        }
        $applied = $after -eq $wanted
        if (-not $applied) {
            if ($tamper) { $notApplied = 'tamper_protection' } else { $notApplied = 'not_in_force_after_10s' }
        }
        $Ansible.Changed = $applied
    }
    else {
        $after = $before
        $defenderOff = -not [bool]$status.AntivirusEnabled
    }
}

$Ansible.Result = @{
    available = $available
    defender_off = $defenderOff
    status_error = $statusError
    real_time_before = $before
    real_time_after = $after
    tamper_protected = $tamper
    applied = $applied
    not_applied = $notApplied
}
