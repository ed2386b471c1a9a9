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
#   Ready, last result) that the status script can read after a reconnect.
#   (learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskprincipal,
#    learn.microsoft.com/windows/win32/taskschd/security-contexts-for-running-tasks)
#
# Layout of a run (C:\ProgramData\winrepair\runs\<RunId>):
#   command.json  what runs (file_path, arguments) and when it was asked for (a record: nothing reads it to run)
#   started.json  written by the wrapper when the process started (pid, start_time)
#   stdout.txt, stderr.txt   the command's raw output (sfc: UTF-16LE)
#   exit.json     written by the wrapper when the process ended (exit_code, end_time, error, timed_out)
#   collected.json  written by detached_status.ps1 once it handed out the exit and all output
#
# Same RunId again: a running run is attached to; an exited run nobody has
# collected yet, ended at most ReuseSeconds ago, is handed out again; any
# other run folder is renamed to <RunId>.<time> (kept) and a new run starts
# in a new folder.
#
# Security: the task runs as SYSTEM and writes into the run folder, and a
# standard user may create folders under C:\ProgramData and owns what they
# create (its ACL gives Users "create files / create folders" on every folder
# below it that inherits, and CREATOR OWNER full control: the ACL of
# C:\ProgramData as `accesschk -dl C:\ProgramData` shows it on Windows 10/11,
# pastebin.com/kf7ZLSM0; CVE-2024-34474 is such a case). An owner keeps
# WRITE_DAC whatever the ACL says ("Ownership of objects", learn.microsoft.com/
# windows/security/identity-protection/access-control/access-control). Run ids
# are predictable, so a user could pre-create the folders. Therefore, before
# anything is written or started:
# - the collection folder (the work root's parent), the work root and the run
#   folder are created when missing and made safe: owner Administrators,
#   a protected DACL granting only SYSTEM and Administrators, no reparse point;
#   then read back and checked. One that cannot be made safe stops the start
#   with a message that says how to fix it;
# - a run folder is never reused for a new run: it is renamed away and created anew;
# - the task runs no file from disk: its wrapper is given to powershell.exe as
#   -EncodedCommand, with the command as data inside it. A command given on
#   the command line is not a script file, so the execution policy (even one
#   set by Group Policy) does not stop it (about_Execution_Policies,
#   learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies).
#
# Time limit: Task Scheduler bypasses ExecutionTimeLimit for a task started on
# demand (Start-ScheduledTask), and where it applies it ends powershell.exe,
# not DISM or setup.exe under it (ITaskSettings::get_ExecutionTimeLimit,
# learn.microsoft.com/windows/win32/api/taskschd/nf-taskschd-itasksettings-get_executiontimelimit).
# So the wrapper enforces MaxRunSeconds itself: it waits that long, then ends
# the whole process tree (taskkill /T /F, learn.microsoft.com/windows-server/
# administration/windows-commands/taskkill) and writes exit.json with timed_out.
#
# Language mode: the folder checks need .NET methods, which ConstrainedLanguage
# mode (WDAC or AppLocker script enforcement) refuses; the script then stops
# with a message saying so (about_Language_Modes,
# learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes).
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
if ($MaxRunSeconds -lt 1) {
    throw "MaxRunSeconds ${MaxRunSeconds}: give the longest time the command may run, in seconds (1 or more)"
}
$languageMode = [string]$ExecutionContext.SessionState.LanguageMode
if ($languageMode -ne 'FullLanguage') {
    throw ("detached_start needs PowerShell's FullLanguage mode, and this session runs in $languageMode " +
        '(Windows Defender Application Control or AppLocker script rules enforce it): the run folder ' +
        'checks use .NET methods that mode refuses. Allow the collection''s scripts in that policy, or ' +
        'run this step on a host without script enforcement.')
}

