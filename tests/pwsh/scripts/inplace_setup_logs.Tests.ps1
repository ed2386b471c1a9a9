# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# inplace_setup_logs.ps1 run for real (Pester 5) on setup logs written into
# $TestDrive as Windows Setup writes them ("date time, Level  Component  message",
# windows-itpro-docs windows/deployment/upgrade/log-files.md).

BeforeAll {
    $global:LogsScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/inplace_setup_logs.ps1'

    function Write-SetupLog([string]$Folder, [string[]]$Lines, [string]$Name = 'setupact.log') {
        $null = New-Item -ItemType Directory -Path $Folder -Force
        [System.IO.File]::WriteAllLines((Join-Path $Folder $Name), $Lines)
    }

    function Invoke-SetupLogs([int]$MaxLines = 40) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:LogsScript -MaxLines $MaxLines -SystemDrive $TestDrive
        return $global:Ansible.Result
    }

    function Get-Entry($Result, [string]$Tail) {
        $norm = $Tail.Replace('\', '/')
        @($Result.files | Where-Object { $_.path.Replace('\', '/') -like "*$norm" })[0]
    }
}

Describe 'inplace_setup_logs.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:SavedRoot = $env:SystemRoot
        $env:SystemRoot = Join-Path $TestDrive 'Windows'
        $null = New-Item -ItemType Directory -Path $env:SystemRoot -Force
    }
    AfterEach { $env:SystemRoot = $global:SavedRoot }

    It 'keeps the rollback result - extend pair when many error lines follow it' {
        $pair = '2026-11-02 09:10:00, Error                 SP     Operation failed: MIGRATE_DATA. Result 0xC1900101 - 0x4000D, rolling back'
        $later = 1..60 | ForEach-Object { '2026-11-02 09:11:{0:00}, Error                 MIG    Error 1392 while gathering object C:\x{1}. [gle=0x00000570]' -f ($_ % 60), $_ }
        Write-SetupLog (Join-Path $TestDrive '$WINDOWS.~BT/Sources/Rollback') (@($pair) + $later)
        $entry = Get-Entry (Invoke-SetupLogs -MaxLines 40) 'Sources\Rollback\setupact.log'
        $entry.lines | Should -Contain $pair
        @($entry.lines).Count | Should -Be 40
        $entry.lines[-1] | Should -Be $later[-1]
        $entry.matched | Should -Be 61
    }

    It 'drops informational lines that merely carry a 0x value, keeps result lines of any level' {
        $noise = 1..500 | ForEach-Object { '2026-11-02 09:00:00, Info                  SP     ExecuteProgress: flags 0x00000004 [gle=0x000000b7] #{0}' -f $_ }
        $result = '2026-11-02 09:20:00, Info                  MOUPG  SetupHost::Execute: Result = 0x8007042B'
        $ok = '2026-11-02 09:20:01, Info                  MOUPG  SetupHost::Execute: Result = 0x00000000'
        Write-SetupLog (Join-Path $TestDrive '$WINDOWS.~BT/Sources/Panther') (@($noise) + $result + $ok)
        $entry = Get-Entry (Invoke-SetupLogs) 'Sources\Panther\setupact.log'
        @($entry.lines) | Should -Be @($result)
    }

    It 'reads UnattendGC and %windir% setupact.log as well (Microsoft''s list of setup logs)' {
        $oobe = '2026-11-02 09:30:00, Error                 SP     OOBE failed. Result 0xC1900101 - 0x4001E'
        $init = '2026-11-02 08:00:00, Error                 MOUPG  Setup could not start: MOSETUP_E_COMPAT_TIMEOUT'
        $gc = '2026-11-02 09:31:00, Error                 SP     Specialize failed: hr = 0x80070005'
        Write-SetupLog (Join-Path $TestDrive '$WINDOWS.~BT/Sources/Panther/UnattendGC') @($oobe)
        Write-SetupLog $env:SystemRoot @($init)
        Write-SetupLog (Join-Path $env:SystemRoot 'Panther/UnattendGC') @($gc) -Name 'setuperr.log'
        $r = Invoke-SetupLogs
        (Get-Entry $r 'Sources\Panther\UnattendGC\setupact.log').lines | Should -Be @($oobe)
        (Get-Entry $r 'Windows\setupact.log').lines | Should -Be @($init)
        (Get-Entry $r 'Windows\Panther\UnattendGC\setuperr.log').lines | Should -Be @($gc)
    }

    It 'reads a log one line at a time, never the whole file into memory' {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($global:LogsScript, [ref]$null, [ref]$null)
        $members = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.InvokeMemberExpressionAst] }, $true) |
            ForEach-Object { $_.Member.Extent.Text })
        $members | Should -Contain 'ReadLine'
        foreach ($whole in @('ReadToEnd', 'ReadAllText', 'ReadAllLines', 'ReadAllBytes')) { $members | Should -Not -Contain $whole }
        $commands = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) |
            ForEach-Object { $_.GetCommandName() })
        $commands | Should -Not -Contain 'Get-Content'
    }
}
