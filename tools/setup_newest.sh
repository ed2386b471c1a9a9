#!/usr/bin/env bash
# .venv-core221: ansible-core 2.21 on Python 3.13, for the end-to-end tests
# (requirements/e2e.in pinned by requirements/constraints-py3.13.txt).
#   tools/setup_newest.sh [VENV_DIR]
exec bash "$(dirname "$0")/setup_side_venv.sh" 3.13 "${1:-.venv-core221}" \
    requirements/e2e.in requirements/constraints-py3.13.txt
