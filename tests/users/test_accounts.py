import re
import time
from datetime import datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.urls import reverse

from tests.directory.factories import PractitionerFactory
from tests.users.factories import TEST_PASSWORD, UserFactory
from users import services
from users.models import User

pytestmark = pytest.mark.django_db


def sign_up(client, email="new.client@example.com", **overrides):
    data = {
        "full_name": "Nia Newcomer",
        "email": email,
        "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD,
        **overrides,
    }
    return client.post(reverse("account_signup"), data, follow=True)


def link_in(message) -> str:
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return match.group(0)


def test_sign_up_sends_a_verification_link_and_keeps_the_address_unverified(
    client, delivered_mail
):
    response = sign_up(client)
    assert "Check your email" in response.content.decode()
    user = User.objects.get(email="new.client@example.com")
    assert user.full_name == "Nia Newcomer"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(delivered_mail) == 1
    assert delivered_mail[0].to == ["new.client@example.com"]
    assert "/accounts/confirm-email/" in link_in(delivered_mail[0])


def test_following_the_link_confirms_and_signs_in_in_one_click(client, delivered_mail):
    sign_up(client)
    assert "_auth_user_id" not in client.session
    response = client.get(link_in(delivered_mail[0]))
    assert response.status_code == 302
    assert response.url == reverse("bookings:mine")
    assert EmailAddress.objects.get(email="new.client@example.com").verified
    user = User.objects.get(email="new.client@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("users:account")).status_code == 200


def test_the_link_opened_in_another_browser_confirms_and_asks_to_log_in(
    client, delivered_mail
):
    from django.test import Client

    sign_up(client)
    elsewhere = Client()
    response = elsewhere.get(link_in(delivered_mail[0]))
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert EmailAddress.objects.get(email="new.client@example.com").verified
    assert "_auth_user_id" not in elsewhere.session
    response = elsewhere.post(
        reverse("account_login"),
        {"login": "new.client@example.com", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("bookings:mine")


def test_a_forged_verification_link_shows_a_clear_page(client, delivered_mail):
    sign_up(client)
    link = link_in(delivered_mail[0])
    forged = link.rstrip("/")[:-3] + "xyz/"
    response = client.get(forged)
    assert response.status_code == 200
    assert "This confirmation link no longer works" in response.content.decode()
    assert not EmailAddress.objects.get(email="new.client@example.com").verified
    assert "_auth_user_id" not in client.session
    response = client.post(forged)
    assert response.status_code == 404
    assert not EmailAddress.objects.get(email="new.client@example.com").verified


def test_login_before_verification_asks_for_verification(client, delivered_mail):
    sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.client@example.com", "password": TEST_PASSWORD},
        follow=True,
    )
    assert "Check your email" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_up_with_a_taken_email_is_refused(client, delivered_mail):
    UserFactory(email="taken@example.com")
    response = sign_up(client, email="Taken@Example.com")
    assert "A user is already registered with this email address." in (
        response.content.decode()
    )
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert delivered_mail == []


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@x.com"])
def test_sign_up_with_a_malformed_email_is_refused(client, email):
    response = sign_up(client, email=email)
    assert "Enter a valid email address." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_mismatched_passwords_is_refused(client):
    response = sign_up(client, password2="something-else-entirely")
    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_weak_password_is_refused(client):
    response = sign_up(client, password1="12345", password2="12345")
    assert "This password is too short." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_needs_a_name(client):
    response = sign_up(client, full_name="")
    assert "Enter your full name." in response.content.decode()
    assert not User.objects.exists()


def test_a_wrong_password_gives_a_clear_message(client):
    UserFactory(email="known@example.com")
    response = client.post(
        reverse("account_login"),
        {"login": "known@example.com", "password": "wrong-password-here"},
    )
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(email="known@example.com")
    for _ in range(5):
        client.post(
            reverse("account_login"),
            {"login": "known@example.com", "password": "wrong-password-here"},
        )
    response = client.post(
        reverse("account_login"),
        {"login": "known@example.com", "password": TEST_PASSWORD},
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_expired_verification_link_is_refused(client, delivered_mail, monkeypatch):
    four_days_ago = int(time.time()) - 4 * 24 * 3600
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(four_days_ago),
    )
    sign_up(client)
    monkeypatch.undo()
    link = link_in(delivered_mail[0])
    response = client.get(link)
    assert response.status_code == 200
    assert "This confirmation link no longer works" in response.content.decode()
    assert not EmailAddress.objects.get(email="new.client@example.com").verified
    assert "_auth_user_id" not in client.session


def test_a_reused_verification_link_changes_nothing_and_signs_nobody_in(
    client, delivered_mail
):
    from django.test import Client

    sign_up(client)
    link = link_in(delivered_mail[0])
    client.get(link)
    address = EmailAddress.objects.get(email="new.client@example.com")
    assert address.verified
    elsewhere = Client()
    response = elsewhere.get(link)
    assert response.status_code == 200
    assert "This confirmation link no longer works" in response.content.decode()
    address.refresh_from_db()
    assert address.verified and address.primary
    assert EmailAddress.objects.filter(email="new.client@example.com").count() == 1
    assert "_auth_user_id" not in elsewhere.session, "a used link never logs in"


def request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email}, follow=True)


