# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Carries out a Windows Update components reset planned by the controller
# (plugins/plugin_utils/_rungs/wu_reset_plan.py) in one round trip, and undoes it on
# the host if a step fails. Answers a journal of the steps (ids as the plan
# names them) and of the rollback. Not run in check mode: the plan is shown then.
#
# Order: stop the services (start type held at Disabled so a trigger cannot
# start them again meanwhile; StopOnly services, which can also hold the
# folders, are only stopped), move the BITS queue files, rename the folders,
# [aggressive: security descriptors, winhttp proxy, winsock, DLLs], restore the
# start types, start the services and check they run, then prune old backups.
param(
    [string[]]$StopServices = @(),
    [string[]]$StopOnly = @(),
    [string[]]$StartServices = @(),
    [hashtable]$StartModes = @{},
    [string[]]$RunningBefore = @(),
    [int]$StopTimeoutSeconds = 60,
    [bool]$KillStuck = $true,
    [object[]]$Renames = @(),
    [string[]]$QueueFiles = @(),
    [string]$QueueBackup = '',
    [string[]]$Prune = @(),
    [bool]$ResetWinHttpProxy = $false,
    [bool]$ResetWinsock = $false,
    [string[]]$RegisterDlls = @(),
    [hashtable]$SecurityDescriptors = @{}
)

$ErrorActionPreference = 'Stop'
# Its .NET calls are refused in ConstrainedLanguage mode (WDAC or AppLocker script
# enforcement, about_Language_Modes): stop at once with that reason.
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("wu_reset_apply.ps1 needs PowerShell's FullLanguage mode; this host runs it in " +
        "$($ExecutionContext.SessionState.LanguageMode) (WDAC or AppLocker script enforcement). " +
        'Allow the collection''s scripts in that policy, or do this step on the host by hand.')
}
Add-Type -AssemblyName System.ServiceProcess

$journal = [System.Collections.Generic.List[object]]::new()
$rollback = [System.Collections.Generic.List[object]]::new()
$warnings = [System.Collections.Generic.List[string]]::new()
$held = [System.Collections.Generic.List[string]]::new()
$renamed = [System.Collections.Generic.List[object]]::new()
$movedQueue = [System.Collections.Generic.List[object]]::new()
$previousSd = @{}
$previousProxy = $null
$proxyReset = $false
$irreversible = [System.Collections.Generic.List[string]]::new()
$dllResults = [System.Collections.Generic.List[object]]::new()
$pruned = [System.Collections.Generic.List[string]]::new()
$script:changed = $false
$rebootRequired = $false
$current = ''

function Add-Journal {
    param([string]$Id, [string]$Status, [string]$Detail = '')
    $journal.Add(@{ id = $Id; status = $Status; detail = $Detail })
}

function Add-Rollback {
    param([string]$Id, [string]$Status, [string]$Detail = '', [hashtable]$Extra = @{})
    $entry = @{ id = $Id; status = $Status; detail = $Detail }
    foreach ($k in $Extra.Keys) { $entry[$k] = $Extra[$k] }
    $rollback.Add($entry)
}

# The message of an exception and of its inner ones (ServiceController hides
# "Access is denied" in the inner Win32Exception).
function Get-ErrorText {
    param($Exception)
    $parts = @()
    $e = $Exception
    while ($e) {
        $parts += $e.Message
        $e = $e.InnerException
    }
    $parts -join ': '
}

# Only these are ended when stuck in STOP_PENDING: ending msiserver or
# TrustedInstaller would abort an install in the middle.
$killable = @('wuauserv', 'bits')
# WinHTTP keeps its machine proxy in this binary value (what `netsh winhttp
# show proxy` displays and `netsh winhttp reset proxy` removes; the Windows Update
# client uses that proxy, KB900935). Its bytes are saved and written back unchanged.
$winHttpKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'

