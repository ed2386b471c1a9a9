# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""python -m winsim (see cli.py)."""
import sys

from winsim.cli import main

sys.exit(main())
