# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw PowerShell the controller runs outside modules, one model each.

A raw model has NAME (the step name records and faults use), match(inv),
describe(inv) -> recorded args, run(host, inv, ctx, hooks) -> RawResult.
They are recognised by the exact text ansible-core or ansible.windows sends
(see each file); anything else is refused by dispatch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# What ansible.windows' reboot helper (_reboot.py _execute_command) and
# ansible-core's _encode_script(preserve_rc=True) append to a command.
RC_SUFFIX = ("If (-not $?) { If (Get-Variable LASTEXITCODE -ErrorAction SilentlyContinue) "
             "{ exit $LASTEXITCODE } Else { exit 1 } }")


@dataclass
class RawResult:
    stdout: bytes = b""
    stderr: bytes = b""
    rc: int = 0
    state: str = ""  # record outcome; default ok/failed from rc
    after: list = field(default_factory=list)  # run by the server once the answer is sent


# What ansible-core's _encode_script(strict_mode=True) puts before a command (plugins/shell/powershell.py,
# ansible-core 2.17); ansible.windows 2.5.0's reboot helper sends its commands through it, 3.x builds its own.
STRICT_PREFIX = "Set-StrictMode -Version Latest"


def strip_rc_suffix(script: str) -> str:
    """The command without the exit-code trailer (and a Set-StrictMode line before it),
    whitespace-normalised at the ends."""
    text = script.strip()
    if text.startswith(STRICT_PREFIX + "\n") or text.startswith(STRICT_PREFIX + "\r\n"):
        text = text[len(STRICT_PREFIX):].strip()
    for sep in ("; " + RC_SUFFIX, "\n" + RC_SUFFIX, "\r\n" + RC_SUFFIX):
        if text.endswith(sep):
            return text[: -len(sep)].strip()
    return text


def _models() -> list:
    from . import files, reboot, shell
    return [*reboot.MODELS, *files.MODELS, *shell.MODELS]


def identify(inv):
    for model in _models():
        if model.match(inv):
            return model
    return None
