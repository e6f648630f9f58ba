"""Two-factor authentication (allauth MFA: an authenticator app with recovery codes,
or a security key): required for staff, strongly offered to practitioners,
available to everyone; Argon2 password hashing, old hashes upgraded at login."""

import time
from importlib import reload
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from config.settings import base
from tests.directory.factories import PractitionerFactory
from tests.users.factories import TEST_PASSWORD, StaffFactory, UserFactory
from users.mfa import MFAAdapter
from users.models import User

pytestmark = pytest.mark.django_db


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str, step: int = 0) -> str:
    """The authenticator app's code now (`step` periods of 30 s later)."""
    return f"{hotp_value(secret, int(time.time()) // 30 + step):06d}"


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    staff = StaffFactory(two_factor=False)
    client.force_login(staff)
    for path in ("/admin/", "/practitioners/", "/account/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa_activate_totp")), path
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert page.status_code == 200
    assert "two-factor authentication" in page.content.decode().lower()


def test_staff_with_two_factor_use_the_admin(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_a_staff_sign_in_asks_for_the_code(client):
    staff = StaffFactory(email="staff@example.com")
    secret = staff.totp_secret
    response = client.post(
        reverse("account_login"),
        {"login": "staff@example.com", "password": TEST_PASSWORD},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_clients_are_not_forced_and_see_it_offered_on_their_account_page(client):
    client.force_login(UserFactory())
    page = client.get(reverse("users:account"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("mfa_index") in html
    assert "Two-factor authentication" in html


def test_practitioners_are_strongly_offered_it_until_they_turn_it_on(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    html = client.get(reverse("directory:dashboard")).content.decode()
    assert "Protect your clients" in html
    assert reverse("mfa_activate_totp") in html
    with_totp(practitioner.user)
    html = client.get(reverse("directory:dashboard")).content.decode()
    assert "Protect your clients" not in html
    agenda = client.get(reverse("bookings:agenda")).content.decode()
    assert "Protect your clients" not in agenda


def test_the_admin_login_goes_through_the_same_two_factor_sign_in(client):
    StaffFactory(email="staff@example.com")
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_recovery_codes_come_with_the_authenticator(client):
    staff = StaffFactory(email="new.staff@example.com", two_factor=False)
    client.post(
        reverse("account_login"),
        {"login": "new.staff@example.com", "password": TEST_PASSWORD},
    )
    # Turning it on asks for the password once more (allauth's reauthentication).
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=staff).values_list("type", flat=True))
    assert {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES} <= types
    # Now the admin opens.
    assert client.get("/admin/").status_code == 200


def test_the_authenticator_app_scans_a_segno_qr_code_of_its_address(client):
    StaffFactory(email="new.staff@example.com", two_factor=False)
    client.post(
        reverse("account_login"),
        {"login": "new.staff@example.com", "password": TEST_PASSWORD},
    )
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))

    url = response.context["totp_url"]
    assert url.startswith("otpauth://totp/")
    svg = response.context["totp_svg"]
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert svg == MFAAdapter().build_totp_svg(url)
    assert response.context["totp_svg_data_uri"] in response.content.decode()
    # One QR-code library on the site: allauth's optional one is not installed.
    lock = (Path(base.BASE_DIR) / "requirements.txt").read_text()
    assert "\nsegno==" in lock and "\nqrcode==" not in lock


# --- passwords ---------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2():
    hashers = reload(base).PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # The previous default stays accepted, so old hashes still sign in.
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


def test_an_old_hash_is_upgraded_to_argon2_at_the_next_sign_in(client, settings):
    settings.PASSWORD_HASHERS = reload(base).PASSWORD_HASHERS
    user = UserFactory(email="old@example.com")
    User.objects.filter(pk=user.pk).update(
        password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
    )
    response = client.post(
        reverse("account_login"),
        {"login": "old@example.com", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password(TEST_PASSWORD)
