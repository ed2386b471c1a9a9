# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Write the ladder driver's journal atomically: the new text goes to
# "<Path>.tmp", which then replaces the journal with File.Replace, keeping the
# previous version as "<Path>.bak". A connection lost half way leaves either
# the old or the new journal, never half of one. Nothing is written when the
# text is unchanged. The controller never calls this script in check mode.
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]
    $Path,

    [Parameter(Mandatory = $true)]
    [string]
    $Content
)

$ErrorActionPreference = 'Stop'
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
$changed = -not ($exists -and ($old -ceq $Content))
$backup = $null
if ($changed) {
    $tmp = "$Path.tmp"
    [System.IO.File]::WriteAllText($tmp, $Content, $encoding)
    if ($exists) {
        $backup = "$Path.bak"
        [System.IO.File]::Replace($tmp, $Path, $backup)
    }
    else {
        [System.IO.File]::Move($tmp, $Path)
    }
}

$Ansible.Changed = $changed
$Ansible.Result = @{
    path = $Path
    changed = $changed
    bytes = $encoding.GetByteCount($Content)
    backup = $backup
}
