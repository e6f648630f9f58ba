"""Behind the TLS proxy every visitor keeps a rate-limit bucket of their own, and
a client cannot buy more attempts by inventing X-Forwarded-For entries."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.users.factories import TEST_PASSWORD, UserFactory

from .support import production_settings

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the proxy's address, as gunicorn sees it


@pytest.fixture
def behind_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.USE_X_FORWARDED_HOST = True


def visitor(address: str, spoofed: str = "") -> Client:
    """A browser at `address`, reaching the site through the proxy, which
    appends the address it saw to whatever X-Forwarded-For the browser sent."""
    forwarded = f"{spoofed}, {address}" if spoofed else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def fail_logins(client: Client, count: int, *, spoof=None) -> None:
    for attempt in range(count):
        headers = {}
        if spoof:
            # A new invented address on every attempt, before the proxy's entry.
            own = client.defaults["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
            headers["HTTP_X_FORWARDED_FOR"] = f"{spoof(attempt)}, {own}"
        client.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.com", "password": "wrong-password"},
            **headers,
        )


def log_in(client: Client, email: str):
    return client.post(
        reverse("account_login"), {"login": email, "password": TEST_PASSWORD}
    )


def test_two_clients_behind_the_proxy_have_separate_buckets(behind_proxy):
    user = UserFactory()
    first, second = visitor("203.0.113.5"), visitor("198.51.100.7")

    fail_logins(first, 10)

    locked = log_in(first, user.email)
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in first.session
    log_in(second, user.email)
    assert second.session["_auth_user_id"] == str(user.pk)


def test_a_spoofed_x_forwarded_for_gains_nothing(behind_proxy):
    user = UserFactory()
    attacker = visitor("203.0.113.5")

    fail_logins(attacker, 10, spoof=lambda n: f"192.0.2.{n}")

    response = log_in(attacker, user.email)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_reached_directly_x_forwarded_for_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    user = UserFactory()
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for attempt in range(10):
        attacker.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.com", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )

    response = log_in(attacker, user.email)
    assert "Too many failed login attempts" in response.content.decode()


def test_failed_logins_are_counted_in_the_rate_limit_store(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cache-only",
        },
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit-only",
        },
    }
    try:
        fail_logins(Client(REMOTE_ADDR="203.0.113.5"), 1)
        assert caches["ratelimit"]._cache
        assert not caches["default"]._cache
    finally:
        caches["ratelimit"].clear()


def test_the_forwarded_host_is_checked_against_allowed_hosts(behind_proxy, settings):
    settings.ALLOWED_HOSTS = ["www.holistictouch.example"]
    ok = Client(HTTP_X_FORWARDED_HOST="www.holistictouch.example").get("/robots.txt")
    assert "http://www.holistictouch.example/sitemap.xml" in ok.content.decode()
    refused = Client(HTTP_X_FORWARDED_HOST="evil.example").get("/robots.txt")
    assert refused.status_code == 400


def test_production_trusts_one_proxy_only_when_behind_it():
    names = [
        "ALLAUTH_TRUSTED_PROXY_COUNT",
        "USE_X_FORWARDED_HOST",
        "SECURE_PROXY_SSL_HEADER",
    ]
    assert production_settings(names) == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 1,
        "USE_X_FORWARDED_HOST": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    assert production_settings(names, DJANGO_BEHIND_TLS_PROXY="false") == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 0,
        "USE_X_FORWARDED_HOST": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }
    # Two proxies in a row (a CDN in front of Caddy): say so.
    two = production_settings(names, ALLAUTH_TRUSTED_PROXY_COUNT="2")
    assert two["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2
