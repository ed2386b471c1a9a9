# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What a mounted Windows ISO holds (win_inplace_upgrade): setup.exe and its
# version, and the images of sources\install.wim or install.esd with edition,
# architecture, build, UBR (SPBuild), languages and installation type, so the
# controller can check the media matches the installed Windows before setup
# runs. Read-only: it also runs in check mode (on an ISO that is attached already).
# Get-WindowsImage -ImagePath [-Index] (learn.microsoft.com/powershell/module/dism/get-windowsimage);
# Architecture numbers as in PROCESSOR_ARCHITECTURE_* (winnt.h): 0 x86, 5 arm, 9 x64, 12 arm64.
#
# Without -Index, Get-WindowsImage lists every image (ImageIndex, ImageName) in
# one call; the edition, installation type and the rest need one call per
# index, each of which reads that image's metadata (slow on a solid-compressed
# install.esd). So: one listing, then detail calls in index order only until
# the image matching EditionId and InstallationType (the installed Windows')
# is found - candidate_index; images after it are listed without details.
# InstallationType tells Server Core from Server with Desktop Experience, which
# share an EditionId and cannot be converted into each other ("Install Server
# Core or Server with Desktop Experience", learn.microsoft.com/windows-server/
# get-started/install-options-server-core-desktop-experience). The candidate
# is never picked by ImageName (display text). Without EditionId every image
# is detailed.
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory)][string]$DriveLetter,
    [string]$EditionId = '',
    [string]$InstallationType = ''
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("inplace_media_info.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$root = $DriveLetter.TrimEnd('\') + '\'
$setupPath = Join-Path $root 'setup.exe'
$result = @{
    drive_letter = $DriveLetter
    setup_path = $setupPath
    setup_exists = $false
    setup_version = $null
    image_path = $null
    images = @()
    candidate_index = $null
}

if (Test-Path -LiteralPath $setupPath -PathType Leaf) {
    $result.setup_exists = $true
    $result.setup_version = [string](Get-Item -LiteralPath $setupPath).VersionInfo.ProductVersion
}

foreach ($name in @('install.wim', 'install.esd')) {
    $candidate = Join-Path $root ('sources\' + $name)
    if (Test-Path -LiteralPath $candidate -PathType Leaf) {
        $result.image_path = $candidate
        break
    }
}

function Get-ArchitectureName([int]$Number) {
    switch ($Number) {
        0 { return 'x86' }
        5 { return 'arm' }
        9 { return 'x64' }
        12 { return 'arm64' }
    }
    return [string]$Number
}

if ($result.image_path) {
    $images = @()
    $found = $false
    foreach ($summary in @(Get-WindowsImage -ImagePath $result.image_path)) {
        $entry = @{ index = [int]$summary.ImageIndex; name = [string]$summary.ImageName; edition = $null
            architecture = $null; build = $null; ubr = $null; languages = @(); installation = $null; detailed = $false }
        if (-not $found) {
            $detail = Get-WindowsImage -ImagePath $result.image_path -Index $summary.ImageIndex
            $parts = ([string]$detail.Version).Split('.')
            if ($parts.Count -ge 3) { $entry.build = [int]$parts[2] }
            $entry.edition = [string]$detail.EditionId
            $entry.architecture = Get-ArchitectureName ([int]$detail.Architecture)
            $entry.ubr = [int]$detail.SPBuild
            $entry.languages = @($detail.Languages | ForEach-Object { [string]$_ })
            $entry.installation = [string]$detail.InstallationType
            $entry.detailed = $true
            if ($EditionId -and $entry.edition -eq $EditionId -and
                (-not $InstallationType -or $entry.installation -eq $InstallationType)) {
                $found = $true
                $result.candidate_index = $entry.index
            }
        }
        $images += $entry
    }
    $result.images = $images
}

$Ansible.Result = $result