# sc.exe config start= values (sc.exe config documentation).
function Set-StartMode {
    param([string]$Name, [string]$Mode)
    $scMode = switch ($Mode) {
        'auto' { 'auto' }
        'delayed' { 'delayed-auto' }
        'manual' { 'demand' }
        'disabled' { 'disabled' }
        default { throw "unknown start mode '$Mode' for $Name" }
    }
    $out = & sc.exe config $Name start= $scMode 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sc.exe config $Name start= $scMode failed ($LASTEXITCODE): $($out -join ' ')" }
}

function Stop-WuService {
    param([string]$Name)
    $svc = Get-Service -Name $Name
    if ($svc.Status -eq 'Stopped') { return 'already stopped' }
    if ($svc.Status -ne 'StopPending') { $svc.Stop() }
    try {
        $svc.WaitForStatus('Stopped', [TimeSpan]::FromSeconds($StopTimeoutSeconds))
        return 'stopped'
    }
    catch [System.ServiceProcess.TimeoutException] {
        $svc.Refresh()
        if (-not $KillStuck) {
            throw "service $Name is still $($svc.Status) (STOP_PENDING) after $StopTimeoutSeconds s and kill_stuck_services is false"
        }
        if ($killable -notcontains $Name.ToLowerInvariant()) {
            throw "service $Name is still $($svc.Status) (STOP_PENDING) after $StopTimeoutSeconds s; it is not ended (an install may be running), retry later"
        }
    }
    # Stuck in STOP_PENDING: end its process, but only if no other service lives in it.
    $procId = (Get-CimInstance -ClassName Win32_Service -Filter "Name='$Name'").ProcessId
    $sharing = @(Get-CimInstance -ClassName Win32_Service -Filter "ProcessId=$procId" | Where-Object { $_.Name -ne $Name })
    if ($procId -eq 0) { throw "service $Name is stuck in STOP_PENDING and reports no process id" }
    if ($sharing.Count -gt 0) {
        throw "service $Name is stuck in STOP_PENDING; its process $procId is shared with $(($sharing.Name) -join ', ') so it was not ended"
    }
    Stop-Process -Id $procId -Force
    $svc.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(30))
    return "stuck in STOP_PENDING after $StopTimeoutSeconds s; ended process $procId"
}

function Start-WuService {
    param([string]$Name)
    $svc = Get-Service -Name $Name
    if ($svc.Status -ne 'Running') { $svc.Start() }
    $svc.WaitForStatus('Running', [TimeSpan]::FromSeconds($StopTimeoutSeconds))
}

# Rename, retrying a few times while another process (a scanner, a service
# stopping) still has a handle open: that is a sharing violation or access denied
# for a short while only.
function Rename-WithRetry {
    param([string]$Path, [string]$NewName)
    for ($attempt = 1; ; $attempt++) {
        try {
            Rename-Item -LiteralPath $Path -NewName $NewName
            return
        }
        catch [System.IO.IOException], [System.UnauthorizedAccessException] {
            if ($attempt -ge 5) { throw }
            Start-Sleep -Milliseconds 1000
        }
    }
}

function Get-ServiceSummary {
    foreach ($name in @($StopServices) + @($StopOnly)) {
        $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='$name'"
        $mode = switch ($svc.StartMode) {
            'Auto' { 'auto' }
            'Manual' { 'manual' }
            'Disabled' { 'disabled' }
            default { "$($svc.StartMode)".ToLowerInvariant() }
        }
        if ($mode -eq 'auto' -and $StartModes[$name] -eq 'delayed') { $mode = 'delayed' }
        @{ name = $name; state = $svc.State.ToLowerInvariant().Replace(' ', '_'); start_mode = $mode; pid = [int]$svc.ProcessId }
    }
}

