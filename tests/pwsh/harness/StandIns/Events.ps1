# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-WinEvent -FilterHashtable (tests/pwsh/hostapi/events.py). An event
# record carries ToXml(), as EventLogRecord does, with its EventData.

function Get-WinEvent {
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable[]]$FilterHashtable,
        [long]$MaxEvents = -1
    )
    foreach ($filter in $FilterHashtable) {
        $query = @{}
        foreach ($key in $filter.Keys) {
            $value = $filter[$key]
            if ($value -is [DateTime]) { $value = $value.ToUniversalTime().ToString('o') }
            $query[$key] = $value
        }
        foreach ($record in @(Invoke-WinSimCall -Name 'events.query' -Arguments @{ filter = $query; max = $MaxEvents } -Cmdlet $PSCmdlet)) {
            if ($null -eq $record) { continue }
            $xml = [string]$record.Xml
            $record.PSObject.Properties.Remove('Xml')
            $record | Add-Member -MemberType NoteProperty -Name WinSimXml -Value $xml
            $record | Add-Member -MemberType ScriptMethod -Name ToXml -Value { $this.WinSimXml }
            $record
        }
    }
}
