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
if ($available) {
    $status = Get-MpComputerStatus
    $before = [bool]$status.RealTimeProtectionEnabled
    $tamper = [bool]$status.IsTamperProtected
    $wanted = -not $Disable
    if ([bool]$status.AntivirusEnabled -and $before -ne $wanted) {
        Set-MpPreference -DisableRealtimeMonitoring $Disable
        $after = [bool](Get-MpComputerStatus).RealTimeProtectionEnabled
        $applied = $after -eq $wanted
        $Ansible.Changed = $applied
    }
    else {
        $after = $before
    }
}

$Ansible.Result = @{
    available = $available
    real_time_before = $before
    real_time_after = $after
    tamper_protected = $tamper
    applied = $applied
}
