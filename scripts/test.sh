#!/usr/bin/env bash
# The whole test suite, browser tests included, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment: `eval "$(...)"` would hide the script's failure.
service_env=$(.venv/bin/python scripts/services.py)
eval "$service_env"
export DJANGO_SETTINGS_MODULE=config.settings.test
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "Browser tests need Debian's Chromium: apt-get install -y chromium" >&2
  exit 1
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python manage.py makemigrations --check --dry-run
# Two processes (pytest-xdist), each with its own test database and Redis databases
# (config/settings/test.py); arguments after these win: `-n 0` runs in this process.
exec .venv/bin/pytest -n 2 "$@"
