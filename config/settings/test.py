"""Test run: a real PostgreSQL, fast password hashing, in-memory cache and email."""

import os
from urllib.parse import urlparse

# pytest-xdist runs the suite in worker processes gw0, gw1, ... (scripts/test.sh):
# pytest-django gives each its own test database, and here each takes its own three
# Redis databases (Celery's broker and results, the cache tests): gw0 REDIS_URL's
# and the next two, gw1 the three after those, and so on. The environment is
# rewritten, so the Celery workers and beats a test starts use the same ones.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw"):
    _shared = os.environ.setdefault(
        "TEST_SHARED_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    _parsed = urlparse(_shared)
    _number = int(_parsed.path.lstrip("/") or 0) + 3 * int(_xdist_worker[2:])
    os.environ["REDIS_URL"] = _parsed._replace(path=f"/{_number}").geturl()

from .base import *  # noqa: E402, F403
from .base import env, mailer  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test starts with empty rate-limit counters; production keeps them in Redis.
# The rate-limit alias shares the store, so emptying one empties both.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
    },
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
    },
}
# The page cache is off unless a test switches it on (tests/cache/): most tests
# write inside their own transaction, where no commit ever bumps a generation.
PAGE_CACHE_SECONDS = 0
# pytest itself always uses locmem (Django's test setup forces it on every mailer).
# The variables are for the Celery worker a test starts with these settings: it
# writes files there (EMAIL_BACKEND, EMAIL_FILE_PATH) or talks to a test SMTP server.
MAILERS = {
    "default": mailer(
        env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    )
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the finders, as in development: no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The browser tests' live server is http://localhost: let security keys work there.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
