# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bench/common.measured splits a run's CPU into the process's own and its forks' (benchmark 1's rows)."""
from __future__ import annotations

import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import common  # noqa: E402

# The process burns CPU itself, then forks a child that burns as much and waits for it.
BURN = """
import os, time
def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
burn(0.4)
pid = os.fork()
if pid == 0:
    burn(0.6)
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="the split reads /proc")
def test_own_cpu_leaves_out_the_forks_cpu():
    run = common.measured([sys.executable, "-c", BURN], timeout=60, cwd=BENCH)
    assert run.rc == 0, run.tail()
    assert run.own_cpu is not None
    assert 0.35 <= run.own_cpu < 0.4 + 0.5, run.own_cpu  # its own burn (and the interpreter's start)
    assert run.cpu - run.own_cpu >= 0.55, (run.cpu, run.own_cpu)  # the fork's burn, counted in the total only
