# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# detached_status.ps1 run for real (Pester 5) on a run folder in $TestDrive,
# with stand-ins for the Windows-only ScheduledTasks cmdlets.

BeforeAll {
    $global:StatusScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/detached_status.ps1'
    function global:Get-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName) $global:FakeTask }
    function global:Get-ScheduledTaskInfo { [CmdletBinding()] param([Parameter(ValueFromPipeline)]$InputObject)
        process { [pscustomobject]@{ LastTaskResult = $global:FakeTaskResult } } }
    function global:Unregister-ScheduledTask { [CmdletBinding()] param($TaskPath, $TaskName, [switch]$Confirm) }

    function Invoke-Status {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:StatusScript -RunId 'sfc-scannow-0011' -WorkRoot $global:WorkRoot
        return $global:Ansible.Result
    }
}

Describe 'detached_status.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:WorkRoot = Join-Path $TestDrive ('runs' + [guid]::NewGuid().ToString('N'))
        $global:RunDir = Join-Path $global:WorkRoot 'sfc-scannow-0011'
        $null = New-Item -ItemType Directory -Path $global:RunDir
        @{ run_id = 'sfc-scannow-0011'; file_path = 'C:\Windows\System32\sfc.exe'; arguments = '/scannow'
            requested_time = '2026-11-02T09:00:00.0000000Z' } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $global:RunDir 'command.json')
        $global:FakeTask = $null
        $global:FakeTaskResult = $null
    }

    It 'reads a task that never ran (Ready, 267011 SCHED_S_TASK_HAS_NOT_RUN, no started.json) as lost, not running' {
        $global:FakeTask = [pscustomobject]@{ State = 'Ready' }
        $global:FakeTaskResult = 267011
        $r = Invoke-Status
        $r.state | Should -Be 'lost'
        $r.error | Should -Match 'never ran'
        $r.last_task_result | Should -Be 267011
    }

    It 'reads a wrapper that ended before starting the command (execution policy, AppLocker: result 1) as lost' {
        $global:FakeTask = [pscustomobject]@{ State = 'Ready' }
        $global:FakeTaskResult = 1
        $r = Invoke-Status
        $r.state | Should -Be 'lost'
        $r.error | Should -Match 'result 1\) before its wrapper started the command'
    }

    It 'reads a task Task Scheduler reports Running as running, even before started.json' {
        $global:FakeTask = [pscustomobject]@{ State = 'Running' }
        $global:FakeTaskResult = 267009
        (Invoke-Status).state | Should -Be 'running'
    }

    It 'hands out a finished run when the disk is too full to mark it collected' {
        @{ exit_code = 0; end_time = '2026-11-02T09:40:00.0000000Z'; error = $null; timed_out = $false } |
            ConvertTo-Json | Set-Content -LiteralPath (Join-Path $global:RunDir 'exit.json')
        function global:Set-Content {
            [CmdletBinding()] param([Parameter(ValueFromPipeline)]$Value, $LiteralPath, $Encoding)
            process {
                if ($LiteralPath -like '*collected.json') {
                    # ERROR_DISK_FULL's text (winerror.h 112), as .NET raises it
                    throw [System.IO.IOException]::new('There is not enough space on the disk.')
                }
                $Value | Microsoft.PowerShell.Management\Set-Content -LiteralPath $LiteralPath -Encoding $Encoding
            }
        }
        try { $r = Invoke-Status }
        finally { Remove-Item -Path Function:\Set-Content }
        $r.state | Should -Be 'exited'
        $r.exit_code | Should -Be 0
        $r.collect_error | Should -Match 'not enough space'
        Test-Path -LiteralPath (Join-Path $global:RunDir 'collected.json') | Should -BeFalse
    }

    It 'hands out timed_out when the wrapper ended the command at MaxRunSeconds' {
        @{ exit_code = $null; end_time = '2026-11-02T11:00:00.0000000Z'; error = 'ran longer than MaxRunSeconds (7200 s)'; timed_out = $true } |
            ConvertTo-Json | Set-Content -LiteralPath (Join-Path $global:RunDir 'exit.json')
        $r = Invoke-Status
        $r.state | Should -Be 'exited'
        $r.timed_out | Should -BeTrue
        $r.duration_seconds | Should -Be 7200
    }
}
