# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Mozilla's ical.js, which the feed tests run through node.
NODE_STAMP := node_modules/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/planner_test

.PHONY: install run test test-sqlite test-postgres lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: install
	$(BIN)/planner db upgrade
	$(BIN)/planner demo
	@echo ""
	@echo "Planner is starting on http://127.0.0.1:5000 (Ctrl-C stops the web app and the worker)."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/planner worker & worker=$$!; \
	  $(BIN)/planner run --host 127.0.0.1 --port 5000

test: install test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -q

# Runs the whole suite again on PostgreSQL when it answers at 127.0.0.1:5432.
test-postgres: install
	@if $(BIN)/python -m tests.support.postgres_database "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q; \
	else \
	  echo "PostgreSQL does not answer at 127.0.0.1:5432: suite ran on SQLite only"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
