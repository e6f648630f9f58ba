"""Celery beat's scheduler: celery-redbeat plus a heartbeat.

redbeat keeps the schedule (and each job's last run) in Redis and holds a lock
there while a beat runs: a second beat blocks on the lock as a hot standby and
takes over, with the schedule where the first left it, when the lock lapses
(CELERY_REDBEAT_LOCK_TIMEOUT after a crash; at once after a clean stop). A job that
fell due in between is queued once on takeover.

The active beat writes a heartbeat on every wake-up (at least every
CELERY_BEAT_MAX_LOOP_INTERVAL seconds); /healthz/ready and the beat container's
health check read it.
"""

import json
import os
import socket
import time

from redbeat import RedBeatScheduler
from redbeat.schedulers import get_redis


def heartbeat_key(app) -> str:
    return f"{app.redbeat_conf.key_prefix}:heartbeat"


def read_heartbeat(app) -> dict | None:
    """The last heartbeat, `{"at": unix time, "host": ..., "pid": ...}`, or None."""
    raw = get_redis(app).get(heartbeat_key(app))
    return json.loads(raw) if raw else None


class Scheduler(RedBeatScheduler):
    def tick(self, *args, **kwargs) -> float:
        interval = super().tick(*args, **kwargs)
        beat = {"at": time.time(), "host": socket.gethostname(), "pid": os.getpid()}
        get_redis(self.app).set(heartbeat_key(self.app), json.dumps(beat), ex=24 * 3600)
        return interval


def main() -> int:
    """`python -m config.beat`: exit 0 when a beat's heartbeat is recent (the beat
    container's health check), 1 otherwise."""
    from django.conf import settings

    from config.celery import app

    beat = read_heartbeat(app)
    age = time.time() - beat["at"] if beat else None
    if age is None or age > settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS:
        print(f"No recent beat heartbeat (age: {age}).")
        return 1
    print(f"Beat alive: {beat['host']} pid {beat['pid']}, {age:.0f} s ago.")
    return 0


if __name__ == "__main__":
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.exit(main())
