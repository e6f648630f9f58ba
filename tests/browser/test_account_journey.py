import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"


VIEWPORTS = pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
    ids=["phone", "desktop"],
)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@VIEWPORTS
def test_a_visitor_signs_up_follows_the_emailed_link_and_is_signed_in(
    live_server, browser, delivered_mail, viewport
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Skilled hands")
    assert_accessible(page)

    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)
    assert len(delivered_mail) == 1
    email = delivered_mail[0]
    assert email.subject == "Confirm your email address"
    html = email.alternatives[0].content
    assert "Confirm your email address</a>" in html

    # One click: the link confirms the address and signs the person in.
    page.goto(link_in(email))
    expect(page).to_have_url(f"{live_server.url}/appointments/")
    expect(page.get_by_role("heading", name="My appointments")).to_be_visible()
    assert EmailAddress.objects.get(email="nia@example.com").verified
    assert_accessible(page)

    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_text("Signed in as nia@example.com")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Log out"
    ).click()
    expect(page.get_by_role("heading", name="Sign Out")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign Out").click()
    page.goto(f"{live_server.url}/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    context.close()


@VIEWPORTS
def test_a_person_resets_a_forgotten_password(
    live_server, browser, delivered_mail, viewport
):
    UserFactory(email="forgetful@example.com", full_name="Fay Forgetful")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name=re.compile("Forgot your password")).click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    assert len(delivered_mail) == 1
    email = delivered_mail[0]
    assert email.subject == "Reset your password"
    assert "Dear Fay Forgetful," in email.body
    page.goto(link_in(email))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^\s*New Password\*?\s*$", re.I)).fill(
        "a-brand-new-passphrase"
    )
    page.get_by_label(re.compile(r"New Password \(again\)", re.I)).fill(
        "a-brand-new-passphrase"
    )
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My appointments")).to_be_visible()
    context.close()


@VIEWPORTS
def test_the_error_summary_takes_the_focus_and_its_links_lead_to_the_fields(
    live_server, browser, viewport
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill("not-the-same-passphrase")
    page.get_by_role("button", name="Sign up").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert_accessible(page)
    summary.get_by_role(
        "link", name="You must type the same password each time."
    ).click()
    expect(page.get_by_label("Password (again)")).to_be_focused()
    context.close()


def test_the_menu_collapses_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url)
    toggle = page.get_by_role("button", name="Show menu")
    expect(toggle).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="About us")).to_be_hidden()
    toggle.click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="About us")
    ).to_be_visible()
    assert_accessible(page)
    context.close()
