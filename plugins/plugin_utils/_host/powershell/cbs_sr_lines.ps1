# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The last lines of %windir%\Logs\CBS\CBS.log tagged [SR]: the lines sfc
# writes about what it verified and repaired (Microsoft support "Use the
# System File Checker tool...", KB 929833). CBS.log is open by the servicing
# stack, so it is read sharing read, write and delete access (delete: so the
# servicing stack can still rename the log away while it is read - it keeps
# old logs as CbsPersist_<time>.log next to it; ASSUMPTION: that is a rename,
# no Microsoft page says how; FILE_SHARE_DELETE is what lets a rename through,
# learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew); only matching lines are
# kept, at most MaxLines, so a log of hundreds of MB costs no memory.
[CmdletBinding(SupportsShouldProcess)]
param (
    [int]$MaxLines = 500
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("cbs_sr_lines.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$path = Join-Path $env:SystemRoot 'Logs\CBS\CBS.log'
$lines = New-Object System.Collections.Generic.Queue[string]
$exists = Test-Path -LiteralPath $path -PathType Leaf
if ($exists) {
    $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
        ([System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete))
    try {
        $reader = New-Object System.IO.StreamReader($stream, $true)
        while ($null -ne ($line = $reader.ReadLine())) {
            if ($line.Contains('[SR]')) {
                $lines.Enqueue($line)
                if ($lines.Count -gt $MaxLines) { $null = $lines.Dequeue() }
            }
        }
    }
    finally {
        $stream.Dispose()
    }
}

$Ansible.Result = @{
    path = $path
    exists = $exists
    lines = @($lines.ToArray())
}
