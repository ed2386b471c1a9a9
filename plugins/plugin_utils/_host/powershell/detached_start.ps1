# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Start a long command detached from the WinRM shell, or find the run that a
# previous start with the same RunId left (running or recently finished).
#
# Why a scheduled task running as SYSTEM (and not Win32_Process.Create):
# - A process started in a WinRM shell ends when that shell is closed or its
#   connection is lost, so a 30-minute DISM run cannot live there. Both a
#   scheduled task and Win32_Process.Create escape the shell.
# - Win32_Process.Create runs the process with the caller's network logon: it
#   gets the same restrictions WinRM has (no delegated credentials, Windows
#   Update APIs and wusa.exe denied - ansible/ansible#26385), and its process
#   cannot be found again by name after a reconnect except by PID.
#   (learn.microsoft.com/windows/win32/cimwin32prov/create-method-in-class-win32-process)
# - A task whose principal is SYSTEM with RunLevel Highest runs elevated, as
#   DISM /Online and sfc /scannow require, outside any user session and
#   independent of the caller's logon; Task Scheduler keeps its state (Running,
#   Ready, last result) that the status script can read after a reconnect, and
#   enforces an execution time limit.
#   (learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskprincipal,
#    learn.microsoft.com/windows/win32/taskschd/security-contexts-for-running-tasks,
#    learn.microsoft.com/windows/win32/taskschd/tasksettings-executiontimelimit)
#
# Layout of a run (C:\ProgramData\winrepair\runs\<RunId>):
#   command.json  what runs (file_path, arguments) and when it was asked for
#   run.ps1       the wrapper the task runs: redirects the output, records the exit code
#   started.json  written by the wrapper when the process started (pid, start_time)
#   stdout.txt, stderr.txt   the command's raw output (sfc: UTF-16LE)
#   exit.json     written by the wrapper when the process ended (exit_code, end_time)
#   collected.json  written by detached_status.ps1 once it handed out the exit and all output
#
# Same RunId again: a running run is attached to; an exited run nobody has
# collected yet, ended at most ReuseSeconds ago, is handed out again; any
# other run folder is renamed to <RunId>.<time> (kept) and a new run starts.
#
# The work root gets a protected ACL (SYSTEM and Administrators only): a task
# running as SYSTEM executes run.ps1 from there, so nobody else may write it.
[CmdletBinding()]
param (
    [Parameter(Mandatory)][string]$RunId,
    [Parameter(Mandatory)][string]$FilePath,
    [string]$Arguments = '',
    [string]$WorkRoot = 'C:\ProgramData\winrepair\runs',
    [int]$MaxRunSeconds = 7200,
    [int]$ReuseSeconds = 0
)

$ErrorActionPreference = 'Stop'
$TaskPath = '\winrepair\'

if ($RunId -notmatch '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$') {
    throw "RunId '$RunId' is not a valid run id"
}

# The wrapper the task runs. It reads its command from command.json (never from
# its own text) so no argument is ever spliced into code.
$wrapper = @'
$ErrorActionPreference = 'Stop'
$dir = Split-Path -Parent $MyInvocation.MyCommand.Path
function Write-Json([string]$Name, $Value) {
    $tmp = Join-Path $dir ($Name + '.tmp')
    $Value | ConvertTo-Json -Compress | Set-Content -LiteralPath $tmp -Encoding UTF8
    Move-Item -LiteralPath $tmp -Destination (Join-Path $dir $Name) -Force
}
$spec = Get-Content -LiteralPath (Join-Path $dir 'command.json') -Raw | ConvertFrom-Json
try {
    $startArgs = @{
        FilePath = $spec.file_path
        RedirectStandardOutput = (Join-Path $dir 'stdout.txt')
        RedirectStandardError = (Join-Path $dir 'stderr.txt')
        NoNewWindow = $true
        PassThru = $true
    }
    if ($spec.arguments) { $startArgs.ArgumentList = $spec.arguments }
    $proc = Start-Process @startArgs
    $null = $proc.Handle  # keep the handle so ExitCode is readable after the exit
    Write-Json 'started.json' @{ pid = $proc.Id; start_time = (Get-Date).ToUniversalTime().ToString('o') }
    $proc.WaitForExit()
    Write-Json 'exit.json' @{ exit_code = $proc.ExitCode; end_time = (Get-Date).ToUniversalTime().ToString('o'); error = $null }
}
catch {
    Write-Json 'exit.json' @{ exit_code = $null; end_time = (Get-Date).ToUniversalTime().ToString('o'); error = $_.Exception.Message }
}
'@

