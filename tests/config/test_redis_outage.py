"""Redis down: signing in, signing up, resetting a password, deleting an account
and checking a certificate still work, their rate limits still count (in this
process), and the outage is logged. With a plain RedisCache each of these
answered 500."""

import logging
import socket
from datetime import timedelta
from importlib import reload

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from config.settings import base
from tests.courses.factories import CourseDateFactory, EnrolmentFactory
from tests.users.factories import TEST_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The site's own cache settings (base.py), every Redis-backed alias (the cache
    and allauth's rate-limit counters) pointed at a port nobody answers."""
    port = closed_port()
    settings.CACHES = {
        alias: {**config, "LOCATION": f"redis://127.0.0.1:{port}/{number}"}
        for number, (alias, config) in enumerate(reload(base).CACHES.items())
    }
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


def test_every_redis_backed_cache_falls_back_to_memory():
    """A new Redis alias in base.py must be wrapped too, or its outage answers 500."""
    configured = reload(base).CACHES
    assert set(configured) >= {"default", "ratelimit"}
    for alias, config in configured.items():
        assert config["BACKEND"] == "config.cache.FallbackCache", alias
        assert config["OPTIONS"]["PRIMARY"].endswith("RedisCache"), alias


def test_signing_in_works_while_redis_is_down(client, redis_down, caplog):
    user = UserFactory(email="robin@example.com")
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        response = client.post(
            reverse("account_login"),
            {"login": "robin@example.com", "password": TEST_PASSWORD},
        )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Cache server unreachable" in caplog.text


def test_failed_sign_ins_are_still_limited_while_redis_is_down(client, redis_down):
    UserFactory(email="robin@example.com")
    answers = [
        client.post(
            reverse("account_login"),
            {"login": "robin@example.com", "password": "wrong-password"},
        )
        for _ in range(7)
    ]
    assert {answer.status_code for answer in answers} <= {200, 429}
    assert "Too many failed login attempts" in answers[-1].content.decode()
    # allauth counted them in its own alias (users/apps.py), in this process's memory.
    assert caches["ratelimit"].is_down


def test_signing_up_works_while_redis_is_down(client, redis_down):
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Robin New",
            "email": "new@example.com",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


def test_a_password_reset_works_while_redis_is_down(client, redis_down):
    UserFactory(email="robin@example.com")
    response = client.post(
        reverse("account_reset_password"), {"email": "robin@example.com"}
    )
    assert response.status_code == 302


def test_deleting_an_account_works_while_redis_is_down(client, redis_down):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("users:delete-account"), {"password": TEST_PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_certificates_are_verified_and_look_ups_counted_while_redis_is_down(
    client, redis_down, settings
):
    from courses import services
    from courses.models import Enrolment

    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "verify_certificate": "2/m/ip",
    }
    today = timezone.localdate()
    finished = CourseDateFactory(
        starts_on=today - timedelta(days=2),
        ends_on=today - timedelta(days=1),
        enrolment_deadline=today - timedelta(days=9),
    )
    enrolment = EnrolmentFactory(
        course_date=finished, status=Enrolment.Status.CONFIRMED
    )
    services.complete_enrolment(enrolment=enrolment)
    url = reverse("courses:verify-number", args=[enrolment.certificate.number])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert caches["ratelimit"].is_down


def test_the_site_cache_answers_from_memory_and_tries_redis_again_later(
    redis_down, settings
):
    fallback = caches["default"]
    fallback.set("k", "v")
    assert fallback.get("k") == "v"
    assert fallback.add("k", "other") is False
    assert fallback.get_or_set("n", lambda: 42) == 42
    assert fallback.is_down


def test_with_redis_up_values_go_to_redis_and_an_outage_ends_by_itself(settings):
    from config.cache import FallbackCache

    default = {**reload(base).CACHES["default"], "LOCATION": settings.REDIS_URL}
    default["KEY_PREFIX"] = "test-fallback"
    default["OPTIONS"] = {**default["OPTIONS"], "RETRY_AFTER": 0}
    settings.CACHES = {"default": default}
    shared = caches["default"]
    assert isinstance(shared, FallbackCache)
    try:
        shared.set("greeting", "hello", 30)
        assert shared.primary.get("greeting") == "hello"
        assert shared.fallback.get("greeting") is None
        assert not shared.is_down
    finally:
        shared.delete("greeting")
