# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# kb_installed.ps1 run for real (Pester 5); CIM, registry and Get-HotFix are stand-ins.

BeforeAll {
    $global:KbScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/kb_installed.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }
    if (-not (Get-Command -Name Get-HotFix -ErrorAction SilentlyContinue)) {
        function global:Get-HotFix { [CmdletBinding()] param() }
    }

    function Invoke-Kb {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:KbScript
        return $global:Ansible.Result
    }
}

Describe 'kb_installed.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:SavedArch = @($env:PROCESSOR_ARCHITECTURE, $env:PROCESSOR_ARCHITEW6432)
        Mock Get-HotFix { [pscustomobject]@{ HotFixID = 'KB5043080' } }
        Mock Test-Path -ParameterFilter { $LiteralPath -like 'HKLM:*' } { $false }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT\CurrentVersion' } {
            [pscustomobject]@{ EditionID = 'Professional'; CurrentBuildNumber = '19045'; UBR = 4894; InstallationType = 'Client'
                DisplayVersion = '22H2'; ReleaseId = '2009' }
        }
    }
    AfterEach {
        $env:PROCESSOR_ARCHITECTURE, $env:PROCESSOR_ARCHITEW6432 = $global:SavedArch
    }

    It 'tells the product from the build and ProductType when the caption is localized' {
        # Win32_OperatingSystem.Caption of a Russian Windows 10 Pro.
        $caption = -join ([char[]](0x41C, 0x430, 0x439, 0x43A, 0x440, 0x43E, 0x441, 0x43E, 0x444, 0x442)) + ' Windows 10 Pro'
        Mock Get-CimInstance { [pscustomobject]@{ Caption = $caption; ProductType = [uint32]1 } }
        $r = Invoke-Kb
        $r.product_name | Should -Be 'Windows 10 Pro'
    }

    It 'tells Windows Server 2022 from build 20348 and ProductType 3' {
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT\CurrentVersion' } {
            [pscustomobject]@{ EditionID = 'ServerStandard'; CurrentBuildNumber = '20348'; UBR = 2700; InstallationType = 'Server Core'
                DisplayVersion = '21H2'; ReleaseId = '2009' }
        }
        Mock Get-CimInstance { [pscustomobject]@{ Caption = 'Microsoft Windows Server 2022 Standard'; ProductType = [uint32]3 } }
        (Invoke-Kb).product_name | Should -Be 'Windows Server 2022 Standard'
    }

    It 'reports the OS architecture from a 32-bit PowerShell on 64-bit Windows' {
        Mock Get-CimInstance { [pscustomobject]@{ Caption = 'Microsoft Windows 10 Pro'; ProductType = [uint32]1 } }
        $env:PROCESSOR_ARCHITECTURE = 'x86'
        $env:PROCESSOR_ARCHITEW6432 = 'AMD64'
        (Invoke-Kb).architecture | Should -Be 'x64'
    }
}
