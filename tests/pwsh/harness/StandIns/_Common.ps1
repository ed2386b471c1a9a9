# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Helpers every stand-in uses: ask the simulated host (tests/pwsh/hostapi),
# turn its answer into PowerShell objects, and raise the error Windows raises.
# Each top-level function of StandIns/*.ps1 becomes a function of every run's
# runspace (Runner.ps1), so these are visible to the scripts too; their names
# start with a verb-WinSim noun no script uses.

function Invoke-WinSimCall {
    # Ask the host; on an error answer, write it as the calling cmdlet would
    # (WriteError: non-terminating, honours -ErrorAction) or throw it.
    param (
        [Parameter(Mandatory = $true)][string]$Name,
        [hashtable]$Arguments = @{},
        $Cmdlet = $null
    )
    $request = @{ op = 'call'; name = $Name; args = $Arguments } | ConvertTo-Json -Compress -Depth 20
    $reply = [WinSim.Bridge]::Call($request) | Microsoft.PowerShell.Utility\ConvertFrom-Json -AsHashtable
    if ($reply.ContainsKey('error')) {
        $record = New-WinSimErrorRecord $reply.error
        if ($null -ne $Cmdlet) {
            if ($reply.error.terminating) { $Cmdlet.ThrowTerminatingError($record) }
            $Cmdlet.WriteError($record)
            return
        }
        throw $record
    }
    Write-WinSimValue $reply.ok
}

function ConvertFrom-WinSimValue($Value) {
    # JSON from the host -> the objects a cmdlet returns: {"__datetime__": iso}
    # -> [DateTime] (local kind, as CIM and the file system give it);
    # {"__type__": name, ...} -> [PSCustomObject] with that type name first;
    # other dicts stay hashtables; a list inside stays an array (also of one).
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Collections.IDictionary]) {
        if ($Value.Contains('__datetime__')) {
            return [DateTime]::Parse($Value['__datetime__'], [cultureinfo]::InvariantCulture,
                [System.Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal').ToLocalTime()
        }
        if ($Value.Contains('__type__')) {
            $props = [ordered]@{}
            foreach ($key in $Value.Keys) {
                if ($key -eq '__type__') { continue }
                $props[$key] = ConvertFrom-WinSimValue $Value[$key]
            }
            $obj = [PSCustomObject]$props
            $obj.PSObject.TypeNames.Insert(0, [string]$Value['__type__'])
            return $obj
        }
        $table = @{}
        foreach ($key in $Value.Keys) { $table[$key] = ConvertFrom-WinSimValue $Value[$key] }
        return $table
    }
    if ($Value -is [System.Collections.IList] -and $Value -isnot [string]) {
        return , @(foreach ($item in $Value) { ConvertFrom-WinSimValue $item })
    }
    return $Value
}

function Write-WinSimValue($Value) {
    # A cmdlet's output: a list is written one item at a time, $null not at all.
    if ($null -eq $Value) { return }
    if ($Value -is [System.Collections.IList] -and $Value -isnot [string]) {
        foreach ($item in $Value) { ConvertFrom-WinSimValue $item }
        return
    }
    ConvertFrom-WinSimValue $Value
}

function New-WinSimException($Spec) {
    $inner = $null
    if ($Spec.inner) { $inner = New-WinSimException $Spec.inner }
    $type = [string]$Spec.type
    $exception = switch ($type) {
        'System.ComponentModel.Win32Exception' { [System.ComponentModel.Win32Exception]::new([int]$Spec.native_error_code, [string]$Spec.message) }
        default {
            $ctorArgs = @([string]$Spec.message)
            if ($inner) { $ctorArgs += $inner }
            try {
                New-Object -TypeName $type -ArgumentList $ctorArgs
            }
            catch [System.PlatformNotSupportedException], [System.Management.Automation.MethodInvocationException] {
                # A Windows-only type whose constructor refuses on Linux (System.ServiceProcess.TimeoutException):
                # the object without its constructor, message set as Exception's constructor sets it.
                $object = [System.Runtime.CompilerServices.RuntimeHelpers]::GetUninitializedObject(($type -as [type]))
                $field = [System.Exception].GetField('_message', [System.Reflection.BindingFlags]'NonPublic, Instance')
                $field.SetValue($object, [string]$Spec.message)
                $object
            }
        }
    }
    if ($null -ne $Spec.hresult) { $exception.HResult = [int]$Spec.hresult }
    $exception
}

function New-WinSimErrorRecord($Spec) {
    $exception = New-WinSimException $Spec
    [System.Management.Automation.ErrorRecord]::new($exception, [string]$Spec.fqid,
        [System.Management.Automation.ErrorCategory][string]$Spec.category, $Spec.target)
}

function Resolve-WinSimCommand($Path) {
    # `& <path of a program>`: the stand-in of that program answers (see Runner.ps1).
    # A script block or command object is invoked as it is.
    if ($Path -is [scriptblock] -or $Path -is [System.Management.Automation.CommandInfo]) { return $Path }
    $leaf = ([string]$Path -split '[\\/]')[-1]
    if (Get-Command -Name $leaf -CommandType Function -ErrorAction SilentlyContinue) { return $leaf }
    # Refused loudly: the host records it and the run fails whatever the script does with the error.
    Invoke-WinSimCall -Name 'program.not_modelled' -Arguments @{ path = [string]$Path }
}

function Set-WinSimExitCode([int]$Code) {
    # What a native program leaves in $LASTEXITCODE (a global variable).
    $global:LASTEXITCODE = $Code
}

function Invoke-WinSimTool {
    # A native program's stand-in: the host answers its stdout/stderr lines and
    # exit code. Lines go to the pipeline as strings; stderr lines become
    # ErrorRecords of type RemoteException as PowerShell wraps a native
    # program's stderr (NativeCommandError) - with 2>&1 they join the output.
    param ([string]$Tool, [object[]]$Arguments)
    $answer = Invoke-WinSimCall -Name 'tool.run' -Arguments @{ tool = $Tool; args = @($Arguments | ForEach-Object { [string]$_ }) }
    foreach ($line in @($answer.stdout)) { if ($null -ne $line) { [string]$line } }
    foreach ($line in @($answer.stderr)) {
        if ($null -eq $line) { continue }
        $exception = [System.Management.Automation.RemoteException]::new([string]$line)
        $record = [System.Management.Automation.ErrorRecord]::new($exception, 'NativeCommandError',
            [System.Management.Automation.ErrorCategory]::NotSpecified, [string]$line)
        Write-Error -ErrorRecord $record
    }
    Set-WinSimExitCode ([int]$answer.exit_code)
}
