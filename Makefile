# SalesRecord: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Four workers on a 2-core machine: the browser tests and live servers leave a worker waiting on
# another process much of the time (PYTEST_ARGS= runs it in one process). Work stealing: a worker that
# runs out takes tests queued for another, so the slow browser tests at the end do not run one by one.
PYTEST_ARGS ?= -n 4 --dist worksteal
export PYTHON

.PHONY: run test venv lint format messages worker backup restore bench bench-export bench-import mutants clean

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/find-python
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  python=$$(./scripts/find-python); \
	  echo "Creating $(VENV) with $$python"; \
	  rm -rf $(VENV); "$$python" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# The web app and a worker with its scheduler, on SQLite and the file broker unless told otherwise.
run: $(VENV)/.installed
	VENV=$(VENV) PORT=$(PORT) ./scripts/run-dev

worker: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} VENV=$(VENV) ./scripts/run-worker

test: $(VENV)/.installed
	@./scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SALESRECORD_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	SALESRECORD_TESTING=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the Chinese catalogue after changing user-facing strings, translate, then compile.
messages: $(VENV)/.installed
	SALESRECORD_TESTING=1 $(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=staticfiles
	SALESRECORD_TESTING=1 $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=staticfiles

# The whole database (DATABASE_URL: SQLite or PostgreSQL) into a file named by the time under BACKUP_DIR
# (default var/backups), and back: restore replaces every record, so it asks for CONFIRM=yes.
backup: $(VENV)/.installed
	$(PY) manage.py backup

restore: $(VENV)/.installed
	@if [ -z "$(FILE)" ]; then \
	  echo "Usage: make restore FILE=<a backup file> CONFIRM=yes   (backups: ls $${BACKUP_DIR:-var/backups})" >&2; exit 2; \
	fi
	$(PY) manage.py restore "$(FILE)" $(if $(filter yes,$(CONFIRM)),--confirm)

# The app under load at BENCH_SCALE (1: 300,000 key points) on PostgreSQL, every page against a floor
# page, with the reminder scans and the exports (bench/README.md). DATABASE_URL: a database of its own.
# At scale 1 it fails if a page, a scan or an export is over issue 11's targets.
BENCH_SCALE ?= 1
BENCH_SECONDS ?= 120
bench: $(VENV)/.installed
	$(PY) bench/run.py --scale $(BENCH_SCALE) --seconds $(BENCH_SECONDS) --check

# The ledger export alone at BENCH_ROWS rows: time and peak memory (see bench/export_ledger.py).
BENCH_ROWS ?= 300000
bench-export: $(VENV)/.installed
	$(PY) bench/export_ledger.py --rows $(BENCH_ROWS)

# The spreadsheet import of BENCH_IMPORT_ROWS key points: seconds per step and peak memory
# (bench/import_keypoints.py). It empties the customers and key points of DATABASE_URL's database.
BENCH_IMPORT_ROWS ?= 50000
bench-import: $(VENV)/.installed
	$(PY) bench/import_keypoints.py --rows $(BENCH_IMPORT_ROWS)

# Mutation testing of who sees what and what a change records (pyproject.toml [tool.mutmut]), on SQLite.
# Starts afresh each time, so that new tests count; `.venv/bin/mutmut results` lists the survivors.
mutants: $(VENV)/.installed
	rm -rf mutants
	SALESRECORD_TESTING=1 DATABASE_URL= $(VENV)/bin/mutmut run --max-children 2

clean:
	rm -rf $(VENV) staticfiles .pytest_cache mutants
