"""scripts/backup.sh then scripts/restore.sh into a fresh database: the restored
site passes its smoke check and holds the same rows and files."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.bookings.factories import BookingFactory
from tests.directory.factories import PractitionerFactory
from tests.notifications.worker import this_test_database_url
from tests.users.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_that_passes_the_smoke_check(
    tmp_path,
):
    source_media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    photo = source_media / "practitioners" / "ada.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff a photo")
    PractitionerFactory(photo="practitioners/ada.jpg")
    BookingFactory.create_batch(3)  # three practitioners of their own
    UserFactory.create_batch(2)

    source_url = this_test_database_url()
    restored_url = f"{source_url}_restore"
    drop(restored_url)
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    } | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_CONN_MAX_AGE": "0",
    }

    backup = run(
        "backup.sh",
        str(tmp_path / "backups"),
        env=env | {"DATABASE_URL": source_url, "DJANGO_MEDIA_ROOT": str(source_media)},
    )
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {
        "database.dump",
        "media.tar.gz",
        "SHA256SUMS",
    }

    restore_env = env | {
        "DATABASE_URL": restored_url,
        "DJANGO_MEDIA_ROOT": str(restored_media),
    }
    try:
        restored = run("restore.sh", str(folder), env=restore_env)
        assert restored.returncode == 0, restored.stderr
        assert "bookings.Booking: 3" in restored.stderr
        assert "Media: 1 files copied into" in restored.stderr
        for table in ("users_user", "directory_practitioner", "bookings_booking"):
            assert count(restored_url, table) == count(source_url, table)
        assert (restored_media / "practitioners" / "ada.jpg").read_bytes() == (
            photo.read_bytes()
        )

        # Never over a database that has tables.
        again = run("restore.sh", str(folder), env=restore_env)
        assert again.returncode != 0
        assert "restore into a fresh one" in again.stderr
    finally:
        drop(restored_url)


def test_a_damaged_backup_is_refused(tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    for name in ("database.dump", "media.tar.gz"):
        (folder / name).write_bytes(b"original")
    subprocess.run(
        "sha256sum database.dump media.tar.gz > SHA256SUMS",
        shell=True,
        cwd=folder,
        check=True,
    )
    (folder / "media.tar.gz").write_bytes(b"changed")

    result = run(
        "restore.sh",
        str(folder),
        env=dict(os.environ) | {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"},
    )
    assert result.returncode != 0
    assert "checksums do not match" in result.stderr
