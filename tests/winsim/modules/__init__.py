# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry of module models: module name -> model.

Each file here is one module, named by its short name (win_ping.py answers
ansible.windows.win_ping). A file may set FQCN when the module lives in
another collection, and must define run(host, args, ctx) -> dict (and may set
SUPPORTS_CHECK_MODE = False). Lookup accepts the FQCN, the short name, or
ansible.legacy.<short> (what ansible-core <= 2.18 puts in
_ansible_module_name for a short task name). A model that fails to import is
refused with the import error, so one broken file cannot take the fleet down.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import Optional

DEFAULT_COLLECTION = "ansible.windows"

_lock = threading.Lock()
_by_fqcn: dict = {}
_by_short: dict = {}
_broken: dict = {}  # short name -> import error text
_loaded = False


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_"):
                continue
            try:
                mod = importlib.import_module("%s.%s" % (__name__, info.name))
            except Exception as e:  # keep serving the other modules
                _broken[info.name] = "%s: %s" % (type(e).__name__, e)
                continue
            if not callable(getattr(mod, "run", None)):
                _broken[info.name] = "no run() function"
                continue
            fqcn = getattr(mod, "FQCN", "%s.%s" % (DEFAULT_COLLECTION, info.name))
            _by_fqcn[fqcn] = mod
            _by_short[fqcn.rsplit(".", 1)[-1]] = mod
        _loaded = True


def lookup(name: str) -> tuple[Optional[object], str]:
    """(model, "") or (None, reason suffix for the refusal message)."""
    _load()
    short = name.rsplit(".", 1)[-1]
    if short in _broken:
        return None, " (its model failed to import: %s)" % _broken[short]
    if "." not in name or name.startswith("ansible.legacy.") or name.startswith("ansible.builtin."):
        mod = _by_short.get(short)
        return (mod, "") if mod is not None else (None, "")
    mod = _by_fqcn.get(name)
    return (mod, "") if mod is not None else (None, "")


def names() -> list:
    _load()
    return sorted(_by_fqcn)
