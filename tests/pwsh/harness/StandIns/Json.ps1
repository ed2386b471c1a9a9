# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# ConvertFrom-Json as Windows PowerShell 5.1 answers it, from PowerShell 7's:
# - a string in a timestamp form stays a string: PowerShell 6 and later turn it
#   into a DateTime (Microsoft Learn "ConvertFrom-Json", Notes: "Beginning in
#   PowerShell 6 ... attempts to convert strings formatted as timestamps");
#   -DateKind String (PowerShell/PowerShell#20925, 7.5) keeps the string;
# - a JSON array is written as one object, not item by item, and '[]' as an
#   empty array, not nothing (PowerShell/PowerShell#3424, #16548):
#   -NoEnumerate (7.1) does that.

function ConvertFrom-Json {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)][AllowEmptyString()][string]$InputObject
    )
    begin { $lines = [System.Collections.Generic.List[string]]::new() }
    process { $lines.Add($InputObject) }
    end {
        Microsoft.PowerShell.Utility\ConvertFrom-Json -InputObject ($lines -join "`n") -DateKind String -NoEnumerate
    }
}
