# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# iso_mount.ps1 run for real (Pester 5). The Storage cmdlets are stand-ins that
# answer as Windows does: a freshly mounted ISO's volume may have no drive
# letter yet, or never (automount off, no free letter); Get-DiskImage finds an
# image by -ImagePath or -DevicePath. Detached runs are detached_start.ps1's
# run folders written into $TestDrive.

BeforeAll {
    $global:IsoScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/iso_mount.ps1'
    # The same stand-ins in every file (one Pester session runs them all): every parameter the scripts use.
    if (-not (Get-Command -Name Get-DiskImage -CommandType Cmdlet, Function -ErrorAction SilentlyContinue)) {
        function global:Get-DiskImage { [CmdletBinding()] param([Parameter(Position = 0)]$ImagePath, $DevicePath) }
        function global:Mount-DiskImage { [CmdletBinding()] param([Parameter(Position = 0)]$ImagePath, $Access, $StorageType, [switch]$PassThru) }
        function global:Dismount-DiskImage { [CmdletBinding()] param([Parameter(Position = 0)]$ImagePath, $DevicePath) }
        function global:Get-Volume { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$DiskImage) process { } }
    }

    function Invoke-Iso([hashtable]$Arguments) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        & $global:IsoScript @Arguments
        return $global:Ansible.Result
    }

    function New-Run([string]$Id, [string]$FilePath, [string]$Arguments, [int]$ProcessId, [switch]$Exited) {
        $dir = Join-Path $global:RunsRoot $Id
        $null = New-Item -ItemType Directory -Path $dir -Force
        @{ run_id = $Id; file_path = $FilePath; arguments = $Arguments } | ConvertTo-Json -Compress |
            Set-Content -LiteralPath (Join-Path $dir 'command.json') -Encoding UTF8
        @{ pid = $ProcessId; start_time = '2026-11-02T09:00:00.0000000Z' } | ConvertTo-Json -Compress |
            Set-Content -LiteralPath (Join-Path $dir 'started.json') -Encoding UTF8
        if ($Exited) {
            @{ exit_code = 0 } | ConvertTo-Json -Compress | Set-Content -LiteralPath (Join-Path $dir 'exit.json') -Encoding UTF8
        }
    }
}

Describe 'iso_mount.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:Iso = Join-Path $TestDrive 'Win11_24H2.iso'
        Set-Content -LiteralPath $global:Iso -Value 'iso'
        $global:RunsRoot = Join-Path $TestDrive 'runs'
        $global:Attached = $false
        $global:VolumeCalls = 0
        Mock Get-DiskImage { [pscustomobject]@{ ImagePath = $global:Iso; Attached = $global:Attached
                DevicePath = $(if ($global:Attached) { '\\.\CDROM1' } else { $null }) } }
        Mock Mount-DiskImage { $global:Attached = $true; [pscustomobject]@{ ImagePath = $global:Iso; Attached = $true } }
        Mock Dismount-DiskImage { $global:Attached = $false }
        Mock Get-Process { }
    }

    It 'waits for the drive letter Windows gives the volume a moment after the mount' {
        Mock Get-Volume { $global:VolumeCalls++; [pscustomobject]@{ DriveLetter = $(if ($global:VolumeCalls -ge 3) { [char]'F' } else { $null }) } }
        $r = Invoke-Iso @{ ImagePath = $global:Iso; LetterWaitSeconds = 10 }
        $r.drive_letter | Should -Be 'F:'
        $r.device_path | Should -Be '\\.\CDROM1'
        $global:Ansible.Changed | Should -BeTrue
        Should -Invoke Dismount-DiskImage -Times 0 -Exactly
    }

    It 'dismounts what it mounted and fails saying why when no letter ever comes (automount off)' {
        Mock Get-Volume { [pscustomobject]@{ DriveLetter = $null } }
        { Invoke-Iso @{ ImagePath = $global:Iso; LetterWaitSeconds = 1 } } |
            Should -Throw -ExpectedMessage '*no drive letter within 1 s*mountvol /E*dismounted again*'
        Should -Invoke Dismount-DiskImage -Times 1 -Exactly -ParameterFilter { $ImagePath -eq $global:Iso }
        $global:Attached | Should -BeFalse
    }

    It 'leaves an ISO that was attached before alone when it has no letter' {
        $global:Attached = $true
        Mock Get-Volume { [pscustomobject]@{ DriveLetter = $null } }
        { Invoke-Iso @{ ImagePath = $global:Iso; LetterWaitSeconds = 0 } } | Should -Throw -ExpectedMessage '*attached before this task*'
        Should -Invoke Dismount-DiskImage -Times 0 -Exactly
    }

    It 'does not dismount while a detached run still runs setup.exe from the drive' {
        $global:Attached = $true
        Mock Get-Volume { [pscustomobject]@{ DriveLetter = [char]'E' } }
        Mock Get-Process -ParameterFilter { $Id -eq 4242 } { [pscustomobject]@{ Id = 4242; StartTime = (Get-Date).AddHours(-1) } }
        New-Run 'setup-run' 'e:\setup.exe' '/auto upgrade /quiet' 4242
        New-Run 'old-run' 'E:\setup.exe' '/compat scanonly' 4243 -Exited
        New-Run 'other-drive' 'C:\Windows\System32\Dism.exe' '/Online /Cleanup-Image /CheckHealth' 4242
        $r = Invoke-Iso @{ ImagePath = $global:Iso; Action = 'dismount'; RunsRoot = $global:RunsRoot }
        Should -Invoke Dismount-DiskImage -Times 0 -Exactly
        $r.dismounted | Should -BeFalse
        @($r.in_use_by) | Should -Be @('setup-run')
        $global:Ansible.Changed | Should -BeFalse
    }

    It 'dismounts once the run that used the drive has ended, or its pid belongs to a later process' {
        $global:Attached = $true
        Mock Get-Volume { [pscustomobject]@{ DriveLetter = [char]'E' } }
        Mock Get-Process -ParameterFilter { $Id -eq 4242 } { [pscustomobject]@{ Id = 4242; StartTime = (Get-Date).AddHours(1) } }
        New-Run 'old-run' 'E:\setup.exe' '/compat scanonly' 4243 -Exited
        New-Run 'reused-pid' 'E:\setup.exe' '/auto upgrade' 4242
        $r = Invoke-Iso @{ ImagePath = $global:Iso; Action = 'dismount'; RunsRoot = $global:RunsRoot }
        Should -Invoke Dismount-DiskImage -Times 1 -Exactly
        $r.dismounted | Should -BeTrue
        $global:Ansible.Changed | Should -BeTrue
    }

    It 'dismounts by DevicePath when the ISO file was moved or deleted after the mount' {
        Remove-Item -LiteralPath $global:Iso
        Mock Get-DiskImage -ParameterFilter { $DevicePath -eq '\\.\CDROM1' } {
            [pscustomobject]@{ ImagePath = $global:Iso; Attached = $true; DevicePath = '\\.\CDROM1' } }
        Mock Get-Volume { [pscustomobject]@{ DriveLetter = [char]'E' } }
        $r = Invoke-Iso @{ ImagePath = $global:Iso; Action = 'dismount'; DevicePath = '\\.\CDROM1'; RunsRoot = $global:RunsRoot }
        Should -Invoke Dismount-DiskImage -Times 1 -Exactly -ParameterFilter { $DevicePath -eq '\\.\CDROM1' -and -not $ImagePath }
        $r.dismounted | Should -BeTrue
    }
}
