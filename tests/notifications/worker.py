"""A real Celery worker process for tests: its own queue, the test database, and
a file email backend in a temporary directory."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(settings.BASE_DIR)


def this_test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test_ copy)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binding_keys(queue: str) -> list[bytes]:
    """The keys kombu keeps in Redis for a queue (its binding tables)."""
    with redis.Redis.from_url(app.conf.broker_url) as client:
        return sorted(client.scan_iter(match=f"_kombu.binding*.{queue}"))


def forget_queue(queue: str) -> None:
    """Remove a finished test queue from Redis: kombu leaves its binding tables
    (`_kombu.binding.<queue>`, `_kombu.binding_permanent.<queue>`) behind for
    good, and every test run would add more."""
    with redis.Redis.from_url(app.conf.broker_url) as client:
        client.delete(
            f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", queue
        )
        client.zrem("_kombu.binding_deadlines", queue)


def wait_for(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    return None


@dataclass
class MailWorker:
    queue: str
    mail_dir: Path
    log: Path
    process: subprocess.Popen

    def stop(self) -> int:
        """Stop the worker (warm shutdown, then kill); returns its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def emails(self) -> list[str]:
        """The emails the worker has written, oldest first."""
        files = sorted(self.mail_dir.glob("*.log"), key=lambda path: path.name)
        return [path.read_text() for path in files]


@contextmanager
def mail_worker(tmp_path: Path, **environ: str) -> Iterator[MailWorker]:
    """A Celery worker process on a queue of its own, reading the test database and
    writing each email as a file under `tmp_path` (unless `environ` names another
    EMAIL_BACKEND); stopped on the way out."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    } | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": this_test_database_url(),
        # No idle connection left behind to stop pytest dropping the database.
        "DATABASE_CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        **environ,
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-Q",
                queue,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = MailWorker(queue, mail_dir, log_path, process)
        try:
            yield worker
        finally:
            worker.stop()
            forget_queue(queue)
