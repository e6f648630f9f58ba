"""Settings for the beat processes of the standby test: one job, every second, on
a queue of the test's own."""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_BEAT_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "ping-every-second": {
        "task": "config.ping",
        "schedule": 1.0,
        "options": {"expires": 30},
    }
}
