# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-suite wide setup: make tests/ and the collection importable and load the winsim fixtures.

The collection is imported as ansible_collections.winrepair.windows_update
through build/collections (make setup links it there), or through the first
entry of ANSIBLE_COLLECTIONS_PATH when that is set (tools/run_tests.sh gives
the oldest stage its own tree); winsim lives in tests/. Test files rely on both
being on sys.path and add nothing themselves.
"""
import os
import sys

_TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(_TESTS)
# winsim/pytest_plugin.py COLLECTIONS: the same tree for the ansible commands the tests start.
_COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0] or os.path.join(REPO, "build", "collections")
for _path in (_COLLECTIONS, _TESTS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

pytest_plugins = ["winsim.pytest_plugin"]
