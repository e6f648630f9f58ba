#!/usr/bin/env bash
# `make bench`: benchmarks on a database of their own (BENCH_DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment: `eval "$(...)"` would hide the script's failure.
service_env=$(.venv/bin/python scripts/services.py)
eval "$service_env"
export DJANGO_SETTINGS_MODULE=config.settings.bench
export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/practitioners_bench}
DATABASE_URL=$BENCH_DATABASE_URL .venv/bin/python scripts/services.py >/dev/null
if ! command -v wrk >/dev/null; then
  echo "Installing wrk (the HTTP load generator) ..." >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }) || true
  fi
fi
status=0
.venv/bin/python -m bench.run "$@" || status=$?
# The directory again at 100,000 practitioners, in a database of its own (the
# data is kept between runs, like the first one's); its figures and the budgets
# comparing the two sizes are added to the same report.
if [ "$status" = 0 ] && [[ " $* " != *" --skip-scale "* ]]; then
  scale_url=${BENCH_SCALE_DATABASE_URL:-${BENCH_DATABASE_URL%_bench}_100k_bench}
  DATABASE_URL=$scale_url .venv/bin/python scripts/services.py >/dev/null
  BENCH_DATABASE_URL=$scale_url .venv/bin/python -m bench.run --scale-only \
    --practitioners 100000 "$@" || status=$?
fi
# The figures in docs/benchmarks.md come from the report, never copied by hand. A run
# that could not load the site still writes its report, so the page follows it too.
.venv/bin/python -m bench.table || status=$?
exit "$status"
