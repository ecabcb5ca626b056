# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test quick lint typecheck unit bench docs clean accuracy pyasync-versions fixproof upgrade scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# Every test, spread over the machine's cores (pytest-xdist).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto

test: lint typecheck unit

# The everyday loop: lint, types, and the tests not marked slow.
quick: lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/runtime.py
	$(BIN)/python bench/plugin.py

accuracy: $(STAMP)
	$(BIN)/python bench/accuracy.py

# Not part of `make test` (it takes many minutes): cold `check` on generated files with
# 1k-20k loop sites and projects of 5k-50k files, and `fix` on 250-1,500 files, with the
# slope of log(time)/log(size) (bench/scale.py).
scale: $(STAMP)
	$(BIN)/python bench/scale.py

# Not part of `make test`: installs pytest-asyncio 0.20 ... 1.x (each with a pytest it
# supports) into temporary venvs from PyPI, and checks that `loopsafe fix` never stops a
# sample project's tests from starting under `-W error` (bench/pytest_asyncio_versions.py).
pyasync-versions: $(STAMP)
	$(BIN)/python bench/pytest_asyncio_versions.py

# Real projects' suites, imports and callers before and after fix --unsafe-fixes.
fixproof: $(STAMP)
	$(BIN)/python bench/fixproof.py

# Python 3.14 readiness: real projects whose suites fail on Python 3.13 under
# -W error::DeprecationWarning (the 3.14 event-loop rules), before and after
# fix --unsafe-fixes (bench/upgrade.py).
upgrade: $(STAMP)
	$(BIN)/python bench/upgrade.py

docs: $(STAMP)
	$(BIN)/loopsafe rule --all --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) build src/*.egg-info .loopsafe_cache
