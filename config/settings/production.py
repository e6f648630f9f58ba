"""Production: secrets and hosts are required from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ADMINS,
    LOGGING,
    SENTRY_DSN,
    SENTRY_ENVIRONMENT,
    SENTRY_TRACES_SAMPLE_RATE,
    env,
    env_bool,
    env_list,
)

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a random string of 50+ chars.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS (comma-separated host names).")

ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Trust the proxy's X-Forwarded-* headers only behind a TLS proxy that sets them: a
# client talking to gunicorn directly could otherwise claim to be on HTTPS, pick
# the host name, or spread its failed logins over invented addresses.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", True)
ALLAUTH_TRUSTED_PROXY_COUNT = int(
    env("ALLAUTH_TRUSTED_PROXY_COUNT", "1" if BEHIND_TLS_PROXY else "0")
)
USE_X_FORWARDED_HOST = BEHIND_TLS_PROXY
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The demo accounts have published passwords: never on a real site unless asked for.
ALLOW_DEMO_DATA = env_bool("DJANGO_ALLOW_DEMO_DATA", False)
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Health checks call /healthz/... over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]

# One JSON object a line, for the log collector.
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", "json")
if not SENTRY_DSN and ADMINS:
    # Without Sentry, a server error is emailed to ADMINS (through the SMTP
    # settings), as Django does by default; 4xx warnings still go to the console.
    LOGGING["handlers"]["mail_admins"] = {
        "class": "config.logfilters.AdminEmailHandler",
        "level": "ERROR",
        "filters": ["request_id", "redact_secrets"],
    }
    LOGGING["loggers"]["django.request"] = {
        "handlers": ["console", "mail_admins"],
        "level": "INFO",
        "propagate": False,
    }


if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
