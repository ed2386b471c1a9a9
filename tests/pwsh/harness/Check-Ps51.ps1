# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Parses each file named on standard input (one path a line) with the real
# PowerShell parser and lists, as one JSON document on standard output, its
# parse errors and every construct Windows PowerShell 5.1 (on .NET Framework
# 4.5.2, the oldest the hosts may run) does not have. tests/pwsh/test_ps51_syntax.py
# runs it once for every host script and for its own bad snippets.
#
# What 5.1 lacks, with where PowerShell 7 added it (Microsoft Learn "What's New
# in PowerShell 7.0" / "7.4", about_Pipeline_Chain_Operators, about_Operators):
# ternary ?: (7.0), ?? and ??= (7.0), ?. and ?[] (7.1), && and || pipeline
# chains (7.0), ForEach-Object -Parallel (7.0), clean {} blocks (7.3). The
# parameters and commands below are 6.x/7.x additions to cmdlets that 5.1 has
# (their Microsoft Learn pages list the version in "Parameters").
# .NET members: the DateTimeOffset Unix-time members and Array.Empty arrived in
# .NET Framework 4.6 (Microsoft Learn API pages, "Applies to"); Path.GetRelativePath
# and String.Contains(Char) exist only on .NET Core 2.0+/.NET Standard 2.1.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$deniedMembers = @{
    'FromUnixTimeSeconds' = '.NET Framework 4.6 (DateTimeOffset)'
    'FromUnixTimeMilliseconds' = '.NET Framework 4.6 (DateTimeOffset)'
    'ToUnixTimeSeconds' = '.NET Framework 4.6 (DateTimeOffset)'
    'ToUnixTimeMilliseconds' = '.NET Framework 4.6 (DateTimeOffset)'
    'GetRelativePath' = '.NET Core 2.0 (System.IO.Path)'
    'UnixEpoch' = '.NET Core 2.1 (DateTime/DateTimeOffset)'
}
# Array.Empty<T>() is written [Array]::Empty[T]() in PowerShell: checked with its type.
$deniedStatic = @{ 'array::empty' = '.NET Framework 4.6 (Array.Empty)'; 'system.array::empty' = '.NET Framework 4.6 (Array.Empty)' }
$deniedCommands = @{
    'join-string' = 'PowerShell 6.2'; 'get-error' = 'PowerShell 7.0'; 'test-json' = 'PowerShell 6.1'
    'remove-alias' = 'PowerShell 6.0'; 'get-uptime' = 'PowerShell 6.0'; 'convertfrom-markdown' = 'PowerShell 6.1'
}
$deniedParameters = @{
    'convertfrom-json' = @{ 'ashashtable' = '6.0'; 'depth' = '6.2'; 'noenumerate' = '7.0' }
    'convertto-json' = @{ 'enumsasstrings' = '7.0'; 'ashashtable' = '6.0'; 'escapehandling' = '6.2' }
    'get-content' = @{ 'asbytestream' = '6.0' }
    'set-content' = @{ 'asbytestream' = '6.0' }
    'add-content' = @{ 'asbytestream' = '6.0' }
    'foreach-object' = @{ 'parallel' = '7.0'; 'throttlelimit' = '7.0'; 'asjob' = '7.0' }
    '%' = @{ 'parallel' = '7.0' }
    'foreach' = @{ 'parallel' = '7.0' }
    'select-string' = @{ 'raw' = '7.0'; 'noemphasis' = '7.2' }
    'invoke-webrequest' = @{ 'skipcertificatecheck' = '6.0' }
    'test-connection' = @{ 'tcpport' = '6.0' }
    'out-file' = @{ 'encoding:utf8nobom' = '6.0' }
}
# -Encoding values 5.1 does not know (it has Unicode, UTF8 with BOM, ASCII, Default, Oem, ...).
$deniedEncodings = @('utf8nobom', 'utf8bom', 'ansi')

