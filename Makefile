# Two commands set everything up: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: deps run test bench lint format check clean

$(PY):
	@PYTHON=$$(scripts/find-python.sh) && echo "Using $$PYTHON" && "$$PYTHON" -m venv $(VENV)

$(PIP_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(PIP_STAMP) $(NPM_STAMP)

run: deps
	scripts/run.sh

test: deps
	scripts/test.sh

bench: deps
	scripts/bench.sh

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: deps
	@service_env=$$($(PY) scripts/services.py) && eval "$$service_env" && $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
