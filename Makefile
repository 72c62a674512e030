# The two commands a newcomer needs:  make local   (main job)   and   make test.
# Both install what they need first (make setup): Python packages from Pipfile.lock into .venv/,
# pipenv and checkov into .tools/. Terraform must be on PATH (see README, "Requirements").

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# Installers write to a log under .tools/; it is printed only when they fail.
LOGGED = > .tools/$(1).log 2>&1 || { cat .tools/$(1).log; echo "make: $(1) failed (log: .tools/$(1).log)" >&2; exit 1; }
# Some machines point TF_CLI_CONFIG_FILE at a file that does not exist; Terraform then warns on every call.
TERRAFORM_ENV := $(if $(and $(TF_CLI_CONFIG_FILE),$(wildcard $(TF_CLI_CONFIG_FILE))),,env -u TF_CLI_CONFIG_FILE)
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

.PHONY: setup synth validate test test-unit policy local bench lint clean cluster-checks cdktf-synth preflight

setup: .venv/.synced $(CHECKOV)

$(PIPENV):
	@echo "==> installing pipenv into .tools/pipenv"
	@mkdir -p .tools && $(PYTHON) -m venv .tools/pipenv && .tools/pipenv/bin/pip install pipenv==2026.10.3 $(call LOGGED,pipenv-install)

.venv/.synced: Pipfile.lock | $(PIPENV)
	@echo "==> installing Python packages from Pipfile.lock into .venv"
	@$(PIPENV) sync --dev $(call LOGGED,pipenv-sync)
	@touch $@

# checkov pins dependencies that conflict with the project's; it lives in its own environment.
$(CHECKOV):
	@echo "==> installing checkov $(CHECKOV_VERSION) into .tools/checkov"
	@mkdir -p .tools && $(PYTHON) -m venv .tools/checkov && .tools/checkov/bin/pip install "checkov==$(CHECKOV_VERSION)" $(call LOGGED,checkov-install)

synth: .venv/.synced
	@$(VENV)/python tap.py $(ENV)

validate: .venv/.synced
	@$(VENV)/python -m scripts.terraform_validate $(ENV)

# Everything but the integration checks, which need a deployment: make local runs them.
test: setup
	@$(VENV)/python -m pytest -m "not integration"

test-unit: .venv/.synced
	@$(VENV)/python -m pytest -m "not slow and not integration"

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

# Before the workloads apply: every image the environment deploys is in ECR (README, "Deploying to real AWS").
preflight: .venv/.synced
	@$(VENV)/python -m scripts.preflight $(ENV)

# Operators: the kubectl-level checks against a live cluster (README, "Checking a live cluster").
cluster-checks: .venv/.synced
	@$(VENV)/python -m pytest tests/integration/test_cluster.py -v

# The cdktf CLI path (optional for users; CI checks it): npm installs the pinned CLI.
node_modules/.bin/cdktf: package.json package-lock.json
	@echo "==> installing the pinned cdktf CLI (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

cdktf-synth: .venv/.synced node_modules/.bin/cdktf
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(ENV) $(TERRAFORM_ENV) npx cdktf synth
