# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_disk_cleanup.ps1 run for real (Pester 5) on folders in $TestDrive
# (%windir%, %ALLUSERSPROFILE%); the free-space query is a stand-in.

BeforeAll {
    $global:CleanupScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_disk_cleanup.ps1'
    # The same stand-in in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }
}

Describe 'wu_disk_cleanup.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $env:windir = Join-Path $root 'Windows'
        $env:ALLUSERSPROFILE = Join-Path $root 'ProgramData'
        $env:SystemDrive = 'C:'
        foreach ($p in @((Join-Path $env:windir 'System32'), (Join-Path $env:windir 'Temp'), (Join-Path $env:ALLUSERSPROFILE 'Microsoft/Network'))) {
            $null = New-Item -ItemType Directory -Path $p -Force
        }
        Mock Get-CimInstance { [pscustomobject]@{ FreeSpace = [uint64]1000 } }
        Mock Get-Process { }
        $global:Temp = Join-Path $env:windir 'Temp'
        $global:Old = [DateTime]::UtcNow.AddDays(-30)
    }

    It 'removes only backups named as win_wu_reset names them, never a renamed one by its write time' {
        $ours = Join-Path $env:windir 'SoftwareDistribution.bak-20200101T000000'
        $manual = Join-Path $env:windir 'SoftwareDistribution.bak-manual'
        $copied = Join-Path $env:windir 'SoftwareDistribution.bak-20200101T000000-copy'
        foreach ($p in @($ours, $manual, $copied)) {
            $null = New-Item -ItemType Directory -Path $p
            Set-Content -LiteralPath (Join-Path $p 'x.dat') -Value 'data'
            # A rename keeps the old write time: all three look years old.
            (Get-Item -LiteralPath $p).LastWriteTimeUtc = [DateTime]::UtcNow.AddYears(-3)
        }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:CleanupScript -OlderThanDays 7
        @($global:Ansible.Result.removed | ForEach-Object { $_.path }) | Should -Be @($ours)
        Test-Path -LiteralPath $manual | Should -BeTrue
        Test-Path -LiteralPath $copied | Should -BeTrue
        @($global:Ansible.Result.kept | Sort-Object) | Should -Be @(@($manual, $copied) | Sort-Object)
    }

    It 'sweeps Windows\Temp only while no install is in progress' {
        $file = Join-Path $global:Temp 'setup.tmp'
        Set-Content -LiteralPath $file -Value 'data'
        (Get-Item -LiteralPath $file).LastWriteTimeUtc = $global:Old
        Mock Get-Process { [pscustomobject]@{ Name = 'TiWorker' } }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        & $global:CleanupScript -OlderThanDays 7
        Test-Path -LiteralPath $file | Should -BeTrue
        $global:Ansible.Result.temp.swept | Should -BeFalse
        $global:Ansible.Result.temp.skipped_reason | Should -Match 'TiWorker'
        $global:Ansible.Changed | Should -BeFalse
    }

    It 'sweeps nothing while a restart is pending' {
        $file = Join-Path $global:Temp 'setup.tmp'
        Set-Content -LiteralPath $file -Value 'data'
        (Get-Item -LiteralPath $file).LastWriteTimeUtc = $global:Old
        Mock Test-Path { $true } -ParameterFilter { "$LiteralPath" -like 'HKLM:*RebootPending' }
        Mock Test-Path { $false } -ParameterFilter { "$LiteralPath" -like 'HKLM:*' -and "$LiteralPath" -notlike '*RebootPending' }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        & $global:CleanupScript -OlderThanDays 7
        Test-Path -LiteralPath $file | Should -BeTrue
        $global:Ansible.Result.temp.skipped_reason | Should -Match 'restart is pending'
    }

    It 'reports counts and bytes, not one entry per file, and removes the folders it emptied' {
        $deep = Join-Path $global:Temp 'a/b'
        $mixed = Join-Path $global:Temp 'c'
        $null = New-Item -ItemType Directory -Path $deep, $mixed -Force
        foreach ($p in @((Join-Path $deep 'old1.tmp'), (Join-Path $mixed 'old2.tmp'), (Join-Path $global:Temp 'old3.tmp'))) {
            [System.IO.File]::WriteAllBytes($p, [byte[]]::new(10))
            (Get-Item -LiteralPath $p).LastWriteTimeUtc = $global:Old
        }
        $new = Join-Path $mixed 'new.tmp'
        [System.IO.File]::WriteAllBytes($new, [byte[]]::new(5))
        Mock Test-Path { $false } -ParameterFilter { "$LiteralPath" -like 'HKLM:*' }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        & $global:CleanupScript -OlderThanDays 7
        $t = $global:Ansible.Result.temp
        $t.swept | Should -BeTrue
        $t.files_removed | Should -Be 3
        $t.bytes_removed | Should -Be 30
        $t.folders_removed | Should -Be 2
        @($global:Ansible.Result.removed).Count | Should -Be 0
        Test-Path -LiteralPath (Join-Path $global:Temp 'a') | Should -BeFalse
        Test-Path -LiteralPath $new | Should -BeTrue
        Test-Path -LiteralPath $global:Temp | Should -BeTrue
        $global:Ansible.Changed | Should -BeTrue
    }

    It 'counts a file in use and leaves it' {
        $global:Busy = Join-Path $global:Temp 'locked.tmp'
        $busy = $global:Busy
        [System.IO.File]::WriteAllBytes($busy, [byte[]]::new(10))
        (Get-Item -LiteralPath $busy).LastWriteTimeUtc = $global:Old
        Mock Test-Path { $false } -ParameterFilter { "$LiteralPath" -like 'HKLM:*' }
        Mock Remove-Item { throw [System.IO.IOException]::new('The process cannot access the file because it is being used by another process.') } -ParameterFilter { "$LiteralPath" -eq $global:Busy }
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        & $global:CleanupScript -OlderThanDays 7
        $global:Ansible.Result.temp.files_in_use | Should -Be 1
        @($global:Ansible.Result.problems).Count | Should -Be 0
        Test-Path -LiteralPath $busy | Should -BeTrue
    }
}
