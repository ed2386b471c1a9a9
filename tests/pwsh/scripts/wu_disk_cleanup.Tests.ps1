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
}
