# Two commands do all the set-up on a fresh clone with only python3 present:
#   make run   — virtualenv, dependencies, database, Thanh Hóa's communes, demo data, admin account, server
#   make test  — test dependencies, migration check, the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in one process per core (pytest-xdist), a whole test file to a process: PYTEST_WORKERS=0 for one.
PYTEST_WORKERS ?= auto

.PHONY: run test setup install install-dev messages bench clean

# The settings fail closed (DJANGO_DEBUG unset = production); development and the test suite say so here.
run setup test messages: export DJANGO_DEBUG ?= 1

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_communes
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py ensure_admin

run: setup
	@echo "Serving at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -z "$$OCOP_CHROMIUM" ]; then \
		echo "NOTICE: no Chromium found: browser tests (tests/e2e) will be SKIPPED. Install Debian's 'chromium' to run them."; \
	fi
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Interface strings are written in Vietnamese; this refreshes the English catalogue (locale/en) and
# compiles every catalogue. locale/vi only fills gaps in Django's own Vietnamese admin catalogue.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: install-dev
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
