"""Error reports to Sentry (when SENTRY_DSN is set), with no personal data.

What leaves the site: the exception, its stack (without local variables), the
request's method and path, and log breadcrumbs, all after `scrub` has run over
them. Never sent: request bodies (form answers, health intake answers among them),
cookies, query strings, the user's identity, local variables. In every string
left, email addresses, phone numbers and secret-looking tokens (manage links,
calendar feed tokens, email confirmation and password reset keys) are replaced.
"""

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

FILTERED = "[Filtered]"
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# UK numbers as people type them: 07700 900123, +44 7700 900123, (01273) 000 000.
PHONE = re.compile(
    r"(?<![\w+(])\(?(?:\+\d{1,3}|00\d{1,3}|0)[\s()-]*\d[\d\s()-]{7,}\d(?!\w)"
)
# A path segment or value that looks like a secret: 16+ URL-safe characters with
# both letters and digits (token_urlsafe, allauth keys, uidb36-key pairs).
TOKEN = re.compile(
    r"(?<![\w-])(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{16,}(?![\w-])"
)
# Keys whose values are never sent, whatever they hold.
SECRET_KEYS = {
    "query_string",
    "cookies",
    "data",
    "user",
    "email",
    "phone",
    "name",
    "full_name",
    "token",
    "key",
    "manage_token",
    "answers",
    "intake",
    "health",
    "details",
    "authorization",
    "cookie",
    "set-cookie",
    "x-csrftoken",
    "x-forwarded-for",
    "remote_addr",
    "ip_address",
    "env",
}


# Sentry's own identifiers look like tokens; they name the event, not a person.
SDK_KEYS = {"event_id", "trace_id", "span_id", "parent_span_id", "release", "sdk"}


def scrub_text(value: str) -> str:
    value = EMAIL.sub("[email]", value)
    value = TOKEN.sub("[token]", value)
    return PHONE.sub("[phone]", value)


def scrub(value: Any, health_fields: frozenset[str] = frozenset()) -> Any:
    """A copy of `value` with secret keys filtered and every string cleaned."""
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str)
            and (key.lower() in SECRET_KEYS or key in health_fields)
            else item
            if key in SDK_KEYS
            else scrub(item, health_fields)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item, health_fields) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _health_fields() -> frozenset[str]:
    try:
        from bookings.models import HealthIntake
    except Exception:  # pragma: no cover - the app registry is not ready
        return frozenset()
    return frozenset(name for name, _ in HealthIntake.QUESTIONS)


def before_send(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        # Method and path only: the query string, body and cookies stay here.
        for key in ("query_string", "data", "cookies", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    event.pop("user", None)
    return scrub(event, _health_fields())


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(),
        ],
        # What the integrations collect: no identity, cookies, query strings,
        # bodies, local variables or SQL parameters; a few harmless headers.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {
                "request": {
                    "mode": "allowlist",
                    "terms": ["user-agent", "accept", "content-type", "content-length"],
                }
            },
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
            "database_query_data": False,
            "queues": False,
        },
        max_request_body_size="never",
        before_send=before_send,
        before_send_transaction=before_send,
        traces_sample_rate=traces_sample_rate,
    )
