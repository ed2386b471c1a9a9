# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the catalog client tests: capture paths and the fake catalog."""
from __future__ import annotations

import os

import pytest

# Fixtures are found by name in a conftest's namespace; hence the "unused" imports.
from winsim.fake_catalog import FIXTURES, fake_catalog, fake_catalog_server  # noqa: F401 pylint: disable=unused-import


@pytest.fixture
def capture():
    """capture(name) -> bytes of a file in tests/fixtures/catalog, exactly as stored."""
    def read(name):
        with open(os.path.join(FIXTURES, name), "rb") as handle:
            return handle.read()
    return read


class ScriptedTransport(object):
    """A transport answering from a list: each item is a Response, an exception to raise, or a
    callable(request) -> Response. Records every request it got."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, request, timeout):
        self.requests.append(request)
        if not self.answers:
            raise AssertionError("unexpected request %r: the script is used up" % (request,))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


@pytest.fixture
def scripted():
    return ScriptedTransport
