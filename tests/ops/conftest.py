import json
import time
import uuid

import pytest
from redbeat.schedulers import ensure_conf, get_redis

from config.beat import heartbeat_key
from config.celery import app


@pytest.fixture
def beat_prefix(monkeypatch):
    """redbeat's keys under a prefix of this test's own, removed afterwards: a beat
    of `make run` on the same Redis neither sees nor disturbs them."""
    conf = ensure_conf(app)
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setattr(conf, "key_prefix", prefix)
    yield prefix
    client = get_redis(app)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def heartbeat(beat_prefix):
    """Write beat's heartbeat as if it beat `age` seconds ago."""

    def beat(age: float = 0) -> None:
        value = {"at": time.time() - age, "host": "test", "pid": 1}
        get_redis(app).set(heartbeat_key(app), json.dumps(value))

    return beat