# SYSTEM and Administrators: the only accounts that may write the run tree.
$TrustedSids = @('S-1-5-18', 'S-1-5-32-544')
# Owner Administrators; DACL protected (no inheritance from above) with full
# control for SYSTEM and Administrators on the folder, its subfolders and files.
$SafeSddl = 'O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
# FileSystemRights bits that let an account change a folder or what is in it:
# WriteData/CreateFiles 0x2, AppendData/CreateDirectories 0x4, WriteExtendedAttributes 0x10,
# DeleteSubdirectoriesAndFiles 0x40, WriteAttributes 0x100, Delete 0x10000,
# ChangePermissions 0x40000, TakeOwnership 0x80000, GENERIC_ALL 0x10000000,
# GENERIC_WRITE 0x40000000 (winnt.h; System.Security.AccessControl.FileSystemRights).
$WriteRights = 0x500D0156

# The wrapper the task runs, given as -EncodedCommand. __SPEC__ becomes the
# run's spec as base64 of UTF-8 JSON: base64 has no quote, so no argument is
# ever spliced into code.
$wrapper = @'
$ErrorActionPreference = 'Stop'
$spec = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('__SPEC__')) | ConvertFrom-Json
$dir = $spec.run_dir
function Write-Json([string]$Name, $Value) {
    $tmp = Join-Path $dir ($Name + '.tmp')
    $Value | ConvertTo-Json -Compress | Set-Content -LiteralPath $tmp -Encoding UTF8
    Move-Item -LiteralPath $tmp -Destination (Join-Path $dir $Name) -Force
}
function Get-Now { (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture) }
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
    $null = $proc.Handle
    Write-Json 'started.json' @{ pid = $proc.Id; start_time = (Get-Now) }
    $limitMs = [int][Math]::Min([double]$spec.max_run_seconds * 1000, [double][int]::MaxValue)
    if ($proc.WaitForExit($limitMs)) {
        Write-Json 'exit.json' @{ exit_code = $proc.ExitCode; end_time = (Get-Now); error = $null; timed_out = $false }
    }
    else {
        $ErrorActionPreference = 'Continue'
        $null = & $spec.taskkill /PID $proc.Id /T /F 2>&1
        $ErrorActionPreference = 'Stop'
        if (-not $proc.WaitForExit(30000)) { Stop-Process -Id $proc.Id -Force -ErrorAction SilentlyContinue }
        $why = 'ran longer than MaxRunSeconds ({0} s): the process and its child processes were ended' -f $spec.max_run_seconds
        Write-Json 'exit.json' @{ exit_code = $null; end_time = (Get-Now); error = $why; timed_out = $true }
    }
}
catch {
    Write-Json 'exit.json' @{ exit_code = $null; end_time = (Get-Now); error = $_.Exception.Message; timed_out = $false }
}
'@

