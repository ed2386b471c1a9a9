# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# COM objects the scripts create with New-Object -ComObject: the Windows
# Update Agent's Microsoft.Update.Session (IUpdateSession.CreateUpdateSearcher,
# IUpdateSearcher.GetTotalHistoryCount / QueryHistory; Microsoft Learn
# "IUpdateSearcher interface") answered by tests/pwsh/hostapi/com.py.

function New-WinSimComObject([string]$ProgId) {
    $null = Invoke-WinSimCall -Name 'com.create' -Arguments @{ prog_id = $ProgId }
    if ($ProgId -ne 'Microsoft.Update.Session') { throw "winsim does not model the COM object $ProgId" }
    $session = [PSCustomObject]@{}
    $session | Add-Member -MemberType ScriptMethod -Name CreateUpdateSearcher -Value {
        $searcher = [PSCustomObject]@{}
        $searcher | Add-Member -MemberType ScriptMethod -Name GetTotalHistoryCount -Value {
            Invoke-WinSimCall -Name 'com.history_count'
        }
        $searcher | Add-Member -MemberType ScriptMethod -Name QueryHistory -Value {
            param ([int]$Start, [int]$Count)
            , @(Invoke-WinSimCall -Name 'com.history' -Arguments @{ start = $Start; count = $Count })
        }
        $searcher
    }
    $session
}
