"""Error reports reach Sentry (a local server that speaks its envelope protocol,
through the official SDK) without personal data."""

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from config.sentry import init_sentry, scrub, scrub_text

pytestmark = pytest.mark.django_db

TOKEN = "Xk3_aZ9-qq1w2e3r4t5y6u7i8o9p0LmN"


class Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's spelling
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    Envelopes.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Envelopes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    init_sentry(
        dsn=f"http://public@{host}:{port}/1",
        environment="test",
        traces_sample_rate=0,
    )
    try:
        yield Envelopes.received
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.init()  # no DSN: reporting off again
        server.shutdown()


def test_an_error_report_carries_no_personal_data(sentry_server, settings):
    settings.ROOT_URLCONF = "tests.ops.sentry_urls"
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "session-secret-value"
    response = client.post(
        f"/appointments/manage/{TOKEN}/?email=chris.client@example.com",
        {"pregnant": "yes", "blood_clots": "yes", "name": "Chris Client"},
        HTTP_AUTHORIZATION="Bearer abc",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    sent = b"\n".join(sentry_server).decode()
    assert "ValueError" in sent and "Could not book for [email]" in sent
    assert '"transaction":"/appointments/manage/{token}/"' in sent
    for secret in (
        "chris.client@example.com",
        "07700 900123",
        TOKEN,
        "Chris Client",
        "pregnant",
        "blood_clots",
        "session-secret-value",
        "Bearer abc",
    ):
        assert secret not in sent, sent[max(0, sent.find(secret) - 300) :][:600]


def test_scrub_replaces_emails_phones_and_tokens_in_any_string():
    assert scrub_text("mail a.b+c@mail.example.co.uk now") == "mail [email] now"
    for phone in ("07700 900123", "+44 7700 900123", "(01273) 000 000"):
        assert scrub_text(f"call {phone}.") == "call [phone]."
    assert scrub_text(f"/book/done/{TOKEN}/") == "/book/done/[token]/"
    # Ordinary words, dates and numbers survive.
    assert scrub_text("deliver_due_emails at 2026-12-06 20:10:02, 37 rows") == (
        "deliver_due_emails at 2026-12-06 20:10:02, 37 rows"
    )


def test_scrub_filters_secret_keys_and_health_answers_at_any_depth():
    event = {
        "extra": {"context": {"email": "x", "pregnant": True, "count": 3}},
        "breadcrumbs": [{"message": "sent to a@b.example"}],
    }
    assert scrub(event, frozenset({"pregnant"})) == {
        "extra": {
            "context": {"email": "[Filtered]", "pregnant": "[Filtered]", "count": 3}
        },
        "breadcrumbs": [{"message": "sent to [email]"}],
    }


def test_production_reports_to_sentry_only_when_a_dsn_is_set():
    from .support import production_settings

    names = ["SENTRY_DSN", "LOGGING"]
    without = production_settings(names, DJANGO_ADMINS="Ops <ops@example.com>")
    assert "mail_admins" in without["LOGGING"]["handlers"]
    with_dsn = production_settings(
        names,
        DJANGO_ADMINS="Ops <ops@example.com>",
        SENTRY_DSN="http://public@127.0.0.1:9/1",
    )
    assert "mail_admins" not in with_dsn["LOGGING"]["handlers"]


def test_without_sentry_a_server_error_is_emailed_to_the_admins():
    import os
    import subprocess
    import sys

    from django.conf import settings

    script = """
import django
django.setup()
from django.core import mail
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django.conf import settings
setup_test_environment()
# No collectstatic here: the error page's static links need no manifest.
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(ROOT_URLCONF="tests.ops.sentry_urls", STORAGES=storages):
    response = Client(raise_request_exception=False).get(
        "/appointments/manage/Zq9SecretSecretSecretxY/")
leaked = any("/Zq9Secret" in m.subject + m.body for m in mail.outbox)
print(response.status_code, leaked, [(m.to, m.subject) for m in mail.outbox])
"""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SENTRY_DSN", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    } | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x7" * 30,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_ADMINS": "Ops <ops@example.com>",
        "DJANGO_LOG_FORMAT": "plain",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    status, leaked, sent = result.stdout.strip().split(" ", 2)
    assert status == "500"
    # The manage link's secret is redacted from the addresses in the subject and
    # the report (the page's own exception quotes it bare, which no filter knows).
    assert leaked == "False"
    assert "['Ops <ops@example.com>']" in sent
    assert "ERROR (EXTERNAL IP): Internal Server Error" in sent
