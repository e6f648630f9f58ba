"""The four Bootstrap components the site's script carries (scripts/build-js.mjs),
in a browser: the account dropdown, a dismissible message, and no script error on
a page that uses the menu's collapse and the search filters' offcanvas."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.users.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_account_menu_opens_and_a_message_can_be_closed(live_server, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    message = page.get_by_role("alert").filter(has_text="signed in")
    expect(message).to_be_visible()
    message.get_by_role("button", name="Close").click()
    expect(message).to_have_count(0)

    menu = page.get_by_role("navigation", name="Main").get_by_role("button", name="Ada")
    my_account = page.get_by_role("link", name="My account")
    expect(my_account).to_be_hidden()
    menu.click()
    expect(my_account).to_be_visible()
    assert_accessible(page)
    my_account.click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    assert not errors


def test_pages_with_the_menu_and_the_filters_run_the_script_without_errors(
    live_server, page
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/practitioners/?where=&q=massage")
    page.wait_for_load_state("load")
    assert page.evaluate(
        "() => ['Alert', 'Collapse', 'Dropdown', 'Offcanvas']"
        ".every(name => typeof window.bootstrap[name] === 'function')"
    )
    assert not errors
