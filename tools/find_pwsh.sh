#!/usr/bin/env bash
# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Prints the path of a PowerShell 7 (pwsh) for the PowerShell test stage and
# exits 0; prints nothing and exits 1 when there is none. WINREPAIR_PWSH
# decides when set: "none" (behave as a machine without PowerShell) or the
# path of a pwsh. Otherwise looks at `pwsh` on PATH first, then at
# ../shared/tools/pwsh/pwsh beside the repository (the development and CI
# machines keep one there). This is the one file of the repository that may
# look outside it (tests/unit/test_self_contained.py).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${WINREPAIR_PWSH:-}" ]; then
    if [ "$WINREPAIR_PWSH" = none ]; then
        exit 1
    fi
    if [ -f "$WINREPAIR_PWSH" ] && [ -x "$WINREPAIR_PWSH" ]; then
        echo "$WINREPAIR_PWSH"
        exit 0
    fi
    echo "find_pwsh.sh: WINREPAIR_PWSH=$WINREPAIR_PWSH is not an executable file" >&2
    exit 1
fi
if found=$(command -v pwsh 2>/dev/null) && [ -n "$found" ]; then
    echo "$found"
    exit 0
fi
beside="$top/../shared/tools/pwsh/pwsh"
if [ -f "$beside" ] && [ -x "$beside" ]; then
    (cd "$(dirname "$beside")" && echo "$(pwd)/pwsh")
    exit 0
fi
exit 1
