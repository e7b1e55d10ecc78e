# The two commands: `make demo` runs the demo, `make test` runs every test.
# Each sets up what it needs on a fresh machine (virtual environment, Python and
# front-end packages, and for tests Debian's chromium).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSETS := webapp/static/vendor/app.css

.DEFAULT_GOAL := help
.PHONY: help setup demo test lint format browser postgres clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PY_STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): $(NODE_STAMP) webapp/assets/app.scss webapp/assets/build.mjs
	npm run --silent build

setup: $(PY_STAMP) $(ASSETS) ## create .venv, install Python and front-end packages, build assets

browser: ## install Debian's chromium for the browser tests (needs root or sudo)
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@chromium --version

postgres: ## install Debian's PostgreSQL server programs for the store tests (needs root or sudo)
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

demo: setup ## start the local graph server, load the sample county, serve on 127.0.0.1:$${PORT:-5000}
	$(BIN)/family-network demo

# Test processes: one per core here. A shared NEO4J_URI database takes one at a time.
TEST_WORKERS ?= $(if $(NEO4J_URI),0,2)

test: setup browser postgres ## lint, then run the whole suite (unit, integration, browser)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

lint: setup ## ruff lint only
	$(BIN)/ruff check .

format: setup ## ruff format the code
	$(BIN)/ruff format graph_etl webapp tests benchmarks sample_data

clean: ## stop the local graph server and remove generated state (keeps .venv)
	-$(BIN)/family-network graph-server stop
	rm -rf var webapp/static/vendor node_modules .pytest_cache .ruff_cache
