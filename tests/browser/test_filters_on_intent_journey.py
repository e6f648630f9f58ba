"""The search and the course list fetch htmx only when the visitor first reaches
for the page (static/js/htmx-on-intent.js): a filter changed or a form sent
before htmx has arrived is handed to htmx once it is there, and sent as a plain
form should htmx fail to load."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.courses.factories import CourseDateFactory
from tests.directory.factories import LocationFactory, PlaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HTMX = re.compile(r"/vendor/htmx/htmx\.min\.[0-9a-f.]*js$")


@dataclass(frozen=True)
class Filters:
    path: str
    label: str  # a select in the filter form
    value: str
    query: str  # in the address once filtered
    button: str  # the form's submit button
    before: str  # in the results, unfiltered
    after: str  # in the results, filtered


SEARCH = Filters(
    path="/practitioners/?where=Brighton",
    label="Practitioner's gender",
    value="male",
    query="gender=male",
    button="Search",
    before="2 practitioners within 10 miles of Brighton",
    after="1 practitioner within 10 miles of Brighton",
)
COURSES = Filters(
    path="/courses/",
    label="Town",
    value="Bath",
    query="town=Bath",
    button="Show dates",
    before="2 upcoming dates",
    after="1 upcoming date",
)
PAGES = pytest.mark.parametrize("filters", [SEARCH, COURSES], ids=["search", "courses"])


@pytest.fixture(autouse=True)
def listings():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    LocationFactory(
        practitioner__display_name="Ada Hughes",
        practitioner__gender="female",
        latitude=50.83,
        longitude=-0.14,
    )
    LocationFactory(
        practitioner__display_name="Ben Okafor",
        practitioner__gender="male",
        latitude=50.84,
        longitude=-0.14,
    )
    CourseDateFactory(venue_town="Brighton")
    CourseDateFactory(venue_town="Bath")


class Held:
    """htmx's script, held back until release() or fail()."""

    def __init__(self, page):
        self.routes = []
        page.route(HTMX, lambda route: self.routes.append(route))
        self.page = page

    def wait_until_asked(self):
        for _ in range(50):
            if self.routes:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("htmx was never asked for")

    def release(self):
        self.wait_until_asked()
        self.routes.pop().continue_()

    def fail(self):
        self.wait_until_asked()
        self.routes.pop().abort()


def requests(page) -> list[str]:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    return fetched


def open_page(page, url, filters):
    page.goto(url)
    expect(page.locator("#results")).to_contain_text(filters.before)
    # A mark that a full page load would wipe out and an in-place swap keeps.
    page.evaluate("window.stillTheSamePage = true")


@PAGES
def test_htmx_is_not_fetched_while_the_page_loads(live_server, page, filters):
    fetched = requests(page)
    open_page(page, live_server.url + filters.path, filters)
    page.wait_for_timeout(300)
    assert not [url for url in fetched if HTMX.search(url)]
    assert page.evaluate("typeof window.htmx") == "undefined"
    assert_accessible(page)


@PAGES
def test_a_filter_changed_before_htmx_has_arrived_is_sent_by_htmx(
    live_server, page, filters
):
    fetched = requests(page)
    htmx = Held(page)
    open_page(page, live_server.url + filters.path, filters)

    # select_option changes the select with no pointer or key before it: the
    # change itself asks for htmx.
    page.get_by_label(filters.label).select_option(filters.value)
    htmx.wait_until_asked()
    page.wait_for_timeout(200)
    expect(page.locator("#results")).to_contain_text(filters.before)
    htmx.release()

    results = page.locator("#results")
    expect(results).to_contain_text(filters.after)
    expect(results).to_have_count(1)  # replaced, not nested inside the old one
    expect(page).to_have_url(re.compile(filters.query))
    assert page.evaluate("window.stillTheSamePage") is True
    assert len([url for url in fetched if HTMX.search(url)]) == 1
    assert_accessible(page)


@PAGES
def test_a_form_sent_before_htmx_has_arrived_is_sent_by_htmx_once(
    live_server, page, filters
):
    htmx = Held(page)
    open_page(page, live_server.url + filters.path, filters)
    searches = []
    page.on(
        "request",
        lambda request: request.headers.get("hx-request") and searches.append(request),
    )

    page.get_by_label(filters.label).select_option(filters.value)
    page.get_by_role("button", name=filters.button).click()
    htmx.release()

    expect(page.locator("#results")).to_contain_text(filters.after)
    expect(page).to_have_url(re.compile(filters.query))
    assert page.evaluate("window.stillTheSamePage") is True
    page.wait_for_timeout(300)
    assert len(searches) == 1, [request.url for request in searches]


@PAGES
def test_when_htmx_cannot_be_fetched_the_form_is_sent_as_a_plain_form(
    live_server, page, filters
):
    htmx = Held(page)
    open_page(page, live_server.url + filters.path, filters)

    page.get_by_label(filters.label).select_option(filters.value)
    page.get_by_role("button", name=filters.button).click()
    htmx.fail()

    expect(page.locator("#results")).to_contain_text(filters.after)
    expect(page).to_have_url(re.compile(filters.query))
    assert page.evaluate("window.stillTheSamePage") is None
    expect(page.get_by_label(filters.label)).to_have_value(filters.value)
    assert_accessible(page)


@PAGES
def test_after_htmx_has_failed_a_change_waits_for_the_button_as_without_javascript(
    live_server, page, filters
):
    page.route(HTMX, lambda route: route.abort())
    open_page(page, live_server.url + filters.path, filters)

    page.get_by_label(filters.label).select_option(filters.value)
    page.wait_for_timeout(300)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("#results")).to_contain_text(filters.before)

    page.get_by_role("button", name=filters.button).click()
    expect(page.locator("#results")).to_contain_text(filters.after)
    expect(page).to_have_url(re.compile(filters.query))
    assert page.evaluate("window.stillTheSamePage") is None


def with_a_slow_image(route):
    response = route.fetch()
    html = response.text().replace("</body>", '<img src="/slow.png" alt=""></body>')
    route.fulfill(response=response, body=html)


@PAGES
def test_a_change_before_the_page_has_finished_loading_is_sent_by_htmx(
    live_server, page, filters
):
    # An image that holds the page's load event back: htmx initialises
    # itself only before DOMContentLoaded or after load.
    images = []
    page.route("**/slow.png", lambda route: images.append(route))
    page.route(re.compile(re.escape(filters.path) + "$"), with_a_slow_image)
    fetched = requests(page)
    page.goto(live_server.url + filters.path, wait_until="domcontentloaded")
    expect(page.locator("#results")).to_contain_text(filters.before)
    page.evaluate("window.stillTheSamePage = true")
    assert page.evaluate("document.readyState") == "interactive"

    page.get_by_label(filters.label).select_option(filters.value)
    page.wait_for_timeout(300)
    assert not [url for url in fetched if HTMX.search(url)]
    images.pop().abort()

    expect(page.locator("#results")).to_contain_text(filters.after)
    expect(page).to_have_url(re.compile(filters.query))
    assert page.evaluate("window.stillTheSamePage") is True
