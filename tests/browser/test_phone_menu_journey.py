"""The header's links on a phone (390 px), with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_phone_menu_opens_and_leads_to_courses(live_server, browser, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}/about/")
    courses = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Courses"
    )
    expect(courses).to_be_hidden()
    if javascript:  # axe runs in the page: only where scripts may run
        assert_accessible(page)

    page.get_by_role("button", name="Show menu").click()
    expect(courses).to_be_visible()
    if javascript:
        assert_accessible(page, context="#main-nav")
    courses.click()
    expect(page).to_have_url(re.compile(r"/courses/$"))
    context.close()


def test_on_a_wide_screen_the_links_show_without_a_menu_button(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/about/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Courses")).to_be_visible()
    expect(page.get_by_role("button", name="Show menu")).to_be_hidden()
    assert_accessible(page)
    context.close()
