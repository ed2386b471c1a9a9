# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The long-lived PowerShell side of tests/pwsh/runner.py. Reads one JSON
# request a line on standard input, runs the script the way
# ansible.windows.win_powershell (3.3.0, plugins/modules/win_powershell.ps1)
# runs its `script` option, and answers one JSON line on standard output with
# the dict that module returns. While a script runs, the stand-ins
# (StandIns/*.ps1) ask the Python side about the simulated host over the same
# two pipes ({"op":"call"} out, one reply line in).
#
# What is done as win_powershell does it:
# - a new runspace per run (nothing leaks from one run to the next), the
#   script added with AddScript, the parameters bound by name; -WhatIf =
#   check mode and -Confirm:$false only when the param block's
#   [CmdletBinding()] declares SupportsShouldProcess (found in the AST);
#   in check mode without it nothing runs: changed=true, msg "skipped,
#   running in check mode";
# - $Ansible = {CheckMode, Verbosity, Result=@{}, Diff=@{}, Changed=$true,
#   Failed=$false, Tmpdir}; $ErrorActionPreference = Continue (error_action's
#   default); a RuntimeException out of Invoke() sets failed and adds its
#   error record; failed = that or $Ansible.Failed; result and output go
#   through Convert-OutputObject with depth (default 2), errors and the
#   warning/verbose/debug/information streams as the module lists them.
# - strict mode off, as in win_powershell's new runspace; a request may ask
#   for Set-StrictMode -Version Latest (runner.py run(strict=True));
# What differs, on purpose:
# - host_out/host_err are '' (no custom PSHost; the scripts write no host output);
# - four host-environment calls are redirected (Instrument-Script below):
#   [DateTime]::UtcNow/Now/Today read the host's clock, [Environment]::GetFolderPath
#   answers Windows folders, `& <path>` of a program runs the stand-in of
#   that program (a full path would bypass the stand-in function), and
#   [System.IO.File]::Open refuses the files whose ACL shuts the account out
#   (WinSim.FileGate: the runner runs as root, a real file cannot refuse it).
param (
    [Parameter(Mandatory = $true)][string]$StandInFolder
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ErrorView = 'NormalView'  # error records as Windows PowerShell 5.1 formats them (Out-String)

# The assemblies WinSimHost.cs uses (a list given replaces Add-Type's defaults); the
# ServiceController assembly by its file, as pwsh on Linux keeps it outside the reference set.
$references = @('netstandard', 'System.Runtime', 'System.Collections', 'System.Runtime.Extensions', 'System.Linq',
    'System.Memory', 'System.Text.Json', 'System.ComponentModel.Primitives', 'Microsoft.Win32.Primitives',
    'System.Security.AccessControl', 'System.IO.FileSystem.AccessControl', 'System.Security.Principal.Windows',
    [System.ServiceProcess.ServiceControllerStatus].Assembly.Location)
Add-Type -Path (Join-Path $PSScriptRoot 'WinSimHost.cs') -ReferencedAssemblies $references

# The protocol owns stdout: anything else written to the console goes to stderr.
$protocolOut = New-Object System.IO.StreamWriter([Console]::OpenStandardOutput(), (New-Object System.Text.UTF8Encoding($false)))
$protocolIn = New-Object System.IO.StreamReader([Console]::OpenStandardInput(), (New-Object System.Text.UTF8Encoding($false)))
[Console]::SetOut([Console]::Error)
[WinSim.Bridge]::Init($protocolIn, $protocolOut)

. (Join-Path $PSScriptRoot 'Convert-Output.ps1')

# Stand-ins: every top-level function of StandIns/*.ps1, as session functions
# of each run's runspace (a function wins over a cmdlet or program of its name).
$iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
$standInNames = [System.Collections.Generic.List[string]]::new()
foreach ($file in Get-ChildItem -LiteralPath $StandInFolder -Filter '*.ps1' | Sort-Object Name) {
    $parseErrors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$parseErrors)
    if ($parseErrors) { throw "stand-in file $($file.Name) does not parse: $($parseErrors[0].Message)" }
    foreach ($fn in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false)) {
        $body = $fn.Body.Extent.Text
        $body = $body.Substring(1, $body.Length - 2)  # without the outer braces
        if ($fn.Parameters) {
            # function Name($A, $B) { ... }: the parameters are not part of the body.
            $body = 'param(' + (($fn.Parameters | ForEach-Object { $_.Extent.Text }) -join ', ') + ')' + "`n" + $body
        }
        $iss.Commands.Add([System.Management.Automation.Runspaces.SessionStateFunctionEntry]::new($fn.Name, $body))
        $standInNames.Add($fn.Name)
    }
}

