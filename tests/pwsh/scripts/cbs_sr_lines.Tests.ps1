# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# cbs_sr_lines.ps1: how it opens CBS.log. Sharing modes are not enforced on
# Linux for renames, so the sharing the script asks for is read from its
# syntax tree (the [System.IO.File]::Open call), and the script is run on a
# CBS.log in $TestDrive.

BeforeAll {
    $global:CbsScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/cbs_sr_lines.ps1'
}

Describe 'cbs_sr_lines.ps1' {
    It 'opens CBS.log sharing delete too, so the servicing stack can rename it while it is read' {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($global:CbsScript, [ref]$null, [ref]$null)
        $open = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and
                $n.Member.Extent.Text -eq 'Open' -and $n.Expression.Extent.Text -eq '[System.IO.File]' }, $true)
        $open | Should -Not -BeNullOrEmpty
        $share = Invoke-Expression $open.Arguments[3].Extent.Text
        ($share -band [System.IO.FileShare]::Delete) | Should -Be ([System.IO.FileShare]::Delete)
        ($share -band [System.IO.FileShare]::ReadWrite) | Should -Be ([System.IO.FileShare]::ReadWrite)
    }

    It 'keeps the last [SR] lines of the log' {
        $env:SystemRoot = Join-Path $TestDrive 'Windows'
        $null = New-Item -ItemType Directory -Path (Join-Path $env:SystemRoot 'Logs/CBS') -Force
        $log = Join-Path $env:SystemRoot 'Logs/CBS/CBS.log'
        Set-Content -LiteralPath $log -Value @('a [SR] one', 'b other', 'c [SR] two', 'd [SR] three')
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:CbsScript -MaxLines 2
        @($global:Ansible.Result.lines) | Should -Be @('c [SR] two', 'd [SR] three')
    }
}
