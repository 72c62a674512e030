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
# Every variable a user sets is kept as the literal text given: make expands a recursive variable when
# it exports it to a recipe's environment (any target, even `make help`), so `ENV='$(shell ...)'` would
# run before any check. `$(value X)` is the text as given, never expanded; the checks below then read it.
USER_VARIABLES := ENV STACK ARGS PLAN FROM RUNS LOAD SHOW ALLOW_PARTIAL NAME
$(foreach variable,$(USER_VARIABLES),$(if $(filter-out undefined default,$(origin $(variable))),$(eval override $(variable) := $$(value $(variable)))))
# Variables from the command line reach shell lines: each is checked here, before any recipe runs, against
# a character allowlist (make functions only; `$(value X)` so that make does not expand `$(shell ...)` in
# it first). A refusal is one line naming the variable, exit status 2.
SAFE_NAME_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 - _ .
SAFE_ARG_CHARS := $(SAFE_NAME_CHARS) / = , : @ +
# $(call unsafe_chars,TEXT,ALLOWED): what is left of TEXT once every allowed character is removed (no $(eval):
# a newline in TEXT would make it two makefile lines).
unsafe_chars = $(strip $(if $(2),$(call unsafe_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,999,$(2))),$(1)))
# $(call check_var,NAME,ALLOWED,WORDS): refuse NAME unless its raw value has only ALLOWED characters (and, when WORDS is 1,
# is one word not starting with '-': it is a program's argument, and `ENV=--allow-partial` would be read as an option).
check_var = $(if $(or $(call unsafe_chars,$(value $(1)),$(2)),$(and $(filter 1,$(3)),$(or $(word 2,$(value $(1))),$(filter -%,$(value $(1)))))),$(error $(1) is refused: $(if $(filter 1,$(3)),one word of ,)letters, digits and $(wordlist 63,99,$(2)) only$(if $(filter 1,$(3)),$(comma) not starting with -,) (it reaches a shell line)))
comma := ,
$(call check_var,PYTHON,$(SAFE_ARG_CHARS),1)
# ENV, STACK and ARGS are checked where a recipe uses them (when make expands that recipe, before its shell
# runs): a shell's own ENV in the environment (some set it to a startup file) stops only the targets that use it.
SAFE_ENV = $(call check_var,ENV,$(SAFE_NAME_CHARS),1)$(ENV)
SAFE_STACK = $(call check_var,STACK,$(SAFE_NAME_CHARS),1)$(STACK)
SAFE_ARGS = $(call check_var,ARGS,$(SAFE_ARG_CHARS))$(ARGS)
SAFE_PLAN = $(call check_var,PLAN,$(SAFE_ARG_CHARS),1)$(PLAN)
SAFE_FROM = $(call check_var,FROM,$(SAFE_ARG_CHARS),1)$(FROM)
SAFE_RUNS = $(call check_var,RUNS,$(SAFE_NAME_CHARS),1)$(RUNS)
SAFE_LOAD = $(call check_var,LOAD,$(SAFE_NAME_CHARS),1)$(LOAD)
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

.DEFAULT_GOAL := help
.PHONY: help addon-versions new-service check-service service-name warnings setup synth validate test test-faults test-unit policy local soak bench lint clean cluster-checks cdktf-synth cdktf-deploy requirements stack-named preflight plan-check deploy-workloads

