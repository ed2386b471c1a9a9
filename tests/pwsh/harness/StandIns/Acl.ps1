# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Get-Acl and Set-Acl on the host's folders and files (tests/pwsh/hostapi/acl.py):
# the owner and DACL come from the host model and go back to it; the object
# Get-Acl returns is WinSim.FileSystemSecurity (WinSimHost.cs), which answers
# the members of DirectorySecurity / FileSecurity the scripts use.

function Get-Acl {
    [CmdletBinding()]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath
    )
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        $answer = Invoke-WinSimCall -Name 'acl.get' -Arguments @{ path = $p } -Cmdlet $PSCmdlet
        if ($null -eq $answer) { continue }
        $security = [WinSim.FileSystemSecurity]::new([string]$answer.sddl, $p, [bool]$answer.container)
        $object = [PSObject]::new($security)
        $type = if ($answer.container) { 'System.Security.AccessControl.DirectorySecurity' } else { 'System.Security.AccessControl.FileSecurity' }
        $object.PSObject.TypeNames.Insert(0, $type)
        $object
    }
}

function Set-Acl {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param (
        [Parameter(Position = 0)][string[]]$Path,
        [string[]]$LiteralPath,
        [Parameter(Mandatory = $true, Position = 1)]$AclObject
    )
    $security = $AclObject
    if ($security -is [PSObject]) { $security = $security.PSObject.BaseObject }
    if ($security -isnot [WinSim.FileSystemSecurity]) {
        throw "winsim models Set-Acl with an object from Get-Acl only, not $($AclObject.GetType().FullName)"
    }
    $sid = [System.Security.Principal.SecurityIdentifier]
    $rules = @(foreach ($rule in $security.GetAccessRules($true, $true, $sid)) {
            @{ sid = $rule.IdentityReference.Value; rights = [int]$rule.FileSystemRights
                type = [string]$rule.AccessControlType; inherited = [bool]$rule.IsInherited }
        })
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if ($PSCmdlet.ShouldProcess($p, 'Set-Acl')) {
            Invoke-WinSimCall -Name 'acl.set' -Arguments @{
                path = $p; owner = $security.GetOwner($sid).Value; protected = $security.AreAccessRulesProtected; rules = $rules
            } -Cmdlet $PSCmdlet
        }
    }
}
