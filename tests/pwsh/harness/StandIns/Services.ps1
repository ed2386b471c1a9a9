# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-Service and the ServiceController methods the scripts call (Stop,
# Start, WaitForStatus, Refresh), and Stop-Process for a service's process
# (tests/pwsh/hostapi/services.py). A method's failure is thrown as the .NET
# exception itself, so PowerShell wraps it in a MethodInvocationException
# ("Exception calling "Stop" with "0" argument(s): ...") as it does for the
# real ServiceController.

function New-WinSimService($Info) {
    $svc = [PSCustomObject]@{
        Name = [string]$Info.name
        ServiceName = [string]$Info.name
        DisplayName = [string]$Info.display_name
        Status = [System.ServiceProcess.ServiceControllerStatus][string]$Info.status
        StartType = [System.ServiceProcess.ServiceStartMode][string]$Info.start_type
    }
    $svc.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
    $call = {
        param ($Name, $Arguments)
        $request = @{ op = 'call'; name = $Name; args = $Arguments } | ConvertTo-Json -Compress -Depth 5
        $reply = [WinSim.Bridge]::Call($request) | Microsoft.PowerShell.Utility\ConvertFrom-Json -AsHashtable
        if ($reply.ContainsKey('error')) { throw (New-WinSimException $reply.error) }
        $reply.ok
    }
    $svc | Add-Member -MemberType NoteProperty -Name WinSimCall -Value $call
    $svc | Add-Member -MemberType ScriptMethod -Name Refresh -Value {
        $info = & $this.WinSimCall 'service.get' @{ name = $this.Name }
        $this.Status = [System.ServiceProcess.ServiceControllerStatus][string]$info.status
    }
    $svc | Add-Member -MemberType ScriptMethod -Name Stop -Value {
        $null = & $this.WinSimCall 'service.stop' @{ name = $this.Name }
    }
    $svc | Add-Member -MemberType ScriptMethod -Name Start -Value {
        $null = & $this.WinSimCall 'service.start' @{ name = $this.Name }
    }
    $svc | Add-Member -MemberType ScriptMethod -Name WaitForStatus -Value {
        param ($Status, $Timeout)
        $seconds = if ($null -eq $Timeout) { -1 } else { ([TimeSpan]$Timeout).TotalSeconds }
        $info = & $this.WinSimCall 'service.wait' @{ name = $this.Name; status = [string]$Status; seconds = $seconds }
        $this.Status = [System.ServiceProcess.ServiceControllerStatus][string]$info.status
    }
    $svc
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
