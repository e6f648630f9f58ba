"""Security headers on every page, and the endpoint browsers report CSP violations
to (rate limited; it only logs)."""

import json
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["/", "/about/", "/accounts/login/", "/practitioners/", "/courses/", "/blog/"]
REPORT = {
    "csp-report": {
        "document-uri": "https://site.example/appointments/manage/SecretToken1234567890/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js",
        "disposition": "enforce",
    }
}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_policies(client, path):
    response = client.get(path)
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "report-uri /csp-report/" in csp
    assert "report-to csp" in csp
    assert response["Reporting-Endpoints"] == 'csp="http://127.0.0.1:8000/csp-report/"'


def test_a_csp_report_is_logged_without_secrets_and_answered_204(client, caplog):
    with caplog.at_level(logging.WARNING, logger="config.views"):
        response = client.post(
            reverse("csp-report"),
            json.dumps(REPORT),
            content_type="application/csp-report",
        )
    assert response.status_code == 204
    assert "script-src-elem" in caplog.text
    assert "https://evil.example/x.js" in caplog.text


def test_reports_in_the_reporting_api_format_are_logged_too(client, caplog):
    body = [
        {
            "type": "csp-violation",
            "url": "https://site.example/blog/",
            "body": {
                "documentURL": "https://site.example/blog/",
                "effectiveDirective": "img-src",
                "blockedURL": "https://tracker.example/p.gif",
                "disposition": "enforce",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="config.views"):
        response = client.post(
            reverse("csp-report"),
            json.dumps(body),
            content_type="application/reports+json",
        )
    assert response.status_code == 204
    assert "img-src" in caplog.text and "tracker.example" in caplog.text


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1, 2", b'"a string"', b"{}" + b" " * 70_000]
)
def test_a_malformed_or_huge_report_is_refused_without_fuss(client, body):
    response = client.post(
        reverse("csp-report"), body, content_type="application/csp-report"
    )
    assert response.status_code in (204, 400, 413)


def test_the_report_endpoint_takes_posts_only(client):
    assert client.get(reverse("csp-report")).status_code == 405


def test_reports_are_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "csp_report": "2/m/ip",
    }
    answers = [
        client.post(
            reverse("csp-report"),
            json.dumps(REPORT),
            content_type="application/csp-report",
        ).status_code
        for _ in range(3)
    ]
    assert answers == [204, 204, 429]
