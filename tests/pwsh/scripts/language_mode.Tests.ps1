# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Under WDAC or AppLocker script enforcement win_powershell runs a script in
# ConstrainedLanguage mode, where .NET method calls fail with an error that
# names no reason (about_Language_Modes). Every host script that needs more
# than cmdlets stops first with a message that names the language mode.
# Each script runs here in a runspace switched to ConstrainedLanguage.

BeforeDiscovery {
    $dir = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell'
    # iso_mount and wu_defender_rtp use cmdlets only.
    $global:ClmCases = @(Get-ChildItem -LiteralPath $dir -Filter '*.ps1' |
            Where-Object { $_.BaseName -notin @('iso_mount', 'wu_defender_rtp') } |
            ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
}

Describe 'host scripts in ConstrainedLanguage mode' {
    It '<Name> stops with a message naming the language mode' -ForEach $global:ClmCases {
        $required = @{
            detached_start = @{ RunId = 'r1'; FilePath = 'C:\Windows\System32\Dism.exe' }
            detached_status = @{ RunId = 'r1' }
            inplace_preflight = @{ ImagePath = 'C:\x.iso' }
            inplace_media_info = @{ DriveLetter = 'E:' }
            wu_insider_leave = @{ BackupFolder = 'C:\b' }
            wu_journal_lock = @{ Path = 'C:\j.lock'; Action = 'acquire'; RunId = 'r1' }
            wu_journal_read = @{ Path = 'C:\j.json' }
            wu_journal_write = @{ Path = 'C:\j.json'; Content = '{}' }
            wu_restore_point = @{ Description = 'd' }
            wu_reset_state = @{ ServiceNames = @('bits'); DllNames = @('x.dll') }
        }
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        try {
            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            $null = $ps.AddScript('$ExecutionContext.SessionState.LanguageMode = "ConstrainedLanguage"').Invoke()
            $ps.Commands.Clear()
            $runspace.SessionStateProxy.SetVariable('Ansible', [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{} })
            $null = $ps.AddScript((Get-Content -LiteralPath $Path -Raw))
            $params = $required[$Name]
            if ($params) { $null = $ps.AddParameters($params) }
            $message = $null
            try { $null = $ps.Invoke() } catch { $message = $_.Exception.Message }
            if (-not $message -and $ps.Streams.Error.Count) { $message = [string]$ps.Streams.Error[0] }
            $message | Should -Match "needs PowerShell's FullLanguage mode.*ConstrainedLanguage"
        }
        finally {
            $runspace.Dispose()
        }
    }
}
