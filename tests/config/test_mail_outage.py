"""Mail server down: sign-up and password reset answer normally, nothing is left
half made, and the emails arrive once the mail server is back (they go through
the outbox like every other email)."""

import re
import socket
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from notifications import outbox
from notifications.models import OutboundEmail
from tests.users.factories import TEST_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }


def mail_server_back(settings) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }


def link(body: str, path: str) -> str:
    return re.search(rf"https?://[^\s]*{re.escape(path)}[^\s]*", body).group(0)


def test_signing_up_during_a_mail_outage_works_and_the_email_comes_later(
    client, mail_server_down, settings
):
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Robin New",
            "email": "robin@example.com",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="robin@example.com").count() == 1
    (row,) = OutboundEmail.objects.filter(to="robin@example.com")
    assert row.kind == "account.email_confirmation_signup"
    assert row.status == OutboundEmail.Status.PENDING

    assert outbox.deliver_due() == 0  # still down: kept, no attempt counted
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundEmail.Status.PENDING, 0)

    mail_server_back(settings)
    assert outbox.deliver_due() == 1
    (message,) = mail.outbox
    assert message.subject == "Confirm your email address"
    assert message.to == ["robin@example.com"]
    confirm = link(message.body, "/accounts/confirm-email/")
    client.post(urlsplit(confirm).path)
    assert EmailAddress.objects.get(email="robin@example.com").verified


def test_a_password_reset_during_a_mail_outage_works_and_the_email_comes_later(
    client, mail_server_down, settings
):
    UserFactory(email="forgetful@example.com", full_name="Sam Forgetful")
    response = client.post(
        reverse("account_reset_password"), {"email": "forgetful@example.com"}
    )
    assert response.status_code == 302
    (row,) = OutboundEmail.objects.filter(to="forgetful@example.com")
    assert row.kind == "account.password_reset_key"

    mail_server_back(settings)
    outbox.deliver_due()
    (message,) = mail.outbox
    assert message.subject == "Reset your password"
    assert message.body.startswith("Dear Sam Forgetful,")
    assert "/accounts/password/reset/key/" in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_the_reset_form_still_answers_unknown_addresses_alike(
    client, mail_server_down, settings
):
    response = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )
    assert response.status_code == 302
    (row,) = OutboundEmail.objects.filter(to="nobody@example.com")
    assert row.kind == "account.unknown_account"
    assert "/accounts/password/reset/key/" not in row.text_body
    assert "/accounts/signup/" in row.text_body


def test_an_allauth_email_the_site_has_not_reworded_keeps_allauths_words():
    from notifications.accounts import AccountAdapter

    user = UserFactory(email="sam@example.com", full_name="Sam Secure")
    AccountAdapter().send_mail(
        "account/email/password_changed", "sam@example.com", {"user": user}
    )
    (row,) = OutboundEmail.objects.filter(kind="account.password_changed")
    assert row.to == "sam@example.com"
    assert row.subject
    assert row.text_body.startswith("Dear Sam Secure,")
    assert "password" in row.text_body.lower()
    assert row.related_key == f"user:{user.pk}"
