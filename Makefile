# `make demo` and `make test` set everything up on a fresh machine (Python 3.11+, Terraform).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test fixtures bench clean

$(BIN)/accountguard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: $(BIN)/accountguard
	@echo "== the secure baseline =="
	$(BIN)/accountguard plan fixtures/baseline.json || true
	@echo
	@echo "== an account set up the quick way =="
	$(BIN)/accountguard plan fixtures/naive-account.json || true
	@echo
	@echo "== the same, as pytest sees it =="
	$(BIN)/pytest -q --tb=no -rf --plan fixtures/baseline.json --plan fixtures/naive-account.json || true

test: $(BIN)/accountguard
	$(BIN)/pytest

fixtures: $(BIN)/accountguard
	$(BIN)/python tests/fixturegen.py

bench: $(BIN)/accountguard
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) bench/out
