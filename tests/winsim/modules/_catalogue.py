# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible.windows modules modelled by files in this folder (besides win_ping and setup).

Each name is a file NAME.py with `run(host, args, ctx) -> dict`. win_copy.py
also offers `receive_file(host, path, data)` for the raw put_file model.
"""

MODULES = [
    "win_command",
    "win_service",
    "win_stat",
    "win_file",
    "win_copy",
    "win_get_url",
    "win_powershell",
]
