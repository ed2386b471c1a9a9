# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# detached_start.ps1 run for real (Pester 5), with the Windows-only commands
# (Get-Acl / Set-Acl, the ScheduledTasks cmdlets) replaced. The run tree lives
# in $TestDrive; its owners and ACLs are modelled by FakeAcl.ps1.

BeforeAll {
    Set-StrictMode -Version Latest
    $global:ScriptPath = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/detached_start.ps1'
    . (Join-Path $PSScriptRoot 'FakeAcl.ps1')

    # The ScheduledTasks module is Windows-only: stand-ins that record what was asked.
    function global:Get-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName) $global:FakeTask }
    function global:Unregister-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName, [switch]$Confirm) }
    function global:New-ScheduledTaskAction { [CmdletBinding()] param($Execute, $Argument, $WorkingDirectory)
        [pscustomobject]@{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory } }
    function global:New-ScheduledTaskPrincipal { [CmdletBinding()] param($UserId, $LogonType, $RunLevel)
        [pscustomobject]@{ UserId = $UserId; RunLevel = $RunLevel } }
    function global:New-ScheduledTaskSettingsSet { [CmdletBinding()] param([switch]$AllowStartIfOnBatteries,
            [switch]$DontStopIfGoingOnBatteries, $ExecutionTimeLimit, $MultipleInstances, $Priority)
        [pscustomobject]@{ ExecutionTimeLimit = $ExecutionTimeLimit; Priority = $Priority } }
    function global:Register-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName, $Action, $Principal,
            $Settings, $Description, [switch]$Force)
        $global:Registered += @(@{ Action = $Action; Settings = $Settings; Principal = $Principal })
        # What was on disk when the task was registered.
        $global:FilesAtRegistration = @(Get-ChildItem -LiteralPath $Action.WorkingDirectory -Force | ForEach-Object { $_.Name })
        [pscustomobject]@{ TaskName = $TaskName } }
    function global:Start-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName) $global:FakeTask = [pscustomobject]@{ State = 'Running' } }

    function Invoke-Start([hashtable]$Extra = @{}) {
        $params = @{ RunId = 'dism-restorehealth-1a2b3c'; FilePath = 'C:\Windows\System32\Dism.exe'
            Arguments = '/Online /Cleanup-Image /RestoreHealth'; WorkRoot = $global:WorkRoot }
        foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:ScriptPath @params
        return $global:Ansible
    }

    function Get-DecodedWrapper($Action) {
        $m = [regex]::Match($Action.Arguments, '-EncodedCommand (\S+)')
        if (-not $m.Success) { return $null }
        return [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($m.Groups[1].Value))
    }
}

