# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's HTTP listener stays quiet when a client drops its connection
mid-request, and still prints every other error."""
from __future__ import annotations

import pytest

from winsim import server


def _listener():
    # handle_error needs no bound socket: build the object without __init__.
    return server._Listener.__new__(server._Listener)  # pylint: disable=protected-access


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(32, "pipe")])
def test_a_client_that_hung_up_prints_nothing(error, capsys):
    try:
        raise error
    except OSError:
        _listener().handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""


def test_any_other_error_prints_its_traceback(capsys):
    try:
        raise ValueError("a defect in a model")
    except ValueError:
        _listener().handle_error(None, ("127.0.0.1", 50000))
    err = capsys.readouterr().err
    assert "Traceback" in err and "a defect in a model" in err