function Get-RunState([string]$Dir) {
    $exitFile = Join-Path $Dir 'exit.json'
    if (Test-Path -LiteralPath $exitFile) {
        $exit = Get-Content -LiteralPath $exitFile -Raw | ConvertFrom-Json
        return @{ state = 'exited'; exit_code = $exit.exit_code; end_time = $exit.end_time }
    }
    $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -ErrorAction SilentlyContinue
    if ($task -and ($task.State -eq 'Running' -or $task.State -eq 'Queued')) {
        return @{ state = 'running'; exit_code = $null; end_time = $null }
    }
    if ($task -and -not (Test-Path -LiteralPath (Join-Path $Dir 'started.json'))) {
        # Registered and started a moment ago: the wrapper has not written yet.
        return @{ state = 'running'; exit_code = $null; end_time = $null }
    }
    return @{ state = 'lost'; exit_code = $null; end_time = $null }
}

function Set-WorkRootAcl([string]$Path) {
    # SYSTEM and Administrators full control, inheritance off, owner Administrators.
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $admins = New-Object System.Security.Principal.SecurityIdentifier('S-1-5-32-544')
    $system = New-Object System.Security.Principal.SecurityIdentifier('S-1-5-18')
    $acl.SetOwner($admins)
    foreach ($sid in @($system, $admins)) {
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule(
            $sid, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow')
        $acl.AddAccessRule($rule)
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
}

$runDir = Join-Path $WorkRoot $RunId
$result = @{
    run_id = $RunId
    run_dir = $runDir
    task_name = $TaskPath + $RunId
    started = $false
    state = $null
    exit_code = $null
    start_time = $null
    end_time = $null
    archived = $null
}

if (Test-Path -LiteralPath (Join-Path $runDir 'command.json')) {
    $spec = Get-Content -LiteralPath (Join-Path $runDir 'command.json') -Raw | ConvertFrom-Json
    $same = ($spec.file_path -eq $FilePath) -and ([string]$spec.arguments -eq $Arguments)
    $current = Get-RunState $runDir
    $result.start_time = $spec.requested_time
    if ($current.state -eq 'running') {
        if (-not $same) {
            throw "run $RunId is running a different command ($($spec.file_path) $($spec.arguments)); wait for it or choose another key"
        }
        $result.state = 'running'
        $Ansible.Changed = $false
        $Ansible.Result = $result
        return
    }
    # An exit nobody has collected yet (the controller lost its connection
    # before the last poll) is the answer a retry is waiting for.
    $fresh = $false
    if ($current.state -eq 'exited' -and $current.end_time -and
        -not (Test-Path -LiteralPath (Join-Path $runDir 'collected.json'))) {
        $age = ((Get-Date).ToUniversalTime() - ([datetime]$current.end_time).ToUniversalTime()).TotalSeconds
        $fresh = $age -le $ReuseSeconds
    }
    if ($same -and $fresh) {
        $result.state = 'exited'
        $result.exit_code = $current.exit_code
        $result.end_time = $current.end_time
        $Ansible.Changed = $false
        $Ansible.Result = $result
        return
    }
    # Finished long ago, lost, or another command: keep its files under a new name.
    $stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ')
    $archived = "$RunId.$stamp"
    Rename-Item -LiteralPath $runDir -NewName $archived
    $result.archived = $archived
}

if (-not (Test-Path -LiteralPath $WorkRoot)) {
    $null = New-Item -Path $WorkRoot -ItemType Directory -Force
}
Set-WorkRootAcl $WorkRoot
$null = New-Item -Path $runDir -ItemType Directory -Force

$requested = (Get-Date).ToUniversalTime().ToString('o')
@{ run_id = $RunId; file_path = $FilePath; arguments = $Arguments; requested_time = $requested } |
    ConvertTo-Json -Compress | Set-Content -LiteralPath (Join-Path $runDir 'command.json') -Encoding UTF8
Set-Content -LiteralPath (Join-Path $runDir 'run.ps1') -Value $wrapper -Encoding UTF8

# A task of the same name left by a lost run would block the registration.
Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Confirm:$false -ErrorAction SilentlyContinue

$action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe" `
    -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f (Join-Path $runDir 'run.ps1')) `
    -WorkingDirectory $runDir
$principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
# Laptops: do not refuse to start or stop on battery; a second start of the same task is ignored.
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -ExecutionTimeLimit (New-TimeSpan -Seconds $MaxRunSeconds) -MultipleInstances IgnoreNew
$null = Register-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Action $action -Principal $principal `
    -Settings $settings -Description "winrepair detached run $RunId" -Force
Start-ScheduledTask -TaskPath $TaskPath -TaskName $RunId

$result.started = $true
$result.state = 'running'
$result.start_time = $requested
$Ansible.Changed = $true
$Ansible.Result = $result
