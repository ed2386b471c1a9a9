# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Models of the collection's PowerShell scripts, and how win_powershell finds them.

The collection sends the text of plugins/plugin_utils/_host/powershell/NAME.ps1 as
win_powershell's `script` (plugins/plugin_utils/_host/script_runner.py load_script:
read as UTF-8 text, so universal newlines apply). The simulator recognises a
script by the SHA-256 of that exact text and runs the model
tests/winsim/scripts/NAME.py, which declares:

    PARAMETERS = {"Name", ...}   # the script's param() names, as written
    RESULT_KEYS = {"key", ...}   # keys of the hashtable set to $Ansible.Result
    def run(host, parameters, ctx) -> dict:
        # {"result": {...}, "changed": bool}
        # optional: "failed": bool ($Ansible.Failed or a terminating error),
        #           "error": [error_record(...)], "output": [...], "warning": [...],
        #           "verbose": [...], "debug": [...], "information": [...],
        #           "host_out": str, "host_err": str
        # ctx.check_mode is -WhatIf (only scripts with SupportsShouldProcess run then).

tests/unit/test_powershell_scripts.py checks PARAMETERS and RESULT_KEYS
against each .ps1 (tree-sitter-pwsh) and that every script has a model.
"""
from __future__ import annotations

import hashlib
import importlib
import os
from typing import Optional

from ..model import NotModelled

# plugins/plugin_utils/_host/powershell of the collection (tests/winsim/scripts -> repo root).
SCRIPT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                           "..", "..", "..", "plugins", "plugin_utils", "_host", "powershell"))
MODEL_DIR = os.path.dirname(os.path.abspath(__file__))
# Tests may register a model object under a script name instead of a file here.
MODEL_OVERRIDES: dict = {}


def read_script(path: str) -> str:
    # Exactly as script_runner.load_script reads it.
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def script_names(script_dir: Optional[str] = None) -> list:
    folder = script_dir or SCRIPT_DIR
    if not os.path.isdir(folder):
        return []
    return sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".ps1"))


def model_names() -> list:
    names = {f[:-3] for f in os.listdir(MODEL_DIR) if f.endswith(".py") and not f.startswith("_")}
    return sorted(names | set(MODEL_OVERRIDES))


def model_for(name: str):
    """The model module (or registered object) of script NAME; NotModelled if none."""
    if name in MODEL_OVERRIDES:
        return MODEL_OVERRIDES[name]
    if not os.path.isfile(os.path.join(MODEL_DIR, name + ".py")):
        raise NotModelled("collection script %s (no tests/winsim/scripts/%s.py)" % (name, name))
    return importlib.import_module("%s.%s" % (__name__, name))


def index(script_dir: Optional[str] = None) -> dict:
    """SHA-256 of each script's text -> script name."""
    folder = script_dir or SCRIPT_DIR
    return {text_sha256(read_script(os.path.join(folder, n + ".ps1"))): n for n in script_names(folder)}


def lookup(text: str, script_dir: Optional[str] = None) -> Optional[str]:
    """The name of the collection script whose exact text this is, or None."""
    return index(script_dir).get(text_sha256(text))


def error_record(message: str, *, category: str = "NotSpecified", category_id: int = 0,
                 activity: str = "Write-Error", reason: str = "WriteErrorException",
                 fqid: str = "Microsoft.PowerShell.Commands.WriteErrorException",
                 exception_type: str = "Microsoft.PowerShell.Commands.WriteErrorException",
                 target_object=None, hresult: int = -2146233087) -> dict:
    """An entry of win_powershell's `error` list (win_powershell.py RETURN error.*).

    The defaults are those of a Write-Error record; `output` is the record as
    Out-String formats it in Windows PowerShell 5.1 (message, CategoryInfo,
    FullyQualifiedErrorId lines).
    """
    output = ("%s\r\n    + CategoryInfo          : %s: (:) [%s], %s\r\n"
              "    + FullyQualifiedErrorId : %s\r\n \r\n" % (message, category, activity, reason, fqid))
    return {
        "output": output,
        "error_details": None,
        "exception": {"message": message, "type": exception_type, "help_link": None, "source": None,
                      "hresult": hresult, "inner_exception": None},
        "target_object": target_object,
        "category_info": {"category": category, "category_id": category_id, "activity": activity,
                          "reason": reason, "target_name": "", "target_type": ""},
        "fully_qualified_error_id": fqid,
        "script_stack_trace": "at <ScriptBlock>, <No file>: line 1",
        "pipeline_iteration_info": [],
    }
