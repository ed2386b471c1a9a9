#!/usr/bin/env bash
# .venv-core217: ansible-core 2.17 (the oldest meta/runtime.yml admits) on
# Python 3.11, for a subset of the end-to-end tests (requirements/e2e-oldest.in
# pinned by requirements/constraints-core2.17-py3.11.txt).
#   tools/setup_oldest.sh [VENV_DIR]
exec bash "$(dirname "$0")/setup_side_venv.sh" 3.11 "${1:-.venv-core217}" \
    requirements/e2e-oldest.in requirements/constraints-core2.17-py3.11.txt
