"""Manage links, calendar feeds and allauth's keys never reach a log line: not the
runserver or gunicorn access log, not Django's warnings, not a Referer."""

import io
import json
import logging
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils.module_loading import import_string

from config.logfilters import RedactSecrets, redact
from tests.bookings.factories import BookingFactory, CalendarFeedFactory
from tests.urlconf import routes

pytestmark = pytest.mark.django_db

SECRET = "Zq9SecretSecretSecretxY"
# `number`: a certificate's number opens its public page (courses:verify-number).
SECRET_PARAMS = {"token", "key", "uidb36", "session_id", "number"}


def _secret_urls() -> list:
    found = []
    for route in routes():
        if not route.name or not SECRET_PARAMS & set(route.params):
            continue
        kwargs = {
            name: (SECRET if name in SECRET_PARAMS else "7") for name in route.params
        }
        found.append(pytest.param(reverse(route.name, kwargs=kwargs), id=route.name))
    return found


SECRET_URLS = _secret_urls()


def test_every_route_with_a_secret_is_found():
    assert {param.id for param in SECRET_URLS} >= {
        "bookings:manage",
        "bookings:manage-cancel",
        "bookings:manage-reschedule",
        "bookings:manage-ics",
        "bookings:confirmation",
        "bookings:pay",
        "bookings:calendar-feed",
        "bookings:waitlist-stop",
        "payments:receipt",
        "payments:test-checkout",
        "courses:verify-number",
        "account_confirm_email",
        "account_reset_password_from_key",
    }


@pytest.mark.parametrize("url", SECRET_URLS)
def test_every_secret_in_a_url_is_redacted(url):
    for line in (
        f'"GET {url} HTTP/1.1" 200 1234',
        f'"GET {url}?x=1 HTTP/1.1" 302 0',
        f"Not Found: {url}",
        f'"GET /static/site.css HTTP/1.1" 200 9 "https://site.example{url}" "Firefox"',
    ):
        assert SECRET not in redact(line), line
        assert "[redacted]" in redact(line)


def test_a_certificate_number_typed_into_the_verify_form_is_redacted():
    for line in (
        f'"GET /verify/?number={SECRET} HTTP/1.1" 302 0',
        f'"GET /verify/?utm=x&number={SECRET}&y=1 HTTP/1.1" 302 0',
        f'"GET /x HTTP/1.1" 200 9 "https://site.example/verify/?number={SECRET}"',
    ):
        assert SECRET not in redact(line), line
        assert "number=[redacted]" in redact(line)


def test_pages_without_secrets_are_left_alone():
    for line in (
        '"GET /verify/ HTTP/1.1" 200 10',
        '"GET /practitioner/calendar/ HTTP/1.1" 200 10',
        '"POST /practitioner/calendar/other/12/refresh/ HTTP/1.1" 302 0',
        '"POST /book/jo-bloggs/3/waitlist/ HTTP/1.1" 302 0',
        '"GET /appointments/12/ HTTP/1.1" 200 10',
        '"GET /accounts/password/reset/key/done/ HTTP/1.1" 200 10',
    ):
        assert redact(line) == line


def test_every_handler_the_settings_configure_redacts():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), name


def test_the_runserver_access_log_and_django_warnings_are_redacted(client):
    booking = BookingFactory(client=None)
    feed = CalendarFeedFactory()
    # The handlers settings.LOGGING attached, writing into a buffer for the test.
    handlers = {
        handler
        for name in ("django.server", "django", "")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
    }
    buffer = io.StringIO()
    previous = [(handler, handler.setStream(buffer)) for handler in handlers]
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET {booking.get_manage_url()} HTTP/1.1", "200", "512"
        )
        client.get(f"/appointments/manage/{SECRET}/")  # a 404, logged as a warning
        logging.getLogger("bookings").warning("Feed %s asked", feed.get_absolute_url())
    finally:
        for handler, stream in previous:
            handler.setStream(stream)
    logged = buffer.getvalue()
    assert logged.count("[redacted]") >= 3
    for secret in (booking.manage_token, feed.token, SECRET):
        assert secret not in logged


