# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Owners and DACLs of folders and files for Pester tests on Linux, where
# Get-Acl / Set-Acl cannot read NTFS security. Dot-source it, then
#   Mock Get-Acl { New-FakeAclObject $LiteralPath }
#   Mock Set-Acl { Set-FakeAclFromObject $LiteralPath $AclObject }
# The objects answer the members the collection's scripts use:
# GetOwner(), GetAccessRules(), AreAccessRulesProtected, SetSecurityDescriptorSddlForm().
#
# What Windows gives an item nobody set an ACL on (the default here):
# - below C:\ProgramData the inherited DACL: SYSTEM and Administrators full
#   control, Users read and (on folders, container inherit) create files /
#   create folders / write attributes / write extended attributes, and the
#   creator full control through CREATOR OWNER (the ACL of C:\ProgramData as
#   `accesschk -dl C:\ProgramData` shows it, pastebin.com/kf7ZLSM0);
# - below a folder with a protected DACL: that folder's entries (inherited).
# Owner of an item the script under test creates: Administrators (an elevated
# administrator's token names Administrators as default owner - ASSUMPTION, the
# usual owner of files made in an elevated WinRM session).

# Get-Acl and Set-Acl do not exist in PowerShell on Linux: stubs to mock.
if (-not (Get-Command -Name Get-Acl -ErrorAction SilentlyContinue)) {
    function global:Get-Acl { [CmdletBinding()] param([string]$LiteralPath) throw 'Get-Acl: mock it with New-FakeAclObject' }
}
if (-not (Get-Command -Name Set-Acl -ErrorAction SilentlyContinue)) {
    function global:Set-Acl { [CmdletBinding()] param([string]$LiteralPath, $AclObject) throw 'Set-Acl: mock it with Set-FakeAclFromObject' }
}

$global:FakeAclTable = @{}
$global:FakeAclLog = New-Object System.Collections.ArrayList

$global:SidSystem = 'S-1-5-18'
$global:SidAdmins = 'S-1-5-32-544'
$global:SidUsers = 'S-1-5-32-545'
$global:SidStandardUser = 'S-1-5-21-1004336348-1177238915-682003330-1001'
# FileSystemRights values (System.Security.AccessControl.FileSystemRights)
$global:RightsFull = 0x1F01FF
$global:RightsRead = 0x1200A9
# CreateFiles 0x2 | CreateDirectories 0x4 | WriteExtendedAttributes 0x10 | WriteAttributes 0x100
$global:RightsUsersCreate = 0x116
$global:SafeSddl = 'O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'

function Get-FakeAclKey([string]$Path) {
    return [IO.Path]::GetFullPath($Path).TrimEnd('/', '\')
}

function New-FakeRule([string]$Sid, [int]$Rights) {
    return [pscustomobject]@{
        IdentityReference = [pscustomobject]@{ Value = $Sid }
        FileSystemRights = $Rights
        AccessControlType = 'Allow'
    }
}

function Set-FakeAcl {
    # Record an item's owner and DACL. -Locked: Set-Acl on it is refused (the
    # owner removed Administrators from its DACL, and changing the owner then
    # needs a privilege the session does not enable).
    param([string]$Path, [string]$Owner, [bool]$Protected = $false, [object[]]$Rules = @(), [switch]$Locked)
    $global:FakeAclTable[(Get-FakeAclKey $Path)] = @{
        owner = $Owner; protected = $Protected; rules = @($Rules); locked = [bool]$Locked
    }
}

function Set-FakeUserCreated([string]$Path, [switch]$Locked) {
    # An item a standard user created below C:\ProgramData: they own it and
    # the inherited entries give them full control and Users create rights.
    Set-FakeAcl -Path $Path -Owner $global:SidStandardUser -Locked:$Locked -Rules @(
        (New-FakeRule $global:SidSystem $global:RightsFull),
        (New-FakeRule $global:SidAdmins $global:RightsFull),
        (New-FakeRule $global:SidStandardUser $global:RightsFull),
        (New-FakeRule $global:SidUsers $global:RightsRead),
        (New-FakeRule $global:SidUsers $global:RightsUsersCreate))
}

function Get-FakeAclState([string]$Path) {
    $key = Get-FakeAclKey $Path
    if ($global:FakeAclTable.ContainsKey($key)) {
        return $global:FakeAclTable[$key]
    }
    $parent = Split-Path -Parent $key
    while ($parent) {
        if ($global:FakeAclTable.ContainsKey($parent)) {
            $above = $global:FakeAclTable[$parent]
            return @{ owner = $global:SidAdmins; protected = $false; rules = @($above.rules); locked = $false }
        }
        $next = Split-Path -Parent $parent
        if ($next -eq $parent) { break }
        $parent = $next
    }
    return @{
        owner = $global:SidAdmins; protected = $false; locked = $false
        rules = @((New-FakeRule $global:SidSystem $global:RightsFull), (New-FakeRule $global:SidAdmins $global:RightsFull),
            (New-FakeRule $global:SidUsers $global:RightsRead), (New-FakeRule $global:SidUsers $global:RightsUsersCreate))
    }
}

function New-FakeAclObject([string]$Path) {
    $state = Get-FakeAclState $Path
    $acl = [pscustomobject]@{
        Path = (Get-FakeAclKey $Path)
        AreAccessRulesProtected = [bool]$state.protected
        FakeOwner = $state.owner
        FakeRules = @($state.rules)
        PendingSddl = $null
    }
    $acl | Add-Member -MemberType ScriptMethod -Name GetOwner -Value { param($Type) [pscustomobject]@{ Value = $this.FakeOwner } }
    $acl | Add-Member -MemberType ScriptMethod -Name GetAccessRules -Value { param($Explicit, $Inherited, $Type) $this.FakeRules }
    $acl | Add-Member -MemberType ScriptMethod -Name SetSecurityDescriptorSddlForm -Value {
        param($Sddl, $Sections) $this.PendingSddl = $Sddl
    }
    return $acl
}

function Set-FakeAclFromObject([string]$Path, $AclObject) {
    $key = Get-FakeAclKey $Path
    $null = $global:FakeAclLog.Add(@{ path = $key; sddl = $AclObject.PendingSddl })
    $state = Get-FakeAclState $Path
    if ($state.locked) {
        throw (New-Object System.UnauthorizedAccessException -ArgumentList 'Attempted to perform an unauthorized operation.')
    }
    if ($AclObject.PendingSddl -ne $global:SafeSddl) {
        throw "FakeAcl models only the SDDL $($global:SafeSddl), not $($AclObject.PendingSddl)"
    }
    Set-FakeAcl -Path $Path -Owner $global:SidAdmins -Protected $true -Rules @(
        (New-FakeRule $global:SidSystem $global:RightsFull), (New-FakeRule $global:SidAdmins $global:RightsFull))
}
