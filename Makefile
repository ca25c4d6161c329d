# The two commands: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := portal

.PHONY: run test install install-test browser migrate seed unit e2e lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

## make run: install, migrate, seed the demo partnership (first run only), serve on 127.0.0.1:$(PORT)
run: seed
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## make test: the checks (ruff, mypy), then unit + integration (SQLite; PostgreSQL too when
## TEST_DATABASE_URL is set) + e2e. (SKIP_LINT=1: CI has run the checks once already.)
test: install-test browser $(if $(SKIP_LINT),,lint)
	$(BIN)/python -m pytest --durations=30

## make lint: ruff (pycodestyle, pyflakes, bugbear, isort) on the code, tests and benches; mypy on portal/
lint: install-test
	$(BIN)/ruff check portal tests e2e bench
	$(BIN)/mypy

unit: install-test
	$(BIN)/python -m pytest tests

e2e: install-test browser
	$(BIN)/python -m pytest e2e

browser: install-test
	@$(BIN)/python e2e/browser.py

clean:
	rm -rf $(VENV) instance .pytest_cache