@pytest.mark.parametrize("name", ["plain", "json"])
def test_the_formatters_redact_the_whole_line_extras_and_tracebacks_too(rf, name):
    """Django's request warnings attach the request, which the JSON formatter
    writes as a field of its own; a traceback may quote a path."""
    config = dict(settings.LOGGING["formatters"][name])
    formatter = import_string(config.pop("()"))(**config)
    request = rf.get(f"/payments/receipts/{SECRET}/?print=1")
    try:
        raise LookupError(f"no receipt at /payments/receipts/{SECRET}/")
    except LookupError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Not Found: %s",
            (request.path,),
            sys.exc_info(),
            extra={"status_code": 404, "request": request, "request_id": "-"},
        )
    RedactSecrets().filter(record)
    line = formatter.format(record)
    assert "/payments/receipts/[redacted]/" in line
    assert SECRET not in line
    if name == "json":
        assert "WSGIRequest" in json.loads(line)["request"]


def test_production_formatters_and_error_email_redact(settings):
    from config.logfilters import AdminEmailHandler
    from tests.ops.support import production_settings

    production = production_settings(
        ["LOGGING"], DJANGO_ADMINS="Ops <ops@example.com>", SENTRY_DSN=""
    )["LOGGING"]
    for name, handler in production["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), name
    assert production["formatters"]["json"]["()"].startswith("config.logfilters.")
    assert production["formatters"]["plain"]["()"].startswith("config.logfilters.")
    mail_admins = production["handlers"]["mail_admins"]
    assert mail_admins["class"] == "config.logfilters.AdminEmailHandler"

    settings.ADMINS = ["ops@example.com"]
    handler = AdminEmailHandler(include_html=True)
    handler.send_mail(
        f"Error at /book/done/{SECRET}/",
        f"Traceback ... GET /appointments/manage/{SECRET}/cancel/",
        html_message=f"<td>/practitioner/calendar/{SECRET}.ics</td>",
    )
    (sent,) = mail.outbox
    assert SECRET not in sent.subject + sent.body + sent.alternatives[0].content
    assert "/appointments/manage/[redacted]/cancel/" in sent.body


def test_an_error_email_the_mail_server_refuses_does_not_raise(settings, capsys):
    from config.logfilters import AdminEmailHandler
    from tests.notifications.worker import closed_port

    settings.ADMINS = ["ops@example.com"]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    record = logging.makeLogRecord(
        {"levelno": logging.ERROR, "levelname": "ERROR", "msg": "Boom"}
    )

    AdminEmailHandler().emit(record)  # no exception

    assert "ConnectionRefusedError" in capsys.readouterr().err


def test_the_gunicorn_access_log_is_redacted(capfd):
    from gunicorn.config import Config

    from config.logfilters import GunicornLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("logger_class", "config.logfilters.GunicornLogger")
    assert config.logger_class is GunicornLogger
    log = GunicornLogger(config)
    path = f"/appointments/manage/{SECRET}/cancel/"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://site.example/practitioner/calendar/{SECRET}.ics",
        "HTTP_USER_AGENT": "Firefox",
    }
    request = SimpleNamespace(
        headers=[], method="GET", path=path, query="", uri=path, version=(1, 1)
    )
    response = SimpleNamespace(
        status="200 OK", status_code=200, response_length=10, sent=10, headers=[]
    )
    log.access(response, request, environ, timedelta(milliseconds=5))
    out, err = capfd.readouterr()
    logged = out + err
    assert "GET /appointments/manage/[redacted]/cancel/" in logged
    assert SECRET not in logged


def test_the_celery_worker_handlers_are_redacted():
    from config.celery import redact_secrets

    logger = logging.getLogger("celery-test-logger")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        redact_secrets(logger=logger)
        redact_secrets(logger=logger)
        assert sum(isinstance(f, RedactSecrets) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
