# Works on a fresh machine that has only python3: creates .venv when missing, installs, runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck schema wheel-check bench bench-peers bench-scale mutate planted fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/billingcore check plans rules
	$(BIN)/billingcore run tests/scenarios/duda/billing-example.yaml

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools examples
	$(BIN)/mypy
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/billingcore check plans rules

# schema/ links to src/billingcore/defaults/schema: the committed schemas are the packaged ones.
schema: $(STAMP)
	$(BIN)/billingcore schema plan > schema/plan.schema.json
	$(BIN)/billingcore schema rules > schema/rules.schema.json
	$(BIN)/billingcore schema scenario > schema/scenario.schema.json

# billingcore as a new user gets it (docs/testing.md "The wheel"): a wheel in a clean virtualenv outside the
# repository, `check` and `run` in an empty folder with only a plan file. Installs from PyPI: not part of `make test`.
wheel-check: $(STAMP)
	$(BIN)/python tools/wheel_check.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bill_run.py

# billingcore against bframelib (its own venv, benchmarks/peers/.venv, made on first use) and a hand-written
# floor, the same accounts interleaved (docs/performance.md "Peers"): a few minutes on 2 cores.
PEERS_N ?= 20000
PEERS_ROUNDS ?= 5
bench-peers: $(STAMP)
	$(BIN)/python benchmarks/peers/run.py --n $(PEERS_N) --rounds $(PEERS_ROUNDS)

# Bill runs at scale (docs/billrun.md "Measuring at scale"): one malformed account among 100 000, a churning
# account's and a prepaid customer's resume step after 12 and 240 months, an agency's cost per site with 100 and
# 1 600 sites; SCALE_MILLION=1 adds bill-run over a million accounts with its peak memory (about 1.5 min on 2
# cores). Every part runs; the target fails when any part failed.
bench-scale: $(STAMP)
	status=0; \
	$(BIN)/python benchmarks/scale.py malformed || status=1; \
	$(BIN)/python benchmarks/scale.py churn || status=1; \
	$(BIN)/python benchmarks/scale.py ledger || status=1; \
	$(BIN)/python benchmarks/scale.py many-items || status=1; \
	if [ "$(SCALE_MILLION)" = 1 ]; then $(BIN)/python benchmarks/scale.py million || status=1; fi; \
	exit $$status

# Mutation testing (docs/testing.md): about an hour on 2 cores; the score and every survivor in
# mutants/report.md. A derandomized hypothesis profile makes two runs comparable.
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,mutate]'
	HYPOTHESIS_PROFILE=mutate $(BIN)/mutmut run --max-children 2 > mutmut-run.log 2>&1 || (tail -c 2000 mutmut-run.log; exit 1)
	$(BIN)/python tools/mutation_report.py

# The bugs that once went through the suite, planted one at a time: each must be killed by a named test.
planted: $(STAMP)
	$(BIN)/python tools/planted_bugs.py

# The long fuzzing run (docs/testing.md "Fuzzing"): mutated plans, rules, event dicts and saved states for
# FUZZ_MINUTES; prints inputs tried, results by kind and error code, and every finding (its input in
# fuzz-findings/). A short run is part of `make test`.
FUZZ_MINUTES ?= 10
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/run.py --minutes $(FUZZ_MINUTES)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache mutants mutmut-run.log fuzz-findings
