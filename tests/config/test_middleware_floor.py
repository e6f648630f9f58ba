"""The middleware that every response goes through does no work that response
does not need: the message storage is made on first use, the CSP header is built
once while no nonce is used, and a request without a session loads no user. What
each guards still happens where it is needed."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.csp import CSP, build_policy

from config.middleware import ContentSecurityPolicy, LazyMessages, StaffNeedTwoFactor
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_robots_txt_touches_no_session_and_builds_no_message_storage(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    # Nothing read the session: the answer does not vary with the cookie.
    assert "Cookie" not in response.get("Vary", "")
    assert "messages" not in response.cookies
    assert response["Content-Security-Policy"]
    assert response["X-Request-ID"]


def test_a_message_added_by_one_request_is_shown_by_the_next(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/", follow=True)
    assert "You have signed out." in response.content.decode()


def test_the_lazy_storage_is_made_on_first_use_and_stores_what_was_added():
    request = RequestFactory().get("/")
    request.session = {}

    def view(request):
        messages.info(request, "Saved.")
        return HttpResponse("ok")

    response = LazyMessages(view)(request)
    # The message went to the cookie (the fallback storage's first choice).
    assert "messages" in response.cookies
    later = RequestFactory().get("/")
    later.COOKIES["messages"] = response.cookies["messages"].value
    later.session = {}
    assert [m.message for m in default_storage(later)] == ["Saved."]


def test_an_untouched_lazy_storage_writes_nothing():
    request = RequestFactory().get("/")
    request.session = {}
    response = LazyMessages(lambda request: HttpResponse("ok"))(request)
    assert "messages" not in response.cookies


def test_the_policy_without_nonce_is_the_settings_policy_and_follows_them(settings):
    middleware = ContentSecurityPolicy(lambda request: HttpResponse("ok"))
    first = middleware(RequestFactory().get("/"))
    assert first[CSP.HEADER_ENFORCE] == build_policy(settings.SECURE_CSP)
    settings.SECURE_CSP = {"default-src": [CSP.SELF], "script-src": [CSP.NONCE]}
    second = middleware(RequestFactory().get("/"))
    assert second[CSP.HEADER_ENFORCE] == "default-src 'self'"


def test_a_page_that_used_its_nonce_gets_a_policy_with_that_nonce():
    def view(request):
        return HttpResponse(f'<script nonce="{request._csp_nonce}"></script>')

    middleware = ContentSecurityPolicy(view)
    nonces = set()
    for _ in range(2):
        response = middleware(RequestFactory().get("/"))
        nonce = response.content.decode().split('nonce="')[1].split('"')[0]
        assert f"'nonce-{nonce}'" in response[CSP.HEADER_ENFORCE]
        nonces.add(nonce)
    assert len(nonces) == 2
    # A page without the nonce afterwards gets the policy without one.
    plain = ContentSecurityPolicy(lambda request: HttpResponse("ok"))
    assert "'nonce-" not in plain(RequestFactory().get("/"))[CSP.HEADER_ENFORCE]


def test_a_view_with_its_own_policy_keeps_it():
    def view(request):
        response = HttpResponse("ok")
        response._csp_config = {"default-src": [CSP.NONE]}
        return response

    response = ContentSecurityPolicy(view)(RequestFactory().get("/"))
    assert response[CSP.HEADER_ENFORCE] == "default-src 'none'"


def test_staff_without_two_factor_are_still_sent_to_set_it_up(client):
    client.force_login(UserFactory(is_staff=True, two_factor=False))
    response = client.get("/robots.txt")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_request_without_a_session_is_let_through_without_loading_the_user():
    request = RequestFactory().get("/")
    request.session = type("Session", (), {"session_key": None})()

    def view(request):
        assert not hasattr(request, "user"), "the user was not needed"
        return HttpResponse("ok")

    assert StaffNeedTwoFactor(view)(request).status_code == 200
