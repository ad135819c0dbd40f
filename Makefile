# SalesAlign: `make demo` serves the demo company, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: demo test test-postgres lint lock install install-dev assets translations browser clean help bench

help:
	@echo "make demo   - set up and serve the demo company on http://127.0.0.1:$(PORT)"
	@echo "make test   - install the dev dependencies and run the whole suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - the benchmark (SIZE=S|M|L, default S; DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lock   - re-pin requirements/*.lock from requirements/*.in"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.lock
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.lock
	touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

translations: install
	$(PY) manage.py compiletranslations

demo: install assets translations
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	@echo "Serving SalesAlign on http://127.0.0.1:$(PORT) with a task worker  (Ctrl-C stops both)"
	@$(PY) manage.py run_huey --workers 2 --quiet & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - --log-level warning

# Browser tests drive the system Chromium; install it when it is missing and we may.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: the browser tests will be skipped."; \
	  else echo "chromium is not installed: the browser tests will be skipped."; fi; \
	fi

test: install-dev assets browser
	$(PY) manage.py compiletranslations
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The suite again on PostgreSQL (a server on 127.0.0.1:5432 with trust auth; tests make their own DB).
test-postgres: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/salesalign
test-postgres: export SECRET_KEY ?= test-only-not-secret
test-postgres: install-dev assets browser
	$(PY) manage.py compiletranslations
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The benchmark, on a database of its own (SQLite under var/bench/, or a fresh database on the
# PostgreSQL server DATABASE_URL names); results in var/bench/$(SIZE).json. See bench/README.md.
SIZE ?= S
bench: install-dev
	$(PY) bench/run.py --size $(SIZE) $(if $(DATABASE_URL),--database-url $(DATABASE_URL),)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy salesalign config

lock: install-dev
	cd requirements && ../$(VENV)/bin/uv pip compile --python-version 3.11 base.in -o base.lock -q
	cd requirements && ../$(VENV)/bin/uv pip compile --python-version 3.11 dev.in -o dev.lock -q

clean:
	rm -rf $(VENV) node_modules var
