# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The run lock of the repair ladder (plugin_utils/_ladder/run_lock.py): a small file
# next to the journal ("<journal>.lock") naming the run that changes the host.
# - acquire: FileMode.CreateNew creates the file only when it does not exist
#   (it throws an IOException when it does), so of two runs exactly one gets
#   it. When it exists, its text (the holder) is returned: the controller
#   decides whether it may be taken over and calls again with -Replace set to
#   the text it judged; the file is then opened with FileShare.None and
#   rewritten only when it still holds exactly that text (compare-and-swap).
# - release: the file is removed only when it names -RunId.
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
    $Replace = ''
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false

function Open-Lock {
    # The lock opened for this script alone (FileShare.None), or $null when it is gone.
    # Another run may hold it open for a moment: retry briefly on a sharing violation.
    for ($try = 1; ; $try++) {
        try {
            return [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite,
                [System.IO.FileShare]::None)
        }
        catch [System.IO.FileNotFoundException] {
            return $null
        }
        catch [System.IO.IOException] {
            if ($try -ge 10) {
                throw
            }
            Start-Sleep -Milliseconds 200
        }
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

function Write-Stream {
    param ([System.IO.FileStream] $Stream, [string] $Text)
    $bytes = $encoding.GetBytes($Text)
    $Stream.SetLength(0)
    $Stream.Write($bytes, 0, $bytes.Length)
    $Stream.Flush()
}

$state = 'not_held'
$holder = $null

if ($Action -eq 'acquire') {
    $folder = Split-Path -Path $Path -Parent
    if (-not (Test-Path -LiteralPath $folder -PathType Container)) {
        New-Item -Path $folder -ItemType Directory -Force | Out-Null
    }
    $state = 'held'
    # A lock released between the failed create and the read: try again (a few times).
    for ($attempt = 1; $attempt -le 3 -and $state -eq 'held' -and $null -eq $holder; $attempt++) {
        if ($Replace -eq '') {
            $stream = $null
            try {
                $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write,
                    [System.IO.FileShare]::None)
            }
            catch [System.IO.IOException] {
                # CreateNew on an existing file; anything else (no space, no rights) is a real error.
                if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
                    throw
                }
            }
            if ($null -ne $stream) {
                try {
                    Write-Stream -Stream $stream -Text $Content
                }
                catch {
                    # An empty lock would refuse every run: remove it, then report the error.
                    $stream.Dispose()
                    Remove-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
                    throw
                }
                $stream.Dispose()
                $state = 'acquired'
                continue
            }
        }
        $stream = Open-Lock
        if ($null -eq $stream) {
            $Replace = ''  # gone meanwhile: create it
            continue
        }
        try {
            $text = Read-Stream -Stream $stream
            if ($Replace -ne '' -and $text -ceq $Replace) {
                Write-Stream -Stream $stream -Text $Content
                $state = 'taken_over'
            }
            $holder = $text
        }
        finally {
            $stream.Dispose()
        }
    }
}
else {
    $stream = Open-Lock
    if ($null -ne $stream) {
        $owner = $null
        try {
            $holder = Read-Stream -Stream $stream
            try {
                $owner = (ConvertFrom-Json -InputObject $holder).run_id
            }
            catch {
                $owner = $null  # unreadable: not ours
            }
        }
        finally {
            $stream.Dispose()
        }
        if ($owner -ceq $RunId) {
            Remove-Item -LiteralPath $Path -Force
            $state = 'released'
        }
    }
}

$Ansible.Changed = $state -in @('acquired', 'taken_over', 'released')
$Ansible.Result = @{
    path = $Path
    action = $Action
    state = $state
    holder = $holder
}
