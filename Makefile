# The two commands a newcomer needs:  make local   (main job)   and   make test.
# Both install what they need first (make setup): Python packages from Pipfile.lock into .venv/,
# pipenv and checkov into .tools/. Python 3.11, Node.js >= 20 and Terraform >= 1.10 must be on PATH
# (README, "Requirements"); each target checks the tools it needs first, one line per missing tool.

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
# Installers and long runs say how long they took; first-run times are in the README.
TOOK = echo "    done in $${SECONDS}s"

.DEFAULT_GOAL := setup
.PHONY: setup synth validate test test-faults test-unit policy local bench lint clean cluster-checks cdktf-synth cdktf-deploy requirements stack-named preflight deploy-workloads

# The tools each target needs (app_support/requirements.py), checked before anything is installed or run.
setup lint cluster-checks preflight: NEEDS = python
synth test-unit policy deploy-workloads: NEEDS = python node
test test-faults local validate bench: NEEDS = python node terraform
cdktf-synth: NEEDS = python node npm
cdktf-deploy: NEEDS = python node npm terraform
# They run with the project's interpreter once it is installed, else with the one that will install it.
CHECK_PYTHON = $(if $(wildcard .venv/.synced),$(VENV)/python,$(PYTHON))
requirements:
	@$(CHECK_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null || \
	  { echo "error: $(CHECK_PYTHON) is missing or far older than Python 3.11: install 3.11, or name it with PYTHON=python3.11" >&2; exit 2; }
	@$(CHECK_PYTHON) -m app_support.requirements $(NEEDS)

setup: requirements .venv/.synced $(CHECKOV)

$(PIPENV):
	@echo "==> installing pipenv into .tools/pipenv (about 15 s the first time)"
	@mkdir -p .tools && $(PYTHON) -m venv .tools/pipenv && .tools/pipenv/bin/pip install pipenv==2026.10.3 $(call LOGGED,pipenv-install); $(TOOK)

.venv/.synced: Pipfile.lock | $(PIPENV)
	@echo "==> installing Python packages from Pipfile.lock into .venv (1.5 GB: 2 to 4 minutes the first time)"
	@$(PIPENV) sync --dev $(call LOGGED,pipenv-sync); $(TOOK)
	@touch $@

# checkov pins dependencies that conflict with the project's; it lives in its own environment.
$(CHECKOV):
	@echo "==> installing checkov $(CHECKOV_VERSION) into .tools/checkov (1 to 2 minutes the first time)"
	@mkdir -p .tools && $(PYTHON) -m venv .tools/checkov && .tools/checkov/bin/pip install "checkov==$(CHECKOV_VERSION)" $(call LOGGED,checkov-install); $(TOOK)

synth: requirements .venv/.synced
	@$(VENV)/python tap.py $(ENV)

# Exit status 3 when a stack could not be validated (no providers for it); ALLOW_PARTIAL=1 accepts that.
validate: requirements .venv/.synced
	@$(VENV)/python -m scripts.terraform_validate $(ENV) $(if $(ALLOW_PARTIAL),--allow-partial)

# Everything but the integration checks, which need a deployment: make local runs them.
test: requirements setup
	@$(VENV)/python -m pytest -m "not integration and not emulator"

# make local under faults (the emulator killed, Ctrl-C, SIGTERM, a killed runner): minutes each; CI runs them.
test-faults: requirements setup
	@$(VENV)/python -m pytest -m emulator tests/scripts

test-unit: requirements .venv/.synced
	@$(VENV)/python -m pytest -m "not slow and not integration"

policy: requirements setup
	@$(VENV)/python -m scripts.policy_gate

local: requirements .venv/.synced
	@$(VENV)/python -m scripts.local_run

bench: requirements .venv/.synced
	@echo "==> make bench: synth and its import floor (3 runs each), a naive synth, the unit tier and the full suite (about 5 minutes)"
	@$(VENV)/python bench/run.py $(ARGS)

lint: requirements .venv/.synced
	@$(VENV)/ruff check . && $(VENV)/ruff format --check .

# Everything generated; the installs (.venv, .tools, node_modules) stay.
clean:
	rm -rf cdktf.out terraform-state .synth-* .pytest_cache .hypothesis .ruff_cache bench/results
	find . -name __pycache__ -type d -not -path "./.venv/*" -not -path "./.tools/*" -not -path "./node_modules/*" -prune -exec rm -rf {} +

# Before the workloads apply: every image the environment deploys is in ECR (README, "Deploying to real AWS").
preflight: requirements .venv/.synced
	@$(VENV)/python -m scripts.preflight $(ENV)

# Where the API endpoint is private (prod): synthesize, then apply the workloads through the runner in the VPC (docs/deploy-runner.md).
deploy-workloads: requirements .venv/.synced ## apply the workloads stack through the in-VPC CodeBuild runner (ENV=prod; PLAN=1 plans only)
	@$(VENV)/python tap.py $(ENV) && $(VENV)/python -m scripts.deploy_workloads $(ENV) $(if $(PLAN),--plan)

# Operators: the kubectl-level checks against a live cluster (README, "Checking a live cluster").
cluster-checks: requirements .venv/.synced
	@$(VENV)/python -m pytest tests/integration/test_cluster.py -v

# The cdktf CLI path (optional for users; CI checks it): npm installs the pinned CLI.
node_modules/.bin/cdktf: package.json package-lock.json
	@echo "==> installing the pinned cdktf CLI into node_modules (npm ci; about 1 minute the first time)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

cdktf-synth: requirements .venv/.synced node_modules/.bin/cdktf
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(ENV) $(TERRAFORM_ENV) npx cdktf synth

stack-named:
	@test -n "$(STACK)" || { echo "error: name the stack: make cdktf-deploy ENV=$(ENV) STACK=tap-platform-$(ENV) (then tap-workloads-$(ENV))" >&2; exit 2; }

# `npx cdktf deploy` through the Makefile: make cdktf-deploy ENV=prod STACK=tap-platform-prod [ARGS=...]
cdktf-deploy: requirements stack-named .venv/.synced node_modules/.bin/cdktf
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(ENV) $(TERRAFORM_ENV) npx cdktf deploy $(STACK) $(ARGS)
