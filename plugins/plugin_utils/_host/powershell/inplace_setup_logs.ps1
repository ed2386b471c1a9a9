# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The key lines of Windows Setup's logs after a failed or rolled back
# in-place repair install: for each of setupact.log / setuperr.log in
# $WINDOWS.~BT\Sources\Panther (downlevel), $WINDOWS.~BT\Sources\Rollback
# (rollback) and %windir%\Panther (after the restart), whether it exists, its
# size and time, and its last MaxLines lines that are errors or carry a result
# code; plus the CompatData*.xml reports of a compat scan. Log locations:
# windows-itpro-docs windows/deployment/upgrade/log-files.md. Read-only.
[CmdletBinding(SupportsShouldProcess)]
param (
    [int]$MaxLines = 40,
    [string]$SystemDrive = $env:SystemDrive
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("inplace_setup_logs.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
$Ansible.Changed = $false

$bt = Join-Path $SystemDrive '$WINDOWS.~BT'
$folders = @(
    (Join-Path $bt 'Sources\Panther'),
    (Join-Path $bt 'Sources\Rollback'),
    (Join-Path $env:SystemRoot 'Panther')
)
$files = @()
foreach ($folder in $folders) {
    foreach ($name in @('setupact.log', 'setuperr.log')) {
        $path = Join-Path $folder $name
        $entry = @{ path = $path; exists = $false; size = $null; last_write = $null; lines = @() }
        if (Test-Path -LiteralPath $path -PathType Leaf) {
            $item = Get-Item -LiteralPath $path
            $entry.exists = $true
            $entry.size = [long]$item.Length
            $entry.last_write = $item.LastWriteTimeUtc.ToString('o')
            # Setup may still hold the file open: read it sharing read and write.
            $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
                [System.IO.FileShare]::ReadWrite)
            try {
                $reader = New-Object System.IO.StreamReader($stream)
                $text = $reader.ReadToEnd()
            }
            finally {
                $stream.Dispose()
            }
            $keyLines = @($text -split "`r?`n" | Where-Object { $_ -match ', (Error|Fatal Error) |0x[0-9A-Fa-f]{8}' })
            $entry.lines = @($keyLines | Select-Object -Last $MaxLines)
        }
        $files += $entry
    }
}

$compat = @()
$panther = Join-Path $bt 'Sources\Panther'
if (Test-Path -LiteralPath $panther) {
    $compat = @(Get-ChildItem -LiteralPath $panther -Filter 'CompatData*.xml' | ForEach-Object { $_.FullName })
}

$Ansible.Result = @{
    files = $files
    compat_data = $compat
}
