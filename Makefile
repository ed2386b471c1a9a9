# The two commands the README documents: `make demo` and `make test`.
# Everything else here is what they build on.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/build/collections
export ANSIBLE_CONFIG := $(CURDIR)/tests/ansible.cfg
export PYTHONPATH := $(CURDIR)/tests
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup setup-e2e-newest setup-e2e-oldest test demo bench clean docs mutation

setup:
	@bash tools/setup_env.sh $(PYTHON) $(VENV)

# ansible-core 2.21 on pyenv's Python 3.13, for the end-to-end tests only.
setup-e2e-newest:
	@bash tools/setup_newest.sh

# ansible-core 2.17 (the oldest supported) on Python 3.11, for a subset of the end-to-end tests.
setup-e2e-oldest:
	@bash tools/setup_oldest.sh

# docs/modules.md and the roles' README variables, from the modules' DOCUMENTATION and the roles' argument specs.
docs: setup
	@$(VENV)/bin/python tools/gen_docs.py

test: setup
	@bash tools/run_tests.sh

demo: setup
	@bash tools/demo.sh

bench: setup
	@bash tools/bench.sh

# Mutation testing of the ladder's decisions (cosmic-ray, on a copy under build/mutation;
# about an hour on two cores). Not part of `make test`; the figure is in bench/RESULTS.md.
mutation: setup
	@bash tools/mutation.sh

clean:
	rm -rf $(VENV) .venv-* build .cache tests/output
