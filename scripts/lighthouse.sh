#!/usr/bin/env bash
# `make lighthouse`: Lighthouse (mobile) over the key pages, served as in production
# (gunicorn, DEBUG off, whitenoise), on the demo data in a database of its own.
# Results: bench/results/lighthouse.json, then the table in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment: `eval "$(...)"` would hide the script's failure.
service_env=$(.venv/bin/python scripts/services.py)
eval "$service_env"
export DJANGO_SETTINGS_MODULE=config.settings.bench
# Uploaded images are served by the app, as in the compose set-up (production
# serves them from the proxy): a missing image would count against the page.
export DJANGO_SERVE_MEDIA=1
export BENCH_DATABASE_URL=${LIGHTHOUSE_DATABASE_URL:-${DATABASE_URL%/*}/practitioners_lighthouse}
# Creates the database when it does not exist.
DATABASE_URL=$BENCH_DATABASE_URL .venv/bin/python scripts/services.py >/dev/null
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py seed_demo >/dev/null
status=0
.venv/bin/python -m bench.lighthouse "$@" || status=$?
.venv/bin/python -m bench.table || status=$?
exit "$status"
