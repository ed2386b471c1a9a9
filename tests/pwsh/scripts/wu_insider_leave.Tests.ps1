# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_insider_leave.ps1 run for real (Pester 5). The registry is a table here
# ($global:Reg: key -> values); reg.exe and bcdedit.exe are functions named
# like the tools (a function shadows the external command called by name).

BeforeAll {
    $global:LeaveScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_insider_leave.ps1'
    $global:Sls = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\SLS\Programs'

    function Invoke-Leave([hashtable]$Params = @{}) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:LeaveScript -BackupFolder (Join-Path $TestDrive 'backup') @Params
        return $global:Ansible
    }
}

Describe 'wu_insider_leave.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:Reg = @{}
        $global:Calls = New-Object System.Collections.ArrayList
        $global:BcdLines = @('Windows Boot Loader', '-------------------', 'identifier              {current}')
        $global:RegExportFails = @()
        function global:reg.exe {
            $null = $global:Calls.Add('reg ' + ($args -join ' '))
            if ($global:RegExportFails -contains $args[1]) {
                # reg.exe writes its error to stderr and exits 1.
                [Console]::Error.WriteLine('ERROR: Access is denied.')
                $global:LASTEXITCODE = 1
                Write-Error 'ERROR: Access is denied.'
                return
            }
            'The operation completed successfully.'
            $global:LASTEXITCODE = 0
        }
        function global:bcdedit.exe {
            $null = $global:Calls.Add('bcdedit ' + ($args -join ' '))
            if ($args[0] -eq '/enum') { $global:BcdLines } else { 'The operation completed successfully.' }
            $global:LASTEXITCODE = 0
        }
        Mock Test-Path -ParameterFilter { $LiteralPath -like 'Registry::*' -or $LiteralPath -like 'HKLM:*' } {
            $global:Reg.ContainsKey(([string]$LiteralPath[0] -replace '^Registry::', '' -replace '^HKLM:', 'HKLM'))
        }
        Mock Remove-Item -ParameterFilter { $LiteralPath -like 'Registry::*' } {
            $global:Reg.Remove(([string]$LiteralPath[0] -replace '^Registry::', ''))
        }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -like 'HKLM:*' } {
            $k = [string]$LiteralPath[0] -replace '^HKLM:', 'HKLM'
            if ($global:Reg.ContainsKey($k)) { [pscustomobject]$global:Reg[$k] }
        }
        Mock New-Item -ParameterFilter { $Path -like 'HKLM:*' } { $global:Reg[([string]$Path[0] -replace '^HKLM:', 'HKLM')] = @{} }
        Mock New-ItemProperty {
            $null = $global:Calls.Add("set $Name")
            $global:Reg[([string]$LiteralPath[0] -replace '^HKLM:', 'HKLM')][$Name] = $Value
        }
    }

    It 'exports and removes the ring keys under ...\CurrentVersion\WindowsUpdate\SLS\Programs, RingExternal among them' {
        $global:Reg["$global:Sls\RingExternal"] = @{}
        $global:Reg['HKLM\SOFTWARE\Microsoft\WindowsSelfHost'] = @{}
        $answer = Invoke-Leave @{ BlockPreviewBuilds = $false }
        @($answer.Result.removed_keys | ForEach-Object { $_.key }) |
            Should -Be @('HKLM\SOFTWARE\Microsoft\WindowsSelfHost', "$global:Sls\RingExternal")
        $global:Reg.ContainsKey("$global:Sls\RingExternal") | Should -BeFalse
        $answer.Result.reboot_required | Should -BeTrue
    }

    It 'finds flightsigning by its element name whatever the display language says ("Ja")' {
        $global:BcdLines += 'flightsigning           Ja'
        $answer = Invoke-Leave @{ BlockPreviewBuilds = $false }
        $global:Calls | Should -Contain 'bcdedit /deletevalue {current} flightsigning'
        $answer.Result.flightsigning_removed | Should -BeTrue
        $answer.Result.reboot_required | Should -BeTrue
    }

    It 'leaves a preview-build policy that is already in force as it is (changed false)' {
        $global:Reg['HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate'] = @{
            ManagePreviewBuilds = 1; ManagePreviewBuildsPolicyValue = 0 }
        $answer = Invoke-Leave
        $answer.Result.policy_set | Should -BeTrue
        $answer.Result.policy_changed | Should -BeFalse
        $answer.Changed | Should -BeFalse
        @($global:Calls | Where-Object { $_ -like 'set *' }).Count | Should -Be 0
    }

    It 'reports what it removed before a reg.exe export failed (stderr and exit code 1), and stops there' {
        $global:Reg['HKLM\SOFTWARE\Microsoft\WindowsSelfHost'] = @{}
        $global:Reg["$global:Sls\RingPreview"] = @{}
        $global:RegExportFails = @("$global:Sls\RingPreview")
        { Invoke-Leave @{ BlockPreviewBuilds = $false } } | Should -Throw -ExpectedMessage '*RingPreview failed with exit code 1*'
        @($global:Ansible.Result.removed_keys | ForEach-Object { $_.key }) | Should -Be @('HKLM\SOFTWARE\Microsoft\WindowsSelfHost')
        $global:Ansible.Result.error | Should -Match 'Access is denied'
        $global:Reg.ContainsKey("$global:Sls\RingPreview") | Should -BeTrue
    }
}
