# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The item cmdlets, for the two providers the scripts use:
# - registry paths (HKLM:\..., Registry::HKLM\...) are answered by the host
#   (tests/pwsh/hostapi/registry.py): pwsh on Linux has no registry provider;
# - file system paths go to the real cmdlet on the host's drive laid out
#   under a real folder (tests/pwsh/host_fs.py), after the host had its say
#   where Windows would refuse (a folder a service holds, access denied:
#   hostapi/filesystem.py).
# Only the parameters the host scripts use are declared; any other is a
# binding error, loud on purpose.

function Test-WinSimRegistryPath([string]$Path) {
    $Path -match '^(?i)(HK[A-Z_]+:|Registry::)'
}

function Test-Path {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [ValidateSet('Any', 'Container', 'Leaf')][string]$PathType = 'Any'
    )
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if (Test-WinSimRegistryPath $p) {
            $exists = Invoke-WinSimCall -Name 'registry.test' -Arguments @{ path = $p }
            # A registry key is a container; registry values are not items.
            $exists -and $PathType -ne 'Leaf'
        }
        elseif ($PSBoundParameters.ContainsKey('LiteralPath')) {
            Microsoft.PowerShell.Management\Test-Path -LiteralPath $p -PathType $PathType
        }
        else {
            Microsoft.PowerShell.Management\Test-Path -Path $p -PathType $PathType
        }
    }
}

function Get-ItemProperty {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [Parameter(Position = 1)][string[]]$Name
    )
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if (-not (Test-WinSimRegistryPath $p)) {
            throw "winsim does not model Get-ItemProperty on the file system ($p)"
        }
        Invoke-WinSimCall -Name 'registry.get' -Arguments @{ path = $p; names = @($Name | Where-Object { $_ }) } -Cmdlet $PSCmdlet
    }
}

function New-ItemProperty {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [Parameter(Mandatory = $true)][string]$Name,
        [object]$Value,
        [string]$PropertyType = 'String',
        [switch]$Force
    )
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if (-not (Test-WinSimRegistryPath $p)) { throw "winsim does not model New-ItemProperty on the file system ($p)" }
        Invoke-WinSimCall -Name 'registry.set_value' -Arguments @{ path = $p; name = $Name; value = $Value; kind = $PropertyType } -Cmdlet $PSCmdlet
        [PSCustomObject]@{ $Name = $Value }
    }
}

function New-Item {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string]$ItemType,
        [object]$Value,
        [switch]$Force
    )
    foreach ($p in @($Path)) {
        if (Test-WinSimRegistryPath $p) {
            Invoke-WinSimCall -Name 'registry.new_key' -Arguments @{ path = $p; force = [bool]$Force } -Cmdlet $PSCmdlet
            [PSCustomObject]@{ PSPath = $p }
            continue
        }
        Invoke-WinSimCall -Name 'fs.check' -Arguments @{ op = 'create'; path = $p } -Cmdlet $PSCmdlet
        Microsoft.PowerShell.Management\New-Item @PSBoundParameters
    }
}

function Remove-Item {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [switch]$Recurse,
        [switch]$Force
    )
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if (Test-WinSimRegistryPath $p) {
            if ($PSCmdlet.ShouldProcess($p, 'Remove Key')) {
                Invoke-WinSimCall -Name 'registry.remove' -Arguments @{ path = $p; recurse = [bool]$Recurse } -Cmdlet $PSCmdlet
            }
            continue
        }
        Invoke-WinSimCall -Name 'fs.check' -Arguments @{ op = 'delete'; path = $p } -Cmdlet $PSCmdlet
        Microsoft.PowerShell.Management\Remove-Item -LiteralPath $p -Recurse:$Recurse -Force:$Force
    }
}

function Rename-Item {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Position = 0)][string]$Path,
        [string]$LiteralPath,
        [Parameter(Mandatory = $true, Position = 1)][string]$NewName,
        [switch]$Force
    )
    $p = if ($LiteralPath) { $LiteralPath } else { $Path }
    if (Test-WinSimRegistryPath $p) { throw "winsim does not model Rename-Item in the registry ($p)" }
    Invoke-WinSimCall -Name 'fs.check' -Arguments @{ op = 'rename'; path = $p; new_name = $NewName } -Cmdlet $PSCmdlet
    Microsoft.PowerShell.Management\Rename-Item -LiteralPath $p -NewName $NewName -Force:$Force
    # What the host keeps about the item besides its content (owner, ACL, a run's task) moves with it.
    $null = Invoke-WinSimCall -Name 'fs.renamed' -Arguments @{ path = $p; new_name = $NewName }
}

