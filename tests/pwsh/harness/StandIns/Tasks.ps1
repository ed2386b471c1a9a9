# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The ScheduledTasks cmdlets the detached runs use (tests/pwsh/hostapi/tasks.py).
# New-ScheduledTask* build the CIM objects of the task (MSFT_TaskExecAction,
# MSFT_TaskPrincipal2, MSFT_TaskSettings3) as data; the host registers,
# starts, reads and removes the task. Only the parameters the scripts pass
# are declared.

function New-WinSimCimObject([string]$Class, [hashtable]$Properties) {
    $object = [PSCustomObject]$Properties
    $object.PSObject.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/$Class")
    $object
}

function New-ScheduledTaskAction {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][string]$Execute,
        [string]$Argument,
        [string]$WorkingDirectory
    )
    New-WinSimCimObject 'MSFT_TaskExecAction' @{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory; Id = $null }
}

function New-ScheduledTaskPrincipal {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][string]$UserId,
        [ValidateSet('None', 'Password', 'S4U', 'Interactive', 'Group', 'ServiceAccount', 'InteractiveOrPassword')][string]$LogonType,
        [ValidateSet('Limited', 'Highest')][string]$RunLevel
    )
    New-WinSimCimObject 'MSFT_TaskPrincipal2' @{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel }
}

function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param (
        [switch]$AllowStartIfOnBatteries,
        [switch]$DontStopIfGoingOnBatteries,
        [TimeSpan]$ExecutionTimeLimit,
        [ValidateSet('Parallel', 'Queue', 'IgnoreNew')][string]$MultipleInstances,
        [int]$Priority = 7
    )
    # CIM keeps a limit as an XML duration (PT2H10M): System.Xml.XmlConvert writes that form.
    $limit = if ($PSBoundParameters.ContainsKey('ExecutionTimeLimit')) { [System.Xml.XmlConvert]::ToString($ExecutionTimeLimit) } else { 'PT72H' }
    New-WinSimCimObject 'MSFT_TaskSettings3' @{
        DisallowStartIfOnBatteries = -not $AllowStartIfOnBatteries; StopIfGoingOnBatteries = -not $DontStopIfGoingOnBatteries
        ExecutionTimeLimit = $limit; MultipleInstances = $MultipleInstances; Priority = $Priority
    }
}

function Register-ScheduledTask {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$TaskName,
        [Parameter(Position = 1)][string]$TaskPath = '\',
        [Parameter(Mandatory = $true)][object[]]$Action,
        $Principal,
        $Settings,
        [string]$Description,
        [switch]$Force
    )
    $task = Invoke-WinSimCall -Name 'tasks.register' -Arguments @{
        name = $TaskName; path = $TaskPath; force = [bool]$Force; description = $Description
        actions = @(foreach ($a in $Action) { @{ execute = $a.Execute; arguments = $a.Arguments; working_directory = $a.WorkingDirectory } })
        principal = @{ user_id = $Principal.UserId; logon_type = $Principal.LogonType; run_level = $Principal.RunLevel }
        settings = @{ execution_time_limit = $Settings.ExecutionTimeLimit; multiple_instances = $Settings.MultipleInstances; priority = $Settings.Priority }
    } -Cmdlet $PSCmdlet
    $task
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string]$TaskName,
        [Parameter(Position = 1)][string]$TaskPath = '\'
    )
    Invoke-WinSimCall -Name 'tasks.get' -Arguments @{ name = $TaskName; path = $TaskPath } -Cmdlet $PSCmdlet
}

function Get-ScheduledTaskInfo {
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    param (
        [Parameter(ParameterSetName = 'ByObject', Mandatory = $true, ValueFromPipeline = $true)]$InputObject,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)][string]$TaskName,
        [Parameter(ParameterSetName = 'ByName', Position = 1)][string]$TaskPath = '\'
    )
    process {
        $name, $path = if ($PSCmdlet.ParameterSetName -eq 'ByObject') { $InputObject.TaskName, $InputObject.TaskPath } else { $TaskName, $TaskPath }
        Invoke-WinSimCall -Name 'tasks.info' -Arguments @{ name = $name; path = $path } -Cmdlet $PSCmdlet
    }
}

function Start-ScheduledTask {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$TaskName,
        [Parameter(Position = 1)][string]$TaskPath = '\'
    )
    Invoke-WinSimCall -Name 'tasks.start' -Arguments @{ name = $TaskName; path = $TaskPath } -Cmdlet $PSCmdlet
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param (
        [Parameter(Mandatory = $true, Position = 0)][string]$TaskName,
        [Parameter(Position = 1)][string]$TaskPath = '\'
    )
    if ($PSCmdlet.ShouldProcess("$TaskPath$TaskName", 'Delete')) {
        Invoke-WinSimCall -Name 'tasks.unregister' -Arguments @{ name = $TaskName; path = $TaskPath } -Cmdlet $PSCmdlet
    }
}
