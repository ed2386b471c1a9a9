# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-Date reads the simulated host's clock (the run's "now", frozen during
# the run so that model and script print the same time); with -Date it is
# the real cmdlet.

function Get-Date {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][DateTime]$Date,
        [string]$Format,
        [string]$UFormat
    )
    if (-not $PSBoundParameters.ContainsKey('Date')) { $PSBoundParameters['Date'] = [WinSim.Bridge]::Now }
    Microsoft.PowerShell.Utility\Get-Date @PSBoundParameters
}
