"""Test run: a real PostgreSQL, fast password hashing, in-memory cache and email."""

from .base import *  # noqa: F403
from .base import env, mailer

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
