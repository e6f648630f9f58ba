"""The practitioner's area at phone and desktop widths: one navigation across
its pages, reviewing a request (the "Yes" answers first, the client's earlier
appointments), declining after a confirmation, and hours changed in place and
copied to other days."""

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, WeeklyHours
from tests.bookings.factories import (
    BookingFactory,
    WeeklyHoursFactory,
    book,
    bookable_service,
)
from tests.browser.axe import assert_accessible
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory
from tests.users.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])


@pytest.fixture
def open_page(browser):
    contexts = []

    def open_(width: int, *, javascript: bool = True):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px)"


def practitioner_with_a_place():
    service = bookable_service(hours=())
    LocationFactory(practitioner=service.practitioner, name="Abbey Rooms")
    return service


@pytest.mark.parametrize(
    ("width", "javascript"),
    [(390, True), (1280, True), (390, False)],
    ids=["phone", "desktop", "phone-without-javascript"],
)
def test_one_navigation_leads_to_every_page_of_the_area(
    live_server, open_page, width, javascript
):
    service = practitioner_with_a_place()
    page = open_page(width, javascript=javascript)
    log_in(page, live_server, service.practitioner.user.email)
    page.goto(f"{live_server.url}/practitioner/")
    pages = [
        ("Agenda", "Agenda"),
        ("Services", "My services"),
        ("Hours", "Hours and availability"),
        ("Calendar feed", "Calendars"),
        ("Profile", "Edit your profile"),
        ("Places of work", "Places of work"),
        ("Overview", "Your practice"),
    ]
    for link, heading in pages:
        nav = page.get_by_role("navigation", name="Your practice")
        nav.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        current = page.get_by_role("navigation", name="Your practice").locator(
            '[aria-current="page"]'
        )
        expect(current).to_have_text(link)
        if javascript:  # both measure inside the page: only where scripts run
            fits(page, width)
            assert_accessible(page)


