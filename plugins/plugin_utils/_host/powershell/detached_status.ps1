# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The state of a run that detached_start.ps1 started: running, exited (with
# its exit code, or timed_out when the wrapper ended it at MaxRunSeconds),
# lost (its task is not running and no exit code was written: a reboot,
# someone ended the task, or the task never ran or its wrapper never started
# the command) or unknown (no such run). Only a task Task Scheduler reports
# Running or Queued is running: a task left Ready without started.json never
# started its command (LastTaskResult 267011 = 0x41303 SCHED_S_TASK_HAS_NOT_RUN
# "The task has not yet run", learn.microsoft.com/windows/win32/taskschd/
# task-scheduler-error-and-success-constants), and `error` says so. Returns the output written
# since the caller's byte offsets, base64 encoded: the raw bytes, because sfc
# writes UTF-16LE and DISM the OEM code page; the controller decodes them.
#
# boot_time is the host's last boot (Win32_OperatingSystem LastBootUpTime,
# UTC): a run found lost that started before it was ended by a restart, and
# the controller may start it again (plugin_utils/_host/detached.py).
#
# Once the run has ended and all its output was handed out, the run is marked
# collected (collected.json) and its scheduled task unregistered; the run
# folder stays as the record of the run. Those are the only changes this
# script makes, and doing them twice is harmless, so a poll can be repeated.
[CmdletBinding()]
param (
    [Parameter(Mandatory)][string]$RunId,
    [string]$WorkRoot = 'C:\ProgramData\winrepair\runs',
    [long]$StdoutOffset = 0,
    [long]$StderrOffset = 0,
    [int]$MaxBytes = 65536
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("detached_status.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$TaskPath = '\winrepair\'
$Ansible.Changed = $false

if ($RunId -notmatch '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$') {
    throw "RunId '$RunId' is not a valid run id"
}

function Read-Chunk([string]$Path, [long]$Offset, [int]$Max) {
    # The command still writes the file: open it sharing read and write.
    $answer = @{ b64 = ''; offset = $Offset; more = $false }
    if (-not (Test-Path -LiteralPath $Path)) { return $answer }
    $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
        [System.IO.FileShare]::ReadWrite)
    try {
        $length = $stream.Length
        if ($Offset -ge $length) { return $answer }
        $count = [int][Math]::Min([long]$Max, $length - $Offset)
        $buffer = New-Object byte[] $count
        $null = $stream.Seek($Offset, [System.IO.SeekOrigin]::Begin)
        $read = $stream.Read($buffer, 0, $count)
        $answer.b64 = [Convert]::ToBase64String($buffer, 0, $read)
        $answer.offset = $Offset + $read
        $answer.more = ($Offset + $read) -lt $length
    }
    finally {
        $stream.Dispose()
    }
    return $answer
}

function Read-Json([string]$Path) {
    if (Test-Path -LiteralPath $Path) {
        return Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    }
    return $null
}

$bootTime = $null
try {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem -Property LastBootUpTime
    $bootTime = $os.LastBootUpTime.ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}
catch {
    # Without it the controller treats a lost run as before: it does not restart it.
    $bootTime = $null
}

# The host's code pages, so the controller can decode 8-bit output (DISM
# writes the OEM code page): registry values OEMCP and ACP of
# HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage (Microsoft Learn, "OEMCP"
# registry reference). The streams are handed out as the raw bytes the
# command wrote: output_encoding 'raw'.
$oemCodePage = $null
$ansiCodePage = $null
$nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -ErrorAction SilentlyContinue
if ($nls) {
    $number = 0
    $invariant = [Globalization.CultureInfo]::InvariantCulture
    $integer = [Globalization.NumberStyles]::Integer
    if ([int]::TryParse([string]$nls.OEMCP, $integer, $invariant, [ref]$number)) { $oemCodePage = $number }
    if ([int]::TryParse([string]$nls.ACP, $integer, $invariant, [ref]$number)) { $ansiCodePage = $number }
}

$runDir = Join-Path $WorkRoot $RunId
$result = @{
    run_id = $RunId
    state = 'unknown'
    exit_code = $null
    error = $null
    file_path = $null
    arguments = $null
    start_time = $null
    end_time = $null
    duration_seconds = $null
    task_state = $null
    last_task_result = $null
    timed_out = $false
    stdout_b64 = ''
    stdout_offset = $StdoutOffset
    stdout_more = $false
    stderr_b64 = ''
    stderr_offset = $StderrOffset
    stderr_more = $false
    boot_time = $bootTime
    oem_code_page = $oemCodePage
    ansi_code_page = $ansiCodePage
    output_encoding = 'raw'
}

$spec = Read-Json (Join-Path $runDir 'command.json')
if ($null -eq $spec) {
    $Ansible.Result = $result
    return
}
$result.file_path = $spec.file_path
$result.arguments = $spec.arguments
$result.start_time = $spec.requested_time
$started = Read-Json (Join-Path $runDir 'started.json')
if ($started) { $result.start_time = $started.start_time }
$exit = Read-Json (Join-Path $runDir 'exit.json')
$task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -ErrorAction SilentlyContinue
if ($task) {
    $result.task_state = [string]$task.State
    $info = $task | Get-ScheduledTaskInfo -ErrorAction SilentlyContinue
    if ($info) { $result.last_task_result = $info.LastTaskResult }
}

if ($exit) {
    $result.state = 'exited'
    $result.exit_code = $exit.exit_code
    $result.error = $exit.error
    $result.end_time = $exit.end_time
    $result.timed_out = ($exit.PSObject.Properties.Name -contains 'timed_out') -and [bool]$exit.timed_out
}
elseif ($task -and ($task.State -eq 'Running' -or $task.State -eq 'Queued')) {
    $result.state = 'running'
}
else {
    # The wrapper never wrote its exit record: the host rebooted, someone
    # ended the task, or the command never started.
    $result.state = 'lost'
    if (-not $started) {
        if ($result.last_task_result -eq 267011) {
            $result.error = 'the scheduled task never ran (SCHED_S_TASK_HAS_NOT_RUN)'
        }
        elseif ($null -ne $result.last_task_result) {
            $result.error = 'the scheduled task ended (result {0}) before its wrapper started the command' -f $result.last_task_result
        }
        else {
            $result.error = 'the scheduled task is gone and the command never started'
        }
    }
}

$out = Read-Chunk (Join-Path $runDir 'stdout.txt') $StdoutOffset $MaxBytes
$err = Read-Chunk (Join-Path $runDir 'stderr.txt') $StderrOffset $MaxBytes
$result.stdout_b64 = $out.b64
$result.stdout_offset = $out.offset
$result.stdout_more = $out.more
$result.stderr_b64 = $err.b64
$result.stderr_offset = $err.offset
$result.stderr_more = $err.more

if ($result.start_time) {
    $until = if ($result.end_time) { [datetime]$result.end_time } else { Get-Date }
    $result.duration_seconds = [int](($until.ToUniversalTime() - ([datetime]$result.start_time).ToUniversalTime()).TotalSeconds)
}

if ($result.state -ne 'running' -and -not $out.more -and -not $err.more) {
    # Everything is handed out: mark the run collected so a later start with
    # the same RunId starts afresh, and drop its task.
    $collected = Join-Path $runDir 'collected.json'
    if (-not (Test-Path -LiteralPath $collected)) {
        try {
            @{ collected_time = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture) } | ConvertTo-Json -Compress |
                Set-Content -LiteralPath $collected -Encoding UTF8 -ErrorAction Stop
            $Ansible.Changed = $true
        }
        catch {
            # The marker is bookkeeping: a full disk must not hide the finished run's
            # result (the controller would poll a run that is over until it gave up).
            # Without it a later start with this RunId attaches to this run.
            $result.collect_error = $_.Exception.Message
        }
    }
    if ($task) {
        Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Confirm:$false
        $Ansible.Changed = $true
    }
}

$Ansible.Result = $result
