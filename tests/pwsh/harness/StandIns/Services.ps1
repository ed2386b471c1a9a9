# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-Service and the ServiceController methods the scripts call (Stop,
# Start, WaitForStatus, Refresh: WinSim.ServiceController in WinSimHost.cs),
# and Stop-Process for a service's process (tests/pwsh/hostapi/services.py). A
# method's failure is the .NET exception itself, thrown from a .NET method, so
# PowerShell wraps it once in a MethodInvocationException ("Exception calling
# "Stop" with "0" argument(s): ...") as it does for the real ServiceController.

function New-WinSimService($Info) {
    # A WinSim.ServiceController (WinSimHost.cs): its methods ask the host and throw the
    # .NET exceptions the real ServiceController throws.
    $svc = [WinSim.ServiceController]::new([string]$Info.name, [string]$Info.display_name, [string]$Info.status,
        [string]$Info.start_type)
    $object = [PSObject]::new($svc)
    $object.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
    $object
}

function Get-Service {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Name
    )
    foreach ($n in $Name) {
        $info = Invoke-WinSimCall -Name 'service.get' -Arguments @{ name = $n; cmdlet = $true } -Cmdlet $PSCmdlet
        if ($null -ne $info) { New-WinSimService $info }
    }
}

function Stop-Process {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Mandatory = $true)][int[]]$Id,
        [switch]$Force
    )
    foreach ($processId in $Id) {
        if ($PSCmdlet.ShouldProcess("process $processId", 'Stop-Process')) {
            Invoke-WinSimCall -Name 'process.stop' -Arguments @{ id = $processId } -Cmdlet $PSCmdlet
        }
    }
}
