# Pasar Kite Bise: the two commands of the README are `make run` and `make test`.
# Both work on a fresh machine with Python 3.11 and nothing else set up.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export FLASK_APP = wsgi.py
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist). Browser journeys are spread by file (--dist loadfile): each
# module has its own live server and database, so a journey's steps stay in one process.
TEST_JOBS ?= 2

.PHONY: run setup setup-dev translations db demo test test-sqlite test-postgres browser lint bench-catalog clean

## make run: set up, migrate, load demo data, serve http://127.0.0.1:5000 on SQLite
run: setup db demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-run pip only when the requirement files change.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime translations

setup-dev: $(VENV)/.dev translations browser

## compile the Indonesian/English catalogs (the .mo files are built, never committed)
translations: | $(BIN)/python
	$(BIN)/pybabel compile -D "messages wtforms" -d app/translations --statistics

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo

## Debian's Chromium for the browser tests (Playwright cannot download its own here)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install -y chromium' for the browser tests"; fi; \
	fi

## make test: set up and run the whole suite on SQLite, then on PostgreSQL when it answers
test: setup-dev
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@.ci/services redis redis://127.0.0.1:6379/0 || echo "Redis not reachable: the queue tests will skip"
	@echo "== test suite on SQLite =="
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_JOBS) -m "not e2e" $(PYTEST_ARGS)
	@echo "== browser journeys (headless Chromium) on SQLite =="
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile -m e2e tests/e2e $(PYTEST_ARGS)

test-postgres:
	@if .ci/services postgres "$(PG_TEST_URL)"; then \
	  echo "== test suite on PostgreSQL =="; \
	  TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -p no:cacheprovider -n $(TEST_JOBS) -m "not e2e" $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is required in CI"; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): skipped (set PG_TEST_URL)"; fi

lint:
	$(BIN)/ruff check app tests bench wsgi.py
	$(BIN)/bandit -q -c pyproject.toml -r app
	$(BIN)/mypy

bench-catalog: setup-dev
	$(BIN)/python bench/catalog

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
