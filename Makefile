# The few commands a newcomer needs. `make run` and `make test` set everything up themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
# The first Python 3.12+ on PATH (pyenv honours .python-version for `python3`).
PYTHON ?= $(shell for p in python3 python3.13 python3.12; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format typecheck check lock content superuser clean \
	bench bench-quick faults faults-quick

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements/dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed on PATH." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

install: $(BIN)/.installed ## Create the virtual environment from the lock file

run: install ## Migrate, load the content and serve the app on http://127.0.0.1:8000 (SQLite)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_content
	$(BIN)/python manage.py load_quiz
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install ## Lint, then the whole test suite (SQLite, or PostgreSQL with DATABASE_URL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install ## mypy with django-stubs
	$(BIN)/mypy .

content: install ## Load (or refresh) the shipped content library; safe to repeat
	$(BIN)/python manage.py load_content
	$(BIN)/python manage.py load_quiz

superuser: install ## Create an admin account
	$(BIN)/python manage.py createsuperuser

bench: install ## Benchmark the pages against a baseline (gunicorn, sandbox PostgreSQL)
	$(BIN)/python -m ops.bench $(BENCH_ARGS)

bench-quick: install ## A short benchmark run (scratch figures in bench/results/quick.*)
	$(BIN)/python -m ops.bench --quick $(BENCH_ARGS)

faults: install ## Fault drills against gunicorn and PostgreSQL; fails on a broken promise
	$(BIN)/python -m ops.faults $(FAULTS_ARGS)

faults-quick: install ## The short fault drill run that CI does
	$(BIN)/python -m ops.faults --quick $(FAULTS_ARGS)

lock: ## Re-pin dependencies after editing pyproject.toml (needs uv)
	uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes -q -o requirements/base.txt
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 --generate-hashes -q -o requirements/dev.txt

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .mypy_cache
