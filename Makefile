# newsdesk developer commands. Everything a fresh machine needs is installed from here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.13.0
UV_VERSION ?= 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONDONTWRITEBYTECODE := 1

# Python 3.13 (Lambda's runtime): pyenv's 3.13 if present, else python3.13 / python3.12 on PATH.
BASE_PYTHON := $(shell (PYENV_VERSION=$(PYTHON_VERSION) pyenv which python 2>/dev/null) || command -v python3.13 || command -v python3.12)

# Deployment tools, each in its own venv (aws-sam-cli and checkov pin conflicting dependencies),
# installed exactly from their locks in infra/deploy/tools/ (`make tools-lock` re-resolves them).
TOOL_VENVS := $(TOOLS)/sam/.installed $(TOOLS)/checkov/.installed
export SAM_CLI_TELEMETRY := 0

.PHONY: help run test test-fast e2e openapi lint format typecheck build bench lock requirements clean publish tools tools-lock gates erase load recompute-related recount-labels related-explain

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	@if [ -z "$(BASE_PYTHON)" ]; then \
		echo "error: Python 3.12+ not found. Install Python $(PYTHON_VERSION) (e.g. 'pyenv install $(PYTHON_VERSION)') and retry." >&2; exit 1; fi
	$(BASE_PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(BASE_PYTHON)
	@touch $@

venv: $(VENV)/.synced ## Create/refresh .venv (Python 3.13) from the lock

lock: | $(UV) ## Re-resolve uv.lock and regenerate functions/requirements.txt
	$(UV) lock --python $(BASE_PYTHON)
	$(MAKE) requirements

requirements: | $(UV) ## Regenerate functions/requirements.txt (what sam build ships) from uv.lock
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --no-header --quiet -o functions/requirements.txt

$(TOOLS)/%/.installed: infra/deploy/tools/%.txt | $(UV)
	rm -rf $(TOOLS)/$*
	$(UV) venv --quiet --python $(BASE_PYTHON) $(TOOLS)/$*
	$(UV) pip sync --quiet --python $(TOOLS)/$*/bin/python $<
	@touch $@

tools: $(TOOL_VENVS) ## Install sam and checkov into .tools/ from their locks

tools-lock: | $(UV) ## Re-resolve the deployment tools' locks (infra/deploy/tools/*.in → *.txt)
	for tool in sam checkov; do \
		$(UV) pip compile --quiet --universal --python-version 3.13 --no-header \
			--output-file infra/deploy/tools/$$tool.txt infra/deploy/tools/$$tool.in; done

gates: venv tools ## Template gates: cfn-lint, sam validate --lint, checkov (also run by make test)
	$(PY) -m infra.deploy.gates

lint: venv ## What the pre-commit hooks run: ruff, ruff format, mypy --strict, cfn-lint, secrets
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml
	@# Against a copy of the baseline: moved lines (exit 3) are fine, a new secret (1) is not.
	@copy=$$(mktemp) && cp .secrets.baseline $$copy && \
		git ls-files -z | grep -zvE '^(uv\.lock|tests/events/|\.secrets\.baseline$$)' | xargs -0 sh -c \
		'$(VENV)/bin/detect-secrets-hook --baseline "$$0" "$$@"; rc=$$?; [ $$rc -ne 3 ] || rc=0; exit $$rc' \
		$$copy; rc=$$?; rm -f $$copy; exit $$rc

format: venv ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv lint tools ## The whole suite on Python 3.13 (lint, types, template gates, built artifact, tests)
	$(PY) -m pytest

test-fast: venv ## The unit tier only (no AWS, no moto): the quick loop while coding
	$(PY) -m pytest tests/unit -q

e2e: venv ## The end-to-end tier: against API_URL=… BUCKET=… (a deployed stack), else a local stack
	$(PY) -m pytest tests/e2e -q

API_PORT ?= 3000
AWS_PORT ?= 5050

# make run FRESH=1: discard .local/snapshot.pickle; CORS_ORIGINS=a,b: the CorsAllowedOrigins
# parameter; RUN_ARGS: more options of `python -m infra.local --help`.
run: venv ## The local stack: moto + triggers from template.yaml + API on http://127.0.0.1:3000
	$(PY) -m infra.local --api-port $(API_PORT) --aws-port $(AWS_PORT) $(if $(FRESH),--fresh) \
		$(if $(CORS_ORIGINS),--parameter CorsAllowedOrigins=$(CORS_ORIGINS)) $(RUN_ARGS)

publish: venv ## Upload FILE=path/to/article.md to the running local stack (DELETE=1 unpublishes)
	@if [ -z "$(FILE)" ]; then echo "usage: make publish FILE=path/to/article.md [DELETE=1] [ARGS=…]" >&2; exit 2; fi
	$(PY) -m infra.local.publish "$(FILE)" $(if $(DELETE),--delete) $(ARGS)

erase: venv ## Erase every record of EMAIL=… (STACK=newsdesk-prod; LOCAL=1: local stack; else TABLE_NAME + CONTENT_BUCKET)
	@test -n "$(EMAIL)" || { echo "usage: make erase EMAIL=reader@example.dk [STACK=newsdesk-prod | LOCAL=1]" >&2; exit 2; }
	$(PY) -m infra.ops.erase_reader --email "$(EMAIL)" $(if $(LOCAL),--local) $(if $(STACK),--stack "$(STACK)")

recompute-related: venv ## Recompute every related list (resumable; STACK=newsdesk-prod, or ARGS="--local" for the local stack)
	$(PY) -m infra.ops.related_recompute $(if $(STACK),--stack "$(STACK)") $(ARGS)

recount-labels: venv ## Set every category/tag/author count right (STACK=newsdesk-prod, or ARGS="--local")
	$(PY) -m infra.ops.labels_recount $(if $(STACK),--stack "$(STACK)") $(ARGS)

related-explain: venv ## Why each related teaser of SLUG=… is there (local stack; STACK=newsdesk-prod; ARGS=--env for TABLE_NAME)
	@test -n "$(SLUG)" || { echo "usage: make related-explain SLUG=article-slug [STACK=newsdesk-prod | ARGS=--env]" >&2; exit 2; }
	$(PY) -m infra.ops.related_explain "$(SLUG)" $(if $(STACK),--stack "$(STACK)") $(ARGS)

bench: venv tools ## Benchmarks that print figures (cold start, request cost, related growth)
	$(PY) -m infra.bench

load: venv ## Bounded load on a private local stack (loopback): publish + read, verify nothing lost
	$(PY) -m infra.local.load $(LOAD_ARGS)

openapi: venv ## Refresh docs/openapi.json (the committed API contract) from the app
	$(PY) -m infra.deploy.openapi

build: venv tools ## sam build (Python 3.13, arm64) into .aws-sam/build, ready for sam deploy
	$(PY) -m infra.deploy.build

clean: ## Remove virtualenvs, build output and local state
	rm -rf $(VENV) $(TOOLS) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
