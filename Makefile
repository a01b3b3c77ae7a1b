# satustok — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-sqlite test-postgres bench lint clean

# Create the virtual environment and install satustok with its development tools, once
# (again whenever pyproject.toml changes).
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/satustok migrate --noinput
	$(BIN)/satustok run

test: $(STAMP)
	$(BIN)/python -m scripts.run_tests

test-sqlite: $(STAMP)
	$(BIN)/pytest

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(SCENARIO),--scenario $(SCENARIO),)

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_channel_names.py

clean:
	rm -rf $(VENV) var .pytest_cache
