# Hearth: two commands set everything up on a fresh machine.
#   make run   - the app with demo data on embedded defaults (SQLite, in-memory layer, eager tasks)
#   make test  - lint, the import contract, types, checks and the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench bench-media clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > $(VENV)/requirements.txt
	$(PY) -m pip install -q -r $(VENV)/requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v 0
	@echo "Hearth is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py run_periodic_sweeps & sweeps=$$!; \
	trap 'kill $$sweeps 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) bench/upcoming_sessions.py

# Voice and video, mesh against Janus (about 8 minutes; root for Janus's network namespace,
# Debian's chromium and janus). Its own target so `make bench` stays quick.
bench-media: $(VENV)/.installed
	$(PY) bench/media/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