function Get-Now {
    (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}

function Get-PathSecurity([string]$Path) {
    # What makes a folder safe or not: its owner, whether its DACL is
    # protected, the accounts other than SYSTEM and Administrators that may
    # write it (inherit-only entries included: they reach what is created
    # inside), and whether it is a reparse point (a junction leads elsewhere).
    $item = Get-Item -LiteralPath $Path -Force
    $acl = Get-Acl -LiteralPath $Path
    $writers = @()
    foreach ($rule in $acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
        $sid = [string]$rule.IdentityReference.Value
        if ([string]$rule.AccessControlType -ne 'Allow' -or $TrustedSids -contains $sid) { continue }
        if (([int]$rule.FileSystemRights -band $WriteRights) -ne 0 -and $writers -notcontains $sid) {
            $writers += $sid
        }
    }
    return @{
        path = $Path
        owner = [string]$acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
        protected = [bool]$acl.AreAccessRulesProtected
        writers = $writers
        reparse = (([int]$item.Attributes -band [int][IO.FileAttributes]::ReparsePoint) -ne 0)
        folder = [bool]$item.PSIsContainer
    }
}

function Test-Safe($State) {
    return $State.folder -and -not $State.reparse -and ($TrustedSids -contains $State.owner) -and
        $State.protected -and $State.writers.Count -eq 0
}

function Get-Unsafe($State) {
    # The reasons a folder is not safe, as words.
    $why = @()
    if (-not $State.folder) { $why += 'it is a file, not a folder' }
    if ($State.reparse) { $why += 'it is a reparse point (junction or symbolic link)' }
    if ($State.owner -and $TrustedSids -notcontains $State.owner) { $why += "its owner is $($State.owner)" }
    if ($State.folder -and -not $State.protected) { $why += 'its ACL inherits from above' }
    if ($State.writers.Count) { $why += "$($State.writers -join ', ') may write it" }
    return ($why -join '; ')
}

function Protect-Folder([string]$Path) {
    # Create the folder when missing, then make it safe and check it. Returns
    # $true when a folder that was there already had to be repaired. Throws
    # when it cannot be made safe.
    $existed = Test-Path -LiteralPath $Path
    if (-not $existed) {
        $null = New-Item -Path $Path -ItemType Directory
    }
    $state = Get-PathSecurity $Path
    if (Test-Safe $state) {
        return $false
    }
    $fix = ("An administrator can check what is in it, then rename it away (Rename-Item -LiteralPath '{0}' " +
        "-NewName '{1}.untrusted') or make Administrators its owner with a protected ACL " +
        "(takeown /F ""{0}"" /A /R /D Y, then icacls ""{0}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F " +
        "*S-1-5-32-544:(OI)(CI)F /T), and run again.") -f $Path, (Split-Path -Leaf $Path)
    $before = Get-Unsafe $state
    if (-not $state.folder -or $state.reparse) {
        throw "The folder $Path is not safe for a run as SYSTEM ($before); nothing was written or started. $fix"
    }
    try {
        $acl = Get-Acl -LiteralPath $Path
        $acl.SetSecurityDescriptorSddlForm($SafeSddl, [System.Security.AccessControl.AccessControlSections]'Owner, Access')
        Set-Acl -LiteralPath $Path -AclObject $acl
    }
    catch {
        throw ("The folder $Path is not safe for a run as SYSTEM ($before) and its owner and ACL could not be " +
            "set ($($_.Exception.Message)); nothing was written or started. $fix")
    }
    $state = Get-PathSecurity $Path
    if (-not (Test-Safe $state)) {
        throw ("The folder $Path is still not safe for a run as SYSTEM after setting its owner and ACL " +
            "($(Get-Unsafe $state)); nothing was written or started. $fix")
    }
    return $existed
}

function Test-RunFolderTrusted([string]$Dir) {
    # A run folder may be attached to only when it and everything in it are
    # owned by SYSTEM, Administrators or this account, and nobody else may write it.
    $me = $null
    try { $me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value } catch { $me = $null }
    $state = Get-PathSecurity $Dir
    if ($state.reparse -or -not $state.folder -or $state.writers.Count) { return $false }
    $owners = $TrustedSids
    if ($me) { $owners += $me }
    if ($owners -notcontains $state.owner) { return $false }
    foreach ($child in @(Get-ChildItem -LiteralPath $Dir -Force)) {
        $inner = Get-PathSecurity $child.FullName
        if ($inner.reparse -or $inner.writers.Count -or $owners -notcontains $inner.owner) { return $false }
    }
    return $true
}

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
    # Not running and no exit record: the wrapper ended without writing one,
    # or never ran (Start-ScheduledTask failed, the task was disabled).
    return @{ state = 'lost'; exit_code = $null; end_time = $null }
}

$root = Split-Path -Parent $WorkRoot
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
    repaired = @()
}

# The tree first: nothing below is read, written or run before it is safe.
foreach ($folder in @($root, $WorkRoot)) {
    if (Protect-Folder $folder) { $result.repaired += $folder }
}

