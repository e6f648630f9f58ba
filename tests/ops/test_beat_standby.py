"""Two real beat processes: one runs the schedule, the other waits; when the first
dies (or stops) the second takes over and the schedule goes on."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from config.celery import app
from tests.notifications.worker import forget_queue, wait_for

LOCK_TIMEOUT = 3


@pytest.fixture
def beats(tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    queue = f"test-beat-{uuid.uuid4().hex[:8]}"
    started: list[subprocess.Popen] = []
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    } | {
        "DJANGO_SETTINGS_MODULE": "tests.ops.beat_settings",
        "TEST_BEAT_QUEUE": queue,
        "CELERY_REDBEAT_KEY_PREFIX": prefix,
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
        "CELERY_REDBEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
    }
    client = redis.Redis.from_url(app.conf.broker_url)

    def start(name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    def heartbeat_pid() -> int | None:
        import json

        raw = client.get(f"{prefix}:heartbeat")
        return json.loads(raw)["pid"] if raw else None

    def queued() -> int:
        return client.llen(queue)

    start.heartbeat_pid = heartbeat_pid
    start.queued = queued
    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        forget_queue(queue)


def test_a_standby_beat_takes_over_when_the_active_one_dies(beats):
    first = beats("first")
    assert wait_for(lambda: beats.heartbeat_pid() == first.pid, seconds=30)
    second = beats("second")
    time.sleep(LOCK_TIMEOUT + 1)
    # The second waits: one beat, one heartbeat, one ping a second.
    assert beats.heartbeat_pid() == first.pid
    before = beats.queued()
    time.sleep(2)
    assert 1 <= beats.queued() - before <= 3

    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait()
    assert wait_for(lambda: beats.heartbeat_pid() == second.pid, seconds=30)
    took_over_after = time.monotonic() - killed_at

    # Within the lock's lifetime (plus one wake-up), and the job goes on.
    assert took_over_after <= LOCK_TIMEOUT + 3
    before = beats.queued()
    time.sleep(2)
    assert 1 <= beats.queued() - before <= 3


def test_a_beat_that_stops_cleanly_hands_over_at_once(beats):
    first = beats("first")
    assert wait_for(lambda: beats.heartbeat_pid() == first.pid, seconds=30)
    second = beats("second")
    time.sleep(2)

    first.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()
    assert first.wait(timeout=20) is not None
    assert wait_for(lambda: beats.heartbeat_pid() == second.pid, seconds=30)
    # The lock was released, not left to lapse: no more than a wake-up's wait.
    assert time.monotonic() - stopped_at < LOCK_TIMEOUT
