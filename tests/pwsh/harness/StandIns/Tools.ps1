# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The Windows programs the scripts start, as functions of their file names
# (a function wins over a program; `& <full path>` is sent here too, see
# Runner.ps1). The host answers their output lines and exit code
# (tests/pwsh/hostapi/tools.py); stderr lines are written as Windows
# PowerShell 5.1 writes a native program's stderr (Invoke-WinSimTool).

function sc.exe { Invoke-WinSimTool 'sc.exe' $args }
function bcdedit.exe { Invoke-WinSimTool 'bcdedit.exe' $args }
function fltmc.exe { Invoke-WinSimTool 'fltmc.exe' $args }
function dism.exe { Invoke-WinSimTool 'dism.exe' $args }
function reg.exe { Invoke-WinSimTool 'reg.exe' $args }
function netsh.exe { Invoke-WinSimTool 'netsh.exe' $args }
function sfc.exe { Invoke-WinSimTool 'sfc.exe' $args }

function Start-Process {
    # Start-Process -Wait -PassThru of a program the host models (regsvr32.exe);
    # anything else is not modelled.
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$FilePath,
        [Parameter(Position = 1)][string[]]$ArgumentList,
        [switch]$Wait,
        [switch]$PassThru,
        [switch]$NoNewWindow
    )
    $answer = Invoke-WinSimCall -Name 'tool.run' -Arguments @{
        tool = ($FilePath -split '[\\/]')[-1]; args = @($ArgumentList | ForEach-Object { [string]$_ }); wait = [bool]$Wait
    } -Cmdlet $PSCmdlet
    if ($PassThru) { [PSCustomObject]@{ Id = [int]$answer.pid; ExitCode = [int]$answer.exit_code; HasExited = $true } }
}

function New-Object {
    # COM objects are the host's (the Windows Update Agent API); everything else is .NET's New-Object.
    [CmdletBinding(DefaultParameterSetName = 'Net')]
    param (
        [Parameter(ParameterSetName = 'Net', Mandatory = $true, Position = 0)][string]$TypeName,
        [Parameter(ParameterSetName = 'Net', Position = 1)][object[]]$ArgumentList,
        [Parameter(ParameterSetName = 'Com', Mandatory = $true)][string]$ComObject,
        [hashtable]$Property
    )
    if ($PSCmdlet.ParameterSetName -eq 'Com') {
        return New-WinSimComObject -ProgId $ComObject
    }
    Microsoft.PowerShell.Utility\New-Object @PSBoundParameters
}
