# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ansible-test downloads for its sanity venvs.

ansible-test creates each sanity test's virtualenv without pip, then runs a
cached ~/.ansible/test/cache/get_pip_<version>.py (fetched from a host this
machine cannot reach) with pip-install style arguments such as
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.
tools/sanity.sh copies this file to that cache path. It does the same job with
what every CPython ships: ensurepip puts the bundled pip into the running
interpreter's environment, then that pip installs the requested packages from
the package index the machine is configured for.
"""
# standin-marker: winrepair getpip_standin (tools/sanity.sh replaces files carrying this line)
from __future__ import annotations

import subprocess
import sys

# Options of the real get-pip.py that plain `pip install` does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> int:
    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"],
                   check=True, stdout=subprocess.DEVNULL)
    if not any(not a.startswith("-") for a in args):
        return 0  # nothing named to install: ensurepip's pip is the result
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
