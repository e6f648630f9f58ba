"""On a phone (390 px wide): the results first, the filters in a panel (with and
without JavaScript), the next free time on the cards, and a town page."""

import re

import pytest
from playwright.sync_api import expect

from bookings import next_free
from tests.bookings.factories import bookable_service
from tests.browser.axe import assert_accessible
from tests.directory.factories import LocationFactory, PlaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def brighton_with_a_free_practitioner():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    free = LocationFactory(
        practitioner__display_name="Ada Hughes",
        latitude=50.83,
        longitude=-0.14,
        town="Brighton",
    ).practitioner
    bookable_service(practitioner=free, min_notice_hours=2)
    next_free.refresh(free)
    LocationFactory(
        practitioner__display_name="Ben Okafor",
        latitude=50.84,
        longitude=-0.14,
        town="Brighton",
    )
    return free


def test_on_a_phone_the_results_come_first_and_the_filters_open_in_a_panel(
    live_server, browser, brighton_with_a_free_practitioner
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/practitioners/?where=Brighton")
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_contain_text(
        "2 practitioners within 10 miles of Brighton"
    )
    cards = results.get_by_role("article")
    expect(cards.nth(0)).to_contain_text("Ada Hughes")
    expect(cards.nth(0)).to_contain_text("Next free:")
    expect(cards.nth(1)).to_contain_text("Does not take online bookings")
    # The filters wait in a closed panel: the results are what the phone shows.
    filters = page.get_by_role("search", name="Search practitioners")
    expect(filters).not_to_be_in_viewport()
    assert_accessible(page)

    page.get_by_role("link", name="Search and filters").click()
    expect(filters).to_be_in_viewport()
    assert_accessible(page, context="#filters")  # the page is dimmed behind it
    page.get_by_label("Free in the next 3 days").check()
    filters.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"free_soon=on"))
    expect(cards).to_have_count(1)
    expect(cards.nth(0)).to_contain_text("Ada Hughes")
    expect(filters).not_to_be_in_viewport()

    # The card leads to the profile, with the same next free time.
    cards.nth(0).get_by_role("link", name="Ada Hughes").click()
    expect(page.get_by_text(re.compile(r"^Next free: "))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Directions"))).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/directions\?route=")
    )
    assert_accessible(page)
    page.get_by_role("link", name="Massage therapists in Brighton").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Massage therapists in Brighton"
    )
    expect(page.locator("article")).to_have_count(2)
    assert_accessible(page)
    context.close()


def test_the_filter_panel_opens_and_searches_without_javascript(
    live_server, browser, brighton_with_a_free_practitioner
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/practitioners/?where=Brighton")
    filters = page.get_by_role("search", name="Search practitioners")
    expect(filters).not_to_be_in_viewport()
    page.get_by_role("link", name="Search and filters").click()
    expect(page).to_have_url(re.compile(r"#filters$"))
    expect(filters).to_be_in_viewport()
    page.get_by_label("Free in the next 3 days").check()
    filters.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"free_soon=on"))
    expect(page.locator("#results article")).to_have_count(1)
    expect(filters).not_to_be_in_viewport()
    # Closing the panel without searching takes the reader back to the results.
    page.get_by_role("link", name="Search and filters").click()
    expect(filters).to_be_in_viewport()
    page.get_by_role("link", name="Close the filters").click()
    expect(filters).not_to_be_in_viewport()
    context.close()
