# The two commands a newcomer needs:  make local   (main job)   and   make test.
# Both install what they need first (make setup): Python packages from Pipfile.lock into .venv/,
# pipenv and checkov into .tools/. Terraform must be on PATH (see README, "Requirements").

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# This machine's pip configuration names local indexes that lack most packages; pip warns about each.
QUIET_PIP := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PYTHON ?= python3
ENV ?= dev
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
export PIPENV_VERBOSITY := -1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
VENV := .venv/bin
PIPENV := .tools/pipenv/bin/pipenv
CHECKOV := .tools/checkov/bin/checkov
CHECKOV_VERSION := 3.3.30

.PHONY: setup synth validate test test-unit policy local bench lint clean cluster-checks cdktf-synth

setup: .venv/.synced $(CHECKOV)

$(PIPENV):
	@echo "==> installing pipenv into .tools/pipenv"
	@$(PYTHON) -m venv .tools/pipenv && .tools/pipenv/bin/pip install -q pipenv==2026.10.3 $(QUIET_PIP)

.venv/.synced: Pipfile.lock | $(PIPENV)
	@echo "==> installing Python packages from Pipfile.lock into .venv"
	@$(PIPENV) sync --dev $(QUIET_PIP) | { grep -v -E "^(Installing|Installing dependencies|To activate|All dependencies)" || true; }
	@touch $@

# checkov pins dependencies that conflict with the project's; it lives in its own environment.
$(CHECKOV):
	@echo "==> installing checkov $(CHECKOV_VERSION) into .tools/checkov"
	@$(PYTHON) -m venv .tools/checkov && .tools/checkov/bin/pip install -q "checkov==$(CHECKOV_VERSION)" $(QUIET_PIP)

synth: .venv/.synced
	@$(VENV)/python tap.py $(ENV)

validate: .venv/.synced
	@$(VENV)/python -m scripts.terraform_validate $(ENV)

test: setup
	@$(VENV)/python -m pytest

test-unit: .venv/.synced
	@$(VENV)/python -m pytest -m "not slow"

policy: setup
	@$(VENV)/python -m scripts.policy_gate

local: .venv/.synced
	@$(VENV)/python -m scripts.local_run

bench: .venv/.synced
	@$(VENV)/python bench/run.py $(ARGS)

lint: .venv/.synced
	@$(VENV)/ruff check . && $(VENV)/ruff format --check .

clean:
	rm -rf cdktf.out terraform-state .pytest_cache

# Operators: the kubectl-level checks against a live cluster (README, "Checking a live cluster").
cluster-checks: .venv/.synced
	@$(VENV)/python -m pytest tests/integration/test_cluster.py -v

# The cdktf CLI path (optional for users; CI checks it): npm installs the pinned CLI.
node_modules/.bin/cdktf: package.json package-lock.json
	@echo "==> installing the pinned cdktf CLI (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

cdktf-synth: .venv/.synced node_modules/.bin/cdktf
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(ENV) npx cdktf synth
