# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY: the interfaces here serve this collection's own
# plugins and may change or go in any release, a bugfix release included.
"""The controller side of the collection's strategy (plugins/strategy/free.py): what its task processes share."""
