# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-CimInstance and Get-HotFix: the host answers the class's instances
# (tests/pwsh/hostapi/cim.py); errors are terminating for the query, as the
# CIM cmdlets raise them for an invalid class or namespace.

function Get-CimInstance {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string]$ClassName,
        [string]$Namespace = 'root/cimv2',
        [string]$Filter,
        [string[]]$Property
    )
    Invoke-WinSimCall -Name 'cim.query' -Arguments @{
        class = $ClassName; namespace = $Namespace; filter = $Filter; property = @($Property | Where-Object { $_ })
    } -Cmdlet $PSCmdlet
}

function Get-HotFix {
    [CmdletBinding()]
    param ()
    Invoke-WinSimCall -Name 'cim.query' -Arguments @{ class = 'Win32_QuickFixEngineering' } -Cmdlet $PSCmdlet
}