Describe 'detached_start.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:FakeAclTable.Clear()
        $global:FakeAclLog.Clear()
        $global:Registered = @()
        $global:FakeTask = $null
        $global:FilesAtRegistration = $null
        $global:ProgramData = Join-Path $TestDrive ('pd' + [guid]::NewGuid().ToString('N'))
        $global:Root = Join-Path $global:ProgramData 'winrepair'
        $global:WorkRoot = Join-Path $global:Root 'runs'
        $global:RunDir = Join-Path $global:WorkRoot 'dism-restorehealth-1a2b3c'
        $null = New-Item -ItemType Directory -Path $global:ProgramData
        $env:SystemRoot = Join-Path $TestDrive 'Windows'
        Mock Get-Acl { New-FakeAclObject $LiteralPath }
        Mock Set-Acl {
            # Nothing of the run may exist yet when a folder of the tree is made safe.
            # (A command.json the script wrote: not the one a test planted, dated 2000.)
            $ours = @(Get-ChildItem -LiteralPath $global:ProgramData -Recurse -File -Filter 'command.json' |
                    Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -notmatch '2000-01-01' })
            $global:FakeAclLog.Add(@{ files_before = $ours }) | Out-Null
            Set-FakeAclFromObject $LiteralPath $AclObject
        }
    }

    It 'refuses, naming the fix, when a standard user pre-created the collection folder and it cannot be made safe' {
        $null = New-Item -ItemType Directory -Path $global:Root
        Set-FakeUserCreated -Path $global:Root -Locked
        { Invoke-Start } | Should -Throw -ExpectedMessage '*winrepair is not safe for a run as SYSTEM (its owner is S-1-5-21-*takeown*'
        $global:Registered.Count | Should -Be 0
        Test-Path -LiteralPath $global:WorkRoot | Should -BeFalse
    }

    It 'refuses a collection folder that is a junction, without touching its ACL' {
        $elsewhere = Join-Path $TestDrive ('user' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $elsewhere
        $null = New-Item -ItemType SymbolicLink -Path $global:Root -Target $elsewhere
        { Invoke-Start } | Should -Throw -ExpectedMessage '*reparse point*nothing was written or started*'
        Should -Invoke Set-Acl -Times 0 -Exactly
        $global:Registered.Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $elsewhere -Force).Count | Should -Be 0
    }

    It 'repairs a tree a standard user pre-created and never reuses their run folder' {
        # The user made winrepair\, runs\ and the predictable run folder, with a
        # "finished" run in it that a retry would otherwise hand out, and a wrapper.
        foreach ($p in @($global:Root, $global:WorkRoot, $global:RunDir)) {
            $null = New-Item -ItemType Directory -Path $p
            Set-FakeUserCreated -Path $p
        }
        $now = (Get-Date).ToUniversalTime().ToString('o')
        @{ run_id = 'dism-restorehealth-1a2b3c'; file_path = 'C:\Windows\System32\Dism.exe'
            arguments = '/Online /Cleanup-Image /RestoreHealth'; requested_time = '2000-01-01T00:00:00.0000000Z' } | ConvertTo-Json |
            Set-Content -LiteralPath (Join-Path $global:RunDir 'command.json')
        @{ exit_code = 0; end_time = $now; error = $null } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $global:RunDir 'exit.json')
        'Start-Process cmd.exe' | Set-Content -LiteralPath (Join-Path $global:RunDir 'run.ps1')
        foreach ($f in 'command.json', 'exit.json', 'run.ps1') { Set-FakeUserCreated -Path (Join-Path $global:RunDir $f) }

        $answer = Invoke-Start @{ ReuseSeconds = 3600 }

        $answer.Result.started | Should -BeTrue
        $answer.Result.archived | Should -Match '^dism-restorehealth-1a2b3c\.\d{8}T\d{6}Z$'
        @($answer.Result.repaired) | Should -Be @($global:Root, $global:WorkRoot)
        # The planted folder is kept under its new name; the run has a new folder the script made safe.
        Test-Path -LiteralPath (Join-Path (Join-Path $global:WorkRoot $answer.Result.archived) 'run.ps1') | Should -BeTrue
        $state = Get-FakeAclState $global:RunDir
        $state.owner | Should -Be $global:SidAdmins
        $state.protected | Should -BeTrue
        # Every Set-Acl came before the new run's command.json existed.
        @($global:FakeAclLog | Where-Object { $_.ContainsKey('files_before') -and $_.files_before.Count }).Count | Should -Be 0
        $global:FilesAtRegistration | Should -Be @('command.json')
    }

    It 'starts a task that runs no file from disk: the wrapper is an encoded command carrying the command as data' {
        $answer = Invoke-Start @{ Arguments = "/Online /Cleanup-Image /RestoreHealth /Source:'x'" }
        $answer.Result.started | Should -BeTrue
        $action = $global:Registered[0].Action
        $action.Arguments | Should -Not -Match '-File'
        $action.Arguments | Should -Match '^-NoProfile -NonInteractive -WindowStyle Hidden -EncodedCommand \S+$'
        $wrapper = Get-DecodedWrapper $action
        $b64 = [regex]::Match($wrapper, "FromBase64String\('([A-Za-z0-9+/=]+)'\)").Groups[1].Value
        $spec = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64)) | ConvertFrom-Json
        $spec.file_path | Should -Be 'C:\Windows\System32\Dism.exe'
        $spec.arguments | Should -Be "/Online /Cleanup-Image /RestoreHealth /Source:'x'"
        $spec.run_dir | Should -Be $global:RunDir
        Test-Path -LiteralPath (Join-Path $global:RunDir 'run.ps1') | Should -BeFalse
        # Normal priority (4), not the default 7 (below normal).
        $global:Registered[0].Settings.Priority | Should -Be 4
    }

    It 'ends the whole process tree when the command outlives MaxRunSeconds, and says so in exit.json' {
        # Task Scheduler does not apply ExecutionTimeLimit to a task started on
        # demand: the wrapper must. A stand-in for taskkill.exe /PID n /T /F.
        $taskkill = Join-Path $env:SystemRoot 'System32\taskkill.exe'
        $null = New-Item -ItemType Directory -Path (Split-Path -Parent $taskkill) -Force
        Set-Content -LiteralPath $taskkill -Value "#!/bin/sh`npkill -KILL -P `"`$2`"`nkill -KILL `"`$2`"`n"
        chmod +x $taskkill
        $answer = Invoke-Start @{ FilePath = '/bin/sh'; Arguments = '-c "sleep 37.25; echo done"'; MaxRunSeconds = 1 }
        $answer.Result.started | Should -BeTrue
        $wrapper = Get-DecodedWrapper $global:Registered[0].Action
        $began = Get-Date
        & ([scriptblock]::Create($wrapper))
        ((Get-Date) - $began).TotalSeconds | Should -BeLessThan 20
        $exit = Get-Content -LiteralPath (Join-Path $global:RunDir 'exit.json') -Raw | ConvertFrom-Json
        $exit.timed_out | Should -BeTrue
        $exit.exit_code | Should -BeNullOrEmpty
        $exit.error | Should -Match 'MaxRunSeconds \(1 s\)'
        @(pgrep -f 'sleep 37.25').Count | Should -Be 0
    }

    It 'runs the command and records its exit code when it ends in time' {
        $answer = Invoke-Start @{ FilePath = '/bin/sh'; Arguments = '-c "echo out; exit 3"'; MaxRunSeconds = 60 }
        & ([scriptblock]::Create((Get-DecodedWrapper $global:Registered[0].Action)))
        $exit = Get-Content -LiteralPath (Join-Path $global:RunDir 'exit.json') -Raw | ConvertFrom-Json
        $exit.exit_code | Should -Be 3
        $exit.timed_out | Should -BeFalse
        (Get-Content -LiteralPath (Join-Path $global:RunDir 'stdout.txt') -Raw).Trim() | Should -Be 'out'
        $answer.Result.state | Should -Be 'running'
    }

    It 'reports a run whose task never started as lost, not running' {
        # First start: registered, then Start-ScheduledTask failed (the task stays Ready, never ran).
        Mock Start-ScheduledTask { throw 'The service cannot accept control messages at this time.' }
        { Invoke-Start } | Should -Throw -ExpectedMessage '*could not be started*'
        $global:FakeTask = [pscustomobject]@{ State = 'Ready' }
        Mock Start-ScheduledTask { $global:FakeTask = [pscustomobject]@{ State = 'Running' } }
        # The retry must not attach to it as "running": it archives it and starts anew.
        $answer = Invoke-Start
        $answer.Result.started | Should -BeTrue
        $answer.Result.archived | Should -Not -BeNullOrEmpty
    }
}
