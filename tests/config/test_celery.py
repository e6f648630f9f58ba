"""A real Celery worker process consumes from the local Redis broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from tests.notifications.worker import forget_queue

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def worker():
    # A queue of its own, so a developer's running worker cannot take the task.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local"
    }
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
            "--loglevel=WARNING",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    forget_queue(queue)


def test_a_task_sent_to_the_broker_runs_in_a_worker_process(worker):
    result = app.send_task("config.ping", queue=worker)
    assert result.get(timeout=60) == "pong"
