"""Production settings for scripts/cluster-smoke.sh: plain HTTP on loopback, and a
faster clock so failures show within a couple of minutes.

Everything else is production's: gunicorn, Redis roles, redbeat, S3 storage (the
local moto server), file email so deliveries can be counted.
"""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import ACCOUNT_RATE_LIMITS, CELERY_BEAT_SCHEDULE

# The load balancer speaks plain HTTP here, so cookies cannot be Secure-only.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# A queue and Redis keys of the smoke's own: no other worker or beat on this
# Redis (a `make run`) takes its tasks or its lock.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SMOKE_QUEUE", "cluster-smoke")
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "deliver-due-emails": {
        **CELERY_BEAT_SCHEDULE["deliver-due-emails"],
        "schedule": 5.0,
        "options": {"expires": 4},
    },
}

# Every smoke guest reaches HAProxy from 127.0.0.1, so production's per-IP limit on
# booking (10/h/ip, one person's worth) would refuse the eleventh of the eighteen
# guests; the per-address limit stays as in production.
ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,
    "booking": ACCOUNT_RATE_LIMITS["booking"].replace("10/h/ip", "200/h/ip"),
}
