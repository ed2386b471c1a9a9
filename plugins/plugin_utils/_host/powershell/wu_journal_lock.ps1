# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The run lock of the repair ladder (plugin_utils/_ladder/run_lock.py): a small file
# next to the journal ("<journal>.lock") naming the run that changes the host.
# - acquire: FileMode.CreateNew creates the file only when it does not exist
#   (it throws an IOException when it does), so of two runs exactly one gets
#   it. When it exists, its text (the holder) is returned with the file's
#   owner (SID) and age on the host's clock: the controller decides whether it
#   may be taken over (a lock whose text cannot be read goes stale by its
#   age) and calls again with -Replace set to the text it judged (or
#   -ReplaceEmpty for an empty lock: -Replace '' means no replace). The lock is
#   then opened for this script alone, and only when it still holds exactly
#   that text it is deleted while still open and created anew with
#   CreateNew (compare-and-swap): there is never a moment with an empty or
#   half-written lock, and a run that created the lock meanwhile keeps it.
# - release: the file is deleted only when it names -RunId, while this script
#   still holds it open, so a takeover cannot slip in between the check and
#   the delete. A file opened with FileShare.Delete may be deleted while open;
#   it disappears when the last handle closes, and opening it meanwhile is
#   denied (DeleteFile, learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-deletefilew):
#   other runs retry on that.
# - The lock's folder is created when missing and made safe first (owner
#   Administrators, protected DACL for SYSTEM and Administrators only), as
#   detached_start.ps1 does for the run folders (the reasons are there): a
#   standard user may create folders under C:\ProgramData and could otherwise
#   plant a lock that blocks every run, or swap the journal.
# - JournalPath (acquire only): once this script has taken the lock (acquired or
#   taken_over), it reads the journal at that path and answers it under
#   "journal" exactly as wu_journal_read.ps1 does (exists, content, and the
#   "<journal>.bak" backup's text as backup_content), so the controller sees the
#   journal as it is under the lock without a second round trip. It is read
#   only after the lock is taken: the text can no longer be changed by another
#   run of the ladder. A read that fails answers its error instead (the lock is
#   kept: the controller then reads the journal on its own and fails there as
#   a read fails). When the lock is held (by another run, or by this one: the
#   controller decides), nothing is read and "journal" is $null.
# The controller never calls this script in check mode (a check-mode run
# changes nothing and needs no lock).
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $Path,

    [Parameter(Mandatory = $true)]
    [ValidateSet('acquire', 'release')]
    [string]
    $Action,

    [Parameter(Mandatory = $true)]
    [string]
    $RunId,

    [string]
    $Content = '',

    [string]
    $Replace = '',

    [bool]
    $ReplaceEmpty = $false,

    [string]
    $JournalPath = ''
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_journal_lock.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false
$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
$TrustedSids = @('S-1-5-18', 'S-1-5-32-544')
$SafeSddl = 'O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
# Rights that let an account change a folder or its content (see detached_start.ps1).
$WriteRights = 0x500D0156

function Get-PathSecurity([string]$Item) {
    $info = Get-Item -LiteralPath $Item -Force
    $acl = Get-Acl -LiteralPath $Item
    $writers = @()
    foreach ($rule in $acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
        $sid = [string]$rule.IdentityReference.Value
        if ([string]$rule.AccessControlType -ne 'Allow' -or $TrustedSids -contains $sid) { continue }
        if (([int]$rule.FileSystemRights -band $WriteRights) -ne 0 -and $writers -notcontains $sid) { $writers += $sid }
    }
    return @{
        owner = [string]$acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
        protected = [bool]$acl.AreAccessRulesProtected
        writers = $writers
        reparse = (([int]$info.Attributes -band [int][IO.FileAttributes]::ReparsePoint) -ne 0)
    }
}