function Invoke-Rollback {
    if ($proxyReset) {
        try {
            if ($null -eq $previousProxy) {
                Remove-ItemProperty -LiteralPath $winHttpKey -Name WinHttpSettings -ErrorAction SilentlyContinue
            }
            else {
                $null = New-ItemProperty -LiteralPath $winHttpKey -Name WinHttpSettings -PropertyType Binary -Value ([byte[]]$previousProxy) -Force
            }
            Add-Rollback -Id 'winhttp_reset_proxy' -Status 'ok' -Detail 'previous WinHTTP proxy set back'
        }
        catch { Add-Rollback -Id 'winhttp_reset_proxy' -Status 'failed' -Detail (Get-ErrorText $_.Exception) }
    }
    foreach ($name in $SecurityDescriptors.Keys) {
        if (-not $previousSd.ContainsKey($name)) { continue }
        try {
            $out = & sc.exe sdset $name $previousSd[$name] 2>&1
            if ($LASTEXITCODE -ne 0) { throw ($out -join ' ') }
            Add-Rollback -Id "sdset:$name" -Status 'ok' -Detail 'previous security descriptor set back'
        }
        catch { Add-Rollback -Id "sdset:$name" -Status 'failed' -Detail (Get-ErrorText $_.Exception) }
    }
    foreach ($step in $irreversible) {
        Add-Rollback -Id $step -Status 'not_reverted' -Detail 'cannot be undone'
    }
    for ($i = $renamed.Count - 1; $i -ge 0; $i--) {
        $r = $renamed[$i]
        if (Test-Path -LiteralPath $r.path) {
            # Windows created a new folder meanwhile: keep both, say where the backup is.
            Add-Rollback -Id "rename:$($r.name)" -Status 'kept' -Detail "$($r.path) was created again; the old folder stays at $($r.backup)" -Extra @{ name = $r.name; backup = $r.backup }
            continue
        }
        try {
            Rename-WithRetry -Path $r.backup -NewName (Split-Path -Leaf $r.path)
            Add-Rollback -Id "rename:$($r.name)" -Status 'ok' -Detail "renamed back from $($r.backup)"
        }
        catch { Add-Rollback -Id "rename:$($r.name)" -Status 'failed' -Detail (Get-ErrorText $_.Exception) -Extra @{ name = $r.name; backup = $r.backup } }
    }
    if ($movedQueue.Count -gt 0) {
        try {
            $kept = @()
            foreach ($m in $movedQueue) {
                # BITS may have created a new file of that name when it started: keep both.
                if (Test-Path -LiteralPath $m.from) { $kept += $m.from; continue }
                Move-Item -LiteralPath $m.to -Destination $m.from
            }
            if ($kept.Count -gt 0) {
                Add-Rollback -Id 'move_queue' -Status 'kept' -Detail "$($kept -join ', ') created again; the old files stay in $QueueBackup" -Extra @{ name = 'Downloader'; backup = $QueueBackup }
            }
            else {
                # The backup folder this run created is empty again: remove it.
                Remove-Item -LiteralPath $QueueBackup
                Add-Rollback -Id 'move_queue' -Status 'ok' -Detail 'BITS queue files moved back'
            }
        }
        catch { Add-Rollback -Id 'move_queue' -Status 'failed' -Detail (Get-ErrorText $_.Exception) -Extra @{ name = 'Downloader'; backup = $QueueBackup } }
    }
    foreach ($name in $held) {
        try {
            Set-StartMode -Name $name -Mode $StartModes[$name]
            Add-Rollback -Id "restore_start_mode:$name" -Status 'ok' -Detail $StartModes[$name]
        }
        catch { Add-Rollback -Id "restore_start_mode:$name" -Status 'failed' -Detail (Get-ErrorText $_.Exception) }
    }
    # Services back to their state before: running ones started, ones this run started stopped.
    foreach ($name in @($StopServices) + @($StopOnly)) {
        try {
            $svc = Get-Service -Name $name
            if ($RunningBefore -contains $name) {
                if ($svc.Status -ne 'Running') {
                    Start-WuService -Name $name
                    Add-Rollback -Id "start:$name" -Status 'ok' -Detail 'running as before'
                }
            }
            elseif ($svc.Status -eq 'Running') {
                $svc.Stop()
                $svc.WaitForStatus('Stopped', [TimeSpan]::FromSeconds($StopTimeoutSeconds))
                Add-Rollback -Id "stop:$name" -Status 'ok' -Detail 'stopped as before'
            }
        }
        catch { Add-Rollback -Id "service:$name" -Status 'failed' -Detail (Get-ErrorText $_.Exception) }
    }
}

