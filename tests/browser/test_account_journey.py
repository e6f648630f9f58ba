import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"


def test_a_visitor_signs_up_verifies_logs_in_and_logs_out(
    live_server, page, delivered_mail
):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Skilled hands")
    assert_accessible(page)

    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(
        page.get_by_role("heading", name="Verify Your Email Address")
    ).to_be_visible()
    assert_accessible(page)
    assert len(delivered_mail) == 1
    link = re.search(r"https?://\S+", delivered_mail[0].body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    assert EmailAddress.objects.get(email="nia@example.com").verified

    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("button", name="Nia")).to_be_visible()
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
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(f"{live_server.url}/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


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