function Protect-LockFolder([string]$Folder) {
    # Create the folder when missing, make it safe, check it; throw (with the fix) when it cannot be.
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) {
        $null = New-Item -Path $Folder -ItemType Directory -Force
    }
    $state = Get-PathSecurity $Folder
    $safe = { param($s) (-not $s.reparse) -and ($TrustedSids -contains $s.owner) -and $s.protected -and $s.writers.Count -eq 0 }
    if (& $safe $state) { return }
    $fix = ("An administrator can check what is in it and make Administrators its owner with a protected ACL " +
        "(takeown /F ""{0}"" /A /R /D Y, then icacls ""{0}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F " +
        "*S-1-5-32-544:(OI)(CI)F /T), or give the journal a folder of its own, and run again.") -f $Folder
    $why = "owner $($state.owner)"
    if ($state.writers.Count) { $why += ", writable by $($state.writers -join ', ')" }
    if ($state.reparse) {
        throw "The run lock's folder $Folder is a reparse point (junction or symbolic link); nothing was changed. $fix"
    }
    try {
        $acl = Get-Acl -LiteralPath $Folder
        $acl.SetSecurityDescriptorSddlForm($SafeSddl, [System.Security.AccessControl.AccessControlSections]'Owner, Access')
        Set-Acl -LiteralPath $Folder -AclObject $acl
    }
    catch {
        throw ("The run lock's folder $Folder is not safe ($why) and its owner and ACL could not be set " +
            "($($_.Exception.Message)); nothing was changed. $fix")
    }
    if (-not (& $safe (Get-PathSecurity $Folder))) {
        throw "The run lock's folder $Folder is still not safe after setting its owner and ACL; nothing was changed. $fix"
    }
}

function Open-Lock {
    # The lock opened for this script alone (only a delete is shared, so this
    # script can delete it while it holds it), or $null when it is gone.
    # Another run may hold it (sharing violation) or be deleting it (access
    # denied while the delete is pending): retry briefly. Returns the error
    # text instead of a stream when the file stays unreadable (its ACL denies).
    for ($try = 1; ; $try++) {
        try {
            return [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite,
                [System.IO.FileShare]::Delete)
        }
        catch [System.IO.FileNotFoundException] {
            return $null
        }
        catch [System.IO.IOException] {
            if ($try -ge 10) { throw }
        }
        catch [System.UnauthorizedAccessException] {
            if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $null }
            if ($try -ge 10) { return [string]$_.Exception.Message }
        }
        Start-Sleep -Milliseconds 200
    }
}

function Read-Stream {
    param ([System.IO.FileStream] $Stream)
    $buffer = New-Object -TypeName byte[] -ArgumentList $Stream.Length
    $read = 0
    while ($read -lt $buffer.Length) {
        $n = $Stream.Read($buffer, $read, $buffer.Length - $read)
        if ($n -le 0) {
            break
        }
        $read += $n
    }
    return $encoding.GetString($buffer, 0, $read)
}

function New-Lock {
    # CreateNew with the holder's text; $true when this script made it. A
    # write that fails deletes the half-written file while still holding it.
    for ($try = 1; ; $try++) {
        $stream = $null
        try {
            $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write,
                [System.IO.FileShare]::Delete)
        }
        catch [System.IO.IOException] {
            # CreateNew on an existing file; anything else (no space) is a real error.
            if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { throw }
            return $false
        }
        catch [System.UnauthorizedAccessException] {
            # The previous lock is being deleted (delete pending): a moment, then again.
            if ($try -ge 10 -or -not (Test-Path -LiteralPath $Path -PathType Leaf)) { throw }
            Start-Sleep -Milliseconds 200
            continue
        }
        try {
            $bytes = $encoding.GetBytes($Content)
            $stream.Write($bytes, 0, $bytes.Length)
            $stream.Flush($true)
        }
        catch {
            # An empty lock would refuse every run: remove it before anyone can open it, then report the error.
            [System.IO.File]::Delete($Path)
            $stream.Dispose()
            throw
        }
        $stream.Dispose()
        return $true
    }
}

