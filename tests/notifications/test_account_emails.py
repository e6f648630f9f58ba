"""allauth's emails through the account adapter: the site's wording and layout,
one outbox row each, delivered like every other email."""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.core import mail
from django.urls import reverse

from notifications import outbox
from notifications.accounts import ACCOUNT_EMAILS, AccountAdapter
from notifications.models import OutboundEmail
from tests.users.factories import TEST_PASSWORD, UserFactory

Status = OutboundEmail.Status
pytestmark = pytest.mark.django_db


def sign_up(client, email="nia@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "full_name": "Nia Newcomer",
            "email": email,
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )


def test_the_verification_email_is_an_outbox_row_in_the_sites_design(client):
    sign_up(client)
    assert mail.outbox == [], "nothing is sent from the request"
    row = OutboundEmail.objects.get()
    user = EmailAddress.objects.get(email="nia@example.com").user
    assert row.kind == "account.email_confirmation_signup"
    assert row.related_key == f"user:{user.pk}"
    assert row.status == Status.PENDING
    assert row.subject == "Confirm your email address"
    assert row.text_body.startswith("Dear Nia Newcomer,")
    link = re.search(r"Confirm your email address: (\S+)", row.text_body).group(1)
    assert "/accounts/confirm-email/" in link
    # The HTML part: the site's layout, a button to the same link.
    assert "Holistic Touch" in row.html_body
    assert f'href="{link}"' in row.html_body
    assert ">Confirm your email address</a>" in row.html_body

    assert outbox.deliver_due() == 1
    (message,) = mail.outbox
    assert message.to == ["nia@example.com"]
    assert message.body == row.text_body
    assert message.alternatives[0].content == row.html_body
    row.refresh_from_db()
    assert row.status == Status.SENT

    # The link works: it confirms and signs in.
    response = client.get(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="nia@example.com").verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_each_request_is_its_own_email(client):
    sign_up(client)
    client.logout()
    credentials = {"login": "nia@example.com", "password": TEST_PASSWORD}
    # Logging in unverified sends the link again (allauth's rate limit allows one
    # per three minutes), as a second row.
    from django.core.cache import caches

    for alias in ("default", "ratelimit"):
        caches[alias].clear()
    client.post(reverse("account_login"), credentials)
    rows = OutboundEmail.objects.filter(kind__startswith="account.email_confirmation")
    assert rows.count() == 2
    assert len({row.dedup_key for row in rows}) == 2


def test_a_password_reset_email_has_the_reset_button(client):
    UserFactory(email="fay@example.com", full_name="Fay Forgetful")
    client.post(reverse("account_reset_password"), {"email": "fay@example.com"})
    row = OutboundEmail.objects.get()
    assert row.kind == "account.password_reset_key"
    assert row.subject == "Reset your password"
    assert "Dear Fay Forgetful," in row.text_body
    assert re.search(
        r"Choose a new password: http://\S+/accounts/password/reset/key/",
        row.text_body,
    )
    assert ">Choose a new password</a>" in row.html_body


def test_changing_the_password_sends_a_security_notice(client):
    user = UserFactory(email="pat@example.com", full_name="Pat Example")
    client.force_login(user)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="TestBrowser/1.0",
    )
    row = OutboundEmail.objects.get(kind="account.password_changed")
    assert row.to == "pat@example.com"
    assert row.related_key == f"user:{user.pk}"
    assert row.subject == "Your password was changed"
    text = row.text_body
    assert text.startswith("Dear Pat Example,")
    assert "The password of your account was changed." in text
    assert "from the internet address 203.0.113.9" in text
    assert "“TestBrowser/1.0”" in text
    assert "If it was not you, reset your password now" in text
    assert re.search(r"Reset your password: http://\S+/accounts/password/reset/", text)
    assert "You are receiving this mail" not in text


@pytest.mark.parametrize(
    ("prefix", "context", "expected"),
    [
        (
            "account/email/email_changed",
            {"from_email": "old@example.com", "to_email": "new@example.com"},
            "changed from old@example.com to new@example.com.",
        ),
        (
            "account/email/email_deleted",
            {"deleted_email": "gone@example.com"},
            "The email address gone@example.com was removed",
        ),
        ("account/email/login_code", {"code": "QX7-42B"}, "Your code is QX7-42B"),
        ("mfa/email/totp_activated", {}, "An authenticator app was set up"),
    ],
)
def test_notices_fill_in_what_changed(rf, prefix, context, expected):
    user = UserFactory(email="pat@example.com")
    request = rf.get("/")
    request.user = user
    with allauth_context.request_context(request):
        AccountAdapter(request).send_mail(prefix, user.email, {"user": user, **context})
    row = OutboundEmail.objects.get()
    assert row.subject == ACCOUNT_EMAILS[prefix].subject
    assert expected in row.text_body
    assert "{" not in row.text_body


def test_every_email_allauth_sends_has_the_sites_wording():
    """A new allauth email (after an upgrade) fails here until it is worded."""
    templates = Path(allauth.__file__).parent / "templates"
    shipped = {
        str(path.relative_to(templates)).removesuffix("_subject.txt")
        for folder in ("account/email", "mfa/email")
        for path in (templates / folder).glob("*_subject.txt")
    }
    assert shipped - set(ACCOUNT_EMAILS) == set()


def test_an_unlisted_email_keeps_allauths_text_in_the_sites_layout(rf, monkeypatch):
    monkeypatch.delitem(ACCOUNT_EMAILS, "account/email/password_changed")
    user = UserFactory(email="pat@example.com")
    request = rf.get("/")
    request.user = user
    with allauth_context.request_context(request):
        AccountAdapter(request).send_notification_mail(
            "account/email/password_changed", user
        )
    row = OutboundEmail.objects.get()
    assert "Your password has been changed." in row.text_body
    assert "Holistic Touch" in row.html_body
