# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What win_sfc_dism needs to know before it repairs, in one round trip, without
# changing the host (so it also runs in check mode):
# - the installed edition, build and architecture (to pick the source image);
# - whether the repair source exists and what it is; for a WIM/ESD file the
#   output of `dism /Get-WimInfo` for the file and for each of its images
#   (only the per-index output names Edition, Version and Architecture:
#   Microsoft Learn "DISM Image Management Command-Line Options");
# - optionally `DISM /Online /Cleanup-Image /CheckHealth`: read-only, seconds
#   long, it reports what CBS already recorded (Microsoft Learn "Repair a
#   Windows Image").
# dism.exe and sfc.exe refuse to run without elevation; a WinRM logon of an
# administrator is elevated, so these short calls can run in the shell.
[CmdletBinding(SupportsShouldProcess)]
param (
    [string]$Source = '',
    [bool]$CheckHealth = $false,
    [bool]$WimInfo = $true
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Invoke-Dism([string[]]$Arguments) {
    # DISM prints in the OEM code page; its messages are ASCII in English.
    $output = & "$env:SystemRoot\System32\dism.exe" @Arguments 2>&1 | Out-String
    @{ output = $output; exit_code = $LASTEXITCODE }
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$arch = switch ($env:PROCESSOR_ARCHITECTURE) {
    'AMD64' { 'x64' }
    'ARM64' { 'arm64' }
    default { 'x86' }
}
$rebootPending = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'

$result = @{
    edition_id = [string]$cv.EditionID
    # ProductName in the registry still says "Windows 10" on Windows 11: use the WMI caption.
    product_name = ([string]$os.Caption) -replace '^Microsoft\s+', ''
    build = [int]$cv.CurrentBuildNumber
    ubr = [int]$cv.UBR
    architecture = $arch
    installation_type = [string]$cv.InstallationType
    cbs_reboot_pending = $rebootPending
    check_health_output = $null
    check_health_exit_code = $null
    source = $Source
    source_exists = $false
    source_kind = $null
    wim_info_output = $null
    wim_info_exit_code = $null
    wim_details = @()
}

if ($CheckHealth) {
    $check = Invoke-Dism @('/Online', '/Cleanup-Image', '/CheckHealth')
    $result.check_health_output = $check.output
    $result.check_health_exit_code = $check.exit_code
}

if ($Source) {
    if (Test-Path -LiteralPath $Source -PathType Leaf) {
        $result.source_exists = $true
        $result.source_kind = switch -Regex ($Source) {
            '\.wim$' { 'wim' }
            '\.esd$' { 'esd' }
            '\.iso$' { 'iso' }
            default { 'other' }
        }
    }
    elseif (Test-Path -LiteralPath $Source -PathType Container) {
        $result.source_exists = $true
        $result.source_kind = 'folder'
    }
    if ($WimInfo -and $result.source_kind -in @('wim', 'esd')) {
        $info = Invoke-Dism @('/English', '/Get-WimInfo', "/WimFile:$Source")
        $result.wim_info_output = $info.output
        $result.wim_info_exit_code = $info.exit_code
        if ($info.exit_code -eq 0) {
            $details = foreach ($match in [regex]::Matches($info.output, '(?m)^Index\s*:\s*(\d+)')) {
                $index = $match.Groups[1].Value
                $one = Invoke-Dism @('/English', '/Get-WimInfo', "/WimFile:$Source", "/Index:$index")
                @{ index = [int]$index; output = $one.output; exit_code = $one.exit_code }
            }
            $result.wim_details = @($details)
        }
    }
}

$Ansible.Result = $result
