"""Two real beat processes: one runs the schedule, the other waits; when the first
dies (or stops) the second takes over and the schedule goes on."""

import json
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

# Short, so a dead beat's lock lapses within the test; a stopped beat's must not
# need to: the clean-stop test gives its beats a lock that would outlive its wait.
LOCK_TIMEOUT = 3
LONG_LOCK_TIMEOUT = 90


@pytest.fixture
def beats(tmp_path):
    """Starts beat processes on one schedule (a ping a second on a queue of the
    test's own). Every check reads what the beats left in Redis or their logs: the
    heartbeat's pid, the lock, and which process queued each ping. No check times
    them, so a loaded machine makes the test slower, never wrong."""
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
    lock_key = f"{prefix}:lock"

    def start(name: str, lock_timeout: int = LOCK_TIMEOUT) -> subprocess.Popen:
        log_path = tmp_path / f"{name}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
                cwd=settings.BASE_DIR,
                env=env | {"CELERY_REDBEAT_LOCK_TIMEOUT": str(lock_timeout)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path
        started.append(process)
        return process

    def heartbeat_pid() -> int | None:
        raw = client.get(f"{prefix}:heartbeat")
        return json.loads(raw)["pid"] if raw else None

    def waiting(process: subprocess.Popen) -> bool:
        """The process has started its scheduler and asked for the lock."""
        return "beat: Starting..." in process.log_path.read_text()

    def senders() -> list[int]:
        """The pid of the process that queued each ping, oldest first."""
        messages = reversed(client.lrange(queue, 0, -1))  # kombu pushes on the left
        origins = [json.loads(raw)["headers"]["origin"] for raw in messages]
        # Celery names a sending process that is no worker "gen<pid>@<host>".
        return [int(origin.removeprefix("gen").split("@")[0]) for origin in origins]

    def lock() -> tuple[bytes | None, int]:
        """The lock's token (which process holds it) and its milliseconds left."""
        return client.get(lock_key), client.pttl(lock_key)

    start.heartbeat_pid = heartbeat_pid
    start.waiting = waiting
    start.senders = senders
    start.lock = lock
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
    assert wait_for(lambda: beats.heartbeat_pid() == first.pid, seconds=60)
    # The active beat holds the lock for LOCK_TIMEOUT seconds, renewed on each wake-up.
    token, left = beats.lock()
    assert token and 0 < left <= LOCK_TIMEOUT * 1000
    second = beats("second")
    assert wait_for(lambda: beats.waiting(second), seconds=60)
    # The second waits through more than a lock's lifetime: one beat, one heartbeat,
    # and every ping queued by the first.
    time.sleep(LOCK_TIMEOUT + 1)
    assert wait_for(lambda: len(beats.senders()) >= 3, seconds=60)
    assert beats.heartbeat_pid() == first.pid
    assert set(beats.senders()) == {first.pid}
    assert beats.lock()[0] == token

    first.send_signal(signal.SIGKILL)
    first.wait()
    queued_by_the_first = len(beats.senders())
    # Once the dead beat's lock lapses the second takes it, and the job goes on.
    assert wait_for(lambda: beats.heartbeat_pid() == second.pid, seconds=60)
    assert wait_for(lambda: len(beats.senders()) >= queued_by_the_first + 2, seconds=60)
    senders = beats.senders()
    assert set(senders[:queued_by_the_first]) == {first.pid}
    assert set(senders[queued_by_the_first:]) == {second.pid}
    assert beats.lock()[0] not in (None, token)


def test_a_beat_that_stops_cleanly_hands_over_at_once(beats):
    # A lock that would outlive the wait below: only its release lets the second in.
    first = beats("first", lock_timeout=LONG_LOCK_TIMEOUT)
    assert wait_for(lambda: beats.heartbeat_pid() == first.pid, seconds=60)
    second = beats("second", lock_timeout=LONG_LOCK_TIMEOUT)
    assert wait_for(lambda: beats.waiting(second), seconds=60)
    token, left = beats.lock()
    assert token and left > (LONG_LOCK_TIMEOUT - 30) * 1000

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) is not None
    # The lock was released on the way out, not left to lapse.
    assert beats.lock()[0] != token
    assert wait_for(lambda: beats.heartbeat_pid() == second.pid, seconds=45)
    assert wait_for(lambda: second.pid in beats.senders(), seconds=30)
