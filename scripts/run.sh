#!/usr/bin/env bash
# Starts the whole site for development: web server, Celery worker and beat.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# A separate assignment: `eval "$(...)"` would hide the script's failure.
service_env=$($PY scripts/services.py)
eval "$service_env"
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in emails, the sitemap and the feeds point at where this server answers.
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}
mkdir -p .local/log

$PY manage.py migrate --noinput
$PY manage.py seed_demo

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 \
  >.local/log/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO \
  >.local/log/beat.log 2>&1 &
pids+=($!)

cat <<MSG

  The site is starting at http://$HOST:$PORT/

  Demo logins:
    staff         staff@demo.example         / demo-staff-pass   (admin: http://$HOST:$PORT/admin/)
    client        client@demo.example        / demo-client-pass
    practitioner  practitioner@demo.example  / demo-practitioner-pass
    student       student@demo.example       / demo-student-pass
    blog editor   editor@demo.example        / demo-editor-pass

  Celery worker log: .local/log/worker.log   beat log: .local/log/beat.log
  Emails: every email (sign-up links and password resets included) goes through
  the outbox and is printed in the worker log.
  Press Ctrl+C to stop everything.

MSG
$PY manage.py runserver "$HOST:$PORT"
