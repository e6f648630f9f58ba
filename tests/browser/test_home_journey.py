"""The home page at 390 and 1280 px: next course dates, new practitioners, latest
articles, each leading to its page."""

import re

import pytest
from playwright.sync_api import expect

from tests.blog.factories import PostFactory
from tests.browser.axe import assert_accessible
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_a_visitor_finds_dates_practitioners_and_articles_on_the_home_page(
    live_server, browser, viewport
):
    CourseDateFactory(
        course=CourseFactory(title="Holistic Massage Diploma"), venue_town="Bath"
    )
    LocationFactory(practitioner__display_name="Ada Hughes", town="Hove")
    PostFactory(title="How massage therapy can help with back pain")
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(live_server.url)

    dates = page.get_by_role("region", name="Next course dates")
    expect(dates).to_contain_text("Holistic Massage Diploma")
    expect(dates).to_contain_text("Bath")
    practitioners = page.get_by_role("region", name="New in our network")
    expect(practitioners).to_contain_text("Ada Hughes")
    expect(practitioners).to_contain_text("Hove")
    articles = page.get_by_role("region", name="Latest articles")
    expect(articles).to_contain_text("How massage therapy can help with back pain")
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)

    practitioners.get_by_role("link", name="Ada Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Hughes")
    page.go_back()
    page.get_by_role("link", name=re.compile("^Holistic Massage Diploma")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Holistic Massage Diploma"
    )
    assert_accessible(page)


def test_an_empty_site_shows_what_is_coming(live_server, page):
    page.goto(live_server.url)
    expect(page.get_by_text("No course dates are open yet.")).to_be_visible()
    expect(page.get_by_text("Our first practitioners are joining now.")).to_be_visible()
    expect(
        page.get_by_text("Our tutors' first articles are on their way.")
    ).to_be_visible()
    assert_accessible(page)
