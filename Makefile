# The two commands of the README: `make run` and `make test`. Each does all set-up itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup run test lint typecheck contracts unit test-sqlite test-postgres bench validate clean

$(STAMP): pyproject.toml
	bash tools/ensure-graphviz.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

validate: setup
	$(BIN)/ocopflow validate

run: setup
	$(BIN)/ocopflow-web run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

contracts: setup
	$(BIN)/lint-imports

test-sqlite: setup
	OCOPFLOW_TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres: setup
	bash tools/ensure-postgres.sh
	OCOPFLOW_TEST_DATABASE=$(PG_URL) $(BIN)/pytest -q -m "not browser"

test: lint typecheck contracts validate test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
