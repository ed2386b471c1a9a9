# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_journal_write.ps1 run for real (Pester 5) on a journal in $TestDrive.

BeforeAll {
    $global:WriteScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_journal_write.ps1'

    function Invoke-Write([string]$Path, [string]$Content) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:WriteScript -Path $Path -Content $Content
        return $global:Ansible.Result
    }
}

Describe 'wu_journal_write.ps1' {
    It 'tries the replace again while something keeps it from happening for a moment (a scanner holding the journal)' {
        $path = Join-Path $TestDrive ('journal' + [guid]::NewGuid().ToString('N') + '.json')
        [IO.File]::WriteAllText($path, '{"old": 1}')
        # A folder in the backup's place makes File.Replace fail (IOException) until it is gone,
        # as ERROR_UNABLE_TO_REMOVE_REPLACED does while another process holds the journal.
        $blocker = "$path.bak"
        $null = New-Item -ItemType Directory -Path $blocker
        Set-Content -LiteralPath (Join-Path $blocker 'x') -Value 'x'
        $clear = [powershell]::Create().AddScript({ param($p) Start-Sleep -Milliseconds 900; Remove-Item -LiteralPath $p -Recurse -Force }).AddArgument($blocker)
        $pending = $clear.BeginInvoke()
        try {
            $r = Invoke-Write $path '{"new": 2}'
        }
        finally {
            $null = $clear.EndInvoke($pending)
            $clear.Dispose()
        }
        $r.changed | Should -BeTrue
        [IO.File]::ReadAllText($path) | Should -Be '{"new": 2}'
        [IO.File]::ReadAllText("$path.bak") | Should -Be '{"old": 1}'
    }
}
