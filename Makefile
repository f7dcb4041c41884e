# Two commands set everything up: `make run` and `make test` (see README.md).

SHELL := /bin/bash
VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The newest Python >= 3.12 this machine has: python3.13, python3.12 or python3 on PATH, then
# pyenv's 3.13 and 3.12 (pyenv shims exist on PATH even when they cannot run, so run each one).
PYTHON ?= $(shell \
  for c in python3.13 python3.12 python3; do \
    if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
      $$c -c 'import sys; print(sys.executable)'; exit 0; fi; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in 3.13 3.12; do \
      p=$$(pyenv prefix $$v 2>/dev/null) && [ -x "$$p/bin/python3" ] && echo "$$p/bin/python3" && exit 0; \
    done; \
  fi)

# Local development defaults; anything already set in the environment wins.
export DJANGO_DEBUG ?= 1
export PYTHONUNBUFFERED := 1

.PHONY: run test install migrate seed worker lambda bench lint check-python clean backup restore

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is needed (Django 6) and none was found." >&2; \
	  echo "       Tried python3.13, python3.12, python3 on PATH and 'pyenv prefix 3.13/3.12'." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.13 ..." >&2; \
	  exit 1; fi

$(VENV)/.installed: requirements.txt requirements-demo.txt requirements-dev.txt | check-python
	@if [ -x $(VPY) ] && ! $(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Replacing $(VENV): it was made with a Python older than 3.12"; rm -rf $(VENV); fi
	@[ -x $(VPY) ] || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(VPY) manage.py migrate --noinput

seed: migrate
	$(VPY) manage.py seed_demo

run: seed
	$(VPY) manage.py recover_ingest_jobs
	$(VPY) manage.py resync --prefix music/
	@echo ""
	@echo "  Serving on http://$(HOST):$(PORT)/   (Ctrl+C stops it)"
	@echo "  Sign in at http://$(HOST):$(PORT)/admin/ as admin / admin (local demo account)"
	@echo "  Drop audio files into media/music/ and they appear live on the home page;"
	@echo "  files copied there while the server was down came in with the re-sync above."
	@echo ""
	@trap 'kill 0' EXIT; \
	  $(VPY) manage.py watch_media --webhook http://$(HOST):$(PORT)/api/v1/ingest/events/ & \
	  $(VENV)/bin/daphne -b $(HOST) -p $(PORT) spotify.asgi:application

# Tests run in parallel processes, one per core (pytest-xdist). `--dist load` hands each worker
# tests in pytest-django's order, so on each one the tests that flush the database (transactional)
# still run after those that rely on what migrations wrote (the Curators group). Nothing is
# shared between processes: ports are free ones, each process has its own test database, media
# folders and channel-layer prefix (conftest.py). `make test TEST_WORKERS=0`: one process.
TEST_WORKERS ?= auto

test: install
	$(VPY) -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

worker: install
	TASKS_MODE=database $(VPY) manage.py db_worker

lambda: install
	$(VPY) ingest_lambda/build.py

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(VPY) -m pip install --quiet -r requirements-bench.txt
	@touch $@

bench: install $(VENV)/.bench-installed
	$(VPY) -m bench $(BENCH_ARGS)

# PostgreSQL backups (pg_dump's custom format) of the database DATABASE_URL names: listeners'
# likes, ratings, plays and playlists, accounts, curators' edits. Songs' files live in the
# bucket, not here. `make backup [BACKUP=path]`, `make restore BACKUP=path` (replaces what the
# database holds, in one transaction). docs/deployment.md has the compose variant.
BACKUP ?= backups/music-$(shell date -u +%Y%m%dT%H%M%SZ).dump

define require-postgres
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "error: DATABASE_URL must name a PostgreSQL database (the embedded SQLite" \
	       "shape is backed up by copying db.sqlite3 while the server is stopped)" >&2; exit 1;; esac
endef

backup:
	$(require-postgres)
	@mkdir -p "$(dir $(BACKUP))"
	pg_dump --format=custom --no-owner --no-privileges --file="$(BACKUP)" "$$DATABASE_URL"
	@echo "Backed up to $(BACKUP)"

restore:
	$(require-postgres)
	@if [ "$(origin BACKUP)" = file ]; then \
	  echo "error: say which backup: make restore BACKUP=backups/music-....dump" >&2; exit 1; fi
	@[ -f "$(BACKUP)" ] || { echo "error: no backup at $(BACKUP)" >&2; exit 1; }
	pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
	  --exit-on-error --dbname="$$DATABASE_URL" "$(BACKUP)"
	@echo "Restored $(BACKUP); run 'manage.py migrate' if the code is newer than the backup"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) dist staticfiles .pytest_cache