$instrumented = @{}
function Instrument-Script([string]$Text) {
    if ($instrumented.ContainsKey($Text)) { return $instrumented[$Text] }
    $parseErrors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$null, [ref]$parseErrors)
    $edits = [System.Collections.Generic.List[object]]::new()
    if (-not $parseErrors) {
        foreach ($node in $ast.FindAll({ $true }, $true)) {
            if ($node -is [System.Management.Automation.Language.MemberExpressionAst] -and $node.Static -and
                $node.Expression -is [System.Management.Automation.Language.TypeExpressionAst] -and
                $node.Member -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                $type = $node.Expression.TypeName.GetReflectionType()
                $member = $node.Member.Value
                if ($type -eq [DateTime] -and $member -in 'UtcNow', 'Now', 'Today' -and
                    $node -isnot [System.Management.Automation.Language.InvokeMemberExpressionAst]) {
                    $edits.Add(@{ start = $node.Extent.StartOffset; end = $node.Extent.EndOffset; text = "[WinSim.Bridge]::$member" })
                }
                elseif ($type -eq [Environment] -and $member -eq 'GetFolderPath') {
                    $e = $node.Expression.Extent
                    $edits.Add(@{ start = $e.StartOffset; end = $e.EndOffset; text = '[WinSim.Bridge]' })
                }
                elseif ($type -eq [System.IO.File] -and $member -eq 'Open' -and
                    $node -is [System.Management.Automation.Language.InvokeMemberExpressionAst]) {
                    $e = $node.Expression.Extent
                    $edits.Add(@{ start = $e.StartOffset; end = $e.EndOffset; text = '[WinSim.FileGate]' })
                }
            }
            elseif ($node -is [System.Management.Automation.Language.CommandAst] -and
                $node.InvocationOperator -eq [System.Management.Automation.Language.TokenKind]::Ampersand) {
                $first = $node.CommandElements[0]
                $bare = $first -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                    $first.StringConstantType -eq 'BareWord'
                if (-not $bare) {
                    $edits.Add(@{ start = $first.Extent.StartOffset; end = $first.Extent.EndOffset
                            text = '(Resolve-WinSimCommand (' + $first.Extent.Text + '))' })
                }
            }
        }
    }
    $out = $Text
    foreach ($edit in ($edits | Sort-Object { $_.start } -Descending)) {
        $out = $out.Substring(0, $edit.start) + $edit.text + $out.Substring($edit.end)
    }
    $instrumented[$Text] = @{ text = $out; ast = $ast; errors = $parseErrors }
    return $instrumented[$Text]
}

function Test-SupportsShouldProcess($Ast, $Text) {
    # As win_powershell.ps1 decides it (the AST, else its regex on the text).
    if ($Ast -and $Ast.ParamBlock -and $Ast.ParamBlock.Attributes) {
        return [bool]($Ast.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'CmdletBinding' } |
                Select-Object -First 1 | ForEach-Object -Process {
                    $_.NamedArguments | Where-Object {
                        $_.ArgumentName -eq 'SupportsShouldProcess' -and ($_.ExpressionOmitted -or $_.Argument.ToString() -eq '$true')
                    }
                })
    }
    if (-not $Ast) {
        return $Text -match '\[CmdletBinding\((?:[\w=\$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=\$]+)?\)\]'
    }
    return $false
}

function Set-RunCulture([string]$Name) {
    $culture = [System.Globalization.CultureInfo]::GetCultureInfo($Name)
    [System.Globalization.CultureInfo]::DefaultThreadCurrentCulture = $culture
    [System.Globalization.CultureInfo]::DefaultThreadCurrentUICulture = $culture
    [System.Threading.Thread]::CurrentThread.CurrentCulture = $culture
    [System.Threading.Thread]::CurrentThread.CurrentUICulture = $culture
}

