# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Free space on the system drive for servicing (opt-in in the roles). Removes
# only what Windows or this collection can rebuild, never user data:
# - backups of the Windows Update folders left by earlier component resets
#   (%windir%\SoftwareDistribution.bak-*, %windir%\System32\catroot2.bak-*,
#   %ALLUSERSPROFILE%\Microsoft\Network\Downloader.bak-*) older than
#   OlderThanDays; the age is read from the YYYYMMDDTHHMMSS stamp in the name
#   (win_wu_reset's naming), else from the folder's last write time;
# - files in %windir%\Temp older than OlderThanDays;
# - optionally superseded components: DISM /Online /Cleanup-Image
#   /StartComponentCleanup (Microsoft Learn "Clean Up the WinSxS Folder").
# Check mode lists what would be removed and runs nothing.
[CmdletBinding(SupportsShouldProcess)]
param (
    [int]
    $OlderThanDays = 7,

    [bool]
    $ComponentCleanup = $false
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$drive = $env:SystemDrive
$cutoff = [DateTime]::UtcNow.AddDays(-$OlderThanDays)
$removed = [System.Collections.Generic.List[Object]]@()
$problems = [System.Collections.Generic.List[Object]]@()

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
    param ($Item)
    if ($Item.Name -match '\.bak-(\d{8}T\d{6})') {
        return [DateTime]::ParseExact($Matches[1], 'yyyyMMddTHHmmss', [Globalization.CultureInfo]::InvariantCulture,
            [Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal')
    }
    return $Item.LastWriteTimeUtc
}

$freeBefore = Get-FreeByte
$candidates = @(
    @{ parent = $env:windir; filter = 'SoftwareDistribution.bak-*' }
    @{ parent = (Join-Path -Path $env:windir -ChildPath 'System32'); filter = 'catroot2.bak-*' }
    @{ parent = (Join-Path -Path $env:ALLUSERSPROFILE -ChildPath 'Microsoft\Network'); filter = 'Downloader.bak-*' }
)
foreach ($candidate in $candidates) {
    $found = @(Get-ChildItem -LiteralPath $candidate.parent -Filter $candidate.filter -Directory -Force -ErrorAction SilentlyContinue)
    foreach ($item in $found) {
        if ((Get-StampTime -Item $item) -ge $cutoff) {
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
$oldFiles = @(Get-ChildItem -LiteralPath $temp -Recurse -Force -File -ErrorAction SilentlyContinue |
        Where-Object { $_.LastWriteTimeUtc -lt $cutoff })
foreach ($file in $oldFiles) {
    if ($PSCmdlet.ShouldProcess($file.FullName, 'Remove old temporary file')) {
        try {
            Remove-Item -LiteralPath $file.FullName -Force
            $removed.Add(@{ path = $file.FullName; bytes = [int64]$file.Length; kind = 'temp' })
        }
        catch {
            # A file in use stays; that is normal for temporary files.
            $problems.Add(@{ path = $file.FullName; message = $_.Exception.Message })
        }
    }
    else {
        $removed.Add(@{ path = $file.FullName; bytes = [int64]$file.Length; kind = 'temp' })
    }
}

$componentExit = $null
if ($ComponentCleanup -and $PSCmdlet.ShouldProcess('component store', 'DISM /StartComponentCleanup')) {
    $dism = Join-Path -Path $env:windir -ChildPath 'System32\dism.exe'
    $null = & $dism /Online /Cleanup-Image /StartComponentCleanup /English
    $componentExit = $LASTEXITCODE
}

$freeAfter = Get-FreeByte
if ($removed.Count -gt 0 -or $null -ne $componentExit) {
    $Ansible.Changed = $true
}
$Ansible.Result = @{
    removed = $removed.ToArray()
    problems = $problems.ToArray()
    planned_bytes = [int64](($removed | ForEach-Object { $_.bytes } | Measure-Object -Sum).Sum)
    free_bytes_before = $freeBefore
    free_bytes_after = $freeAfter
    component_cleanup_exit_code = $componentExit
}
