# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Dead ends of the ladder: a rung's failure that names what a person must give.

``classify(rung, result, settings, evidence)`` reads a rung's module result
and returns None, or a dead end::

  {"rung", "kind", "reason", "next_step", "variable", "skip": [rungs]}

``reason`` is why the rung could not help (the module's own words kept),
``next_step`` what to do, naming the variable of the role wu_remediate that
does it (never a variable of an inner role or a module option), ``skip`` the
rungs above that cannot help either and are not run.

The source-missing family is the one hresult.decode() files under the
category "source_missing" (CBS_E_SOURCE_MISSING 0x800F081F,
CBS_E_DOWNLOAD_FAILURE 0x800F0906, CBS_E_GROUPPOLICY_DISALLOWED 0x800F0907),
plus what dism_output.parse_dism() reads as the outcome "source_missing"
(DISM's sentence "The source files could not be found/downloaded"). Without
its repair files the component store stays corrupt, and every install that
goes through it fails with the same code: the reset does not touch the store
and DISM /Add-Package of the catalog's update needs the same missing payload
(Microsoft Learn, "Fix Windows Update corruption errors" / "Repair a Windows
Image": give /Source of the same version, edition and language).
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._parse.hresult import decode

SOURCE_VARIABLE = "wu_remediate_sfc_dism_source"
IMAGE_VARIABLE = "wu_remediate_inplace_image"
ALLOW_VARIABLE = "wu_remediate_allow_inplace_upgrade"

# The rungs that fail with the same code while the store lacks its repair files.
SOURCE_MISSING_SKIPS = ("reset", "catalog_install")

# win_inplace_upgrade outcomes that refused the media or the host before setup ran.
_MEDIA_REFUSALS = ("refused", "preflight_failed", "media_mismatch")


def _category(code):
    try:
        return decode(code)["category"] if code not in (None, "") else None
    except (TypeError, ValueError):
        return None


def source_missing(result):
    """Whether a win_sfc_dism RESULT failed for want of repair files (see the module doc)."""
    dism = (result or {}).get("dism") or {}
    if dism.get("outcome") == "source_missing":
        return True
    codes = [(result or {}).get("hresult"), dism.get("hresult"), dism.get("exit_code")]
    return any(_category(c.get("hex") if isinstance(c, dict) else c) == "source_missing" for c in codes)


def _media(evidence):
    """'build 26100.1742, Professional x64 en-US' for the next step's wording."""
    osinfo = (evidence or {}).get("os") or {}
    build = osinfo.get("full_build") or osinfo.get("build") or "of the host"
    what = [str(v) for v in (osinfo.get("edition_id"), osinfo.get("architecture"), osinfo.get("install_language"))
            if v]
    return "build %s%s" % (build, ", %s" % " ".join(what) if what else "")


def _code(result):
    """'0x800F081F CBS_E_SOURCE_MISSING' of a result, or DISM's outcome when it gave no code."""
    for info in ((result or {}).get("hresult"), ((result or {}).get("dism") or {}).get("hresult")):
        if isinstance(info, dict) and info.get("hex"):
            return " ".join(str(v) for v in (info["hex"], info.get("name")) if v)
    return "DISM: the source files could not be found"


def _msg(result):
    return str((result or {}).get("msg") or "").strip().rstrip(".")


def classify(rung, result, settings=None, evidence=None):
    """The dead end a failed RUNG's RESULT shows, or None (see the module doc)."""
    result = result or {}
    settings = settings or {}
    if not result.get("failed"):
        return None
    media = _media(evidence)
    if rung == "sfc_dism" and source_missing(result):
        source = settings.get("sfc_dism_source") or ""
        if source:
            reason = ("DISM could not repair the component store from the repair source %s (%s): it does not "
                      "match the installed Windows" % (source, _code(result)))
            step = ("set %s to an install.wim/.esd or ISO of %s, or allow the repair install (%s with %s)"
                    % (SOURCE_VARIABLE, media, ALLOW_VARIABLE, IMAGE_VARIABLE))
        else:
            reason = ("DISM could not find the files to repair the component store (%s) and no repair source is "
                      "set; the reset and the catalog install cannot help (they fail with the same code)"
                      % _code(result))
            step = ("give a repair source of %s (an ISO or install.wim/.esd of the installed edition and "
                    "language, on the host): set %s to its path, then run again" % (media, SOURCE_VARIABLE))
        return {"rung": rung, "kind": "source_missing", "reason": reason, "next_step": step,
                "variable": SOURCE_VARIABLE, "skip": list(SOURCE_MISSING_SKIPS)}
    if rung == "sfc_dism" and settings.get("sfc_dism_source") and not result.get("dism") and (
            str(result.get("error") or "").startswith("source_") or "source" in _msg(result).lower()):
        # The source was refused before DISM ran (missing, not an image, no image of this edition).
        return {"rung": rung, "kind": "source_refused", "reason": "the repair source was refused: %s" % _msg(result),
                "next_step": "set %s to an existing install.wim/.esd or ISO of %s on the host"
                             % (SOURCE_VARIABLE, media),
                "variable": SOURCE_VARIABLE, "skip": []}
    if rung == "inplace_upgrade" and (result.get("outcome") in _MEDIA_REFUSALS or not settings.get("inplace_image")):
        if not settings.get("inplace_image"):
            reason, variable = "no installation media is set for the repair install", IMAGE_VARIABLE
        elif result.get("outcome") == "refused":
            reason, variable = "the repair install was not accepted: %s" % _msg(result), ALLOW_VARIABLE
        else:
            reason, variable = "the repair install refused its media: %s" % _msg(result), IMAGE_VARIABLE
        return {"rung": rung, "kind": "media", "reason": reason,
                "next_step": "set %s to the path on the host of a Windows ISO of %s (%s must be true)"
                             % (IMAGE_VARIABLE, media, ALLOW_VARIABLE),
                "variable": variable, "skip": []}
    return None
