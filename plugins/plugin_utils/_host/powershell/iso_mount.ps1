# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Mount a Windows ISO read-only to use its sources\install.wim (or .esd) as a
# DISM repair source or to run its setup.exe, or dismount it again. An ISO
# that was already attached before is reported (attached_before) and left
# alone by 'dismount' callers. Cmdlets: Mount-DiskImage, Get-DiskImage,
# Dismount-DiskImage, Get-Volume (learn.microsoft.com/powershell/module/storage/
# mount-diskimage, .../get-diskimage, .../dismount-diskimage, .../get-volume).
#
# Mount: Windows gives the new volume a drive letter on its own, and not
# always at once (PowerShell/PowerShell#23280: a mounted ISO without a letter);
# with automount off (mountvol /N, learn.microsoft.com/windows-server/
# administration/windows-commands/mountvol) or no free letter, none comes at
# all. The letter is polled for LetterWaitSeconds; an ISO this call mounted
# that got no letter is dismounted again before the script fails, saying why.
#
# Dismount: refused (dismounted false, in_use_by the run ids) while a detached
# run of this collection still runs a command that names the ISO's drive
# (detached_start.ps1's RunsRoot\<id>: command.json, started.json with the
# pid, no exit.json, that process alive): setup.exe or DISM reading from it
# would fail mid-run. When the ISO file was moved or deleted after the mount,
# Get-DiskImage -ImagePath cannot find it any more: DevicePath (the device_path
# the mount reported) dismounts it by -DevicePath (ByDevicePath parameter set).
[CmdletBinding()]
param (
    [Parameter(Mandatory)][string]$ImagePath,
    [ValidateSet('mount', 'dismount')][string]$Action = 'mount',
    [string]$DevicePath = '',
    [int]$LetterWaitSeconds = 30,
    [string]$RunsRoot = 'C:\ProgramData\winrepair\runs'
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if ($LetterWaitSeconds -lt 0) {
    throw "LetterWaitSeconds ${LetterWaitSeconds}: give how long to wait for the ISO's drive letter, in seconds (0 or more)"
}

function Get-Letter($Image) {
    # MSFT_Volume.DriveLetter is a char, empty (or NUL) without a letter.
    $volume = @($Image | Get-Volume -ErrorAction SilentlyContinue | Select-Object -First 1)
    if ($volume.Count -eq 0) { return $null }
    $letter = [string]$volume[0].DriveLetter
    if ($letter -match '^[A-Za-z]$') { return $letter.ToUpperInvariant() }
    return $null
}

function Get-RunsUsing([string]$Letter) {
    $users = @()
    if (-not $Letter -or -not (Test-Path -LiteralPath $RunsRoot -PathType Container)) { return , $users }
    $needle = $Letter + ':\'
    foreach ($dir in @(Get-ChildItem -LiteralPath $RunsRoot -Directory -ErrorAction SilentlyContinue)) {
        $command = Join-Path $dir.FullName 'command.json'
        $started = Join-Path $dir.FullName 'started.json'
        if (-not (Test-Path -LiteralPath $started -PathType Leaf) -or -not (Test-Path -LiteralPath $command -PathType Leaf) -or
            (Test-Path -LiteralPath (Join-Path $dir.FullName 'exit.json') -PathType Leaf)) {
            continue
        }
        try {
            $spec = Get-Content -LiteralPath $command -Raw -Encoding UTF8 | ConvertFrom-Json
            $pidValue = [int](Get-Content -LiteralPath $started -Raw -Encoding UTF8 | ConvertFrom-Json).pid
        }
        catch {
            continue  # half-written records: not a run that is known to be going
        }
        $text = [string]$spec.file_path + ' ' + [string]$spec.arguments
        if ($text.IndexOf($needle, [System.StringComparison]::OrdinalIgnoreCase) -lt 0) { continue }
        $process = Get-Process -Id $pidValue -ErrorAction SilentlyContinue
        if (-not $process) { continue }
        # A pid reused by a process started after the run's started.json is not the run's.
        $own = $true
        try { $own = $process.StartTime.ToUniversalTime() -le (Get-Item -LiteralPath $started).LastWriteTimeUtc.AddSeconds(5) }
        catch { $own = $true }
        if ($own) { $users += $dir.Name }
    }
    return , $users
}

$result = @{
    image_path = $ImagePath
    action = $Action
    attached_before = $false
    drive_letter = $null
    wim_path = $null
    device_path = $null
    dismounted = $false
    in_use_by = @()
}

if ($Action -eq 'dismount') {
    if (Test-Path -LiteralPath $ImagePath -PathType Leaf) {
        $image = Get-DiskImage -ImagePath $ImagePath
    }
    elseif ($DevicePath) {
        $image = Get-DiskImage -DevicePath $DevicePath
    }
    else {
        throw "ISO file not found: $ImagePath. If it was moved or deleted while mounted, give DevicePath (the device_path its mount reported) to dismount it"
    }
    $result.attached_before = [bool]$image.Attached
    if ($image.Attached) {
        $result.device_path = [string]$image.DevicePath
        $letter = Get-Letter $image
        if ($letter) { $result.drive_letter = $letter + ':' }
        $result.in_use_by = Get-RunsUsing $letter
        if ($result.in_use_by.Count -eq 0) {
            if (Test-Path -LiteralPath $ImagePath -PathType Leaf) {
                $null = Dismount-DiskImage -ImagePath $ImagePath
            }
            else {
                $null = Dismount-DiskImage -DevicePath $image.DevicePath
            }
            $result.dismounted = $true
            $Ansible.Changed = $true
        }
    }
    $Ansible.Result = $result
    return
}

if (-not (Test-Path -LiteralPath $ImagePath -PathType Leaf)) {
    throw "ISO file not found: $ImagePath"
}
$image = Get-DiskImage -ImagePath $ImagePath
$result.attached_before = [bool]$image.Attached
$mountedHere = $false
if (-not $image.Attached) {
    $null = Mount-DiskImage -ImagePath $ImagePath -Access ReadOnly -StorageType ISO -PassThru
    $mountedHere = $true
    $Ansible.Changed = $true
}
try {
    $deadline = (Get-Date).AddSeconds($LetterWaitSeconds)
    while ($true) {
        $image = Get-DiskImage -ImagePath $ImagePath
        $letter = Get-Letter $image
        if ($letter -or (Get-Date) -ge $deadline) { break }
        Start-Sleep -Milliseconds 500
    }
}
catch {
    if ($mountedHere) { $null = Dismount-DiskImage -ImagePath $ImagePath -ErrorAction SilentlyContinue }
    throw
}
if (-not $letter) {
    $why = "ISO $ImagePath is attached but Windows gave its volume no drive letter within $LetterWaitSeconds s " +
        '(automatic mounting of new volumes is off - mountvol /E turns it on - or no drive letter is free)'
    if ($mountedHere) {
        $null = Dismount-DiskImage -ImagePath $ImagePath
        $Ansible.Changed = $false
        throw "$why; it was dismounted again"
    }
    throw "$why; it was attached before this task and is left as it is"
}
$result.device_path = [string]$image.DevicePath
$result.drive_letter = "${letter}:"
foreach ($name in @('install.wim', 'install.esd')) {
    $candidate = "${letter}:\sources\$name"
    if (Test-Path -LiteralPath $candidate -PathType Leaf) {
        $result.wim_path = $candidate
        break
    }
}
$Ansible.Result = $result
