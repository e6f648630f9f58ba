# Two commands set everything up: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# Bootstrap's CSS cut to the rules the site uses (scripts/build-css.mjs): rebuilt
# when a template, Python file or script of ours changes.
SITE_CSS := build/static/css/bootstrap.min.css
CSS_SOURCES := $(shell find . \( -name .git -o -name .venv -o -name node_modules -o -name build \
	-o -name staticfiles -o -name tests -o -name bench -o -name media -o -name .local \) -prune \
	-o \( -name '*.html' -o -name '*.py' -o -name '*.js' \) -print)
# Bootstrap's JavaScript cut to the components the templates use (scripts/build-js.mjs):
# rebuilt when a template or the script changes.
SITE_JS := build/static/js/bootstrap.min.js
JS_SOURCES := $(shell find templates -name '*.html')
# Python dependencies are locked with hashes: requirements.txt (the site, used by
# the Dockerfile) and requirements-dev.txt (plus the tools, used here and in CI).
# Both come from pyproject.toml through `make lock`; never edit them by hand.
LOCK := requirements.txt
DEV_LOCK := requirements-dev.txt
COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes \
	--universal --python-version 3.12 --custom-compile-command "make lock"

.PHONY: deps css js run test bench lighthouse lint format check clean lock upgrade cluster-smoke

$(PY):
	@PYTHON=$$(scripts/find-python.sh) && echo "Using $$PYTHON" && "$$PYTHON" -m venv $(VENV)

$(PIP_STAMP): $(DEV_LOCK) | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SITE_CSS): $(PIP_STAMP) $(NPM_STAMP) scripts/build-css.mjs $(CSS_SOURCES)
	node scripts/build-css.mjs

$(SITE_JS): $(NPM_STAMP) scripts/build-js.mjs $(JS_SOURCES)
	node scripts/build-js.mjs

deps: $(PIP_STAMP) $(NPM_STAMP) $(SITE_CSS) $(SITE_JS)

css: $(PIP_STAMP) $(NPM_STAMP)
	node scripts/build-css.mjs

js: $(NPM_STAMP)
	node scripts/build-js.mjs

run: deps
	scripts/run.sh

test: deps
	scripts/test.sh

bench: deps
	scripts/bench.sh

lighthouse: deps
	scripts/lighthouse.sh

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: deps
	@service_env=$$($(PY) scripts/services.py) && eval "$$service_env" && $(PY) manage.py makemigrations --check --dry-run

# After changing pyproject.toml: re-resolve, keeping every other pin as it is.
lock: deps
	$(COMPILE) -o $(LOCK)
	$(COMPILE) --extra dev -o $(DEV_LOCK)
	@$(MAKE) --no-print-directory deps

# Every dependency to the newest version pyproject.toml allows.
upgrade: deps
	$(COMPILE) --upgrade -o $(LOCK)
	$(COMPILE) --upgrade --extra dev -o $(DEV_LOCK)
	@$(MAKE) --no-print-directory deps

cluster-smoke: deps
	scripts/cluster-smoke.sh

clean:
	rm -rf $(VENV) node_modules build staticfiles .pytest_cache
