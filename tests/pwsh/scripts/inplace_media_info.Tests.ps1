# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# inplace_media_info.ps1 run for real (Pester 5) on a drive in $TestDrive. Get-WindowsImage
# is a stand-in answering as the DISM cmdlet does: without -Index only ImageIndex and
# ImageName; with -Index the image's EditionId, InstallationType, Architecture, Version,
# SPBuild and Languages (a Windows Server 2022 install.wim: Core and Desktop Experience of
# each edition share the EditionId).

BeforeAll {
    $global:MediaScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/inplace_media_info.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-WindowsImage -CommandType Cmdlet, Function -ErrorAction SilentlyContinue)) {
        function global:Get-WindowsImage { [CmdletBinding()] param($ImagePath, $Index) }
    }
    $global:ServerImages = @(
        @{ i = 1; e = 'ServerStandard'; t = 'Server Core'; n = 'Windows Server 2022 Standard' },
        @{ i = 2; e = 'ServerStandard'; t = 'Server'; n = 'Windows Server 2022 Standard (Desktop Experience)' },
        @{ i = 3; e = 'ServerDatacenter'; t = 'Server Core'; n = 'Windows Server 2022 Datacenter' },
        @{ i = 4; e = 'ServerDatacenter'; t = 'Server'; n = 'Windows Server 2022 Datacenter (Desktop Experience)' })

    function Invoke-Media([hashtable]$Arguments) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:MediaScript @Arguments
        return $global:Ansible.Result
    }
}

Describe 'inplace_media_info.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:Drive = Join-Path $TestDrive 'E'
        $null = New-Item -ItemType Directory -Path (Join-Path $global:Drive 'sources') -Force
        Set-Content -LiteralPath (Join-Path $global:Drive 'sources/install.esd') -Value 'esd'
        Mock Get-WindowsImage -ParameterFilter { -not $Index } {
            $global:ServerImages | ForEach-Object { [pscustomobject]@{ ImageIndex = $_.i; ImageName = $_.n } } }
        Mock Get-WindowsImage -ParameterFilter { $Index -gt 0 } {
            $img = $global:ServerImages[$Index - 1]
            [pscustomobject]@{ ImageIndex = $img.i; ImageName = $img.n; EditionId = $img.e; InstallationType = $img.t
                Architecture = 9; Version = '10.0.20348.587'; SPBuild = 587; Languages = @('en-US') }
        }
    }

    It 'picks Server with Desktop Experience, not Server Core of the same EditionId, by InstallationType' {
        $r = Invoke-Media @{ DriveLetter = $global:Drive; EditionId = 'ServerStandard'; InstallationType = 'Server' }
        $r.candidate_index | Should -Be 2
        ($r.images | Where-Object { $_.index -eq 2 }).installation | Should -Be 'Server'
    }

    It 'lists the images in one call and reads details only up to the candidate index' {
        $r = Invoke-Media @{ DriveLetter = $global:Drive; EditionId = 'ServerStandard'; InstallationType = 'Server Core' }
        $r.candidate_index | Should -Be 1
        Should -Invoke Get-WindowsImage -Times 1 -Exactly -ParameterFilter { -not $Index }
        Should -Invoke Get-WindowsImage -Times 1 -Exactly -ParameterFilter { $Index -gt 0 }
        @($r.images).Count | Should -Be 4
        @($r.images | Where-Object { $_.detailed }).Count | Should -Be 1
        ($r.images | Where-Object { $_.index -eq 4 }).name | Should -Be 'Windows Server 2022 Datacenter (Desktop Experience)'
    }
}