if (Test-Path -LiteralPath $runDir) {
    $trusted = Test-RunFolderTrusted $runDir
    $specFile = Join-Path $runDir 'command.json'
    if ($trusted -and (Test-Path -LiteralPath $specFile)) {
        $spec = Get-Content -LiteralPath $specFile -Raw | ConvertFrom-Json
        $same = ($spec.file_path -eq $FilePath) -and ([string]$spec.arguments -eq $Arguments)
        $current = Get-RunState $runDir
        $result.start_time = $spec.requested_time
        if ($current.state -eq 'running') {
            if (-not $same) {
                throw "run $RunId is running a different command ($($spec.file_path) $($spec.arguments)); wait for it or choose another key"
            }
            $result.state = 'running'
            $Ansible.Changed = $result.repaired.Count -gt 0
            $Ansible.Result = $result
            return
        }
        # An exit nobody has collected yet (the controller lost its connection
        # before the last poll) is the answer a retry is waiting for.
        $fresh = $false
        if ($current.state -eq 'exited' -and $current.end_time -and
            -not (Test-Path -LiteralPath (Join-Path $runDir 'collected.json'))) {
            $ended = [datetime]::Parse([string]$current.end_time, [Globalization.CultureInfo]::InvariantCulture,
                [Globalization.DateTimeStyles]::RoundtripKind)
            $age = ((Get-Date).ToUniversalTime() - $ended.ToUniversalTime()).TotalSeconds
            $fresh = $age -le $ReuseSeconds
        }
        if ($same -and $fresh) {
            $result.state = 'exited'
            $result.exit_code = $current.exit_code
            $result.end_time = $current.end_time
            $Ansible.Changed = $result.repaired.Count -gt 0
            $Ansible.Result = $result
            return
        }
    }
    # Finished long ago, lost, another command, or a folder this collection did
    # not make: keep its files under a new name and start in a new folder.
    $stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ', [Globalization.CultureInfo]::InvariantCulture)
    $archived = "$RunId.$stamp"
    Rename-Item -LiteralPath $runDir -NewName $archived
    $result.archived = $archived
    $result.start_time = $null
}

# New-Item without -Force fails when the folder exists: the run folder is always a new one.
$null = New-Item -Path $runDir -ItemType Directory
$null = Protect-Folder $runDir

$requested = Get-Now
$command = @{ run_id = $RunId; file_path = $FilePath; arguments = $Arguments; requested_time = $requested }
$command | ConvertTo-Json -Compress | Set-Content -LiteralPath (Join-Path $runDir 'command.json') -Encoding UTF8

$spec = @{
    run_dir = $runDir
    file_path = $FilePath
    arguments = $Arguments
    max_run_seconds = $MaxRunSeconds
    taskkill = (Join-Path $env:SystemRoot 'System32\taskkill.exe')
}
$specB64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(($spec | ConvertTo-Json -Compress)))
$encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($wrapper.Replace('__SPEC__', $specB64)))

# A task of the same name left by a lost run would block the registration.
Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Confirm:$false -ErrorAction SilentlyContinue

$powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$action = New-ScheduledTaskAction -Execute $powershell `
    -Argument ('-NoProfile -NonInteractive -WindowStyle Hidden -EncodedCommand ' + $encoded) -WorkingDirectory $runDir
$principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
# Laptops: do not refuse to start or stop on battery; a second start of the same task is ignored.
# Priority 4: normal priority (the default 7 is below normal; ITaskSettings::Priority,
# learn.microsoft.com/windows/win32/taskschd/tasksettings-priority). The task's own limit is only
# a backstop behind the wrapper's (see above): 10 minutes more.
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -ExecutionTimeLimit (New-TimeSpan -Seconds ($MaxRunSeconds + 600)) -MultipleInstances IgnoreNew -Priority 4
$null = Register-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Action $action -Principal $principal `
    -Settings $settings -Description "winrepair detached run $RunId" -Force
try {
    Start-ScheduledTask -TaskPath $TaskPath -TaskName $RunId
}
catch {
    # Registered but never started: drop the task so the run reads lost, not running.
    Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $RunId -Confirm:$false -ErrorAction SilentlyContinue
    throw "run ${RunId}: the scheduled task could not be started: $($_.Exception.Message)"
}

$result.started = $true
$result.state = 'running'
$result.start_time = $requested
$Ansible.Changed = $true
$Ansible.Result = $result
