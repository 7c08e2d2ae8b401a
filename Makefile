# Works on a fresh machine that has only python3: creates .venv when missing, installs, runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck schema bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/billingcore check plans rules
	$(BIN)/billingcore run tests/scenarios/duda/billing-example.yaml

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/billingcore check plans rules

schema: $(STAMP)
	$(BIN)/billingcore schema plan > schema/plan.schema.json
	$(BIN)/billingcore schema rules > schema/rules.schema.json

bench: $(STAMP)
	$(BIN)/python benchmarks/bill_run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
