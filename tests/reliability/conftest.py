# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability tests import faultlib (this folder) and fake_host (tests/unit/plugins/action)."""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (_HERE, os.path.join(os.path.dirname(_HERE), "unit", "plugins", "action")):
    if _p not in sys.path:
        sys.path.insert(0, _p)
