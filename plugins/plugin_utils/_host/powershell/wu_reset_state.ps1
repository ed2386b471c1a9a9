# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read-only: what win_wu_reset needs to plan a reset of the Windows Update
# components. Changes nothing, so it also runs in check mode (-WhatIf).
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)][string[]]$ServiceNames,
    [string[]]$DllNames = @()
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_reset_state.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}

$windir = $env:SystemRoot
$system32 = [Environment]::GetFolderPath('System')
$downloader = Join-Path $env:ALLUSERSPROFILE 'Microsoft\Network\Downloader'

# Start types as win_wu_reset names them (Win32_Service StartMode plus the
# DelayedAutostart flag of the service's registry key).
function Get-StartMode {
    param([string]$Name, [string]$WmiMode)
    switch ($WmiMode) {
        'Auto' {
            $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$Name"
            $delayed = (Get-ItemProperty -LiteralPath $key -Name DelayedAutostart -ErrorAction SilentlyContinue).DelayedAutostart
            if ($delayed -eq 1) { 'delayed' } else { 'auto' }
        }
        'Manual' { 'manual' }
        'Disabled' { 'disabled' }
        default { $WmiMode.ToLowerInvariant() }
    }
}

function Get-FolderSize {
    param([string]$Path)
    $sum = 0
    Get-ChildItem -LiteralPath $Path -Recurse -Force -File -ErrorAction SilentlyContinue |
        ForEach-Object { $sum += $_.Length }
    $sum
}

$services = foreach ($name in $ServiceNames) {
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='$name'"
    if (-not $svc) {
        @{ name = $name; exists = $false }
        continue
    }
    # No security descriptor here: the plan never reads one, and wu_reset_apply.ps1
    # reads the one it replaces (sc.exe sdshow) right before it sets another.
    @{
        name = $name
        exists = $true
        display_name = $svc.DisplayName
        state = $svc.State.ToLowerInvariant().Replace(' ', '_')
        start_mode = Get-StartMode -Name $name -WmiMode $svc.StartMode
        pid = [int]$svc.ProcessId
    }
}

$folders = @(
    @{ name = 'SoftwareDistribution'; path = (Join-Path $windir 'SoftwareDistribution') },
    @{ name = 'catroot2'; path = (Join-Path $system32 'catroot2') },
    @{ name = 'Downloader'; path = $downloader }
) | ForEach-Object {
    $exists = Test-Path -LiteralPath $_.path -PathType Container
    @{
        name = $_.name
        path = $_.path
        exists = $exists
        size_bytes = if ($exists) { Get-FolderSize -Path $_.path } else { 0 }
    }
}

# Backups are siblings named <leaf>.bak-*; the controller decides which are its own.
$backups = foreach ($f in $folders) {
    $parent = Split-Path -Parent $f.path
    $leaf = Split-Path -Leaf $f.path
    Get-ChildItem -LiteralPath $parent -Directory -Force -Filter "$leaf.bak-*" -ErrorAction SilentlyContinue |
        ForEach-Object { @{ name = $f.name; path = $_.FullName } }
}

$queueFiles = @()
if (Test-Path -LiteralPath $downloader -PathType Container) {
    $queueFiles = Get-ChildItem -LiteralPath $downloader -File -Force |
        ForEach-Object { @{ path = $_.FullName; size_bytes = $_.Length } }
}

$dllsPresent = foreach ($dll in $DllNames) {
    $p = Join-Path $system32 $dll
    if (Test-Path -LiteralPath $p -PathType Leaf) { $p }
}

$Ansible.Changed = $false
$Ansible.Result = @{
    now_utc = (Get-Date).ToUniversalTime().ToString('yyyyMMdd\THHmmss', [Globalization.CultureInfo]::InvariantCulture)
    paths = @{ windir = $windir; system32 = $system32; downloader = $downloader }
    services = @($services)
    folders = @($folders)
    backups = @($backups)
    queue_files = @($queueFiles)
    dlls_present = @($dllsPresent)
}
