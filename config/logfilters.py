"""Bearer secrets never reach a log line.

A guest's manage link, the booking confirmation page (and its pay page), a
practitioner's calendar feed, a payment's receipt, the test provider's payment
page, a certificate's verification page and allauth's email-confirmation and
password-reset links carry their secret in the path (the certificate number also
in the query string of the /verify/ form, which sends it there). Access logs
(runserver's `django.server`, gunicorn's access log), Django's "Not Found: /..."
warnings and any line quoting a URL or a Referer would otherwise write it down
for anyone who reads the logs.

`RedactSecrets` is a logging filter: attach it to a handler (or a logger) and
every record is formatted once and the secrets in it replaced by
"[redacted]". settings.LOGGING puts it on every handler it defines; the Celery
worker and beat put it on theirs (config/celery.py). A record can carry a URL
outside its message too: Django's request warnings add the request itself as an
extra, which the JSON formatter writes as a field, and a traceback may quote a
path. So the formatters settings.LOGGING uses (`RedactingFormatter`,
`RedactingJsonFormatter`) redact the whole line they write, and production's
error email (`AdminEmailHandler`) its subject and bodies. gunicorn's access and error
logs get it through `GunicornLogger` (`logger_class` in gunicorn.conf.py, or
`--logger-class config.logfilters.GunicornLogger` on a command line).
"""

import logging
import re

from django.utils import log as django_log
from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"
# Path prefixes whose next segment is a secret. A test walks the URL conf and
# fails for a route with a `token`, `key` or `session_id` parameter that is not
# covered here.
SECRET_PATHS = [
    "/appointments/manage/",
    "/book/done/",
    "/book/waitlist/",
    "/reviews/write/",
    "/reviews/stop/",
    "/practitioner/calendar/",
    "/payments/receipts/",
    "/payments/test-checkout/",
    "/verify/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
]
_SECRET = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PATHS) + r")"
    # The secret: up to the next slash, query, fragment, quote, space or ".ics";
    # never "done/" (allauth's page after a reset) nor "other/" (the other
    # calendars' pages, addressed by their number).
    r"(?!done/|other/)[^/?#\s\"'<>]+?(?=\.ics\b|[/?#\s\"'<>]|$)"
)

# A certificate number typed into the /verify/ form arrives as ?number=...
_SECRET_QUERY = re.compile(r"(/verify/\?(?:[^#\s\"'<>]*?&)?number=)[^&#\s\"'<>]+")


def redact(text: str) -> str:
    text = _SECRET.sub(lambda match: match.group(1) + REDACTED, text)
    return _SECRET_QUERY.sub(lambda match: match.group(1) + REDACTED, text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    """Plain lines, redacted whole (message, traceback and all)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's JSON lines, redacted whole: every field, the request
    Django's warnings attach included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class AdminEmailHandler(django_log.AdminEmailHandler):
    """Django's error email to ADMINS, with the secrets taken out of its subject
    and of the traceback and request report in its bodies."""

    def emit(self, record: logging.LogRecord) -> None:
        # Django sent error emails with fail_silently until MAILERS; with it, a
        # mail server that is down raises here. A handler must not raise into the
        # code that logged: report it the logging way (a note on stderr) instead.
        try:
            super().emit(record)
        except Exception:
            self.handleError(record)

    def send_mail(self, subject: str, message: str, *args, **kwargs) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(kwargs["html_message"])
        super().send_mail(redact(subject), redact(message), *args, **kwargs)


class GunicornLogger(Logger):
    """gunicorn's logger with its access and error logs redacted."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())
