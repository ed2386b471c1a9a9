# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# inplace_preflight.ps1 run for real (Pester 5); registry, CIM and process
# queries are stand-ins answering as Windows does (REG_DWORD as Int32).

BeforeAll {
    $global:IpScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/inplace_preflight.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }

    function Invoke-Preflight {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:IpScript -ImagePath (Join-Path $TestDrive 'missing.iso')
        return $global:Ansible.Result
    }
}

Describe 'inplace_preflight.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:SavedArch = @($env:PROCESSOR_ARCHITECTURE, $env:PROCESSOR_ARCHITEW6432)
        $env:PROCESSOR_ARCHITECTURE = 'AMD64'
        $env:PROCESSOR_ARCHITEW6432 = $null
        $env:SystemDrive = $TestDrive
        Mock Get-CimInstance { [pscustomobject]@{ FreeSpace = [uint64]50GB } }
        Mock Get-Process { }
        Mock Test-Path -ParameterFilter { $LiteralPath -like 'HKLM:*' } { $false }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT\CurrentVersion' } {
            [pscustomobject]@{ ProductName = 'Windows 10 Pro'; EditionID = 'Professional'; DisplayVersion = '24H2'
                CurrentBuild = '26100'; UBR = 2033; InstallationType = 'Client'; InstallDate = [int]1700000000 }
        }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Nls\Language' } { [pscustomobject]@{ InstallLanguage = '0409' } }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Session Manager' } {
            [pscustomobject]@{ PendingFileRenameOperations = @('\??\C:\x.tmp', '') }
        }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like '*MoSetup\Volatile' } { [pscustomobject]@{ SetupProgress = [int]100 } }
    }
    AfterEach {
        $env:PROCESSOR_ARCHITECTURE, $env:PROCESSOR_ARCHITEW6432 = $global:SavedArch
    }

    It 'does not call a setup running when only SetupProgress is left from an earlier run (no SetupHost.exe)' {
        $r = Invoke-Preflight
        $r.setup_in_progress | Should -BeFalse
        $r.setup_progress | Should -Be 100
    }

    It 'calls a setup running while SetupHost.exe runs' {
        Mock Get-Process -ParameterFilter { $Name -contains 'SetupHost' } { [pscustomobject]@{ Id = 4242; Name = 'SetupHost' } }
        (Invoke-Preflight).setup_in_progress | Should -BeTrue
    }

    It 'does not count PendingFileRenameOperations alone as a pending restart, and says they are there' {
        $r = Invoke-Preflight
        $r.reboot_pending | Should -BeFalse
        $r.pending_file_renames | Should -BeTrue
    }

    It 'reports the OS architecture from a 32-bit PowerShell, and InstallDate without .NET 4.6' {
        $env:PROCESSOR_ARCHITECTURE = 'x86'
        $env:PROCESSOR_ARCHITEW6432 = 'AMD64'
        $r = Invoke-Preflight
        $r.architecture | Should -Be 'x64'
        $r.install_date | Should -Be '2023-11-14T22:13:20.0000000Z'
    }
}
