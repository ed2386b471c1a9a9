# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_journal_write.ps1 run for real (Pester 5) on a journal in $TestDrive.

BeforeAll {
    $global:WriteScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_journal_write.ps1'

    function Invoke-Write([string]$Path, [string]$Content, [string]$Expected = '') {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:WriteScript -Path $Path -Content $Content -Expected $Expected
        return $global:Ansible.Result
    }

    # hashlib.sha256('{"seen": "à"}'.encode('utf-8')).hexdigest(): the revision the controller computes.
    $global:SeenHash = 'f425819f61bd62c8219d24378c2301c0216716382bf3f6c3b877185f0e17e6a0'

    function New-JournalPath {
        return Join-Path $TestDrive ('journal' + [guid]::NewGuid().ToString('N') + '.json')
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

    It 'writes when the journal is still the text the controller saw (SHA-256 of its UTF-8, as Python computes it)' {
        $path = New-JournalPath
        [IO.File]::WriteAllText($path, '{"seen": "à"}')
        $r = Invoke-Write $path '{"new": 1}' $global:SeenHash
        $r.conflict | Should -BeFalse
        $r.changed | Should -BeTrue
        [IO.File]::ReadAllText($path) | Should -Be '{"new": 1}'
    }

    It 'writes nothing and says conflict when the journal changed since it was seen' {
        $path = New-JournalPath
        [IO.File]::WriteAllText($path, '{"other": 2}')
        $r = Invoke-Write $path '{"new": 1}' $global:SeenHash
        $r.conflict | Should -BeTrue
        $r.changed | Should -BeFalse
        [IO.File]::ReadAllText($path) | Should -Be '{"other": 2}'
        Test-Path -LiteralPath "$path.tmp" | Should -BeFalse
    }

    It 'expects no journal with none: writes the first one, and leaves one that appeared alone' {
        $path = New-JournalPath
        $r = Invoke-Write $path '{"first": 1}' 'none'
        $r.conflict | Should -BeFalse
        [IO.File]::ReadAllText($path) | Should -Be '{"first": 1}'
        $r = Invoke-Write $path '{"second": 2}' 'none'
        $r.conflict | Should -BeTrue
        [IO.File]::ReadAllText($path) | Should -Be '{"first": 1}'
    }
}