function Read-Journal {
    # The journal and its backup as wu_journal_read.ps1 reads them (keep the two the same).
    $answer = @{ path = $JournalPath; exists = $false; content = $null; backup_content = $null; error = $null }
    try {
        $answer.exists = Test-Path -LiteralPath $JournalPath -PathType Leaf
        if ($answer.exists) {
            $answer.content = [System.IO.File]::ReadAllText($JournalPath, [System.Text.Encoding]::UTF8)
        }
        # The previous version kept by the last write (File.Replace backup): used when
        # the journal itself cannot be parsed.
        $backup = "$JournalPath.bak"
        if (Test-Path -LiteralPath $backup -PathType Leaf) {
            $answer.backup_content = [System.IO.File]::ReadAllText($backup, [System.Text.Encoding]::UTF8)
        }
    }
    catch {
        # The lock is taken: answer the error rather than throw, so the controller knows it holds the lock.
        $answer.error = [string]$_.Exception.Message
    }
    return $answer
}

function Get-LockFacts {
    # Who owns the lock file and how old it is, on the host's clock.
    $facts = @{ owner = $null; age_seconds = $null }
    try {
        $item = Get-Item -LiteralPath $Path -Force
        $facts.age_seconds = [int][Math]::Max(0, ([DateTime]::UtcNow - $item.LastWriteTimeUtc).TotalSeconds)
        $facts.owner = (Get-PathSecurity $Path).owner
    }
    catch {
        # Gone meanwhile, or its ACL hides it: what is known is reported.
        $null = $_
    }
    return $facts
}

$state = 'not_held'
$holder = $null
$readable = $true

if ($Action -eq 'acquire') {
    Protect-LockFolder (Split-Path -Path $Path -Parent)
    $state = 'held'
    # A lock released between the failed create and the read: try again (a few times).
    for ($attempt = 1; $attempt -le 3 -and $state -eq 'held' -and $null -eq $holder -and $readable; $attempt++) {
        if ($Replace -eq '' -and -not $ReplaceEmpty) {
            if (New-Lock) {
                $state = 'acquired'
                continue
            }
        }
        $stream = Open-Lock
        if ($null -eq $stream) {
            $Replace = ''  # gone meanwhile: create it
            $ReplaceEmpty = $false
            continue
        }
        if ($stream -is [string]) {
            $readable = $false
            continue
        }
        $swap = $false
        try {
            $text = Read-Stream -Stream $stream
            if (($Replace -ne '' -or $ReplaceEmpty) -and $text -ceq $Replace) {
                # Still the lock the controller judged: delete it while holding it, then create ours.
                [System.IO.File]::Delete($Path)
                $swap = $true
            }
            $holder = $text
        }
        finally {
            $stream.Dispose()
        }
        if ($swap) {
            $Replace = ''
            $ReplaceEmpty = $false
            $holder = $null
            if (New-Lock) {
                $state = 'taken_over'
            }
        }
    }
}
else {
    $stream = Open-Lock
    if ($stream -is [string]) {
        $readable = $false
    }
    elseif ($null -ne $stream) {
        try {
            $holder = Read-Stream -Stream $stream
            $owner = $null
            try {
                $owner = (ConvertFrom-Json -InputObject $holder).run_id
            }
            catch {
                $owner = $null  # unreadable: not ours
            }
            if ($owner -ceq $RunId) {
                # Deleted while this script still holds it: nobody can take it over in between.
                [System.IO.File]::Delete($Path)
                $state = 'released'
            }
        }
        finally {
            $stream.Dispose()
        }
    }
}

$journal = $null
if ($JournalPath -ne '' -and $state -in @('acquired', 'taken_over')) {
    $journal = Read-Journal
}
$facts = @{ owner = $null; age_seconds = $null }
if ($state -eq 'held' -or ($Action -eq 'release' -and $state -ne 'released' -and (Test-Path -LiteralPath $Path))) {
    $facts = Get-LockFacts
}
$Ansible.Changed = $state -in @('acquired', 'taken_over', 'released')
$Ansible.Result = @{
    path = $Path
    action = $Action
    state = $state
    holder = $holder
    readable = $readable
    file_owner = $facts.owner
    file_age_seconds = $facts.age_seconds
    journal = $journal
}
