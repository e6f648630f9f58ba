#!/usr/bin/env bash
# Two web nodes behind HAProxy, two Celery workers, two beats (one waiting), shared
# PostgreSQL, Redis and a local S3 server, all on this machine: proves the site
# runs on several nodes. See scripts/cluster_smoke.py for the steps; prints a
# PASS/FAIL summary and exits non-zero when a check fails. About two minutes.
#
#   scripts/cluster-smoke.sh      (or `make cluster-smoke`)
#
# Ports CLUSTER_PORT_BASE (default 8600) to +3 on 127.0.0.1: the load balancer,
# web-1, web-2 and the S3 server. It uses a database of its own
# (<DATABASE_URL's name>_cluster, dropped at the end) and Redis keys and a queue
# named cluster-smoke, deleted at the start and the end (rate-limit counts left by
# an earlier run within the hour would otherwise refuse its guests).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment: `eval "$(...)"` would hide the script's failure.
service_env=$(.venv/bin/python scripts/services.py)
eval "$service_env"
if ! command -v haproxy >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing HAProxy (the load balancer) from Debian ..." >&2
    (apt-get install -y -qq haproxy >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; })
  else
    echo "The cluster smoke test needs HAProxy: sudo apt-get install -y haproxy" >&2
    exit 1
  fi
fi
exec .venv/bin/python scripts/cluster_smoke.py
