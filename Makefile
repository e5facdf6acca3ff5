# `make demo` and `make test` set everything up on a fresh machine (Python 3.11+, Terraform).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# checkov pins its own boto3 and hcl2 fork: it gets a virtual environment of its own.
CHECKOV_VERSION := 3.3.30
CHECKOV := .venv-checkov/bin/checkov
export ACCOUNTGUARD_COMMAND := $(CURDIR)/$(BIN)/accountguard
export ACCOUNTGUARD_CHECKOV := $(CURDIR)/$(CHECKOV)

.PHONY: demo test fixtures schema bench clean

$(BIN)/accountguard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet "checkov==$(CHECKOV_VERSION)"
	touch $@

demo: $(BIN)/accountguard $(CHECKOV)
	@echo "== the secure baseline =="
	$(BIN)/accountguard plan fixtures/baseline.json || true
	@echo
	@echo "== an account set up the quick way =="
	$(BIN)/accountguard plan fixtures/naive-account.json || true
	@echo
	@echo "== a pull request that turns CloudTrail logging off, against an applied account =="
	$(BIN)/accountguard plan fixtures/changes/trail-logging-off.json --fail-on regressions || true
	@echo
	@echo "== an account with old findings, a change that weakens nothing: passes with --fail-on regressions =="
	$(BIN)/accountguard plan fixtures/changes/weak-account-unchanged.json --fail-on regressions | tail -n 1
	@echo
	@echo "== the same, as pytest sees it =="
	$(BIN)/pytest -q --tb=no -rf --plan fixtures/baseline.json --plan fixtures/naive-account.json || true
	@echo
	@echo "== accountguard live, against two accounts on an embedded moto server (no AWS account needed) =="
	$(BIN)/python tests/live_demo.py
	@echo "== checkov with accountguard's checks, on the directory and its plan =="
	$(CHECKOV) --quiet --compact --skip-download --check AG_TRAIL_1,AG_MFA_2 -d examples/no-trail \
		-f fixtures/user-outside-mfa-group.json --external-checks-dir "$$($(BIN)/accountguard checkov-dir)" || true

test: $(BIN)/accountguard $(CHECKOV)
	$(BIN)/pytest

fixtures: $(BIN)/accountguard
	$(BIN)/python tests/fixturegen.py

schema: $(BIN)/accountguard
	$(BIN)/python tests/schemagen.py

bench: $(BIN)/accountguard $(CHECKOV)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-checkov bench/out