function Invoke-Request($Request) {
    $result = [ordered]@{
        changed = $false; result = @{}; host_out = ''; host_err = ''; output = @(); error = @()
        warning = @(); verbose = @(); debug = @(); information = @()
    }
    $depth = if ($Request.ContainsKey('depth')) { [int]$Request.depth } else { 2 }
    $script = Instrument-Script $Request.script
    $ssp = Test-SupportsShouldProcess $(if ($script.errors) { $null } else { $script.ast }) $Request.script
    if ($Request.check_mode -and -not $ssp) {
        $result.changed = $true
        $result.msg = 'skipped, running in check mode'
        return $result
    }

    foreach ($kvp in $Request.env.GetEnumerator()) {
        [Environment]::SetEnvironmentVariable($kvp.Key, $kvp.Value)
    }
    foreach ($name in @($Request.unset_env)) {
        if ($name) { [Environment]::SetEnvironmentVariable($name, $null) }
    }
    [WinSim.Bridge]::SetClock([DateTime]::Parse($Request.now, [cultureinfo]::InvariantCulture,
            [System.Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal'))
    [WinSim.Bridge]::SetFolders($Request.folders)
    [WinSim.FileGate]::SetDenied(@($Request.unreadable))
    Set-RunCulture $Request.culture

    $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($iss)
    $runspace.ThreadOptions = 'UseCurrentThread'
    $runspace.Open()
    try {
        $runspace.SessionStateProxy.SetVariable('Ansible', [PSCustomObject]@{
                PSTypeName = 'Ansible.Windows.WinPowerShell.Module'
                CheckMode = [bool]$Request.check_mode
                Verbosity = 0
                Result = @{}
                Diff = @{}
                Changed = $true
                Failed = $false
                Tmpdir = $Request.tmpdir
            })
        $runspace.SessionStateProxy.SetVariable('ErrorActionPreference', [System.Management.Automation.ActionPreference]'Continue')
        $runspace.SessionStateProxy.LanguageMode = 'FullLanguage'
        $prep = [PowerShell]::Create()
        $prep.Runspace = $runspace
        # The drive letters the host has (C:, a mounted ISO's E: ...) as drives
        # of the laid-out folders, for paths a script builds itself ("E:\setup.exe").
        $null = $prep.AddScript({
                param ($Drives, $Strict)
                if ($Strict) { Set-StrictMode -Version Latest }
                foreach ($kvp in $Drives.GetEnumerator()) {
                    $null = New-PSDrive -Name $kvp.Key -PSProvider FileSystem -Root $kvp.Value -Scope Global
                }
            }.ToString(), $false).AddArgument($Request.drives).AddArgument([bool]$Request.strict).Invoke()
        $prep.Dispose()

        $ps = [PowerShell]::Create()
        $ps.Runspace = $runspace
        $null = $ps.AddScript($script.text)
        $parameters = @{}
        if ($Request.parameters) {
            foreach ($kvp in $Request.parameters.GetEnumerator()) { $parameters[$kvp.Key] = $kvp.Value }
        }
        if ($ssp) {
            $parameters.Confirm = $false
            $parameters.WhatIf = [bool]$Request.check_mode
        }
        if ($parameters.Count) { $null = $ps.AddParameters($parameters) }
        $psOutput = [System.Collections.Generic.List[object]]::new()
        $failed = $false
        try {
            $ps.Invoke(@(), $psOutput)
        }
        catch [System.Management.Automation.RuntimeException] {
            $failed = $true
            $ps.Streams.Error.Add($_.Exception.ErrorRecord)
        }
        catch {
            # win_powershell catches RuntimeException only; anything else fails the module itself.
            $inner = $_.Exception
            if ($inner -is [System.Management.Automation.MethodInvocationException] -and $inner.InnerException) { $inner = $inner.InnerException }
            throw ("the script run failed outside the script: " + $inner.ToString())
        }
        $resultPipeline = [PowerShell]::Create()
        $resultPipeline.Runspace = $runspace
        $ansible = $resultPipeline.AddScript('$Ansible').Invoke()[0]

        $result.result = Convert-OutputObject -InputObject $ansible.Result -Depth $depth
        $result.changed = $ansible.Changed
        if ($failed -or $ansible.Failed) { $result.failed = $true }
        $result.output = Convert-OutputObject -InputObject $psOutput -Depth $depth
        $result.error = @($ps.Streams.Error | ForEach-Object -Process { ConvertTo-ErrorEntry $_ $depth })
        foreach ($stream in 'debug', 'verbose', 'warning') {
            $result.$stream = @($ps.Streams.$stream | Select-Object -ExpandProperty Message)
        }
        $result.information = @($ps.Streams.Information | ForEach-Object -Process {
                @{
                    message_data = Convert-OutputObject -InputObject $_.MessageData -Depth $depth
                    source = $_.Source
                    time_generated = $_.TimeGenerated.ToUniversalTime().ToString('o')
                    tags = @($_.Tags)
                }
            })
    }
    finally {
        $runspace.Dispose()
        Set-RunCulture 'en-US'
    }
    return $result
}

Set-RunCulture 'en-US'
[WinSim.Bridge]::Send((@{ op = 'ready'; stand_ins = @($standInNames) } | ConvertTo-Json -Compress -Depth 3))
while ($true) {
    $line = [WinSim.Bridge]::Receive()
    if ($null -eq $line -or $line -eq '') { break }
    $request = $line | ConvertFrom-Json -AsHashtable
    if ($request.op -eq 'quit') { break }
    try {
        $answer = @{ op = 'done'; id = $request.id; result = (Invoke-Request $request) }
    }
    catch {
        $answer = @{ op = 'done'; id = $request.id; harness_error = ($_ | Out-String) }
    }
    [WinSim.Bridge]::Send(($answer | ConvertTo-Json -Compress -Depth 100))
}
