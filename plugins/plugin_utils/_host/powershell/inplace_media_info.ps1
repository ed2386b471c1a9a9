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
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory)][string]$DriveLetter
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
    foreach ($summary in @(Get-WindowsImage -ImagePath $result.image_path)) {
        $detail = Get-WindowsImage -ImagePath $result.image_path -Index $summary.ImageIndex
        $parts = ([string]$detail.Version).Split('.')
        $build = $null
        if ($parts.Count -ge 3) { $build = [int]$parts[2] }
        $images += @{
            index = [int]$detail.ImageIndex
            name = [string]$detail.ImageName
            edition = [string]$detail.EditionId
            architecture = Get-ArchitectureName ([int]$detail.Architecture)
            build = $build
            ubr = [int]$detail.SPBuild
            languages = @($detail.Languages | ForEach-Object { [string]$_ })
            installation = [string]$detail.InstallationType
        }
    }
    $result.images = $images
}

$Ansible.Result = $result
