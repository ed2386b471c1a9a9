# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Mount a Windows ISO read-only to use its sources\install.wim (or .esd) as a
# DISM repair source, or dismount it again. An ISO that was already attached
# before is reported (attached_before) and left alone by 'dismount' callers.
# Cmdlets: Mount-DiskImage, Get-DiskImage, Dismount-DiskImage, Get-Volume
# (learn.microsoft.com/powershell/module/storage/mount-diskimage).
[CmdletBinding()]
param (
    [Parameter(Mandatory)][string]$ImagePath,
    [ValidateSet('mount', 'dismount')][string]$Action = 'mount'
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (-not (Test-Path -LiteralPath $ImagePath -PathType Leaf)) {
    throw "ISO file not found: $ImagePath"
}
$image = Get-DiskImage -ImagePath $ImagePath
$result = @{
    image_path = $ImagePath
    action = $Action
    attached_before = [bool]$image.Attached
    drive_letter = $null
    wim_path = $null
}

if ($Action -eq 'dismount') {
    if ($image.Attached) {
        $null = Dismount-DiskImage -ImagePath $ImagePath
        $Ansible.Changed = $true
    }
    $Ansible.Result = $result
    return
}

if (-not $image.Attached) {
    $image = Mount-DiskImage -ImagePath $ImagePath -Access ReadOnly -StorageType ISO -PassThru
    $Ansible.Changed = $true
}
$volume = $image | Get-Volume
if (-not $volume.DriveLetter) {
    throw "ISO $ImagePath is mounted but has no drive letter"
}
$result.drive_letter = "$($volume.DriveLetter):"
foreach ($name in @('install.wim', 'install.esd')) {
    $candidate = "$($volume.DriveLetter):\sources\$name"
    if (Test-Path -LiteralPath $candidate -PathType Leaf) {
        $result.wim_path = $candidate
        break
    }
}
$Ansible.Result = $result
