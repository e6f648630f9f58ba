from datetime import timedelta

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from tests.notifications.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db


def test_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_ready_is_ok_when_everything_works(client, heartbeat):
    heartbeat(age=5)
    OutboundEmailFactory(send_after=timezone.now() - timedelta(minutes=9))
    response = client.get("/healthz/ready")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "outbox": "ok", "beat": "ok"},
    }


def test_ready_fails_when_an_email_is_overdue_by_ten_minutes(client, heartbeat):
    heartbeat()
    OutboundEmailFactory(send_after=timezone.now() - timedelta(minutes=11))
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["outbox"]
    assert response.json()["checks"]["outbox"] == "stale"


def test_sent_and_future_emails_do_not_make_the_outbox_stale(client, heartbeat):
    heartbeat()
    long_ago = timezone.now() - timedelta(hours=3)
    OutboundEmailFactory(send_after=long_ago, status="sent", sent_at=long_ago)
    OutboundEmailFactory(send_after=timezone.now() + timedelta(days=1))
    assert client.get("/healthz/ready").status_code == 200


@pytest.mark.parametrize("age", [None, 121])
def test_ready_fails_when_beat_is_silent(client, heartbeat, age):
    if age is not None:
        heartbeat(age=age)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]
    assert response.json()["checks"]["beat"] == "late"


@pytest.mark.parametrize(
    "role", ["REDIS_CACHE_URL", "CELERY_BROKER_URL", "REDIS_RATELIMIT_URL"]
)
def test_ready_names_redis_when_any_role_does_not_answer(
    client, heartbeat, settings, role
):
    heartbeat()
    setattr(settings, role, "redis://127.0.0.1:1/0")
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]


def test_ready_names_the_database_when_it_does_not_answer(
    client, heartbeat, monkeypatch
):
    from config import views

    def unreachable():
        raise OperationalError("connection refused")

    heartbeat()
    monkeypatch.setattr(views.connection, "cursor", unreachable)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "outbox"]


def test_health_answers_leave_plain_http_alone_in_production():
    from .support import production_settings

    exempt = production_settings(["SECURE_REDIRECT_EXEMPT"])["SECURE_REDIRECT_EXEMPT"]
    import re

    for path in ("healthz", "healthz/live", "healthz/ready"):
        assert any(re.match(pattern, path) for pattern in exempt)
    assert not any(re.match(pattern, "healthzzz") for pattern in exempt)
