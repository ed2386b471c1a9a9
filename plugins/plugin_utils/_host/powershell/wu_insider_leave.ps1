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
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $BackupFolder,

    [bool]
    $BlockPreviewBuilds = $true
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$keys = @(
    'HKLM\SOFTWARE\Microsoft\WindowsSelfHost'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\WUMUDCat'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingExternal'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingPreview'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingInsiderSlow'
    'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs\RingInsiderFast'
)
if (-not (Test-Path -LiteralPath $BackupFolder -PathType Container)) {
    New-Item -Path $BackupFolder -ItemType Directory -Force | Out-Null
}
$stamp = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmss')
$removed = [System.Collections.Generic.List[Object]]@()
foreach ($key in $keys) {
    $psPath = 'Registry::' + $key
    if (-not (Test-Path -LiteralPath $psPath)) {
        continue
    }
    $file = Join-Path -Path $BackupFolder -ChildPath ("{0}-{1}.reg" -f ($key -replace '^.*\\', ''), $stamp)
    $null = & reg.exe export $key $file /y
    if ($LASTEXITCODE -ne 0) {
        throw "reg.exe export $key failed with exit code $LASTEXITCODE; nothing after it was changed"
    }
    Remove-Item -LiteralPath $psPath -Recurse -Force
    $removed.Add(@{ key = $key; backup = $file })
}

$bcd = & bcdedit.exe /enum '{current}'
$flight = [bool]($bcd | Where-Object { $_ -match '^flightsigning\s+Yes' })
$bcdExit = $null
if ($flight) {
    $null = & bcdedit.exe /deletevalue '{current}' flightsigning
    $bcdExit = $LASTEXITCODE
}

$policySet = $false
if ($BlockPreviewBuilds) {
    $policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate'
    if (-not (Test-Path -LiteralPath $policy)) {
        New-Item -Path $policy -Force | Out-Null
    }
    New-ItemProperty -LiteralPath $policy -Name ManagePreviewBuilds -Value 1 -PropertyType DWord -Force | Out-Null
    New-ItemProperty -LiteralPath $policy -Name ManagePreviewBuildsPolicyValue -Value 0 -PropertyType DWord -Force | Out-Null
    $policySet = $true
}

$changed = $removed.Count -gt 0 -or $flight -or $policySet
$Ansible.Changed = $changed
$Ansible.Result = @{
    removed_keys = $removed.ToArray()
    flightsigning_removed = $flight -and ($bcdExit -eq 0)
    bcdedit_exit_code = $bcdExit
    policy_set = $policySet
    reboot_required = $removed.Count -gt 0 -or $flight
}
