import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.widths import assert_page_at_both_widths
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    QualificationFactory,
    TechniqueFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def brighton_directory():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    near = LocationFactory(
        practitioner__display_name="Ada Hughes",
        practitioner__headline="Deep tissue for desk-bound backs",
        practitioner__gender="female",
        latitude=50.83,
        longitude=-0.14,
    ).practitioner
    near.techniques.add(deep)
    QualificationFactory(practitioner=near, technique=deep)
    farther = LocationFactory(
        practitioner__display_name="Ben Okafor",
        practitioner__headline="Sports and deep tissue massage",
        practitioner__gender="male",
        latitude=50.86,
        longitude=-0.14,
    ).practitioner
    farther.techniques.add(deep)
    stones = LocationFactory(
        practitioner__display_name="Cara Reid",
        practitioner__headline="Hot stones",
        latitude=50.83,
        longitude=-0.13,
    ).practitioner
    stones.techniques.set([stone])
    return near


def test_a_client_searches_deep_tissue_near_brighton_and_opens_a_profile(
    live_server, page, brighton_directory
):
    page.goto(live_server.url)
    search = page.get_by_role("search", name="Find a practitioner")
    search.get_by_label("Treatment or name").fill("deep tissue")
    search.get_by_label("Near").fill("Brighton")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(
        re.compile(r"/practitioners/\?q=deep\+tissue&where=Brighton")
    )
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_contain_text(
        "2 practitioners within 10 miles of Brighton"
    )
    cards = results.get_by_role("article")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Ada Hughes")
    expect(cards.nth(0)).to_contain_text("Deep tissue (verified)")
    expect(cards.nth(1)).to_contain_text("Ben Okafor")
    assert_accessible(page)

    # Filters update the results in place (htmx) and the address keeps the query.
    page.get_by_label("Practitioner's gender").select_option("male")
    expect(cards).to_have_count(1)
    expect(cards.nth(0)).to_contain_text("Ben Okafor")
    expect(page).to_have_url(re.compile(r"gender=male"))
    expect(results).to_have_count(1)  # replaced, not nested inside the old one
    page.get_by_label("Practitioner's gender").select_option("")
    expect(cards).to_have_count(2)
    # The page title follows the search too.
    expect(page).to_have_title(re.compile(r"^Find a massage therapist near Brighton"))
    page.get_by_label("Town or postcode").fill("")
    page.get_by_label("Town or postcode").press("Tab")
    expect(page).to_have_title(re.compile(r"^Find a massage therapist \| "))
    expect(cards).to_have_count(2)

    cards.nth(0).get_by_role("link", name="Ada Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Hughes")
    expect(page.get_by_text("Deep tissue for desk-bound backs")).to_be_visible()
    expect(page.locator("address")).to_contain_text("BN2 1TL")
    assert_accessible(page)

    # Back from the profile to an address htmx pushed: the whole page, not the
    # results fragment the browser fetched for that address.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/practitioners/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a practitioner")
    expect(page.get_by_role("search", name="Search practitioners")).to_be_visible()
    expect(page.locator("#results").get_by_role("article")).to_have_count(2)


def test_an_unknown_place_suggests_real_ones(live_server, page, brighton_directory):
    page.goto(f"{live_server.url}/practitioners/?where=Brightn")
    expect(page.get_by_text("We could not find “Brightn”")).to_be_visible()
    # On a phone too the suggestion is in sight, not in the closed filter panel.
    assert_page_at_both_widths(page, page.get_by_role("link", name="Brighton"))
    page.get_by_role("link", name="Brighton").click()
    expect(page.locator("#results").get_by_role("article")).to_have_count(3)
    assert_page_at_both_widths(page)