function Move-Item {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Position = 0)][string]$Path,
        [string]$LiteralPath,
        [Parameter(Position = 1)][string]$Destination,
        [switch]$Force
    )
    $p = if ($LiteralPath) { $LiteralPath } else { $Path }
    if (Test-WinSimRegistryPath $p) { throw "winsim does not model Move-Item in the registry ($p)" }
    Invoke-WinSimCall -Name 'fs.check' -Arguments @{ op = 'move'; path = $p; destination = $Destination } -Cmdlet $PSCmdlet
    Microsoft.PowerShell.Management\Move-Item -LiteralPath $p -Destination $Destination -Force:$Force
}

function Set-Content {
    # Windows PowerShell 5.1 writes -Encoding UTF8 with a byte order mark
    # (PowerShell 7: without; Microsoft Learn about_Character_Encoding), and
    # without -Encoding in the ANSI code page ("Default": Windows-1252 on an
    # en-US host). Each value is followed by a newline unless -NoNewline
    # (Microsoft Learn "Set-Content", -NoNewline), and a newline on Windows
    # is CR LF ([Environment]::NewLine; pwsh on Linux would write LF).
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [Parameter(Position = 1, ValueFromPipeline = $true)][object[]]$Value,
        [string]$Encoding = 'Default',
        [switch]$NoNewline,
        [switch]$Force
    )
    begin { $all = [System.Collections.Generic.List[object]]::new() }
    process { foreach ($v in @($Value)) { $all.Add($v) } }
    end {
        $enc = switch ($Encoding) {
            'UTF8' { 'utf8BOM' }
            'Default' { [System.Text.Encoding]::Latin1 }
            'Unicode' { 'unicode' }
            'ASCII' { 'ascii' }
            default { throw "winsim does not model Set-Content -Encoding $Encoding" }
        }
        foreach ($p in @($Path) + @($LiteralPath)) {
            if (-not $p) { continue }
            Invoke-WinSimCall -Name 'fs.check' -Arguments @{ op = 'write'; path = $p } -Cmdlet $PSCmdlet
            $text = -join @(foreach ($v in $all) { [string]$v; if (-not $NoNewline) { "`r`n" } })
            Microsoft.PowerShell.Management\Set-Content -LiteralPath $p -Value $text -Encoding $enc -NoNewline -Force:$Force
        }
    }
}

function Get-Item {
    # The real Get-Item; a simulated program file (JSON {"winsim_exe": {...}},
    # tests/winsim/detached/setup_exe.py make_setup_exe) gets the VersionInfo
    # Windows reads from its version resource (FileVersionInfo.ProductVersion).
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [switch]$Force
    )
    $items = if ($LiteralPath) { Microsoft.PowerShell.Management\Get-Item -LiteralPath $LiteralPath -Force:$Force }
    else { Microsoft.PowerShell.Management\Get-Item -Path $Path -Force:$Force }
    foreach ($item in $items) {
        if ($item -is [System.IO.FileInfo] -and $item.Length -lt 65536 -and $item.Name -like '*.exe') {
            $text = [System.IO.File]::ReadAllText($item.FullName)
            if ($text.StartsWith('{"winsim_exe"')) {
                $exe = ($text | ConvertFrom-Json).winsim_exe
                $info = [PSCustomObject]@{ ProductVersion = [string]$exe.product_version; FileVersion = [string]$exe.product_version }
                # FileInfo's VersionInfo is a type member that cannot be shadowed: a copy carries it.
                $copy = [PSCustomObject]@{
                    Name = $item.Name; FullName = $item.FullName; Length = $item.Length; Extension = $item.Extension
                    LastWriteTime = $item.LastWriteTime; LastWriteTimeUtc = $item.LastWriteTimeUtc
                    PSIsContainer = $false; VersionInfo = $info
                }
                $copy.PSObject.TypeNames.Insert(0, 'System.IO.FileInfo')
                $copy
                continue
            }
        }
        $item
    }
}
