# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# sfc_dism_preflight.ps1 run for real (Pester 5). dism.exe is a stand-in
# program at the path the script calls ($env:SystemRoot\System32\dism.exe)
# that prints the arguments it was given.

BeforeAll {
    $global:PreflightScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/sfc_dism_preflight.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }
}

Describe 'sfc_dism_preflight.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $env:SystemRoot = Join-Path $TestDrive 'Windows'
        # PowerShell on Linux reads the script's backslashes as folder separators.
        $null = New-Item -ItemType Directory -Path (Join-Path $env:SystemRoot 'System32') -Force
        $dism = Join-Path $env:SystemRoot 'System32/dism.exe'
        Set-Content -LiteralPath $dism -Value "#!/bin/sh`necho ARGS: `"`$@`"`nexit 0`n"
        chmod +x $dism
        Mock Get-CimInstance { [pscustomobject]@{ Caption = 'Microsoft Windows 11 Pro'; ProductType = 1; OSArchitecture = '64-bit' } }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT\CurrentVersion' } {
            [pscustomobject]@{ EditionID = 'Professional'; CurrentBuildNumber = '26100'; UBR = 2033; InstallationType = 'Client'
                CurrentBuild = '26100'; DisplayVersion = '24H2'; ProductName = 'Windows 10 Pro' }
        }
        Mock Test-Path -ParameterFilter { $LiteralPath -like 'HKLM:*' } { $false }
    }

    It 'asks DISM /CheckHealth for English output, like the other DISM calls (its text is read)' {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:PreflightScript -CheckHealth $true -WimInfo $false
        $global:Ansible.Result.check_health_output | Should -Match 'ARGS: /English /Online /Cleanup-Image /CheckHealth'
    }

    It 'tells the product from the build and ProductType, not from the localized caption' {
        $caption = -join ([char[]](0x41C, 0x430, 0x439, 0x43A, 0x440, 0x43E, 0x441, 0x43E, 0x444, 0x442)) + ' Windows 11 Pro'
        Mock Get-CimInstance { [pscustomobject]@{ Caption = $caption; ProductType = [uint32]1 } }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:PreflightScript -CheckHealth $false -WimInfo $false
        $global:Ansible.Result.product_name | Should -Be 'Windows 11 Pro'
    }
}
