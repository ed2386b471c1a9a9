# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The Defender module's cmdlets the scripts call (tests/pwsh/hostapi/defender.py).

function Get-MpComputerStatus {
    [CmdletBinding()]
    param ()
    Invoke-WinSimCall -Name 'defender.status' -Cmdlet $PSCmdlet
}

function Set-MpPreference {
    [CmdletBinding()]
    param (
        [bool]$DisableRealtimeMonitoring
    )
    if (-not $PSBoundParameters.ContainsKey('DisableRealtimeMonitoring')) {
        throw 'winsim models Set-MpPreference -DisableRealtimeMonitoring only'
    }
    Invoke-WinSimCall -Name 'defender.set_realtime' -Arguments @{ disable = $DisableRealtimeMonitoring } -Cmdlet $PSCmdlet
}
