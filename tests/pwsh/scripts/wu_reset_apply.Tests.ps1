# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_reset_apply.ps1 run for real (Pester 5) on folders in $TestDrive. The
# services (Get-Service objects with Stop/Start/WaitForStatus), sc.exe, netsh.exe
# and the WinHTTP registry value are stand-ins holding their state in $global:Fake.

BeforeAll {
    $global:ResetScript = Join-Path $PSScriptRoot '../../../plugins/plugin_utils/_host/powershell/wu_reset_apply.ps1'
    if (-not (Get-Command -Name Get-CimInstance -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-CimInstance { [CmdletBinding()] param($ClassName, $Property, $Filter, $Namespace) }
    }
    if (-not (Get-Command -Name Get-Service -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        function global:Get-Service { [CmdletBinding()] param($Name) }
    }
    # ServiceController.WaitForStatus throws System.ServiceProcess.TimeoutException
    # (Microsoft Learn, ServiceController.WaitForStatus); its constructor refuses to
    # run off Windows, so the object is made without it.
    Add-Type -AssemblyName System.ServiceProcess
    # A .NET class, so that its exception reaches the script's catch as a real
    # method's does (a ScriptMethod's would arrive wrapped twice).
    if (-not ('WinRepairTest.FakeService' -as [type])) {
        Add-Type -ReferencedAssemblies System.ServiceProcess, System.ServiceProcess.ServiceController, System.ComponentModel.Primitives -TypeDefinition @'
namespace WinRepairTest {
    public class FakeService {
        public string Name; public string Status; public bool Stuck;
        public void Stop() { Status = Stuck ? "StopPending" : "Stopped"; }
        public void Start() { Status = "Running"; }
        public void Refresh() { }
        public void WaitForStatus(string wanted, System.TimeSpan timeout) {
            if (Status != wanted) {
                throw (System.ServiceProcess.TimeoutException)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(
                    typeof(System.ServiceProcess.TimeoutException));
            }
        }
    }
}
'@
    }
    function global:New-FakeService {
        param([string]$Name, [string]$Status = 'Running', [bool]$Stuck = $false)
        $svc = [WinRepairTest.FakeService]::new()
        $svc.Name = $Name; $svc.Status = $Status; $svc.Stuck = $Stuck
        $global:Fake.services[$Name] = $svc
    }
    function global:sc.exe {
        $global:Fake.sc += , @($args)
        if ($args[0] -eq 'sdshow') {
            $answer = $global:Fake.sdshow[$args[1]]
            $global:LASTEXITCODE = $answer.rc
            return $answer.out
        }
        $global:LASTEXITCODE = 0
        '[SC] ChangeServiceConfig SUCCESS'
    }
    function global:netsh.exe {
        $line = $args -join ' '
        $global:Fake.netsh += $line
        if ($global:Fake.netshFails -contains $line) { $global:LASTEXITCODE = 1; return 'The requested operation requires elevation (Run as administrator).' }
        if ($line -eq 'winhttp reset proxy') { $global:Fake.proxy = $null }
        $global:LASTEXITCODE = 0
        'Ok.'
    }
}

Describe 'wu_reset_apply.ps1' {
    BeforeEach {
        $ErrorActionPreference = 'Stop'
        $global:Fake = @{ services = @{}; sc = @(); sdshow = @{}; netsh = @(); netshFails = @(); proxy = $null; renameFailures = 0 }
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $global:SdPath = Join-Path $root 'SoftwareDistribution'
        $null = New-Item -ItemType Directory -Path $global:SdPath -Force
        $global:Ansible = [pscustomobject]@{ CheckMode = $false; Changed = $false; Result = @{}; Failed = $false }
        Mock Get-Service { $global:Fake.services[$Name] }
        # Win32_Service by name; no other service shares the process.
        Mock Get-CimInstance {
            if ($Filter -match "^Name='(.+)'$") { [pscustomobject]@{ Name = $Matches[1]; StartMode = 'Manual'; State = 'Running'; ProcessId = 4242 } }
        }
        Mock Stop-Process { }
        Mock Start-Sleep { }
        Mock Get-ItemProperty {
            if ($null -eq $global:Fake.proxy) { return $null }
            [pscustomobject]@{ WinHttpSettings = $global:Fake.proxy }
        }
        Mock New-ItemProperty { $global:Fake.proxy = [byte[]]$Value }
        Mock Remove-ItemProperty { $global:Fake.proxy = $null }
    }

    It 'does not end the process of a stuck msiserver (an install may be running)' {
        New-FakeService -Name 'msiserver' -Stuck $true
        Set-StrictMode -Version Latest
        & $global:ResetScript -StopServices @('msiserver') -StartModes @{ msiserver = 'manual' } -RunningBefore @('msiserver') -KillStuck $true
        $global:Ansible.Result.failed_step | Should -Be 'stop:msiserver'
        $global:Ansible.Result.error | Should -Match 'not ended'
        Should -Invoke Stop-Process -Times 0 -Exactly
    }

    It 'still ends a stuck wuauserv' {
        New-FakeService -Name 'wuauserv' -Stuck $true
        Mock Stop-Process { $global:Fake.services['wuauserv'].Status = 'Stopped' }
        Set-StrictMode -Version Latest
        & $global:ResetScript -StopServices @('wuauserv') -StartModes @{ wuauserv = 'manual' } -KillStuck $true
        $global:Ansible.Result.failed_step | Should -BeNullOrEmpty
        Should -Invoke Stop-Process -Times 1 -Exactly
    }

    It 'stops StopOnly services without holding their start type and starts them back on rollback' {
        New-FakeService -Name 'usosvc'
        New-FakeService -Name 'wuauserv'
        Set-StrictMode -Version Latest
        & $global:ResetScript -StopServices @('wuauserv') -StopOnly @('usosvc') -StartModes @{ wuauserv = 'manual' } `
            -RunningBefore @('wuauserv', 'usosvc') -Renames @(@{ name = 'SoftwareDistribution'; path = (Join-Path $TestDrive 'missing'); backup = (Join-Path $TestDrive 'missing.bak') })
        @($global:Ansible.Result.journal | Where-Object { $_.id -eq 'stop:usosvc' -and $_.status -eq 'ok' }).Count | Should -Be 1
        @($global:Fake.sc | Where-Object { $_[1] -eq 'usosvc' }).Count | Should -Be 0
        $global:Ansible.Result.failed_step | Should -Be 'rename:SoftwareDistribution'
        $global:Fake.services['usosvc'].Status | Should -Be 'Running'
        @($global:Ansible.Result.services_after | ForEach-Object { $_.name }) | Should -Contain 'usosvc'
    }

    It 'retries a rename while another process briefly holds the folder' {
        $backup = "$global:SdPath.bak-20261102T090000"
        Mock Rename-Item {
            $global:Fake.renameFailures++
            if ($global:Fake.renameFailures -le 2) { throw [System.IO.IOException]::new('The process cannot access the file because it is being used by another process.') }
            [System.IO.Directory]::Move($LiteralPath, (Join-Path (Split-Path -Parent $LiteralPath) $NewName))
        }
        Set-StrictMode -Version Latest
        & $global:ResetScript -Renames @(@{ name = 'SoftwareDistribution'; path = $global:SdPath; backup = $backup })
        $global:Ansible.Result.failed_step | Should -BeNullOrEmpty
        Test-Path -LiteralPath $backup | Should -BeTrue
        Should -Invoke Start-Sleep -Times 2 -Exactly
    }

    It 'saves the WinHTTP proxy, reports it and sets it back on rollback' {
        $global:Fake.proxy = [byte[]](0x18, 0, 0, 0, 1, 2, 3)
        $global:Fake.netshFails = @('winsock reset')
        Set-StrictMode -Version Latest
        & $global:ResetScript -ResetWinHttpProxy $true -ResetWinsock $true
        $global:Ansible.Result.failed_step | Should -Be 'winsock_reset'
        $global:Ansible.Result.previous_winhttp_proxy | Should -Be ([Convert]::ToBase64String([byte[]](0x18, 0, 0, 0, 1, 2, 3)))
        @($global:Fake.proxy) | Should -Be @(0x18, 0, 0, 0, 1, 2, 3)
        @($global:Ansible.Result.rollback | Where-Object { $_.id -eq 'winhttp_reset_proxy' }).status | Should -Be 'ok'
    }

    It 'never feeds an sc.exe sdshow error text to sdset' {
        New-FakeService -Name 'bits'
        $global:Fake.sdshow['bits'] = @{ rc = 5; out = @('[SC] OpenService FAILED 5:', '', 'Access is denied.') }
        Set-StrictMode -Version Latest
        & $global:ResetScript -SecurityDescriptors @{ bits = 'D:(A;;CC;;;SY)' }
        $global:Ansible.Result.failed_step | Should -Be 'sdset:bits'
        @($global:Fake.sc | Where-Object { $_[0] -eq 'sdset' }).Count | Should -Be 0
        $global:Ansible.Result.previous_security_descriptors.Count | Should -Be 0
    }

    It 'keeps the journal when the services cannot be read afterwards' {
        New-FakeService -Name 'bits'
        Mock Get-CimInstance { throw 'The WMI repository is not available' }
        Set-StrictMode -Version Latest
        & $global:ResetScript -StopServices @('bits') -StartServices @('bits') -StartModes @{ bits = 'manual' } -RunningBefore @('bits')
        @($global:Ansible.Result.journal | ForEach-Object { $_.id }) | Should -Contain 'start:bits'
        @($global:Ansible.Result.warnings) -join ' ' | Should -Match 'could not read the services'
    }
}
