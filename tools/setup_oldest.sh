#!/usr/bin/env bash
# .venv-core217: ansible-core 2.17 (the oldest meta/runtime.yml admits) on
# Python 3.11, for a subset of the end-to-end tests (requirements/e2e-oldest.in
# pinned by requirements/constraints-core2.17-py3.11.txt), with the lowest
# ansible.windows galaxy.yml admits in its own tree build/collections-core217:
# the PyPI bundle ansible 10.7.0 (the last for ansible-core 2.17) ships
# ansible.windows 2.5.0 (and community.windows 2.3.0).
#   tools/setup_oldest.sh [VENV_DIR] [COLLECTIONS_DIR]
exec bash "$(dirname "$0")/setup_side_venv.sh" 3.11 "${1:-.venv-core217}" \
    requirements/e2e-oldest.in requirements/constraints-core2.17-py3.11.txt \
    ansible==10.7.0 "${2:-build/collections-core217}"
