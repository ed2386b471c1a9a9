# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""Choose the update a host needs from catalog rows, and order its files (checkpoints first).

Pure functions on the dicts search_page / download_dialog produce; no I/O.
"""
from __future__ import annotations

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.errors import (
    NoMatchingUpdateError,
    UnknownArchitectureError,
)
from ansible_collections.winrepair.windows_update.plugins.plugin_utils._catalog.titles import (
    ARCHITECTURES,
    normalize_architecture,
    parse_product,
    parse_title,
)


def require_architecture(value):
    """Canonical architecture or UnknownArchitectureError (never a guess)."""
    arch = normalize_architecture(value)
    if arch is None:
        raise UnknownArchitectureError(
            "unknown architecture %r: use one of %s (AMD64 and aarch64 spellings are accepted)"
            % (value, ", ".join(ARCHITECTURES)))
    return arch


def annotate(row):
    """Row dict + its parsed title fields under 'info'."""
    out = dict(row)
    out["info"] = dict(parse_title(row.get("title", "")))
    return out


def _product_matches(info, title, product):
    if not product:
        return True
    want_product, want_version = parse_product(product)
    if want_product is None:
        # Not a Windows product name ("Office 2013"): plain case-insensitive containment.
        return product.lower() in title.lower()
    if (info.get("product") or "").lower() != want_product.lower():
        return False
    return want_version is None or (info.get("version") or "").upper() == want_version


def reject_reason(row, product=None, architecture=None, kind="cumulative",
                  include_preview=False, include_dynamic=False):
    """None when the annotated row fits, else a short reason (used to explain 'no match')."""
    info = row["info"]
    if not _product_matches(info, row.get("title", ""), product):
        return "product"
    if architecture is not None and info.get("architecture") != architecture:
        return "architecture"
    if kind and info.get("kind") != kind:
        return "kind"
    if info.get("preview") and not include_preview:
        return "preview"
    if info.get("dynamic") and not include_dynamic:
        return "dynamic"
    return None


def newest_first_key(row):
    """Release month from the title, else the Last Updated month; then Last Updated; then KB number."""
    info = row["info"]
    last = row.get("last_updated") or ""
    release = info.get("release") or last[:7]
    return (release, last, info.get("kb_number") or 0)


def pick_newest(rows, product=None, architecture=None, kind="cumulative",
                include_preview=False, include_dynamic=False, query=None):
    """Newest row fitting the filters; NoMatchingUpdateError saying why each row was left out."""
    arch = require_architecture(architecture) if architecture is not None else None
    fitting = []
    reasons = {}
    for row in rows:
        row = row if "info" in row else annotate(row)
        why = reject_reason(row, product, arch, kind, include_preview, include_dynamic)
        if why is None:
            fitting.append(row)
        else:
            reasons[why] = reasons.get(why, 0) + 1
    if not fitting:
        detail = ", ".join("%d by %s" % (n, why) for why, n in sorted(reasons.items())) or "no rows"
        raise NoMatchingUpdateError(
            "none of the %d catalog results%s fits product=%r architecture=%r kind=%r "
            "(preview %s, dynamic %s); rows left out: %s" % (
                len(rows), " for %r" % query if query else "", product, arch, kind,
                "allowed" if include_preview else "excluded",
                "allowed" if include_dynamic else "excluded", detail))
    fitting.sort(key=newest_first_key, reverse=True)
    return fitting[0]


def order_update_files(files, target_kb):
    """Order the files of one update's download dialog for installation.

    From Windows 11 24H2 a cumulative update may need earlier "checkpoint"
    cumulative updates, and its download dialog lists their .msu files beside
    the target's (Microsoft Learn, "Checkpoint cumulative updates and Microsoft
    Update Catalog usage": install each in order, e.g. KB5043080 before
    KB5048667, or put them all in one folder and give DISM the target). So:
    checkpoints first, oldest (lowest KB number) first, then files naming no
    KB in catalog order, then the target's own files (when no file names a
    KB, as with Office's per-language .cab files, all are the target's, in
    catalog order). Each file gets `role`
    ('checkpoint', 'other', 'target') and `install_order` (1-based).
    """
    target_number = int(target_kb[2:]) if target_kb and target_kb.upper().startswith("KB") else None
    checkpoints, others, targets = [], [], []
    # Files of the same role keep the catalog's order (index), whatever order they came in.
    for f in sorted(files, key=lambda item: item.get("index", 0)):
        kb = f.get("kb")
        number = int(kb[2:]) if kb else None
        if number is not None and number == target_number:
            targets.append(dict(f, role="target"))
        elif number is not None:
            checkpoints.append((number, dict(f, role="checkpoint")))
        else:
            others.append(dict(f, role="other"))
    if target_number is not None and not targets and not checkpoints:
        # No file names any KB (Office's proof-ar-sa_<sha1>.cab ...): all are the update's own.
        targets = [dict(f, role="target") for f in others]
        others = []
    if target_number is not None and not targets:
        raise NoMatchingUpdateError(
            "the download dialog of %s lists no file of %s itself (files: %s)" % (
                target_kb, target_kb, ", ".join(f.get("file_name", "?") for f in files)))
    # KB numbers are handed out in time order, so the lowest is the oldest checkpoint
    # (a stable sort: the files of one checkpoint stay in catalog order).
    checkpoints.sort(key=lambda checkpoint: checkpoint[0])
    ordered = [f for _number, f in checkpoints] + others + targets
    for n, f in enumerate(ordered, 1):
        f["install_order"] = n
    return ordered
