# The README's two commands: `make run` (Python only) and `make test` (Python, Node for ical.js).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Planner itself: all that `make run` needs.
STAMP := $(VENV)/.installed-stamp
# Planner with the tools of the tests and linters (pytest, Playwright, ruff, hadolint...).
DEV_STAMP := $(VENV)/.installed-dev-stamp
# Mozilla's ical.js, which the feed tests run through node: the only use of Node.
NODE_STAMP := node_modules/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/planner_test

.PHONY: install run test test-sqlite test-postgres lint format bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(DEV_STAMP) $(NODE_STAMP)

# A trial on this machine: PLANNER_ENV=development lets Planner generate its secret key
# into instance/ (production refuses to start without SECRET_KEY).
run: export PLANNER_ENV ?= development
run: $(STAMP)
	$(BIN)/planner db upgrade
	$(BIN)/planner demo
	@echo ""
	@echo "Planner is starting on http://127.0.0.1:5000 (Ctrl-C stops the web app and the worker)."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/planner worker & worker=$$!; \
	  $(BIN)/planner run --host 127.0.0.1 --port 5000

test: install test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -q -rs

# Runs the whole suite again on PostgreSQL when it answers at 127.0.0.1:5432.
test-postgres: install
	@if $(BIN)/python -m tests.support.postgres_database "$(PG_URL)"; then \
	  TEST_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -rs; \
	else \
	  echo "PostgreSQL does not answer at 127.0.0.1:5432: suite ran on SQLite only"; \
	fi

# hadolint and docker-compose come as binaries inside their PyPI wheels (dev extras); the
# compose file is validated against the Compose specification without a Docker engine.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile
	SECRET_KEY=lint $(BIN)/docker-compose --file compose.yaml config --quiet

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The README's pictures: the demo's main pages at 1366x768 and 390x844, in Debian's Chromium.
screenshots: $(DEV_STAMP)
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache
