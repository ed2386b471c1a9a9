# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Disks, disk images, volumes and Windows images (tests/pwsh/hostapi/images.py).

function Get-PhysicalDisk {
    [CmdletBinding()]
    param ()
    Invoke-WinSimCall -Name 'disk.physical' -Cmdlet $PSCmdlet
}

function Get-DiskImage {
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)][string]$ImagePath)
    Invoke-WinSimCall -Name 'image.get' -Arguments @{ path = $ImagePath } -Cmdlet $PSCmdlet
}

function Mount-DiskImage {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$ImagePath,
        [string]$Access = 'ReadWrite',
        [string]$StorageType,
        [switch]$PassThru
    )
    $image = Invoke-WinSimCall -Name 'image.mount' -Arguments @{ path = $ImagePath; access = $Access } -Cmdlet $PSCmdlet
    if ($null -eq $image) { return }
    # The volume's drive letter, for paths the script builds on it ("E:\sources\...").
    if (-not (Microsoft.PowerShell.Management\Get-PSDrive -Name $image.DriveName -ErrorAction SilentlyContinue)) {
        $null = Microsoft.PowerShell.Management\New-PSDrive -Name $image.DriveName -PSProvider FileSystem -Root $image.DriveRoot -Scope Global
    }
    $image.PSObject.Properties.Remove('DriveRoot')
    $image.PSObject.Properties.Remove('DriveName')
    if ($PassThru) { $image }
}

function Dismount-DiskImage {
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true, Position = 0)][string]$ImagePath)
    Invoke-WinSimCall -Name 'image.dismount' -Arguments @{ path = $ImagePath } -Cmdlet $PSCmdlet
}

function Get-Volume {
    [CmdletBinding()]
    param ([Parameter(ValueFromPipeline = $true)]$DiskImage)
    process {
        Invoke-WinSimCall -Name 'image.volume' -Arguments @{ path = [string]$DiskImage.ImagePath } -Cmdlet $PSCmdlet
    }
}

function Get-WindowsImage {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][string]$ImagePath,
        [int]$Index = 0
    )
    Invoke-WinSimCall -Name 'image.windows' -Arguments @{ path = $ImagePath; index = $Index } -Cmdlet $PSCmdlet
}
