"""The time picker fetches htmx only when the visitor first reaches for the page
(static/js/htmx-on-intent.js); its links still change the day in place."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.bookings.factories import bookable_service
from tests.clock import future_day
from tests.directory.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HTMX = re.compile(r"/vendor/htmx/htmx\.min\.[0-9a-f.]*js$")


@pytest.fixture
def picker_url(live_server):
    practitioner = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    service = bookable_service(practitioner=practitioner, slot_interval_minutes=60)
    path = reverse("bookings:choose-time", args=[practitioner.slug, service.pk])
    return f"{live_server.url}{path}"


def htmx_requests(page) -> list[str]:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    return fetched


def open_picker(page, url):
    page.goto(url, wait_until="load")
    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    # A mark that a full page load would wipe out and an in-place swap keeps.
    page.evaluate("window.stillTheSamePage = true")


def times_on(page, day):
    return page.get_by_role("heading", name=f"Times on {day:%A} {day.day} {day:%B}")


def test_htmx_is_not_fetched_while_the_picker_loads_then_swaps_the_day_in_place(
    page, picker_url
):
    fetched = htmx_requests(page)
    day = future_day(2)
    open_picker(page, picker_url)
    page.wait_for_timeout(300)
    assert not [url for url in fetched if HTMX.search(url)]
    assert page.evaluate("typeof window.htmx") == "undefined"

    # Playwright moves the pointer over the link before it clicks: the intent.
    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()

    expect(times_on(page, day)).to_be_visible()
    expect(page).to_have_url(re.compile(f"date={day.isoformat()}"))
    assert page.evaluate("window.stillTheSamePage") is True
    assert len([url for url in fetched if HTMX.search(url)]) == 1


def test_a_click_before_htmx_has_arrived_waits_for_it_and_is_handled_by_it(
    page, picker_url
):
    day = future_day(3)
    open_picker(page, picker_url)
    # A click with no pointer or key before it (as a script or an assistive
    # technology may send): htmx is fetched then, and handles the click.
    page.evaluate(
        """(day) => document
            .querySelector(`#slot-picker a[href*="date=${day}"]`)
            .dispatchEvent(
                new MouseEvent("click", {bubbles: true, cancelable: true})
            )""",
        day.isoformat(),
    )

    expect(times_on(page, day)).to_be_visible()
    expect(page).to_have_url(re.compile(f"date={day.isoformat()}"))
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("typeof window.htmx") == "object"


def test_when_htmx_cannot_be_fetched_the_link_is_followed(page, picker_url):
    page.route(HTMX, lambda route: route.abort())
    day = future_day(2)
    open_picker(page, picker_url)

    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()

    expect(times_on(page, day)).to_be_visible()
    expect(page).to_have_url(re.compile(f"date={day.isoformat()}"))
    assert page.evaluate("window.stillTheSamePage") is None