$failedStep = $null
$errorText = $null
try {
    # First: UsoSvc would otherwise start wuauserv again for a scan.
    foreach ($name in $StopOnly) {
        $current = "stop:$name"
        $detail = Stop-WuService -Name $name
        if ($detail -ne 'already stopped') { $script:changed = $true }
        Add-Journal -Id $current -Status 'ok' -Detail $detail
    }
    foreach ($name in $StopServices) {
        $current = "stop:$name"
        if ($StartModes[$name] -ne 'disabled') {
            Set-StartMode -Name $name -Mode 'disabled'
            $held.Add($name)
            $script:changed = $true
        }
        $detail = Stop-WuService -Name $name
        if ($detail -ne 'already stopped') { $script:changed = $true }
        Add-Journal -Id $current -Status 'ok' -Detail $detail
    }

    if ($QueueFiles.Count -gt 0) {
        $current = 'move_queue'
        New-Item -ItemType Directory -Path $QueueBackup | Out-Null
        $script:changed = $true
        foreach ($file in $QueueFiles) {
            $target = Join-Path $QueueBackup (Split-Path -Leaf $file)
            Move-Item -LiteralPath $file -Destination $target
            $movedQueue.Add(@{ from = $file; to = $target })
        }
        Add-Journal -Id $current -Status 'ok' -Detail "$($QueueFiles.Count) files moved to $QueueBackup"
    }

    foreach ($r in $Renames) {
        $current = "rename:$($r.name)"
        Rename-WithRetry -Path $r.path -NewName (Split-Path -Leaf $r.backup)
        $renamed.Add($r)
        $script:changed = $true
        Add-Journal -Id $current -Status 'ok' -Detail "renamed to $($r.backup)"
    }

    foreach ($name in ($SecurityDescriptors.Keys | Sort-Object)) {
        $current = "sdset:$name"
        $shown = & sc.exe sdshow $name 2>&1
        $previous = ((@($shown) | Where-Object { "$_" -match '\S' }) -join '').Trim()
        # Only a descriptor read from this host is ever set back: an error text is not one.
        if ($LASTEXITCODE -ne 0 -or $previous -notmatch '^(O:|G:|D:|S:)') {
            throw "sc.exe sdshow $name failed ($LASTEXITCODE): $previous"
        }
        $out = & sc.exe sdset $name $SecurityDescriptors[$name] 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sc.exe sdset $name failed ($LASTEXITCODE): $($out -join ' ')" }
        $previousSd[$name] = $previous
        $script:changed = $true
        Add-Journal -Id $current -Status 'ok' -Detail 'default security descriptor set'
    }

    if ($ResetWinHttpProxy) {
        $current = 'winhttp_reset_proxy'
        $saved = Get-ItemProperty -LiteralPath $winHttpKey -Name WinHttpSettings -ErrorAction SilentlyContinue
        if ($null -ne $saved) { $previousProxy = [byte[]]$saved.WinHttpSettings }
        $out = & netsh.exe winhttp reset proxy 2>&1
        if ($LASTEXITCODE -ne 0) { throw "netsh winhttp reset proxy failed ($LASTEXITCODE): $($out -join ' ')" }
        $proxyReset = $true
        $script:changed = $true
        if ($null -ne $previousProxy) {
            $warnings.Add('netsh winhttp reset proxy removed the machine WinHTTP proxy; its previous WinHttpSettings value (base64) is in previous_winhttp_proxy')
        }
        Add-Journal -Id $current -Status 'ok' -Detail (($out | Where-Object { $_ -match '\S' }) -join ' ')
    }

    if ($ResetWinsock) {
        $current = 'winsock_reset'
        $out = & netsh.exe winsock reset 2>&1
        if ($LASTEXITCODE -ne 0) { throw "netsh winsock reset failed ($LASTEXITCODE): $($out -join ' ')" }
        $irreversible.Add($current)
        $rebootRequired = $true
        $script:changed = $true
        Add-Journal -Id $current -Status 'ok' -Detail 'a restart completes the reset'
    }

    if ($RegisterDlls.Count -gt 0) {
        $current = 'register_dlls'
        foreach ($dll in $RegisterDlls) {
            $proc = Start-Process -FilePath (Join-Path ([Environment]::GetFolderPath('System')) 'regsvr32.exe') -ArgumentList @('/s', "`"$dll`"") -Wait -PassThru -NoNewWindow
            # regsvr32 exit codes: 0 ok, 3 LoadLibrary failed, 4 no DllRegisterServer, 5 DllRegisterServer failed.
            $status = switch ($proc.ExitCode) {
                0 { 'registered' }
                4 { 'no_entry_point' }
                default { 'failed' }
            }
            $dllResults.Add(@{ path = $dll; rc = $proc.ExitCode; status = $status })
            if ($status -eq 'failed') { $warnings.Add("regsvr32 $dll returned $($proc.ExitCode)") }
        }
        $irreversible.Add($current)
        $script:changed = $true
        Add-Journal -Id $current -Status 'ok' -Detail "$($RegisterDlls.Count) DLLs"
    }

    foreach ($name in @($held)) {
        $current = "restore_start_mode:$name"
        Set-StartMode -Name $name -Mode $StartModes[$name]
        $held.Remove($name) | Out-Null
        Add-Journal -Id $current -Status 'ok' -Detail $StartModes[$name]
    }

    foreach ($name in $StartServices) {
        $current = "start:$name"
        Start-WuService -Name $name
        $script:changed = $true
        Add-Journal -Id $current -Status 'ok' -Detail 'running'
    }
}
catch {
    $failedStep = $current
    $errorText = Get-ErrorText $_.Exception
    Add-Journal -Id $current -Status 'failed' -Detail $errorText
    # Start types already restored have left $held; the rollback restores the others.
    Invoke-Rollback
}

# Pruning is the one deletion, and only after a reset that succeeded.
if (-not $failedStep) {
    foreach ($path in $Prune) {
        $current = "prune:$path"
        try {
            Remove-Item -LiteralPath $path -Recurse -Force
            $pruned.Add($path)
            Add-Journal -Id $current -Status 'ok' -Detail 'deleted'
        }
        catch {
            $warnings.Add("could not delete old backup ${path}: $(Get-ErrorText $_.Exception)")
            Add-Journal -Id $current -Status 'warning' -Detail (Get-ErrorText $_.Exception)
        }
    }
}

# A failing service query must not cost the journal of what was done.
try { $servicesAfter = @(Get-ServiceSummary) }
catch {
    $servicesAfter = @()
    $warnings.Add("could not read the services after the reset: $(Get-ErrorText $_.Exception)")
}
$Ansible.Changed = $script:changed
$Ansible.Result = @{
    journal = @($journal)
    failed_step = $failedStep
    error = $errorText
    rollback = @($rollback)
    services_after = $servicesAfter
    previous_winhttp_proxy = $(if ($null -eq $previousProxy) { $null } else { [Convert]::ToBase64String([byte[]]$previousProxy) })
    pruned = @($pruned)
    reboot_required = $rebootRequired
    previous_security_descriptors = $previousSd
    dll_results = @($dllResults)
    warnings = @($warnings)
    changed = $script:changed
}