$report = [ordered]@{}
foreach ($path in @([Console]::In.ReadToEnd() -split "`r?`n" | Where-Object { $_ })) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$tokens, [ref]$errors)
    $findings = [System.Collections.Generic.List[object]]::new()
    function Add-Finding($Node, [string]$What) {
        $findings.Add([ordered]@{ line = $Node.Extent.StartLineNumber; what = $What; text = $Node.Extent.Text.Split("`n")[0] })
    }
    $all = $ast.FindAll({ $true }, $true)
    foreach ($node in $all) {
        $type = $node.GetType().Name
        switch ($type) {
            'TernaryExpressionAst' { Add-Finding $node 'ternary operator ?: (PowerShell 7.0)' }
            'PipelineChainAst' { Add-Finding $node 'pipeline chain && / || (PowerShell 7.0)' }
            'BinaryExpressionAst' {
                if ([string]$node.Operator -eq 'QuestionQuestion') { Add-Finding $node 'null-coalescing ?? (PowerShell 7.0)' }
            }
            'AssignmentStatementAst' {
                if ([string]$node.Operator -eq 'QuestionQuestionEquals') { Add-Finding $node 'null-coalescing assignment ??= (PowerShell 7.0)' }
            }
            { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
                if ($node.PSObject.Properties['NullConditional'] -and $node.NullConditional) {
                    Add-Finding $node 'null-conditional ?. / ?[] (PowerShell 7.1)'
                }
                if ($type -ne 'IndexExpressionAst' -and $node.Member -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                    $member = $node.Member.Value
                    if ($deniedMembers.ContainsKey($member)) {
                        Add-Finding $node ("$member needs " + $deniedMembers[$member])
                    }
                    if ($node.Static -and $node.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) {
                        $key = ($node.Expression.TypeName.FullName + '::' + $member).ToLowerInvariant()
                        if ($deniedStatic.ContainsKey($key)) { Add-Finding $node ("$key needs " + $deniedStatic[$key]) }
                    }
                }
            }
            'ScriptBlockAst' {
                if ($node.PSObject.Properties['CleanBlock'] -and $null -ne $node.CleanBlock) {
                    Add-Finding $node.CleanBlock 'clean {} block (PowerShell 7.3)'
                }
            }
            'CommandAst' {
                $name = $node.GetCommandName()
                if (-not $name) { break }
                $lower = $name.ToLowerInvariant()
                if ($deniedCommands.ContainsKey($lower)) {
                    Add-Finding $node ("command $name (" + $deniedCommands[$lower] + ')')
                }
                $elements = $node.CommandElements
                for ($i = 1; $i -lt $elements.Count; $i++) {
                    $element = $elements[$i]
                    if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                    $param = $element.ParameterName.ToLowerInvariant()
                    if ($deniedParameters.ContainsKey($lower)) {
                        foreach ($known in $deniedParameters[$lower].Keys) {
                            # PowerShell accepts any unambiguous prefix of a parameter name.
                            if ($known -notlike '*:*' -and $param.Length -ge 2 -and $known.StartsWith($param) -and
                                ($param.Length -ge 3 -or $known -eq $param)) {
                                Add-Finding $element ("$name -$($element.ParameterName) (PowerShell " + $deniedParameters[$lower][$known] + ')')
                            }
                        }
                    }
                    if ($param -eq 'encoding') {
                        $value = $element.Argument
                        if ($null -eq $value -and $i + 1 -lt $elements.Count) { $value = $elements[$i + 1] }
                        if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                            $value.Value.ToLowerInvariant() -in $deniedEncodings) {
                            Add-Finding $element ("-Encoding $($value.Value) (PowerShell 6.0)")
                        }
                    }
                }
            }
        }
    }
    $report[$path] = [ordered]@{
        parse_errors = @($errors | ForEach-Object { [ordered]@{ line = $_.Extent.StartLineNumber; message = $_.Message } })
        findings = @($findings)
    }
}
$report | ConvertTo-Json -Depth 6 -Compress
