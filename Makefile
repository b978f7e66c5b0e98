# The two commands of the README: `make run` and `make test`. Each does all set-up itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup lock run test lint typecheck contracts unit test-sqlite test-postgres bench validate clean

# Every dependency (dev tools included) at the version pinned, with hashes, in requirements.lock;
# then the package itself without dependencies. `make lock` regenerates the lock from pyproject.toml.
$(STAMP): requirements.lock pyproject.toml
	bash tools/ensure-graphviz.sh
	bash tools/ensure-fonts.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

LOCK_COMPILE := $(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --quiet

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(LOCK_COMPILE) --output-file requirements.lock

VENDOR := web/static/vendor/.stamp

# Leaflet and leaflet-geoman (the register map) and Chart.js (the plan dashboard) from the npm
# registry through the committed lock file.
$(VENDOR): web/frontend/package-lock.json
	cd web/frontend && npm ci --no-audit --no-fund --loglevel=error
	rm -rf web/static/vendor && mkdir -p web/static/vendor
	cp -r web/frontend/node_modules/leaflet/dist web/static/vendor/leaflet
	cp -r web/frontend/node_modules/@geoman-io/leaflet-geoman-free/dist web/static/vendor/geoman
	mkdir -p web/static/vendor/chartjs
	cp web/frontend/node_modules/chart.js/dist/chart.umd.min.js web/frontend/node_modules/chart.js/LICENSE.md web/static/vendor/chartjs/
	touch $(VENDOR)

setup: $(STAMP) $(VENDOR)

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