@VIEWPORTS
def test_a_request_is_reviewed_with_yes_answers_first_then_declined_after_confirming(
    live_server, open_page, width
):
    service = practitioner_with_a_place()
    for weekday in range(7):
        WeeklyHoursFactory(practitioner=service.practitioner, weekday=weekday)
    regular = BookingFactory(
        service=service,
        client=None,
        client_name="Rae Review",
        client_email="rae@example.com",
        starts_at=london_at(future_day(-30), 10),
        status=Booking.Status.COMPLETED,
    )
    BookingFactory(  # another practitioner's appointment with the same client
        client=None,
        client_email="rae@example.com",
        starts_at=london_at(future_day(-20), 10),
        status=Booking.Status.COMPLETED,
    )
    request = book(
        service,
        london_at(future_day(2), 11),
        name="Rae Review",
        email="rae@example.com",
        intake={"numbness_or_medication": True, "details": "Knee surgery in May"},
    )
    assert request.status == Booking.Status.PENDING
    page = open_page(width)
    log_in(page, live_server, service.practitioner.user.email)
    page.goto(f"{live_server.url}/practitioner/agenda/")
    expect(
        page.get_by_role("heading", name="Today and the next 6 days")
    ).to_be_visible()
    page.get_by_role("link", name=re.compile("^Review Rae Review")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rae Review")
    yes = page.locator(".intake-yes")
    expect(yes).to_contain_text("Answered “Yes” to 1 question")
    expect(yes.locator("li")).to_have_count(1)
    expect(yes.locator("li")).to_contain_text("Yes")
    expect(yes.locator("li")).to_contain_text("Do you have numbness")
    questions = page.locator("#intake-heading + * li, #intake-heading ~ ul li")
    expect(questions.first).to_contain_text("Do you have numbness")
    earlier = page.get_by_role("heading", name="Earlier appointments with you")
    expect(earlier).to_be_visible()
    earlier_links = page.locator(
        'section[aria-labelledby="earlier-heading"] a[href*="/practitioner/agenda/"]'
    )
    expect(earlier_links).to_have_count(1)
    expect(earlier_links).to_have_attribute(
        "href", f"/practitioner/agenda/{regular.pk}/"
    )
    fits(page, width)
    assert_accessible(page)

    page.get_by_role("link", name="Decline…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Decline Rae Review's request?"
    )
    fits(page, width)
    assert_accessible(page)
    request.refresh_from_db()
    assert request.status == Booking.Status.PENDING  # nothing yet
    page.get_by_label("Reason, for the client (optional)").fill(
        "Please see your GP first"
    )
    page.get_by_role("button", name="Yes, decline the request").click()
    expect(page.get_by_text("Declined Rae Review's request.")).to_be_visible()
    assert_accessible(page)
    request.refresh_from_db()
    assert request.status == Booking.Status.DECLINED
    assert request.status_reason == "Please see your GP first"


@VIEWPORTS
def test_hours_are_changed_in_place_and_copied_to_other_days(
    live_server, open_page, width
):
    service = practitioner_with_a_place()
    practitioner = service.practitioner
    WeeklyHoursFactory(practitioner=practitioner, weekday=0)
    WeeklyHoursFactory(
        practitioner=practitioner, weekday=2, start_time=time(12), end_time=time(14)
    )
    monday = future_day(1)
    monday += timedelta(days=(0 - monday.weekday()) % 7)
    early = BookingFactory(
        service=service, starts_at=london_at(monday, 9), client_name="Erin Early"
    )
    page = open_page(width)
    log_in(page, live_server, practitioner.user.email)
    page.goto(f"{live_server.url}/practitioner/availability/")
    expect(page.get_by_role("heading", name="Weekly hours")).to_be_visible()
    fits(page, width)
    assert_accessible(page)

    row = page.get_by_role("group", name="Monday 09:00–17:00")
    row.get_by_label("From").fill("17:00")
    row.get_by_label("Until").fill("10:00")
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(
        page.get_by_text("The end time must be after the start time.")
    ).to_have_count(
        2  # the summary and the field
    )
    assert_accessible(page)
    row = page.get_by_role("group", name="Monday 09:00–17:00")
    row.get_by_label("From").fill("10:00")
    row.get_by_label("Until").fill("16:00")
    row.get_by_role("button", name=re.compile("^Save")).click()
    saved = page.get_by_role("status").filter(has_text="Monday: hours saved.")
    expect(saved).to_contain_text("You have 1 appointment outside your hours now:")
    expect(saved.get_by_role("link", name=re.compile("Erin Early"))).to_have_attribute(
        "href", f"/practitioner/agenda/{early.pk}/"
    )
    # The swapped-in Save button is under the pointer: its hover colours fade in
    # (Bootstrap's 0.15 s transition), and axe must not judge a colour halfway.
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    assert_accessible(page)

    page.get_by_label("Copy the hours of").select_option(label="Monday")
    page.get_by_label("Tuesday").check()
    page.get_by_label("Wednesday").check()
    page.get_by_role("button", name="Check what will change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy Monday’s hours?")
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name=re.compile("^Tuesday"))).to_contain_text(
        "Closed"
    )
    expect(table.get_by_role("row", name=re.compile("^Wednesday"))).to_contain_text(
        "12:00–14:00"
    )
    fits(page, width)
    assert_accessible(page)
    assert not WeeklyHours.objects.filter(practitioner=practitioner, weekday=1).exists()
    page.get_by_role("button", name="Yes, copy the hours").click()
    expect(
        page.get_by_text("Tuesday and Wednesday now have Monday’s hours.")
    ).to_be_visible()
    assert_accessible(page)
    for weekday in (0, 1, 2):
        assert list(
            WeeklyHours.objects.filter(
                practitioner=practitioner, weekday=weekday
            ).values_list("start_time", "end_time")
        ) == [(time(10), time(16))]
