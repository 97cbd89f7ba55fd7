# The two commands that matter: `make run` (the product) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck static unit install services chromium clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

services:
	@bash scripts/ensure-services.sh

# Debian's Chromium for the browser test (installed when missing and possible; else skipped).
chromium:
	@bash scripts/ensure-chromium.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The deployment files (Dockerfile, docker-compose.yml, workflows), checked without Docker.
static: install
	BIN=$(BIN) bash scripts/check-static.sh

test: install services chromium lint typecheck static
	$(BIN)/pytest

run: install services
	$(BIN)/python scripts/run_local.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
