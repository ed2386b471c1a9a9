# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# wu_diagnose.ps1: gather the evidence win_wu_diagnose decides from, in one round trip.
# Read-only: it changes nothing, so it declares SupportsShouldProcess and runs in check mode too.
# It makes no decisions: the parsing and the diagnosis are Python (plugin_utils/_ladder/diagnosis.py).
# Every probe is in its own try/catch; a probe that fails (remote COM denied, a cmdlet
# missing on Server) is recorded in probe_errors and the others still answer.
# The result is at most four levels deep (result.key[i].field, scalars only) because
# win_powershell serialises $Ansible.Result to depth 2 by default.
[CmdletBinding(SupportsShouldProcess)]
param (
    # Update history entries to read (newest first).
    [ValidateRange(0, 1000)]
    [int]
    $MaxHistory = 50,

    # Events to read per query (WindowsUpdateClient 20, storage errors).
    [ValidateRange(0, 1000)]
    [int]
    $MaxEvents = 50,

    # Last lines of CBS.log to return.
    [ValidateRange(0, 100000)]
    [int]
    $CbsTailLines = 5000,

    # Only history entries and events of the last SinceDays days.
    [ValidateRange(1, 3650)]
    [int]
    $SinceDays = 30,

    # Regex (.NET, case-insensitive) of the CBS.log lines to return from the whole file.
    [string]
    $CbsPattern = '',

    # At most this many matching CBS.log lines (the last ones).
    [ValidateRange(0, 10000)]
    [int]
    $CbsMaxMatches = 200
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_diagnose.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}

$probeErrors = [System.Collections.Generic.List[object]]::new()
$since = (Get-Date).AddDays(-$SinceDays)

function Add-ProbeError {
    param ([string]$Probe, [System.Management.Automation.ErrorRecord]$Record)
    $probeErrors.Add(@{
            probe = $Probe
            message = [string]$Record.Exception.Message
            hresult = ('0x{0:X8}' -f $Record.Exception.HResult)
        })
}

