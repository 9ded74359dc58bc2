# Two commands: `make run` serves the demo newsroom, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test test-services lint bench clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/gazette run

test: $(VENV)/.installed-dev
	$(BIN)/ruff check gazette bench
	$(BIN)/mypy
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The same suite against PostgreSQL and Redis, with real worker processes (CI runs this too).
# Tests that restart PostgreSQL (marked disruptive) run alone afterwards, so no other meets it.
# Tests marked embedded start a site of their own on SQLite and a disk cache whatever
# DATABASE_URL and REDIS_URL say: `make test` has run them, here they would only repeat it.
test-services: $(VENV)/.installed-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	GAZETTE_DATA_DIR=$${GAZETTE_DATA_DIR:-$(CURDIR)/var/services} \
	$(BIN)/pytest -n auto --dist loadgroup --create-db -m "not disruptive and not embedded" \
	  $(PYTEST_ARGS)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	GAZETTE_DATA_DIR=$${GAZETTE_DATA_DIR:-$(CURDIR)/var/services} \
	$(BIN)/pytest -p no:xdist -m disruptive -s $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check gazette bench

clean:
	rm -rf $(VENV) var build *.egg-info
