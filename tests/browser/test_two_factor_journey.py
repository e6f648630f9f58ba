"""A member of staff signs in, is required to set up an authenticator app, keeps
the recovery codes, and from then on signs in with a code: into the admin."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.browser.widths import assert_page_at_both_widths
from tests.users.factories import TEST_PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(secret: str, step: int = 0) -> str:
    from allauth.mfa.totp.internal.auth import hotp_value

    return f"{hotp_value(secret, int(time.time()) // 30 + step):06d}"


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill("sam.staff@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_staff_enrol_an_authenticator_app_and_sign_in_with_it(live_server, page):
    staff = StaffFactory(
        email="sam.staff@example.com", full_name="Sam Staff", two_factor=False
    )

    sign_in(page, live_server.url)
    # Any page sends staff without a second factor to set one up; turning it on
    # asks for the password once more.
    page.goto(f"{live_server.url}/admin/")
    expect(
        page.get_by_text("Staff accounts need two-factor authentication")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile("Confirm|Access")
    )
    assert_page_at_both_widths(page, page.get_by_role("button", name="Confirm"))
    page.get_by_label(re.compile(r"Password")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(
        page.get_by_role("heading", name="Activate Authenticator App")
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^[A-Z2-7]{32}$"))).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Activate"))
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Authenticator code").fill(code(secret))
    page.get_by_role("button", name="Activate").click()

    # The recovery codes are shown to keep somewhere safe.
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    assert_page_at_both_widths(page)
    assert Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.TOTP
    ).exists()
    assert Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.RECOVERY_CODES
    ).exists()

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # Signed out, the password alone no longer opens the account.
    page.context.clear_cookies()
    sign_in(page, live_server.url)
    expect(
        page.get_by_role("heading", name="Two-Factor Authentication")
    ).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Sign In"))
    page.get_by_role("textbox", name=re.compile("Code")).fill("000000")
    page.get_by_role("button", name="Sign In").click()
    # In the error summary, linked to the field, and under the field.
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Incorrect code.")).to_be_visible()
    expect(
        page.locator(".invalid-feedback", has_text="Incorrect code.")
    ).to_be_visible()
    # The code of the next 30-second step (the one used to activate is spent).
    page.get_by_role("textbox", name=re.compile("Code")).fill(code(secret, step=1))
    page.get_by_role("button", name="Sign In").click()

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert_page_at_both_widths(page)


def test_a_client_adds_a_security_key_and_signs_in_with_it(live_server, page):
    """WebAuthn, with Chromium's virtual authenticator standing in for the key."""
    from tests.users.factories import UserFactory

    person = UserFactory(email="kim@example.com", full_name="Kim Key")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def password_sign_in():
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill("kim@example.com")
        page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()

    password_sign_in()
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    assert_page_at_both_widths(page)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label(re.compile(r"Password")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Add"))
    page.get_by_label("Name").fill("My key")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_hidden()
    assert Authenticator.objects.filter(
        user=person, type=Authenticator.Type.WEBAUTHN
    ).exists()

    page.context.clear_cookies()
    password_sign_in()
    expect(
        page.get_by_role("heading", name="Two-Factor Authentication")
    ).to_be_visible()
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("button", name="Kim")).to_be_visible()
    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_text("Signed in as kim@example.com")).to_be_visible()
    expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
