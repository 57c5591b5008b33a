# The two commands of the README: `make run` and `make test`. Everything else is optional.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1:8000

.PHONY: run test lint install migrate seed bench load clean deploy-check backup-check fault-test

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test,lint]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

seed: migrate
	$(BIN)/python manage.py seed_demo

# One background-task worker beside the server (README "Background tasks"), stopped with it.
run: seed
	@echo "Serving on http://$(HOST)/ — demo logins above, password partydev-demo"
	@$(BIN)/python manage.py tasks_worker -v0 & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST)

# The test files spread over TEST_WORKERS processes (pytest-xdist; a module's tests, and its
# seed, stay in one process); TEST_WORKERS=0 runs them all in this one.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# ruff (lint and format check), the floors (import-linter) and types (mypy); CI runs the same.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: migrate
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# Load test: gunicorn on 127.0.0.1 under locust, headless, bounded (docs/benchmarks.md; not run in CI).
load: install
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install -q -e ".[load]"
	$(BIN)/python scripts/load_test.py $(LOAD_ARGS)

# Production settings against Django's deployment checklist (needs a real SECRET_KEY in production).
deploy-check: install
	DJANGO_ENV=production ALLOWED_HOSTS=$${ALLOWED_HOSTS:-partydev.example.vn} \
	  SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')} \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# pg_dump, pg_restore into a fresh database, compare every table. Builds a scratch source database
# (migrated, with the demo tree) unless BACKUP_SOURCE_URL names an existing one.
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
backup-check: install
	@if [ -z "$(BACKUP_SOURCE_URL)" ]; then \
	  psql "$(PG_SERVER)/postgres" -q -c "DROP DATABASE IF EXISTS partydev_backup_src" -c "CREATE DATABASE partydev_backup_src" && \
	  DATABASE_URL=$(PG_SERVER)/partydev_backup_src $(BIN)/python manage.py migrate --noinput -v0 && \
	  DATABASE_URL=$(PG_SERVER)/partydev_backup_src $(BIN)/python manage.py seed_demo --only tree >/dev/null; \
	fi
	scripts/backup_restore_check.sh $${BACKUP_SOURCE_URL:-$(PG_SERVER)/partydev_backup_src}

# Restart PostgreSQL under load against gunicorn and count the 5xx (not run in CI).
fault-test: install
	$(BIN)/python scripts/fault_test.py $(FAULT_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* db-progress.sqlite3*
