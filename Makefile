# The two commands that matter: `make run` (the product) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck static unit install services chromium clean

# `local`: the embedded Postgres of `make run` (its test runs in `make test` too).
$(STAMP): setup.cfg pyproject.toml
	bash scripts/ensure-python.sh '$(PYTHON)' $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,local]'
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

# Needs no local Postgres or RabbitMQ: without DATABASE_URL/AMQP_URL it runs an embedded
# Postgres (var/postgres) and the poller and the bot in one process; see scripts/run_local.py.
run: install
	$(BIN)/python scripts/run_local.py

# Benchmarks (bench/, docs/performance.md): the quick default takes a few minutes on 2 cores;
# `make bench BENCH_ARGS="--preset target"` runs the sizes the targets are stated for.
.PHONY: bench
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) services
	$(BIN)/python -m bench.driver $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
