# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the PowerShell stand-ins ask the simulated host (the Python half of the cmdlet boundary).

A stand-in (tests/pwsh/harness/StandIns/*.ps1) sends a call name and its
arguments; the handler registered here under that name reads or changes the
HostModel and answers a JSON value, or raises WinError: the exception Windows
raises (type, message, FullyQualifiedErrorId, category, HResult), which the
stand-in turns into the same ErrorRecord (terminating or not, as the real
cmdlet does). A handler asked for something it does not model raises
NotModelled; the runner then fails the run loudly, whatever the script did
with the error.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Callable, Optional

from winsim.model import HostModel, NotModelled

HANDLERS: dict = {}


def handler(name: str) -> Callable:
    def register(fn):
        HANDLERS[name] = fn
        return fn
    return register


class WinError(Exception):
    """An error as Windows raises it; the stand-in rebuilds the ErrorRecord from to_json()."""

    def __init__(self, exception_type: str, message: str, fqid: str, category: str = "NotSpecified",
                 hresult: Optional[int] = None, target=None, terminating: bool = False,
                 native_error_code: Optional[int] = None, inner: Optional["WinError"] = None):
        super().__init__(message)
        self.exception_type = exception_type
        self.message = message
        self.fqid = fqid
        self.category = category
        self.hresult = hresult
        self.target = target
        self.terminating = terminating
        self.native_error_code = native_error_code
        self.inner = inner

    def to_json(self) -> dict:
        return {"type": self.exception_type, "message": self.message, "fqid": self.fqid,
                "category": self.category, "hresult": self.hresult, "target": self.target,
                "terminating": self.terminating, "native_error_code": self.native_error_code,
                "inner": self.inner.to_json() if self.inner else None}


@dataclass
class Session:
    """One script run: the host it runs on and what the stand-ins need besides."""
    host: HostModel
    now: datetime.datetime
    step: str
    check_mode: bool
    drive: object  # host_fs.HostDrive
    not_modelled: list = field(default_factory=list)
    calls: list = field(default_factory=list)


def dispatch(session: Session, name: str, args: dict) -> dict:
    """The reply line for one call: {"ok": value} or {"error": {...}}."""
    session.calls.append(name)
    fn = HANDLERS.get(name)
    try:
        if fn is None:
            raise NotModelled("stand-in call %s" % name)
        return {"ok": fn(session, args or {})}
    except WinError as err:
        return {"error": err.to_json()}
    except Exception as err:  # pylint: disable=broad-except
        # NotModelled, or a bug in a handler: the run fails loudly after the script ends.
        text = str(err) if isinstance(err, NotModelled) else "a stand-in handler failed: %s: %s" % (
            type(err).__name__, err)
        session.not_modelled.append(text)
        return {"error": {"type": "System.NotSupportedException", "message": "winsim does not model %s" % err,
                          "fqid": "WinSimNotModelled", "category": "NotImplemented", "hresult": None,
                          "target": None, "terminating": True, "native_error_code": None, "inner": None}}


def load_all() -> None:
    """Import every handler module (each registers its calls)."""
    from . import acl, cim, defender, events, filesystem, images, registry, restore, services, tasks, tools  # noqa: F401
