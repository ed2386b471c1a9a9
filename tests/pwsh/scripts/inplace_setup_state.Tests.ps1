# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# inplace_setup_state.ps1 run for real (Pester 5); registry and CIM reads are stand-ins
# that answer what Windows gives: a REG_DWORD as Int32.

BeforeAll {
    $global:StateScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/inplace_setup_state.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }
}

Describe 'inplace_setup_state.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $env:SystemRoot = Join-Path $TestDrive 'Windows'
        Mock Get-CimInstance { [pscustomobject]@{ LastBootUpTime = [datetime]::new(2026, 11, 2, 8, 0, 0, [DateTimeKind]::Utc) } }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT\CurrentVersion' } {
            [pscustomobject]@{ CurrentBuild = '19045'; UBR = [int]3803; EditionID = 'Professional'; DisplayVersion = '22H2'
                InstallDate = [int]1700000000 }
        }
    }

    It 'reads a BoxResult with the high bit set (0xC1900101 arrives as the Int32 -1047527167) as its unsigned value' {
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*MoSetup\Volatile' } {
            [pscustomobject]@{ SetupProgress = [int]42; BoxResult = [int]-1047527167 }
        }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:StateScript -SystemDrive $TestDrive
        $global:Ansible.Result.box_result | Should -Be 0xC1900101L
        $global:Ansible.Result.setup_progress | Should -Be 42
        $global:Ansible.Result.install_date | Should -Be '2023-11-14T22:13:20.0000000Z'
    }
}
