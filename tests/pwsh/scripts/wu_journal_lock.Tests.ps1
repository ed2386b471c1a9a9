# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_journal_lock.ps1 run for real (Pester 5) on a lock file in $TestDrive.
# Get-Acl / Set-Acl are modelled by FakeAcl.ps1. .NET on Linux honours
# FileShare between opens (it locks the file), so a second opener is refused
# while the script holds the lock, as on Windows.

BeforeAll {
    $global:LockScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_journal_lock.ps1'
    . (Join-Path $PSScriptRoot 'FakeAcl.ps1')

    function Invoke-Lock([hashtable]$Params) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:LockScript -Path $global:LockPath @Params
        return $global:Ansible.Result
    }

    function Get-HolderText([string]$RunId) {
        return (@{ run_id = $RunId; controller = 'ctl'; pid = 4242; user = 'ops'; acquired = '2026-11-02T09:00:00+00:00' } |
                ConvertTo-Json -Compress)
    }
}

Describe 'wu_journal_lock.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:FakeAclTable.Clear()
        $global:FakeAclLog.Clear()
        $global:Folder = Join-Path $TestDrive ('winrepair' + [guid]::NewGuid().ToString('N'))
        $global:LockPath = Join-Path $global:Folder 'journal.json.lock'
        Mock Get-Acl { New-FakeAclObject $LiteralPath }
        Mock Set-Acl {
            $global:FakeAclLog.Add(@{ lock_existed = (Test-Path -LiteralPath $global:LockPath) }) | Out-Null
            Set-FakeAclFromObject $LiteralPath $AclObject
        }
    }

    It 'never deletes a lock another run took over while the release was deciding' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        Set-FakeAcl -Path $global:Folder -Owner $global:SidAdmins -Protected $true -Rules @(
            (New-FakeRule $global:SidSystem $global:RightsFull), (New-FakeRule $global:SidAdmins $global:RightsFull))
        [IO.File]::WriteAllText($global:LockPath, (Get-HolderText 'run-a'))
        # A second run judged run-a's lock stale and takes it over the moment it can open
        # it; it starts trying while the release reads run-a's text (the mock below).
        $global:Taker = [powershell]::Create().AddScript({
                param($Path, $Text)
                $deadline = [DateTime]::UtcNow.AddSeconds(4)
                while ([DateTime]::UtcNow -lt $deadline) {
                    try {
                        $s = [IO.File]::Open($Path, 'Open', 'ReadWrite', 'None')
                    }
                    catch [IO.FileNotFoundException] {
                        try {
                            $s = [IO.File]::Open($Path, 'CreateNew', 'Write', 'None')
                            $b = [Text.Encoding]::UTF8.GetBytes($Text); $s.Write($b, 0, $b.Length); $s.Dispose()
                            return 'created'
                        }
                        catch { continue }
                    }
                    catch { continue }
                    # On Windows a file whose delete is pending cannot be opened at all (Microsoft
                    # Learn, DeleteFile: later CreateFile calls fail with ERROR_ACCESS_DENIED). .NET on
                    # Linux opens first and takes its share lock (an advisory flock) after, so the
                    # open can land on the file the release has just unlinked: that is no lock, try again.
                    if (-not [IO.File]::Exists($Path)) { $s.Dispose(); continue }
                    try {
                        $buf = New-Object byte[] $s.Length; $null = $s.Read($buf, 0, $buf.Length)
                        if ([Text.Encoding]::UTF8.GetString($buf) -match 'run-a') {
                            $s.SetLength(0); $b = [Text.Encoding]::UTF8.GetBytes($Text); $s.Write($b, 0, $b.Length)
                            return 'overwrote'
                        }
                    }
                    finally { $s.Dispose() }
                }
                return 'gave up'
            }).AddArgument($global:LockPath).AddArgument((Get-HolderText 'run-b'))
        $global:TakerPending = $null
        $global:RealFromJson = Get-Command -Name ConvertFrom-Json -CommandType Cmdlet
        $global:RealRemove = Get-Command -Name Remove-Item -CommandType Cmdlet
        # Reading the holder, and whatever the script does between deciding and deleting, take a moment.
        Mock ConvertFrom-Json {
            if ($null -eq $global:TakerPending) { $global:TakerPending = $global:Taker.BeginInvoke() }
            Start-Sleep -Milliseconds 300
            & $global:RealFromJson -InputObject $InputObject
        }
        Mock Remove-Item { Start-Sleep -Milliseconds 400; & $global:RealRemove -LiteralPath $LiteralPath -Force }
        $r = Invoke-Lock @{ Action = 'release'; RunId = 'run-a' }
        $how = $global:Taker.EndInvoke($global:TakerPending)
        $global:Taker.Dispose()
        $r.state | Should -Be 'released'
        @($how) | Should -Not -Contain 'gave up'
        # run-b holds the lock it took: its file is there with its text.
        Test-Path -LiteralPath $global:LockPath | Should -BeTrue
        [IO.File]::ReadAllText($global:LockPath) | Should -Match 'run-b'
    }

    It 'reports a lock whose text cannot be read with the file owner and its age on the host clock' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        [IO.File]::WriteAllText($global:LockPath, '')
        (Get-Item -LiteralPath $global:LockPath).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-5)
        Set-FakeUserCreated -Path $global:LockPath
        $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-c'; Content = (Get-HolderText 'run-c') }
        $r.state | Should -Be 'held'
        $r.holder | Should -Be ''
        $r.file_owner | Should -Be $global:SidStandardUser
        $r.file_age_seconds | Should -BeGreaterOrEqual (5 * 3600 - 5)
        $r.file_age_seconds | Should -BeLessThan (5 * 3600 + 60)
    }

    It 'takes over only the exact text judged, and leaves a complete lock with the new holder' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        [IO.File]::WriteAllText($global:LockPath, (Get-HolderText 'run-a'))
        $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b'); Replace = (Get-HolderText 'run-x') }
        $r.state | Should -Be 'held'
        [IO.File]::ReadAllText($global:LockPath) | Should -Match 'run-a'
        $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b'); Replace = (Get-HolderText 'run-a') }
        $r.state | Should -Be 'taken_over'
        [IO.File]::ReadAllText($global:LockPath) | Should -Be (Get-HolderText 'run-b')
    }

    It 'takes over an empty lock (an interrupted write) only when asked with -ReplaceEmpty' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        [IO.File]::WriteAllText($global:LockPath, '')
        (Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b') }).state | Should -Be 'held'
        $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b'); ReplaceEmpty = $true }
        $r.state | Should -Be 'taken_over'
        [IO.File]::ReadAllText($global:LockPath) | Should -Be (Get-HolderText 'run-b')
    }

    It 'makes a folder a standard user pre-created safe before it creates the lock' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        Set-FakeUserCreated -Path $global:Folder
        $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-a'; Content = (Get-HolderText 'run-a') }
        $r.state | Should -Be 'acquired'
        (Get-FakeAclState $global:Folder).owner | Should -Be $global:SidAdmins
        @($global:FakeAclLog | Where-Object { $_.lock_existed }).Count | Should -Be 0
        @($global:FakeAclLog | Where-Object { $_.ContainsKey('lock_existed') }).Count | Should -Be 1
    }

    Context '-JournalPath: the journal read once the lock is taken' {
        BeforeEach {
            $null = New-Item -ItemType Directory -Path $global:Folder
            $global:JournalPath = Join-Path $global:Folder 'journal.json'
        }

        It 'answers the journal and its .bak as wu_journal_read does, after creating the lock' {
            [IO.File]::WriteAllText($global:JournalPath, '{"version": 1, "steps": [2]}')
            [IO.File]::WriteAllText("$($global:JournalPath).bak", '{"version": 1, "steps": ["réinit"]}')
            # Whether the lock was there when the journal was looked at.
            $global:LockSeen = @()
            $global:RealTestPath = Get-Command -Name Test-Path -CommandType Cmdlet
            Mock Test-Path -ParameterFilter { $LiteralPath -eq $global:JournalPath } {
                $global:LockSeen += [IO.File]::Exists($global:LockPath)
                & $global:RealTestPath -LiteralPath $LiteralPath -PathType $PathType
            }
            $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-a'; Content = (Get-HolderText 'run-a')
                JournalPath = $global:JournalPath }
            $r.state | Should -Be 'acquired'
            $r.journal.path | Should -Be $global:JournalPath
            $r.journal.exists | Should -BeTrue
            $r.journal.content | Should -Be '{"version": 1, "steps": [2]}'
            $r.journal.backup_content | Should -Be '{"version": 1, "steps": ["réinit"]}'
            $r.journal.error | Should -BeNullOrEmpty
            @($global:LockSeen) | Should -Be @($true)
            [IO.File]::ReadAllText($global:LockPath) | Should -Be (Get-HolderText 'run-a')
        }

        It 'answers no journal when there is none' {
            $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-a'; Content = (Get-HolderText 'run-a')
                JournalPath = $global:JournalPath }
            $r.state | Should -Be 'acquired'
            $r.journal.exists | Should -BeFalse
            $r.journal.content | Should -BeNullOrEmpty
            $r.journal.backup_content | Should -BeNullOrEmpty
        }

        It 'reads nothing while another run holds the lock, and reads with a take-over' {
            [IO.File]::WriteAllText($global:JournalPath, '{"version": 1}')
            [IO.File]::WriteAllText($global:LockPath, (Get-HolderText 'run-a'))
            $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b')
                JournalPath = $global:JournalPath }
            $r.state | Should -Be 'held'
            $r.journal | Should -BeNullOrEmpty
            $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-b'; Content = (Get-HolderText 'run-b')
                Replace = (Get-HolderText 'run-a'); JournalPath = $global:JournalPath }
            $r.state | Should -Be 'taken_over'
            $r.journal.content | Should -Be '{"version": 1}'
        }

        It 'answers a journal it cannot read as an error, and keeps the lock it took' {
            [IO.File]::WriteAllText($global:JournalPath, '{"version": 1}')
            Mock Test-Path -ParameterFilter { $LiteralPath -like '*.bak' } {
                throw [System.UnauthorizedAccessException]::new('Access to the path is denied.')
            }
            $r = Invoke-Lock @{ Action = 'acquire'; RunId = 'run-a'; Content = (Get-HolderText 'run-a')
                JournalPath = $global:JournalPath }
            $r.state | Should -Be 'acquired'
            $r.journal.error | Should -Be 'Access to the path is denied.'
            [IO.File]::ReadAllText($global:LockPath) | Should -Be (Get-HolderText 'run-a')
        }
    }

    It 'refuses, with the fix, when the folder cannot be made safe, and creates no lock' {
        $null = New-Item -ItemType Directory -Path $global:Folder
        Set-FakeUserCreated -Path $global:Folder -Locked
        { Invoke-Lock @{ Action = 'acquire'; RunId = 'run-a'; Content = (Get-HolderText 'run-a') } } |
            Should -Throw -ExpectedMessage "*is not safe (owner $($global:SidStandardUser)*takeown*"
        Test-Path -LiteralPath $global:LockPath | Should -BeFalse
    }
}
