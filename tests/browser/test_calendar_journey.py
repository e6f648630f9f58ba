"""A practitioner connects their clinic calendar; its busy time disappears from the
client's time picker. The client asks to be told when a time opens; when the
practitioner removes the calendar, the client's email links straight to it."""

import re
from datetime import UTC, timedelta

import pytest
from playwright.sync_api import expect

from bookings.models import ExternalCalendar
from notifications.models import OutboundEmail
from tests.bookings.factories import bookable_service
from tests.browser.widths import assert_page_at_both_widths
from tests.clock import future_day, london_at
from tests.users.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def clinic_shift(day) -> str:
    start = london_at(day, 10).astimezone(UTC)
    end = start + timedelta(hours=2)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "X-WR-TIMEZONE:Europe/London\r\nBEGIN:VEVENT\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        "UID:clinic-shift@google.com\r\nSUMMARY:Clinic shift\r\n"
        "TRANSP:OPAQUE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def times_offered(page) -> list[str]:
    links = page.locator("#slot-picker").get_by_role("link", name=re.compile(r"^\d"))
    return [text.split()[0] for text in links.all_inner_texts()]


def test_a_practitioner_adds_a_calendar_and_its_busy_time_leaves_the_picker(
    live_server, page, browser, calendar_server
):
    service = bookable_service(hours=((9, 14),), slot_interval_minutes=60)
    practitioner = service.practitioner
    day = future_day(3)
    calendar_server.publish("/basic.ics", clinic_shift(day))
    picker = (
        f"{live_server.url}/book/{practitioner.slug}/{service.pk}/"
        f"?date={day.isoformat()}"
    )

    # A client's view first: every hour is free.
    client_page = browser.new_page()
    client_page.goto(picker)
    expect(
        client_page.get_by_role("heading", name="Choose a day and time")
    ).to_be_visible()
    assert times_offered(client_page) == ["09:00", "10:00", "11:00", "12:00", "13:00"]

    # The practitioner connects the calendar they keep at the clinic.
    log_in(page, live_server, practitioner.user.email)
    page.goto(f"{live_server.url}/practitioner/calendar/")
    expect(page.get_by_role("heading", name="Your other calendars")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Connect calendar")
    )
    page.get_by_label("Name").fill("Clinic diary")
    page.get_by_label("Secret iCal address").fill(
        calendar_server.url("/basic.ics", scheme="http")
    )
    page.get_by_role("button", name="Connect calendar").click()
    expect(page.get_by_text("Added “Clinic diary”: 1 busy time")).to_be_visible()
    expect(page.get_by_text("Up to date")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Remove Clinic diary")
    )

    # The clinic shift is gone from the client's picker.
    client_page.reload()
    assert times_offered(client_page) == ["09:00", "12:00", "13:00"]
    assert_page_at_both_widths(
        client_page,
        client_page.get_by_role("button", name="Tell me when a time opens"),
    )

    # The client asks to hear of an earlier opening that day.
    form = client_page.locator("#waitlist")
    form.get_by_label("Your name").fill("Robin Waiting")
    form.get_by_label("Email").fill("robin@example.com")
    form.get_by_label("From").fill(day.isoformat())
    form.get_by_label("Until").fill(day.isoformat())
    form.get_by_role("button", name="Tell me when a time opens").click()
    expect(client_page.get_by_text("You are on the waiting list.")).to_be_visible()
    assert_page_at_both_widths(client_page)

    # The practitioner removes the calendar: the time opens and Robin is told.
    page.get_by_role("button", name="Remove Clinic diary").click()
    expect(page.get_by_text("Removed “Clinic diary”")).to_be_visible()
    assert not ExternalCalendar.objects.exists()
    [email] = OutboundEmail.objects.filter(kind="waitlist.opening")
    assert email.to == "robin@example.com"
    link = re.search(r"Book this time: (\S+)", email.text_body).group(1)
    client_page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    expect(client_page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(client_page.get_by_text("at 10:00")).to_be_visible()
    assert_page_at_both_widths(
        client_page, client_page.get_by_role("button", name="Continue")
    )
    client_page.close()
