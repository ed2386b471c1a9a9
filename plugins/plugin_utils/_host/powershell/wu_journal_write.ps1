# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Write the ladder driver's journal atomically: the new text goes to
# "<Path>.tmp", which then replaces the journal with File.Replace, keeping the
# previous version as "<Path>.bak". A connection lost half way leaves either
# the old or the new journal, never half of one. Nothing is written when the
# text is unchanged. The controller never calls this script in check mode.
# The temporary file is written through to the disk (FileOptions.WriteThrough,
# then Flush(true)) before it replaces the journal, so a power loss right after
# the replace cannot leave a journal whose data never reached the disk.
# File.Replace fails while another process (an antivirus scanner, a backup
# agent) has the journal open without sharing delete (ERROR_UNABLE_TO_REMOVE_REPLACED
# 1175 or a sharing violation, ReplaceFileW, learn.microsoft.com/windows/win32/
# api/winbase/nf-winbase-replacefilew): it is tried again for a few seconds.
# Expected: what the controller last saw of the journal, so it need not read it
# first: 'none' (no journal), or the SHA-256 (hex) of the journal's UTF-8 text;
# when the journal is not that, nothing is written and conflict is true (the
# controller then reads, merges and writes again). '' writes whatever is there.
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $Path,

    [Parameter(Mandatory = $true)]
    [string]
    $Content,

    [string]
    $Expected = ''
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_journal_write.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
$folder = Split-Path -Path $Path -Parent
if (-not (Test-Path -LiteralPath $folder -PathType Container)) {
    New-Item -Path $folder -ItemType Directory -Force | Out-Null
}

$exists = Test-Path -LiteralPath $Path -PathType Leaf
$old = $null
if ($exists) {
    $old = [System.IO.File]::ReadAllText($Path, $encoding)
}
$conflict = $false
if ($Expected -ne '') {
    $found = 'none'
    if ($exists) {
        $sha = [System.Security.Cryptography.SHA256]::Create()
        try {
            $hash = $sha.ComputeHash($encoding.GetBytes($old))
        }
        finally {
            $sha.Dispose()
        }
        $found = ([System.BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
    }
    $conflict = $found -ne $Expected.ToLowerInvariant()
}
$changed = -not $conflict -and -not ($exists -and ($old -ceq $Content))
$backup = $null
if ($changed) {
    $tmp = "$Path.tmp"
    $bytes = $encoding.GetBytes($Content)
    $stream = New-Object -TypeName System.IO.FileStream -ArgumentList $tmp, ([System.IO.FileMode]::Create),
        ([System.IO.FileAccess]::Write), ([System.IO.FileShare]::None), 4096, ([System.IO.FileOptions]::WriteThrough)
    try {
        $stream.Write($bytes, 0, $bytes.Length)
        $stream.Flush($true)
    }
    finally {
        $stream.Dispose()
    }
    if ($exists) {
        $backup = "$Path.bak"
    }
    for ($try = 1; ; $try++) {
        try {
            if ($exists) {
                [System.IO.File]::Replace($tmp, $Path, $backup)
            }
            else {
                [System.IO.File]::Move($tmp, $Path)
            }
            break
        }
        catch [System.IO.IOException] {
            if ($try -ge 15) { throw }
            Start-Sleep -Milliseconds 300
        }
    }
}

$Ansible.Changed = $changed
$Ansible.Result = @{
    path = $Path
    changed = $changed
    bytes = $encoding.GetByteCount($Content)
    backup = $backup
    conflict = $conflict
}
