"""Benchmarks: production-like (DEBUG off) on a database of their own.

The scale data set is written to BENCH_DATABASE_URL, never to the demo or test
database; `generate_scale_data` refuses any database whose name does not end in
"_bench".
"""

from .base import *  # noqa: F403
from .base import ACCOUNT_RATE_LIMITS, INSTALLED_APPS, env

DEBUG = False
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", "benchmark-only-secret-key-benchmark-only-secret-key"
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

import dj_database_url  # noqa: E402

BENCH_DATABASE_URL = env(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/practitioners_bench"
)
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=600)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# As in production (config.settings.base): no JIT; prepared statements allowed.
DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off", "prepare_threshold": 5}
CACHES = {
    alias: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # One prefix per benchmark database and alias: the 10,000 and 100,000 runs
        # share Redis.
        "KEY_PREFIX": f"bench:{DATABASES['default']['NAME']}:{alias}",
    }
    for alias in ("default", "ratelimit")
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Bookings made under load queue their emails' delivery as in production, but on a
# queue of their own: no worker of the site (which reads "celery") picks up a task
# naming a row of the bench database. The benchmark empties it afterwards.
CELERY_TASK_DEFAULT_QUEUE = "bench"
# The load comes from one address: the abuse limits would stop it after a minute.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "booking": "", "slots": ""}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