def test_password_reset_sets_a_new_password(client, delivered_mail):
    user = UserFactory(email="forgetful@example.com")
    request_reset(client, "forgetful@example.com")
    assert len(delivered_mail) == 1
    link = link_in(delivered_mail[0])
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        form_url,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert "Your password is now changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_a_reused_reset_link_is_refused(client, delivered_mail):
    user = UserFactory(email="forgetful@example.com")
    request_reset(client, "forgetful@example.com")
    link = link_in(delivered_mail[0])
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new = {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    client.post(form_url, new)
    client.logout()
    response = client.get(link, follow=True)
    assert "This reset link no longer works" in response.content.decode()
    again = {
        "password1": "yet-another-passphrase",
        "password2": "yet-another-passphrase",
    }
    client.post(form_url, again)
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_an_expired_reset_link_is_refused(
    client, delivered_mail, monkeypatch, settings
):
    user = UserFactory(email="forgetful@example.com")
    request_reset(client, "forgetful@example.com")
    link = link_in(delivered_mail[0])
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = client.get(link, follow=True)
    assert "This reset link no longer works" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_no_reset_link(
    client, delivered_mail
):
    request_reset(client, "nobody@example.com")
    assert all("/accounts/password/reset/key/" not in m.body for m in delivered_mail)


def test_the_reset_form_does_not_tell_who_has_an_account(client, delivered_mail):
    UserFactory(email="forgetful@example.com")
    known = client.post(
        reverse("account_reset_password"), {"email": "forgetful@example.com"}
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in delivered_mail] == [
        ["forgetful@example.com"],
        ["nobody@example.com"],
    ]
    assert "/accounts/password/reset/key/" in delivered_mail[0].body
    assert "/accounts/password/reset/key/" not in delivered_mail[1].body


def test_changing_the_password_needs_the_current_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "not-my-password",
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_the_account_page_needs_a_login(client):
    response = client.get(reverse("users:account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_person_updates_their_name(client):
    user = UserFactory(full_name="Old Name")
    client.force_login(user)
    response = client.post(
        reverse("users:account"), {"full_name": "  New Name "}, follow=True
    )
    assert "Your details are saved." in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "New Name"


def test_an_empty_name_is_refused_and_changes_nothing(client):
    user = UserFactory(full_name="Old Name")
    client.force_login(user)
    response = client.post(reverse("users:account"), {"full_name": ""})
    assert "Enter your full name." in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Old Name"


def test_update_profile_strips_whitespace():
    user = UserFactory()
    services.update_profile(user=user, full_name="  Ada  ")
    user.refresh_from_db()
    assert user.full_name == "Ada"


def test_emails_are_unique_whatever_their_case():
    from django.db import IntegrityError, transaction

    UserFactory(email="same@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="SAME@example.com", password="x")


def test_the_login_page_speaks_the_sites_language(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "<h1>Log in</h1>" in html or ">Log in</h1>" in html
    assert "Keep me logged in on this device" in html
    assert "Sign In" not in html and "Remember Me" not in html


def _log_in(client, user, **query):
    url = reverse("account_login")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {"login": user.email, "password": TEST_PASSWORD})


def test_after_logging_in_people_land_where_they_work_unless_next_is_given(client):
    client_user = UserFactory()
    assert _log_in(client, client_user).url == reverse("bookings:mine")
    client.logout()
    practitioner = PractitionerFactory().user
    assert _log_in(client, practitioner).url == reverse("bookings:agenda")
    client.logout()
    assert _log_in(client, client_user, next="/courses/").url == "/courses/"
    client.logout()


def test_the_account_page_links_to_appointments_and_courses(client):
    client.force_login(UserFactory())
    html = client.get(reverse("users:account")).content.decode()
    assert f'href="{reverse("bookings:mine")}">My appointments' in html
    assert f'href="{reverse("courses:mine")}">My courses' in html


def test_staff_land_on_the_admin(rf):
    from notifications.accounts import AccountAdapter

    # Staff log in through two-factor first (tests/users/test_mfa.py); this is
    # where allauth sends them once it is passed.
    request = rf.get("/")
    request.user = UserFactory(is_staff=True)
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse(
        "admin:index"
    )


@pytest.mark.parametrize(
    "hostile",
    ["https://evil.example.com/", "//evil.example.com/", "/\\\\evil.example.com/"],
)
def test_a_next_to_another_site_is_ignored(client, hostile):
    from urllib.parse import quote

    user = UserFactory()
    response = client.post(
        reverse("account_login") + "?next=" + quote(hostile, safe=""),
        {"login": user.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("bookings:mine")


@pytest.mark.parametrize(
    ("url_name", "data", "messages"),
    [
        ("account_login", {}, ["Enter your email address.", "Enter your password."]),
        (
            "account_signup",
            {"full_name": "Nia"},
            ["Enter your email address.", "Enter a password."],
        ),
        ("account_reset_password", {}, ["Enter your email address."]),
    ],
)
def test_allauth_forms_say_what_to_enter_in_a_summary(client, url_name, data, messages):
    html = client.post(reverse(url_name), data).content.decode()
    summary = html.split('class="alert alert-danger error-summary"', 1)[1]
    summary = summary.split("</div>", 1)[0]
    for message in messages:
        assert message in summary
    assert "This field is required." not in html
    assert 'href="#id_email"' in summary or 'href="#id_login"' in summary
    assert not User.objects.filter(full_name="Nia").exists()
