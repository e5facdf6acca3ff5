# `make demo` and `make test` set everything up on a fresh machine (Python 3.11+, Terraform).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# checkov pins its own boto3 and hcl2 fork: it gets a virtual environment of its own.
CHECKOV_VERSION := 3.3.30
CHECKOV := .venv-checkov/bin/checkov
export ACCOUNTGUARD_COMMAND := $(CURDIR)/$(BIN)/accountguard
export ACCOUNTGUARD_CHECKOV := $(CURDIR)/$(CHECKOV)
, := ,

.PHONY: demo test fixtures schema bench clean

# The two environments are set up side by side by uv, which the pip Python brings fetches from
# PyPI into .venv-uv: pip took about twice as long, a minute of every `make test` on 2 cores.
# Compiled as installed: the tests start hundreds of Python processes, and with
# PYTHONDONTWRITEBYTECODE set each would compile what it imports again.
MAKEFLAGS += --jobs=2
UV := .venv-uv/bin/uv
UV_INSTALL = $(UV) pip install --quiet --compile-bytecode

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .venv-uv uv

# --seed: pip in the environment, for tests/test_install.py's `pip wheel`
$(BIN)/accountguard: pyproject.toml | $(UV)
	$(UV) venv --quiet --clear --seed --python $(PYTHON) $(VENV)
	$(UV_INSTALL) --python $(BIN)/python -e ".[test]"
	touch $@

$(CHECKOV): | $(UV)
	$(UV) venv --quiet --clear --python $(PYTHON) .venv-checkov
	$(UV_INSTALL) --python .venv-checkov/bin/python "checkov==$(CHECKOV_VERSION)"
	touch $@

# $(call outcome,COMMAND[,FILTER]): run a demo step, show its output (through FILTER), then
# say plainly how it ended. accountguard's exit codes: 0 passes, 1 fails, 2 cannot judge.
define outcome
	@out="$$($(1) 2>&1)"; status=$$?; printf '%s\n' "$$out" | $(or $(2),cat); \
	case $$status in \
	  0) echo "=> exit 0: PASSES";; \
	  1) echo "=> exit 1: FAILS (a CI job stops here)";; \
	  *) echo "=> exit $$status: cannot be judged";; \
	esac; echo
endef

demo: $(BIN)/accountguard $(CHECKOV)
	@echo "== the secure baseline: expected to pass =="
	$(call outcome,$(BIN)/accountguard plan fixtures/baseline.json)
	@echo "== an account set up the quick way: expected to fail =="
	$(call outcome,$(BIN)/accountguard plan fixtures/naive-account.json)
	@echo "== a pull request that turns CloudTrail logging off, against an applied account: expected to fail =="
	$(call outcome,$(BIN)/accountguard plan fixtures/changes/trail-logging-off.json --fail-on regressions)
	@echo "== an account with old findings, a change that weakens nothing, --fail-on regressions: expected to pass =="
	$(call outcome,$(BIN)/accountguard plan fixtures/changes/weak-account-unchanged.json --fail-on regressions,tail -n 1)
	@echo "== the same plans as pytest sees them (the naive account fails) =="
	$(call outcome,$(BIN)/pytest -q --tb=no -rf --plan fixtures/baseline.json --plan fixtures/naive-account.json)
	@echo "== accountguard live, against two accounts on an embedded moto server (no AWS account needed) =="
	$(BIN)/python tests/live_demo.py
	@echo "== checkov with accountguard's checks, on a directory without a trail and a plan with a user outside the MFA group: expected to fail =="
	$(call outcome,ACCOUNTGUARD_TREE=$(CURDIR)/examples $(CHECKOV) --quiet --compact --skip-download --check AG_TRAIL_1$(,)AG_MFA_2 -d examples/no-trail \
		-f fixtures/user-outside-mfa-group.json --external-checks-dir "$$($(BIN)/accountguard checkov-dir)")

# One pytest-xdist worker per logical CPU and one more: about a sixth of a worker's time is spent
# waiting (Terraform polling moto until a resource settles, the deadline tests), which the extra
# worker fills. (`auto` counts physical cores if psutil is installed, which can be 1 on a 2-vCPU
# runner.) --dist loadgroup keeps a group's tests on one worker (tests/conftest.py: the tests
# sharing a costly module fixture).
# Compiled once up front: the tests start hundreds of accountguard processes, and with
# PYTHONDONTWRITEBYTECODE set each would compile the package again.
test: $(BIN)/accountguard $(CHECKOV)
	$(BIN)/python -m compileall -q accountguard policies
	$(BIN)/pytest -n $$($(BIN)/python -c 'import os; print((os.cpu_count() or 1) + 1)') --dist loadgroup

fixtures: $(BIN)/accountguard
	$(BIN)/python tests/fixturegen.py

schema: $(BIN)/accountguard
	$(BIN)/python tests/schemagen.py

bench: $(BIN)/accountguard $(CHECKOV)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-checkov .venv-uv bench/out
