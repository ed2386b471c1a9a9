# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read the ladder driver's journal (a UTF-8 JSON text file) from the host, as
# text: the controller parses and merges it (win_wu_journal action plugin).
# Read-only, so it also runs in check mode: a check-mode run sees what a real
# run would resume from. wu_journal_lock.ps1 reads it the same way when it has
# just taken the run lock (its -JournalPath): keep the two the same.
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $Path
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_journal_read.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$exists = Test-Path -LiteralPath $Path -PathType Leaf
$content = $null
$backupContent = $null
if ($exists) {
    $content = [System.IO.File]::ReadAllText($Path, [System.Text.Encoding]::UTF8)
}
# The previous version kept by the last write (File.Replace backup): used when
# the journal itself cannot be parsed.
$backup = "$Path.bak"
if (Test-Path -LiteralPath $backup -PathType Leaf) {
    $backupContent = [System.IO.File]::ReadAllText($backup, [System.Text.Encoding]::UTF8)
}

$Ansible.Result = @{
    path = $Path
    exists = $exists
    content = $content
    backup_content = $backupContent
}
