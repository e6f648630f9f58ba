#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a FRESH database, then check it.
#
#   DATABASE_URL=postgres://.../new_db scripts/restore.sh backups/<UTC time>
#
# The database named by DATABASE_URL is created if missing and must have no tables
# (restoring over a live site is refused: restore next to it, check, then switch
# DATABASE_URL). The media files go into the storage the settings name (a local
# MEDIA_ROOT or the S3 bucket). Ends with a smoke check: every migration applied,
# Django's system checks pass, and the main tables are counted.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
: "${DATABASE_URL:?Set DATABASE_URL to the fresh database to restore into}"
folder=${1:?Usage: scripts/restore.sh BACKUP_FOLDER}
for file in database.dump media.tar.gz SHA256SUMS; do
  [ -f "$folder/$file" ] || { echo "$folder/$file is missing." >&2; exit 1; }
done
(cd "$folder" && sha256sum --quiet -c SHA256SUMS) || {
  echo "The backup's checksums do not match: not restoring." >&2
  exit 1
}
started=$(date +%s)

# Create the database if needed; refuse one that already has tables.
"$PY" - <<'PY'
import os
import sys
from urllib.parse import urlparse

import psycopg

url = os.environ["DATABASE_URL"]
name = urlparse(url).path.lstrip("/")
admin = urlparse(url)._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"Created database {name}.", file=sys.stderr)
with psycopg.connect(url) as conn:
    tables = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    ).fetchone()[0]
if tables:
    sys.exit(f"Database {name} already has {tables} tables: restore into a fresh one.")
PY

echo "Restoring the database ..." >&2
pg_restore --no-owner --no-privileges --exit-on-error --jobs=2 \
  --dbname="$DATABASE_URL" "$folder/database.dump"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$folder/media.tar.gz"
"$PY" scripts/media.py import "$work/media" >&2

echo "Smoke check ..." >&2
"$PY" manage.py migrate --check >/dev/null || {
  echo "The restored database lacks migrations this code needs: run migrate." >&2
  exit 1
}
"$PY" manage.py check >&2
"$PY" manage.py shell --no-imports -c '
from django.apps import apps
for label in ["users.User", "directory.Practitioner", "bookings.Booking",
              "courses.Enrolment", "blog.Post", "notifications.OutboundEmail"]:
    print(f"  {label}: {apps.get_model(label).objects.count()}")
' >&2
echo "Restored in $(($(date +%s) - started)) s." >&2