function ConvertTo-IsoTime {
    # In a custom format ':' is the culture's time separator and 'yyyy' counts in
    # its calendar (fi-FI writes 09.00.00, th-TH the Buddhist year 2569): every
    # time here is written with the invariant culture ("Custom date and time
    # format strings", learn.microsoft.com/dotnet/standard/base-types/custom-date-and-time-format-strings).
    param ($Value)
    if ($null -eq $Value) { return $null }
    ([DateTime]$Value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}

function Test-NoEvent {
    # Get-WinEvent raises when nothing matches (NoMatchingEventsFound) or the provider
    # is not installed on this host (NoMatchingProvidersFound): both mean "no events".
    param ([System.Management.Automation.ErrorRecord]$Record)
    [string]$Record.FullyQualifiedErrorId -like 'NoMatching*'
}

function Get-FolderSize {
    # Sum of the file lengths under Path; unreadable files are skipped, not fatal.
    param ([string]$Path)
    $measure = Get-ChildItem -LiteralPath $Path -Recurse -Force -File -ErrorAction SilentlyContinue |
        Measure-Object -Property Length -Sum
    [int64]$measure.Sum
}

# --- OS: registry CurrentVersion (ProductName, EditionID, DisplayVersion, CurrentBuild, UBR)
# and Win32_OperatingSystem (Caption, Version, ProductType 1/2/3, OSLanguage).
$os = @{}
try {
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $win32Os = Get-CimInstance -ClassName Win32_OperatingSystem
    $arch = $env:PROCESSOR_ARCHITEW6432
    if (-not $arch) { $arch = $env:PROCESSOR_ARCHITECTURE }
    $language = $null
    try { $language = [System.Globalization.CultureInfo]::GetCultureInfo([int]$win32Os.OSLanguage).Name } catch { $language = $null }
    $os = @{
        caption = [string]$win32Os.Caption
        product_name = [string]$cv.ProductName
        edition_id = [string]$cv.EditionID
        display_version = [string]$cv.DisplayVersion
        version = [string]$win32Os.Version
        current_build = [string]$cv.CurrentBuild
        ubr = [int]$cv.UBR
        product_type = [int]$win32Os.ProductType
        processor_architecture = [string]$arch
        install_language = $language
        hostname = [string]$env:COMPUTERNAME
    }
}
catch { Add-ProbeError -Probe 'os' -Record $_ }

# --- Free space on the system drive (Win32_LogicalDisk).
$systemDrive = @{}
try {
    $logical = Get-CimInstance -ClassName Win32_LogicalDisk -Filter ("DeviceID='{0}'" -f $env:SystemDrive)
    $systemDrive = @{
        drive = [string]$env:SystemDrive
        size_bytes = [int64]$logical.Size
        free_bytes = [int64]$logical.FreeSpace
    }
}
catch { Add-ProbeError -Probe 'system_drive' -Record $_ }

# --- Pending reboot flags.
$pendingReboot = @{}
try {
    $sessionManager = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'
    $activeName = (Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName').ComputerName
    $nextName = (Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName').ComputerName
    $pendingReboot = @{
        cbs_reboot_pending = [bool](Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending')
        wu_reboot_required = [bool](Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired')
        pending_file_rename = [bool]($sessionManager.PendingFileRenameOperations)
        computer_rename = [bool]($activeName -ne $nextName)
    }
}
catch { Add-ProbeError -Probe 'pending_reboot' -Record $_ }

# --- The update services (Win32_Service: State, StartMode, DelayedAutoStart).
$services = [System.Collections.Generic.List[object]]::new()
try {
    $names = @('wuauserv', 'cryptsvc', 'bits', 'msiserver', 'appidsvc', 'trustedinstaller')
    $filter = ($names | ForEach-Object { "Name='$_'" }) -join ' OR '
    $found = @(Get-CimInstance -ClassName Win32_Service -Filter $filter)
    foreach ($name in $names) {
        $svc = $found | Where-Object { $_.Name -eq $name } | Select-Object -First 1
        if ($null -eq $svc) {
            $services.Add(@{ name = $name; exists = $false; display_name = $null; state = $null; start_mode = $null; delayed_auto_start = $false })
        }
        else {
            $services.Add(@{
                    name = [string]$svc.Name
                    exists = $true
                    display_name = [string]$svc.DisplayName
                    state = [string]$svc.State
                    start_mode = [string]$svc.StartMode
                    delayed_auto_start = [bool]$svc.DelayedAutoStart
                })
        }
    }
}
catch { Add-ProbeError -Probe 'services' -Record $_ }

# --- SoftwareDistribution and catroot2: sizes.
$folders = [System.Collections.Generic.List[object]]::new()
foreach ($entry in @(
        @{ name = 'software_distribution'; path = (Join-Path $env:windir 'SoftwareDistribution') },
        @{ name = 'catroot2'; path = (Join-Path $env:windir 'System32\catroot2') })) {
    try {
        $exists = Test-Path -LiteralPath $entry.path -PathType Container
        $size = [int64]0
        if ($exists) { $size = Get-FolderSize -Path $entry.path }
        $folders.Add(@{ name = $entry.name; path = $entry.path; exists = [bool]$exists; size_bytes = $size })
    }
    catch { Add-ProbeError -Probe ('folder:' + $entry.name) -Record $_ }
}

# --- Backups left by earlier resets: SoftwareDistribution.bak-*, catroot2.bak-*, *.old.
$backups = [System.Collections.Generic.List[object]]::new()
try {
    $candidates = @(Get-ChildItem -LiteralPath $env:windir -Directory -Force -Filter 'SoftwareDistribution*') +
        @(Get-ChildItem -LiteralPath (Join-Path $env:windir 'System32') -Directory -Force -Filter 'catroot2*')
    foreach ($dir in $candidates) {
        if ($dir.Name -notmatch '^(SoftwareDistribution|catroot2)\.(bak(-.*)?|old.*)$') { continue }
        $size = Get-FolderSize -Path $dir.FullName
        $backups.Add(@{
                path = [string]$dir.FullName
                size_bytes = $size
                last_write_time = (ConvertTo-IsoTime $dir.LastWriteTime)
            })
    }
}
catch { Add-ProbeError -Probe 'backups' -Record $_ }

# --- Windows Insider: WindowsSelfHost\Applicability values and bcdedit flightsigning.
$insider = @{}
try {
    $applicability = 'HKLM:\SOFTWARE\Microsoft\WindowsSelfHost\Applicability'
    if (Test-Path -LiteralPath $applicability) {
        $values = Get-ItemProperty -LiteralPath $applicability
        $insider.branch_name = [string]$values.BranchName
        $insider.ring = [string]$values.Ring
        $insider.content_type = [string]$values.ContentType
        $insider.enable_preview_builds = $values.EnablePreviewBuilds
        $insider.is_build_flighting_enabled = $values.IsBuildFlightingEnabled
    }
}
catch { Add-ProbeError -Probe 'insider' -Record $_ }
try {
    $bcd = @(& bcdedit.exe /enum '{current}' 2>&1)
    if ($LASTEXITCODE -ne 0) { throw ('bcdedit exited with {0}: {1}' -f $LASTEXITCODE, ($bcd -join ' ')) }
    $insider.flightsigning_line = [string](@($bcd | Where-Object { "$_" -match '^\s*flightsigning\s' }) | Select-Object -First 1)
}
catch { Add-ProbeError -Probe 'bcdedit' -Record $_ }

# --- Antivirus products registered with Security Center (clients only: Server has no
# root\SecurityCenter2) and Microsoft Defender's state.
$antivirus = [System.Collections.Generic.List[object]]::new()
if ($os.product_type -eq 1) {
    try {
        foreach ($product in @(Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName AntiVirusProduct)) {
            $antivirus.Add(@{
                    display_name = [string]$product.displayName
                    product_state = [int64]$product.productState
                    path = [string]$product.pathToSignedProductExe
                })
        }
    }
    catch { Add-ProbeError -Probe 'antivirus' -Record $_ }
}
$defender = @{ available = $false }
if (Get-Command -Name Get-MpComputerStatus -ErrorAction SilentlyContinue) {
    try {
        $mp = Get-MpComputerStatus
        $defender = @{
            available = $true
            am_service_enabled = [bool]$mp.AMServiceEnabled
            antivirus_enabled = [bool]$mp.AntivirusEnabled
            real_time_protection_enabled = [bool]$mp.RealTimeProtectionEnabled
            am_running_mode = [string]$mp.AMRunningMode
        }
    }
    catch {
        if ([string]$_.FullyQualifiedErrorId -like 'HRESULT 0x800106ba*') {
            # Defender's service is off (another antivirus or a policy turned it off):
            # the cmdlet throws this CimException then (public captures:
            # scipag/HardeningKitty#52, microsoft/CSS-Exchange#1703). An answer, not a probe error.
            $defender = @{
                available = $true
                am_service_enabled = $false
                antivirus_enabled = $false
                real_time_protection_enabled = $false
                am_running_mode = 'Not running'
            }
        }
        else {
            Add-ProbeError -Probe 'defender' -Record $_
        }
    }
}

# --- Loaded file system minifilters (text of `fltmc filters`; parsed in Python).
$filterDrivers = [System.Collections.Generic.List[object]]::new()
try {
    $fltmc = @(& fltmc.exe filters 2>&1)
    if ($LASTEXITCODE -ne 0) { throw ('fltmc exited with {0}: {1}' -f $LASTEXITCODE, ($fltmc -join ' ')) }
    foreach ($line in $fltmc) { $filterDrivers.Add([string]$line) }
}
catch { Add-ProbeError -Probe 'filter_drivers' -Record $_ }

# --- Update history through the Windows Update Agent API (remote COM can be denied).
$updateHistory = [System.Collections.Generic.List[object]]::new()
if ($MaxHistory -gt 0) {
    try {
        $session = New-Object -ComObject 'Microsoft.Update.Session'
        $searcher = $session.CreateUpdateSearcher()
        $total = $searcher.GetTotalHistoryCount()
        $count = [Math]::Min($total, $MaxHistory)
        if ($count -gt 0) {
            foreach ($item in @($searcher.QueryHistory(0, $count))) {
                # IUpdateHistoryEntry.Date is UTC.
                if ($item.Date -lt $since.ToUniversalTime()) { continue }
                $updateHistory.Add(@{
                        date = ([DateTime]::SpecifyKind($item.Date, 'Utc')).ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
                        title = [string]$item.Title
                        operation = [int]$item.Operation
                        result_code = [int]$item.ResultCode
                        hresult = [int]$item.HResult
                    })
            }
        }
    }
    catch { Add-ProbeError -Probe 'update_history' -Record $_ }
}

# --- Installation failures in the System log: Microsoft-Windows-WindowsUpdateClient event 20.
$updateEvents = [System.Collections.Generic.List[object]]::new()
if ($MaxEvents -gt 0) {
    try {
        $query = @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-WindowsUpdateClient'; Id = 20; StartTime = $since }
        foreach ($record in @(Get-WinEvent -FilterHashtable $query -MaxEvents $MaxEvents)) {
            $data = @{}
            foreach ($field in @(([xml]$record.ToXml()).Event.EventData.Data)) {
                if ($field.Name) { $data[[string]$field.Name] = [string]$field.'#text' }
            }
            $updateEvents.Add(@{
                    time = (ConvertTo-IsoTime $record.TimeCreated)
                    event_id = [int]$record.Id
                    provider = [string]$record.ProviderName
                    message = [string]$record.Message
                    update_title = $data['updateTitle']
                    error_code = $data['errorCode']
                })
        }
    }
    catch {
        if (-not (Test-NoEvent $_)) { Add-ProbeError -Probe 'update_events' -Record $_ }
    }
}

# --- Installed updates (Win32_QuickFixEngineering).
$installedKbs = [System.Collections.Generic.List[object]]::new()
try {
    foreach ($fix in @(Get-CimInstance -ClassName Win32_QuickFixEngineering)) {
        if ($fix.HotFixID) { $installedKbs.Add([string]$fix.HotFixID) }
    }
}
catch { Add-ProbeError -Probe 'installed_kbs' -Record $_ }

# --- CBS.log: the tail, and the lines matching CbsPattern anywhere in the file.
$cbsLog = @{ path = (Join-Path $env:windir 'Logs\CBS\CBS.log'); exists = $false; size_bytes = [int64]0; tail = @(); matches = @() }
try {
    if (Test-Path -LiteralPath $cbsLog.path -PathType Leaf) {
        $cbsLog.exists = $true
        $cbsLog.size_bytes = [int64](Get-Item -LiteralPath $cbsLog.path).Length
        if ($CbsTailLines -gt 0) {
            $cbsLog.tail = @(Get-Content -LiteralPath $cbsLog.path -Tail $CbsTailLines | ForEach-Object { [string]$_ })
        }
        if ($CbsPattern -and $CbsMaxMatches -gt 0) {
            $cbsLog.matches = @(Select-String -LiteralPath $cbsLog.path -Pattern $CbsPattern |
                    Select-Object -Last $CbsMaxMatches | ForEach-Object { [string]$_.Line })
        }
    }
}
catch { Add-ProbeError -Probe 'cbs_log' -Record $_ }

# --- Disk health: storage errors in the System log and the disks' HealthStatus.
$storageEvents = [System.Collections.Generic.List[object]]::new()
if ($MaxEvents -gt 0) {
    foreach ($provider in @('disk', 'Ntfs', 'Microsoft-Windows-Ntfs', 'storahci', 'stornvme')) {
        try {
            $query = @{ LogName = 'System'; ProviderName = $provider; Id = @(7, 11, 51, 55, 153, 157); StartTime = $since }
            foreach ($record in @(Get-WinEvent -FilterHashtable $query -MaxEvents $MaxEvents)) {
                $storageEvents.Add(@{
                        time = (ConvertTo-IsoTime $record.TimeCreated)
                        provider = [string]$record.ProviderName
                        event_id = [int]$record.Id
                        level = [string]$record.LevelDisplayName
                        message = [string]$record.Message
                    })
            }
        }
        catch {
            if (-not (Test-NoEvent $_)) { Add-ProbeError -Probe ('storage_events:' + $provider) -Record $_ }
        }
    }
}
$physicalDisks = [System.Collections.Generic.List[object]]::new()
try {
    foreach ($disk in @(Get-PhysicalDisk)) {
        $physicalDisks.Add(@{
                friendly_name = [string]$disk.FriendlyName
                health_status = [string]$disk.HealthStatus
                operational_status = (@($disk.OperationalStatus | ForEach-Object { [string]$_ }) -join ', ')
                media_type = [string]$disk.MediaType
            })
    }
}
catch { Add-ProbeError -Probe 'physical_disks' -Record $_ }

$Ansible.Result = @{
    collected_at = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
    os = $os
    system_drive = $systemDrive
    pending_reboot = $pendingReboot
    services = $services
    folders = $folders
    backups = $backups
    insider = $insider
    antivirus = $antivirus
    defender = $defender
    filter_drivers = $filterDrivers
    update_history = $updateHistory
    update_events = $updateEvents
    installed_kbs = $installedKbs
    cbs_log = $cbsLog
    storage_events = $storageEvents
    physical_disks = $physicalDisks
    probe_errors = $probeErrors
}
$Ansible.Changed = $false
