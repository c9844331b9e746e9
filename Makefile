# Steward: the two commands a user needs are `make demo` and `make test`; both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs python3.13, and so do the tests, the demo and `sam build`.
PYTHON313 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1) $$(command -v python3.13); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && echo "$$p" && break; done)
VENV := .venv
BIN := $(VENV)/bin
# checkov gets a venv of its own: its pins would fight boto3/moto's in the main one.
CHECKOV_VENV := .venv-checkov
TRANSLATED := .aws-sam/translated-template.json
export SAM_CLI_TELEMETRY := 0
# Never let a developer's AWS profile or endpoint leak into the local runs.
unexport AWS_PROFILE AWS_ENDPOINT_URL

.PHONY: help venv lint typecheck validate checkov build unit test demo plan bench invoke clean

help:
	@echo "make demo   - run Steward against a local fake AWS (moto) and print what it decided"
	@echo "make test   - lint, type check, template lint, checkov, build, and the test suite"
	@echo "make plan   - \`steward plan\` on the demo fleet (local fake AWS), then the sweeps: the same, item for item"
	@echo "make bench  - cold start of each handler, and the sweep over 10,000 backups at 25 ms per AWS request"
	@echo "             (BACKUPS=100000 for the large fleet; BENCH_ARGS=--help for the rest)"
	@echo "make invoke FUNCTION=retention EVENT=events/retention-schedule.json [ARGS=--seed --live]"
	@echo "             - one handler with one sample event, as sam local invoke would, without Docker"

$(BIN)/.installed: requirements-dev.txt layers/steward/requirements.txt
	@test -n "$(PYTHON313)" || { echo "python3.13 not found: install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13" >&2; exit 1; }
	$(PYTHON313) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy layers/steward/steward functions sandbox

validate: venv
	$(BIN)/sam validate --lint

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	@test -n "$(PYTHON313)" || { echo "python3.13 not found: install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13" >&2; exit 1; }
	$(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# checkov reads the template as CloudFormation will deploy it (SAM translated offline); a check
# that does not apply is suppressed in the resource's Metadata with its reason.
checkov: venv $(CHECKOV_VENV)/.installed
	@mkdir -p $(dir $(TRANSLATED))
	$(BIN)/python -m sandbox.translate template.yaml $(TRANSLATED)
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation -f $(TRANSLATED)

# sam build needs a real python3.13 first on PATH: the venv's is one.
build: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build
	$(BIN)/python -m sandbox.check_build .aws-sam/build

unit: venv
	$(BIN)/python -m pytest

test: lint typecheck validate checkov build unit

demo: venv
	$(BIN)/python -m sandbox.demo

plan: venv
	$(BIN)/python -m sandbox.plan_demo

# The cold start is a figure, not a gate here: a busy machine can miss the goal (make test gates the build).
BACKUPS ?= 10000
bench: build
	-$(BIN)/python -m sandbox.coldstart .aws-sam/build
	$(BIN)/python -m sandbox.bench --backups $(BACKUPS) $(BENCH_ARGS)

# The stack set's member template (docs/organisation.md). Writes locally; to upload, pass e.g.
# ORG_ARGS="--bucket-prefix acme-steward --regions eu-west-1,us-east-1" with credentials.
.PHONY: org-template
ORG_ARGS ?= --bucket-prefix steward-code --regions us-east-1 --no-upload
org-template: build
	$(BIN)/python -m sandbox.org_template $(ORG_ARGS)

FUNCTION ?= retention
EVENT ?= events/retention-schedule.json
invoke: venv
	$(BIN)/python -m sandbox.invoke $(FUNCTION) $(EVENT) $(ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .aws-sam .hypothesis .mypy_cache .ruff_cache
