# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Free space on the system drive for servicing (opt-in in the roles). Removes
# only what Windows or this collection can rebuild, never user data:
# - backups of the Windows Update folders left by earlier component resets
#   (%windir%\SoftwareDistribution.bak-*, %windir%\System32\catroot2.bak-*,
#   %ALLUSERSPROFILE%\Microsoft\Network\Downloader.bak-*) older than
#   OlderThanDays. Only a name exactly as win_wu_reset makes it
#   (<folder>.bak-YYYYMMDDTHHMMSS[-n], plugin_utils/_rungs/wu_reset_plan.py)
#   counts, and its age is that stamp: a folder's last write time says nothing
#   (a rename does not change it), so a backup someone made by hand and
#   renamed minutes ago would look old. Other .bak-* folders are listed as kept;
# - files in %windir%\Temp older than OlderThanDays, and the folders that leaves
#   empty, but only while no install is in progress (TrustedInstaller, TiWorker or
#   msiexec running, or a restart pending): an installer's files there can be old
#   and still needed. A file in use is skipped. Reported as counts and bytes.
# DISM /StartComponentCleanup (superseded components; Microsoft Learn "Clean Up the
# WinSxS Folder") runs for tens of minutes:
# win_wu_preflight runs it detached, not this script.
# Check mode lists what would be removed and runs nothing.
[CmdletBinding(SupportsShouldProcess)]
param (
    [int]
    $OlderThanDays = 7
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_disk_cleanup.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$drive = $env:SystemDrive
$cutoff = [DateTime]::UtcNow.AddDays(-$OlderThanDays)
$removed = [System.Collections.Generic.List[Object]]@()
$problems = [System.Collections.Generic.List[Object]]@()
$kept = [System.Collections.Generic.List[Object]]@()

function Get-FreeByte {
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$drive'"
    return [int64]$disk.FreeSpace
}

function Get-FolderByte {
    param ([string]$Path)
    $sum = (Get-ChildItem -LiteralPath $Path -Recurse -Force -File -ErrorAction SilentlyContinue |
            Measure-Object -Property Length -Sum).Sum
    if ($null -eq $sum) {
        return [int64]0
    }
    return [int64]$sum
}

function Get-StampTime {
    # The stamp of a backup this collection made, or $null for any other name.
    param ($Item, [string]$Base)
    if ($Item.Name -match ('^' + [regex]::Escape($Base) + '\.bak-(\d{8}T\d{6})(-\d+)?$')) {
        return [DateTime]::ParseExact($Matches[1], 'yyyyMMddTHHmmss', [Globalization.CultureInfo]::InvariantCulture,
            [Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal')
    }
    return $null
}

$freeBefore = Get-FreeByte
$candidates = @(
    @{ parent = $env:windir; base = 'SoftwareDistribution' }
    @{ parent = (Join-Path -Path $env:windir -ChildPath 'System32'); base = 'catroot2' }
    @{ parent = (Join-Path -Path $env:ALLUSERSPROFILE -ChildPath 'Microsoft\Network'); base = 'Downloader' }
)
foreach ($candidate in $candidates) {
    $found = @(Get-ChildItem -LiteralPath $candidate.parent -Filter ($candidate.base + '.bak-*') -Directory -Force -ErrorAction SilentlyContinue)
    foreach ($item in $found) {
        $stamp = Get-StampTime -Item $item -Base $candidate.base
        if ($null -eq $stamp) {
            $kept.Add($item.FullName)
            continue
        }
        if ($stamp -ge $cutoff) {
            continue
        }
        $bytes = Get-FolderByte -Path $item.FullName
        if ($PSCmdlet.ShouldProcess($item.FullName, 'Remove old Windows Update backup')) {
            try {
                Remove-Item -LiteralPath $item.FullName -Recurse -Force
                $removed.Add(@{ path = $item.FullName; bytes = $bytes; kind = 'wu_backup' })
            }
            catch {
                $problems.Add(@{ path = $item.FullName; message = $_.Exception.Message })
            }
        }
        else {
            $removed.Add(@{ path = $item.FullName; bytes = $bytes; kind = 'wu_backup' })
        }
    }
}

$temp = Join-Path -Path $env:windir -ChildPath 'Temp'
$sweep = @{ swept = $false; skipped_reason = $null; files_removed = 0; bytes_removed = [int64]0; files_in_use = 0; folders_removed = 0 }
# An install in progress: its servicing or MSI process runs, or Windows waits for a
# restart to finish one (the two registry keys Windows sets then).
$busy = @(Get-Process -Name 'TrustedInstaller', 'TiWorker', 'msiexec' -ErrorAction SilentlyContinue | ForEach-Object { $_.Name } | Sort-Object -Unique)
$rebootKeys = @(
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
)
$rebootPending = @($rebootKeys | Where-Object { Test-Path -LiteralPath $_ }).Count -gt 0
if ($busy.Count -gt 0) {
    $sweep.skipped_reason = "an install is in progress ($($busy -join ', ') running)"
}
elseif ($rebootPending) {
    $sweep.skipped_reason = 'a restart is pending (an install is not finished)'
}
elseif (Test-Path -LiteralPath $temp) {
    $sweep.swept = $true
    $parents = @{}
    foreach ($file in @(Get-ChildItem -LiteralPath $temp -Recurse -Force -File -ErrorAction SilentlyContinue |
                Where-Object { $_.LastWriteTimeUtc -lt $cutoff })) {
        if (-not $PSCmdlet.ShouldProcess($file.FullName, 'Remove old temporary file')) {
            $sweep.files_removed++
            $sweep.bytes_removed += [int64]$file.Length
            continue
        }
        try {
            Remove-Item -LiteralPath $file.FullName -Force
            $sweep.files_removed++
            $sweep.bytes_removed += [int64]$file.Length
            $parents[$file.DirectoryName] = $true
        }
        catch {
            # Open in another process (a sharing violation): it stays, counted only.
            $sweep.files_in_use++
        }
    }
    # Folders this sweep emptied, deepest first, up to (not including) Temp itself.
    $tempFull = (Get-Item -LiteralPath $temp).FullName.TrimEnd('\', '/')
    $folders = @{}
    foreach ($dir in $parents.Keys) {
        $d = $dir
        while ($d -and $d.Length -gt $tempFull.Length -and $d.StartsWith($tempFull, [StringComparison]::OrdinalIgnoreCase)) {
            $folders[$d] = $true
            $d = Split-Path -Parent $d
        }
    }
    foreach ($dir in @($folders.Keys | Sort-Object -Property Length -Descending)) {
        if (@(Get-ChildItem -LiteralPath $dir -Force -ErrorAction SilentlyContinue).Count -gt 0) { continue }
        try {
            Remove-Item -LiteralPath $dir -Force
            $sweep.folders_removed++
        }
        catch { $sweep.files_in_use++ }
    }
}

$freeAfter = Get-FreeByte
if ($removed.Count -gt 0 -or $sweep.files_removed -gt 0 -or $sweep.folders_removed -gt 0) {
    $Ansible.Changed = $true
}
$Ansible.Result = @{
    removed = $removed.ToArray()
    problems = $problems.ToArray()
    kept = $kept.ToArray()
    temp = $sweep
    planned_bytes = [int64](($removed | ForEach-Object { $_.bytes } | Measure-Object -Sum).Sum) + $sweep.bytes_removed
    free_bytes_before = $freeBefore
    free_bytes_after = $freeAfter
}
