#!/usr/bin/env bash
# Back up the site: the database (pg_dump custom format) and every uploaded file.
#
#   scripts/backup.sh [DESTINATION]      # default: backups/
#
# Writes DESTINATION/<UTC time>/ with database.dump, media.tar.gz and SHA256SUMS,
# and prints that folder's path last. Reads DATABASE_URL and the media storage
# from the same settings as the site (DJANGO_SETTINGS_MODULE, default production
# inside the image, local elsewhere): a local MEDIA_ROOT or the S3 bucket.
# pg_dump must be as new as the server (apt-get install -y postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
: "${DATABASE_URL:?Set DATABASE_URL to the database to back up}"

destination=${1:-backups}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
folder="$destination/$stamp"
mkdir -p "$folder"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

started=$(date +%s)
echo "Backing up into $folder ..." >&2
# Custom format: compressed, restorable table by table, in parallel (pg_restore -j).
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" \
  --file="$folder/database.dump"
echo "Database: $(du -h "$folder/database.dump" | cut -f1) dumped." >&2

"$PY" scripts/media.py export "$work/media" >&2
tar -C "$work" -czf "$folder/media.tar.gz" media
(cd "$folder" && sha256sum database.dump media.tar.gz >SHA256SUMS)
echo "Done in $(($(date +%s) - started)) s." >&2
echo "$folder"