# `make` alone lists the targets: every rule line `target: deps ## description` is one line of help.
help: ## list the targets, one line each (this list)
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-zA-Z][a-zA-Z0-9_.-]*:[^=]*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# The tools each target needs (app_support/requirements.py), checked before anything is installed or run.
setup lint cluster-checks preflight addon-versions: NEEDS = python
synth test-unit policy deploy-workloads: NEEDS = python node
test test-faults local soak validate bench: NEEDS = python node terraform
cdktf-synth: NEEDS = python node npm
cdktf-deploy: NEEDS = python node npm terraform
# They run with the project's interpreter once it is installed, else with the one that will install it.
CHECK_PYTHON = $(if $(wildcard .venv/.synced),$(VENV)/python,$(PYTHON))
requirements: ## check the tools the targets need (python, node, npm, terraform), one line per missing tool
	@$(CHECK_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null || \
	  { echo "error: $(CHECK_PYTHON) is missing or far older than Python 3.11: install 3.11, or name it with PYTHON=python3.11" >&2; exit 2; }
	@$(CHECK_PYTHON) -m app_support.requirements $(NEEDS)

setup: requirements .venv/.synced $(CHECKOV) ## install the Python packages into .venv/ and checkov into .tools/ (both commands run it)

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

synth: requirements .venv/.synced ## synthesize both stacks of ENV (default dev) into cdktf.out/
	@$(VENV)/python tap.py $(SAFE_ENV)

# Exit status 3 when a stack could not be validated (no providers for it); ALLOW_PARTIAL=1 accepts that.
validate: requirements .venv/.synced ## terraform validate the synthesized stacks of ENV (ALLOW_PARTIAL=1 accepts a stack without providers)
	@$(VENV)/python -m scripts.terraform_validate $(SAFE_ENV) $(if $(ALLOW_PARTIAL),--allow-partial)

# Everything but the integration checks, which need a deployment: make local runs them.
test: requirements setup ## the tests: unit, chart rendering, terraform validate, checkov policy gate, bad-input corpus
	@$(VENV)/python -m pytest -m "not integration and not emulator"

# make local under faults (the emulator killed, Ctrl-C, SIGTERM, a killed runner): minutes each; CI runs them.
test-faults: requirements setup ## make local under faults (emulator killed, Ctrl-C, SIGTERM, killed runner): minutes each
	@$(VENV)/python -m pytest -m emulator tests/scripts

test-unit: requirements .venv/.synced ## the fast tests only (no subprocess synths, terraform or checkov)
	@$(VENV)/python -m pytest -m "not slow and not integration"

policy: requirements setup ## the checkov policy gate on the synthesized stacks
	@$(VENV)/python -m scripts.policy_gate

local: requirements .venv/.synced ## the main job: deploy the platform onto the embedded AWS emulator, check it, re-plan, destroy
	@$(VENV)/python -m scripts.local_run

# make local under load, several times in a row (the flake of issue 23 was a race seen only on a loaded machine).
RUNS ?= 5
soak: requirements .venv/.synced ## make local's pipeline RUNS times (default 5) beside LOAD busy processes (default: one per core); one line per run
	@$(VENV)/python -m scripts.soak --runs $(SAFE_RUNS) $(if $(LOAD),--load $(SAFE_LOAD))

bench: requirements .venv/.synced ## measure the synth, its import floor, the inner loop and make test (several minutes; ARGS=--scale for 100 services)
	@echo "==> make bench: import floor, synth of 3 and of 100 services, check-service (back to back, 4 rounds), then make test-unit and make test (about 6 minutes)"
	@$(VENV)/python bench/run.py $(SAFE_ARGS)

lint: requirements .venv/.synced ## ruff check and ruff format --check
	@$(VENV)/ruff check . && $(VENV)/ruff format --check .

# Everything generated; the installs (.venv, .tools, node_modules) stay.
clean: ## remove everything generated (cdktf.out, state, caches); the installs stay
	rm -rf cdktf.out terraform-state .synth-* .pytest_cache .hypothesis .ruff_cache bench/results
	find . -name __pycache__ -type d -not -path "./.venv/*" -not -path "./.tools/*" -not -path "./node_modules/*" -prune -exec rm -rf {} +

# A synth counts the example values still in place in one line; this lists each, with the other deploy warnings.
warnings: requirements .venv/.synced ## list in full what ENV must change before deploying to AWS (example values, quotas, Kubernetes support)
	@$(VENV)/python -m scripts.deploy_warnings $(SAFE_ENV)

# Before the workloads apply: every image the environment deploys is in ECR (docs/platform-team.md).
preflight: requirements .venv/.synced warnings ## before a real workloads apply: every image ENV deploys is in ECR (after the deploy warnings, in full); exit 2 without credentials or ECR
	@$(VENV)/python -m scripts.preflight $(SAFE_ENV)

# A service's NAME is checked by make itself before any shell sees it: $(value NAME) is the text as
# given (never expanded), and only a name made of a-z, 0-9 and '-' (one word) reaches a recipe.
NAME_CHARACTERS := a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 -
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
SAFE_NAME := $(if $(filter 1,$(words $(value NAME))),$(if $(or $(call without,$(value NAME),$(NAME_CHARACTERS)),$(filter -%,$(value NAME))),,$(value NAME)))
NAME_RULE := NAME: a service name of lower-case letters, digits and '-' is required, e.g. NAME=shop (nothing written)

service-name: ## (internal) refuse a missing or unsafe NAME in one line
	@$(if $(SAFE_NAME),:,echo "error: $(NAME_RULE)" >&2; exit 2)

new-service: service-name requirements .venv/.synced ## create services/NAME/ (service.yaml, values.yaml) that synthesizes as is
	@$(VENV)/python -m scripts.new_service $(SAFE_NAME)

# Without ENV on the command line, every environment (a values.yaml change reaches them all).
check-service: service-name requirements .venv/.synced ## a service team's inner loop: check NAME's files and render its chart, no synth (ENV=, SHOW=1)
	@$(VENV)/python -m scripts.check_service $(SAFE_NAME) $(if $(filter file,$(origin ENV)),,$(SAFE_ENV)) $(if $(SHOW),--show)

# The reviewed add-on versions (config/eks_addons.yaml) against what EKS offers in the account (needs credentials).
addon-versions: requirements .venv/.synced ## compare config/eks_addons.yaml with the add-on versions EKS offers (ENV=..., real account)
	@$(VENV)/python -m scripts.addon_versions $(SAFE_ENV)
# The pinned third-party charts into charts/vendor/ (not committed), each checked against charts/third_party.lock.json.
.PHONY: vendor-charts
vendor-charts: NEEDS = python
vendor-charts: requirements .venv/.synced ## download the pinned third-party charts into charts/vendor/ and verify their digests (FROM=DIR: take them from extracted charts)
	@$(VENV)/python -m scripts.vendor_charts $(if $(FROM),--from $(SAFE_FROM))
# Before applying a protected environment's platform stack (docs/operations.md): PLAN is a saved plan or its `terraform show -json`.
plan-check: requirements .venv/.synced ## fail when ENV's plan (PLAN=...) would delete or replace a guarded resource (ECR, logs, secrets, keys, buckets, cluster)
	@test -n "$(SAFE_PLAN)" || { echo "error: PLAN: name the plan: terraform plan -out=platform.tfplan in cdktf.out/stacks/tap-platform-$(SAFE_ENV), then make plan-check ENV=$(SAFE_ENV) PLAN=<its path>" >&2; exit 2; }
	@$(VENV)/python -m scripts.plan_guard $(SAFE_ENV) $(SAFE_PLAN)

# Operators: the kubectl-level checks against a live cluster (docs/operators.md).
# Exit status 2 and one line when nothing could be checked (no KUBECONFIG, no outputs, cluster unreachable).
cluster-checks: requirements .venv/.synced ## the checks against a live cluster (KUBECONFIG, TAP_ENV, TAP_OUTPUTS_FILE); exit 2 if none could run
	@$(VENV)/python -m scripts.cluster_checks $(SAFE_ARGS)

# Where the API endpoint is private (prod): synthesize, then apply the workloads through the runner in the VPC (docs/deploy-runner.md).
deploy-workloads: requirements .venv/.synced ## apply the workloads stack through the in-VPC CodeBuild runner (ENV=prod; PLAN=1 plans only)
	@$(VENV)/python tap.py $(SAFE_ENV) && $(VENV)/python -m scripts.deploy_workloads $(SAFE_ENV) $(if $(PLAN),--plan)

# The cdktf CLI path (optional for users; CI checks it): npm installs the pinned CLI.
node_modules/.bin/cdktf: package.json package-lock.json
	@echo "==> installing the pinned cdktf CLI into node_modules (npm ci; about 1 minute the first time)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

cdktf-synth: requirements .venv/.synced node_modules/.bin/cdktf ## synthesize ENV through the pinned cdktf CLI
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(SAFE_ENV) $(TERRAFORM_ENV) npx cdktf synth

stack-named: ## (internal) refuse cdktf-deploy without STACK
	@test -n "$(SAFE_STACK)" || { echo "error: name the stack: make cdktf-deploy ENV=$(SAFE_ENV) STACK=tap-platform-$(SAFE_ENV) (then tap-workloads-$(SAFE_ENV))" >&2; exit 2; }

# `npx cdktf deploy` through the Makefile: make cdktf-deploy ENV=prod STACK=tap-platform-prod [ARGS=...]
cdktf-deploy: requirements stack-named .venv/.synced node_modules/.bin/cdktf ## deploy STACK of ENV to real AWS through the cdktf CLI (ARGS=... passed on)
	@CHECKPOINT_DISABLE=1 TAP_ENV=$(SAFE_ENV) $(TERRAFORM_ENV) npx cdktf deploy $(SAFE_STACK) $(SAFE_ARGS)
