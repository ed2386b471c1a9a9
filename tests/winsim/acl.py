# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owners and DACLs of folders on a simulated host, as far as the collection's scripts read them.

What Windows does, and where it is written:
- C:\\ProgramData's own DACL: SYSTEM and Administrators full control, CREATOR
  OWNER full control (inherit only), Users read, and Users "create files /
  create folders / write attributes / write extended attributes" inherited by
  every folder below (container inherit). So a standard user may create a
  folder there, becomes its owner and gets full control of it through CREATOR
  OWNER (`accesschk -dl C:\\ProgramData` on Windows 10/11, public capture
  pastebin.com/kf7ZLSM0; CVE-2024-34474 is that case). Here: a folder below
  C:\\ProgramData that is not under a protected DACL lets Users (S-1-5-32-545) write.
- An owner may always change the DACL (implicit WRITE_DAC: "Ownership of
  objects", learn.microsoft.com/windows/security/identity-protection/
  access-control/access-control): a folder owned by another account is not
  safe even after its DACL was fixed, so the scripts set the owner too.
- A protected DACL (SE_DACL_PROTECTED) takes nothing from the folder above
  (learn.microsoft.com/windows/win32/secauthz/dacls-for-an-object); folders
  created inside inherit its entries.
A Folder record may say owner, writers (its own entries: SIDs besides SYSTEM
and Administrators that may write), acl_protected, reparse_point, acl_locked
(Set-Acl refused: its owner removed Administrators' access; ASSUMPTION: the
session does not enable SeTakeOwnershipPrivilege for Set-Acl, so the script
cannot take it over and must refuse).
"""
from __future__ import annotations

from . import winpath
from .model import Folder, HostModel

SYSTEM = "S-1-5-18"
ADMINS = "S-1-5-32-544"
USERS = "S-1-5-32-545"
TRUSTED = (SYSTEM, ADMINS)


class Unsafe(Exception):
    """A folder of the run tree that cannot be made safe; the message is the script's."""


def _record(host: HostModel, path: str):
    return host.folders.get(winpath.key(path, host))


def _inherited_writers(host: HostModel, path: str) -> list:
    """Writers a folder inherits from the folders above it."""
    above = winpath.parent(winpath.norm(path, host))
    while above is not None:
        rec = _record(host, above)
        if rec is not None and rec.exists:
            own = list(rec.writers)
            if rec.acl_protected:
                return own
            return sorted(set(own) | set(_inherited_writers(host, above)))
        if winpath.same_path(above, winpath.environment(host)["programdata"]):
            return [USERS]
        above = winpath.parent(above)
    return []


def security(host: HostModel, path: str) -> dict:
    """owner (SID), protected, writers (SIDs besides SYSTEM/Administrators), reparse of a folder."""
    rec = _record(host, path)
    own = list(rec.writers) if rec is not None else []
    protected = bool(rec is not None and rec.acl_protected)
    writers = own if protected else sorted(set(own) | set(_inherited_writers(host, path)))
    return {"owner": (rec.owner if rec is not None and rec.owner else ADMINS), "protected": protected,
            "writers": [w for w in writers if w not in TRUSTED],
            "reparse": bool(rec is not None and rec.reparse_point)}


def is_safe(state: dict) -> bool:
    return (state["owner"] in TRUSTED and state["protected"] and not state["writers"]
            and not state["reparse"])


def _why(state: dict) -> str:
    why = []
    if state["reparse"]:
        why.append("it is a reparse point (junction or symbolic link)")
    if state["owner"] not in TRUSTED:
        why.append("its owner is %s" % state["owner"])
    if not state["protected"]:
        why.append("its ACL inherits from above")
    if state["writers"]:
        why.append("%s may write it" % ", ".join(state["writers"]))
    return "; ".join(why)


def protect_folder(host: HostModel, path: str) -> bool:
    """detached_start.ps1 Protect-Folder: create, make safe, check. True when a folder
    that was there already was repaired; Unsafe when it cannot be made safe."""
    display = winpath.norm(path, host)
    existed = winpath.is_dir(host, display)
    if not existed:
        winpath.make_dirs(host, display)
    state = security(host, display)
    if is_safe(state):
        return False
    fix = ("An administrator can check what is in it, then rename it away (Rename-Item -LiteralPath '%s' "
           "-NewName '%s.untrusted') or make Administrators its owner with a protected ACL "
           "(takeown /F \"%s\" /A /R /D Y, then icacls \"%s\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F "
           "*S-1-5-32-544:(OI)(CI)F /T), and run again." % (display, winpath.leaf(display), display, display))
    rec = host.folders.setdefault(winpath.key(display, host), Folder(path=display))
    if state["reparse"]:
        raise Unsafe("The folder %s is not safe for a run as SYSTEM (%s); nothing was written or started. %s"
                     % (display, _why(state), fix))
    if rec.acl_locked:
        raise Unsafe("The folder %s is not safe for a run as SYSTEM (%s) and its owner and ACL could not be set "
                     "(Attempted to perform an unauthorized operation.); nothing was written or started. %s"
                     % (display, _why(state), fix))
    # Set-Acl with O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)
    rec.owner, rec.writers, rec.acl_protected = ADMINS, [], True
    return existed


def trusted_run_folder(host: HostModel, path: str) -> bool:
    """detached_start.ps1 Test-RunFolderTrusted: owned by SYSTEM/Administrators and nobody else writes it.
    (Files are not modelled with owners: those a run folder holds were written by the collection.)"""
    state = security(host, path)
    return state["owner"] in TRUSTED and not state["writers"] and not state["reparse"]
