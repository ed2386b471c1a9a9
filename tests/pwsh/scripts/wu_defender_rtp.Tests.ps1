# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_defender_rtp.ps1 run for real (Pester 5); the Defender cmdlets are stand-ins.

BeforeAll {
    $global:RtpScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_defender_rtp.ps1'
    function global:Get-MpComputerStatus { [CmdletBinding()] param() }
    function global:Set-MpPreference { [CmdletBinding()] param([bool]$DisableRealtimeMonitoring) }

    function Invoke-Rtp([bool]$Disable) {
        Set-StrictMode -Version Latest
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $true; Result = @{}; Failed = $false }
        & $global:RtpScript -Disable $Disable
        return $global:Ansible
    }

    function New-Status([bool]$RealTime, [bool]$Tamper = $false) {
        [pscustomobject]@{ AntivirusEnabled = $true; RealTimeProtectionEnabled = $RealTime; IsTamperProtected = $Tamper
            AMRunningMode = 'Normal' }
    }
}

Describe 'wu_defender_rtp.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        Mock Start-Sleep { }
    }

    It 'reports Defender as off when Get-MpComputerStatus throws 0x800106BA (another antivirus), instead of failing' {
        Mock Get-MpComputerStatus {
            # What the CIM provider answers with CrowdStrike installed (scipag/HardeningKitty#52).
            $ex = New-Object System.Exception 'A general error occurred that is not covered by a more specific error code.'
            $record = New-Object System.Management.Automation.ErrorRecord $ex, 'HRESULT 0x800106ba,Get-MpComputerStatus',
                ([System.Management.Automation.ErrorCategory]::NotSpecified), 'MSFT_MpComputerStatus'
            $PSCmdlet.ThrowTerminatingError($record)
        }
        Mock Set-MpPreference { throw 'must not be called' }
        $answer = Invoke-Rtp $true
        $answer.Result.defender_off | Should -BeTrue
        $answer.Result.status_error | Should -Be 'HRESULT 0x800106ba'
        $answer.Result.applied | Should -BeFalse
        $answer.Changed | Should -BeFalse
    }

    It 'waits for the pause to be in force: the first read after Set-MpPreference may still be the old state' {
        $global:Reads = 0
        $global:Set = $false
        Mock Set-MpPreference { $global:Set = $true }
        Mock Get-MpComputerStatus {
            if ($global:Set) { $global:Reads++ }
            New-Status -RealTime (-not ($global:Set -and $global:Reads -ge 3))
        }
        $answer = Invoke-Rtp $true
        $answer.Result.applied | Should -BeTrue
        $answer.Result.real_time_after | Should -BeFalse
        $answer.Changed | Should -BeTrue
    }

    It 'says tamper protection kept the change from taking effect' {
        Mock Set-MpPreference { }
        Mock Get-MpComputerStatus { New-Status -RealTime $true -Tamper $true }
        $answer = Invoke-Rtp $true
        $answer.Result.applied | Should -BeFalse
        $answer.Result.not_applied | Should -Be 'tamper_protection'
        $answer.Result.tamper_protected | Should -BeTrue
        Should -Invoke Get-MpComputerStatus -Times 21 -Exactly
    }
}
