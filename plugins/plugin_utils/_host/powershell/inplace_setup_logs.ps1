# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The decisive lines of Windows Setup's logs after a failed or rolled back
# in-place repair install. For each setupact.log / setuperr.log in the folders
# Microsoft lists: $WINDOWS.~BT\Sources\Panther (downlevel),
# $WINDOWS.~BT\Sources\Panther\UnattendGC (OOBE), $WINDOWS.~BT\Sources\Rollback
# (rollback), %windir% (pre-initialization), %windir%\Panther (after the
# restart) and %windir%\Panther\UnattendGC (OOBE) - windows-itpro-docs
# windows/deployment/upgrade/log-files.md; learn.microsoft.com/windows-hardware/
# manufacture/desktop/deployment-troubleshooting-and-log-files - whether it
# exists, its size and time, and its decisive lines; plus the CompatData*.xml
# reports of a compat scan. Read-only.
#
# setupact.log grows to tens of MB: it is read one line at a time and only
# the kept lines stay in memory. Decisive (log-files.md "Analyze log files"):
# a result - extend code pair ("0xC1900101 - 0x4000D", upgrade-error-codes.md),
# lines at level Error / Fatal Error, MOSETUP_E_* names, "Shell application
# requested abort" / "Abandoning apply", and result lines of any level
# ("Result = 0x...", "hr = 0x...", "Error: 0x...") with a code other than
# 0x00000000/0x00000001. Other lines that merely carry a 0x... value (gle=...,
# flags, ids) are noise. At most MaxLines lines a file; the last result pairs
# (up to 10) are kept whatever else follows them, so later errors cannot push
# the decisive pair out. matched counts every decisive line of the file.
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
if ($MaxLines -lt 0) {
    throw "MaxLines ${MaxLines}: give how many lines to keep per log file (0 or more)"
}
$Ansible.Changed = $false

$pairPattern = [regex]'(?i)\b0x[0-9a-f]{8}\s*-\s*0x[0-9a-f]{1,6}\b'
$decisivePattern = [regex]('(?i)^[^,]*, (Error|Fatal Error)\s|\bMOSETUP_E_[A-Z_]+|Shell application requested abort|' +
    'Abandoning apply|\b(result|hr|error)\s*[=:]?\s*\[?0x(?!0000000[01]\b)[0-9a-f]{8}\b')

function Read-DecisiveLines([string]$Path, [int]$Max) {
    $pairCap = [Math]::Min(10, $Max)
    $pairs = New-Object 'System.Collections.Generic.Queue[object]'
    $others = New-Object 'System.Collections.Generic.Queue[object]'
    $matched = 0
    $number = 0
    # Setup may still hold the file open: read it sharing read, write and delete.
    $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
        ([System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete))
    try {
        $reader = New-Object System.IO.StreamReader($stream)
        while ($null -ne ($line = $reader.ReadLine())) {
            $number++
            if ($pairPattern.IsMatch($line)) {
                $matched++
                $pairs.Enqueue([pscustomobject]@{ n = $number; text = $line })
                if ($pairs.Count -gt $pairCap) { $null = $pairs.Dequeue() }
            }
            elseif ($decisivePattern.IsMatch($line)) {
                $matched++
                $others.Enqueue([pscustomobject]@{ n = $number; text = $line })
                if ($others.Count -gt $Max) { $null = $others.Dequeue() }
            }
        }
    }
    finally {
        $stream.Dispose()
    }
    $room = [Math]::Max(0, $Max - $pairs.Count)
    $rest = @($others.ToArray() | Select-Object -Last $room)
    $kept = @(@($pairs.ToArray()) + $rest | Sort-Object -Property n)
    return @{ matched = $matched; lines = @($kept | ForEach-Object { [string]$_.text }) }
}

$bt = Join-Path $SystemDrive '$WINDOWS.~BT'
$folders = @(
    (Join-Path $bt 'Sources\Panther'),
    (Join-Path $bt 'Sources\Panther\UnattendGC'),
    (Join-Path $bt 'Sources\Rollback'),
    $env:SystemRoot,
    (Join-Path $env:SystemRoot 'Panther'),
    (Join-Path $env:SystemRoot 'Panther\UnattendGC')
)
$files = @()
foreach ($folder in $folders) {
    foreach ($name in @('setupact.log', 'setuperr.log')) {
        $path = Join-Path $folder $name
        $entry = @{ path = $path; exists = $false; size = $null; last_write = $null; matched = 0; lines = @() }
        if (Test-Path -LiteralPath $path -PathType Leaf) {
            $item = Get-Item -LiteralPath $path
            $entry.exists = $true
            $entry.size = [long]$item.Length
            $entry.last_write = $item.LastWriteTimeUtc.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
            $found = Read-DecisiveLines -Path $path -Max $MaxLines
            $entry.matched = $found.matched
            $entry.lines = $found.lines
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
