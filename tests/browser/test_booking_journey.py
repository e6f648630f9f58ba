import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, HealthIntake
from tests.bookings.factories import book, bookable_service
from tests.browser.axe import assert_accessible
from tests.browser.widths import PHONE, assert_page_at_both_widths, settle
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory, PlaceFactory
from tests.users.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_books_from_search_to_confirmation_then_cancels_with_the_manage_link(
    live_server, page
):
    PlaceFactory(name="Brighton")  # the gazetteer town the search resolves
    practitioner = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    service = bookable_service(practitioner=practitioner, slot_interval_minutes=60)
    LocationFactory(practitioner__display_name="Ben Okafor")  # takes no online bookings
    day = future_day(2)

    page.goto(f"{live_server.url}/practitioners/")
    search = page.get_by_role("search", name="Search practitioners")
    search.get_by_label("Town or postcode").fill("Brighton")
    search.get_by_role("button", name="Search").click()
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_contain_text(
        "2 practitioners within 10 miles of Brighton"
    )
    search.get_by_label("Takes bookings online").check()
    cards = results.get_by_role("article")
    expect(cards).to_have_count(1)
    expect(cards.nth(0)).to_contain_text("Books online")
    expect(page).to_have_url(re.compile(r"where=Brighton.*online=on"))
    assert_accessible(page)
    cards.nth(0).get_by_role("link", name="Ada Hughes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Hughes")
    expect(page.get_by_role("heading", name="Book online")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"^Book {service.name}")).click()

    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    assert_page_at_both_widths(page)
    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()
    times_heading = f"Times on {day:%A} {day.day} {day:%B}"
    expect(page.get_by_role("heading", name=times_heading)).to_be_visible()
    expect(page).to_have_url(re.compile(f"date={day.isoformat()}"))  # htmx pushed it
    assert_page_at_both_widths(
        page, page.get_by_role("link", name=re.compile(r"^10:00 on"))
    )
    page.get_by_role("link", name=re.compile(r"^10:00 on")).click()

    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Gwen Guest")
    page.get_by_label("Email").fill("gwen@example.com")
    page.get_by_label("Phone").fill("07700 900456")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="A few health questions")).to_be_visible()
    assert_accessible(page)
    for field, _ in HealthIntake.QUESTIONS:
        page.locator(f'input[name="{field}"][value="no"]').check()
    page.get_by_label(re.compile("I consent")).check()
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("link", name="Manage your booking")
    )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client_email == "gwen@example.com"
    expect(
        page.get_by_role("link", name=re.compile("^Google Calendar"))
    ).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Apple Calendar and others (.ics)").click()
    assert download.value.suggested_filename == f"appointment-{booking.pk}.ics"
    assert "BEGIN:VEVENT" in Path(download.value.path()).read_text()

    page.get_by_role("link", name="Manage your booking").click()
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("link", name="Cancel appointment")
    )
    page.get_by_role("link", name="Cancel appointment").click()

    expect(page.get_by_role("heading", name="Cancel your appointment")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Yes, cancel it"))
    page.get_by_label("Reason (optional)").fill("Something came up")
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_practitioner_sets_hours_and_reviews_the_booking_that_follows(
    live_server, page
):
    service = bookable_service(hours=(), slot_interval_minutes=60)
    practitioner = service.practitioner
    day = future_day(2)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(practitioner.user.email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=practitioner.user.get_short_name()).click()
    # Logging in lands on the agenda; the account menu leads on.
    expect(page).to_have_url(re.compile(r"/practitioner/agenda/"))
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Hours and availability"
    ).click()

    expect(page.get_by_role("heading", name="Hours and availability")).to_be_visible()
    assert_accessible(page)
    hours = page.locator("#hours")
    hours.get_by_label("Day").select_option(label=f"{day:%A}")
    hours.get_by_label("From").fill("09:00")
    hours.get_by_label("Until").fill("17:00")
    hours.get_by_role("button", name="Add hours").click()
    expect(page.locator("#hours").get_by_text("Hours added.")).to_be_visible()
    # The new range shows as a form of its own, to be changed where it is.
    expect(
        page.locator("#hours").get_by_role("group", name=f"{day:%A} 09:00–17:00")
    ).to_be_visible()
    # The pointer rests where "Add hours" was, now over the swapped-in copy form's
    # button: its hover colours would be judged halfway through their fade.
    page.mouse.move(0, 0)
    settle(page)
    assert_accessible(page)
    practitioner.refresh_from_db()
    assert practitioner.offers_online_booking

    # A client books in the new hours, with an answer that needs review.
    booking = book(
        service,
        london_at(day, 11),
        name="Rae Review",
        intake={"recent_surgery_or_injury": True, "details": "Knee surgery"},
    )
    assert booking.status == Booking.Status.PENDING

    page.get_by_role("navigation", name="Your practice").get_by_role(
        "link", name="Agenda"
    ).click()
    expect(
        page.get_by_role("heading", name="Waiting for your review (1)")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Review Rae Review")).click()

    expect(page.get_by_role("heading", name="Rae Review")).to_be_visible()
    expect(page.get_by_text("Knee surgery")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and confirm").click()
    expect(page.get_by_text("Confirmed Rae Review's appointment.")).to_be_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    page.goto(f"{live_server.url}/practitioner/agenda/?view=day&date={day.isoformat()}")
    expect(page.get_by_role("link", name="Rae Review")).to_be_visible()
    expect(page.get_by_text("11:00–12:00")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
    ids=["phone", "desktop"],
)
def test_mistakes_in_the_booking_forms_are_summarised_and_shown_in_words(
    live_server, browser, viewport
):
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(2)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(
        f"{live_server.url}/book/{service.practitioner.slug}/{service.pk}/"
        f"?date={day.isoformat()}"
    )
    page.get_by_role("link", name=re.compile(r"^10:00 on")).click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    assert_accessible(page)
    summary.get_by_role("link", name="Enter your phone number.").click()
    expect(page.get_by_label("Phone")).to_be_focused()
    page.get_by_label("Your name").fill("Gwen Guest")
    page.get_by_label("Email").fill("gwen@example.com")
    page.get_by_label("Phone").fill("07700 900456")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="A few health questions")).to_be_visible()
    page.get_by_label(re.compile("I consent")).check()
    page.get_by_role("button", name="Book appointment").click()
    messages = page.get_by_text("Please answer yes or no.")
    expect(messages).to_have_count(len(HealthIntake.QUESTIONS) * 2)  # summary too
    for index in range(messages.count()):
        expect(messages.nth(index)).to_be_visible()
    assert_accessible(page)
    assert not Booking.objects.exists()
    context.close()


def test_on_a_phone_a_client_confirms_the_new_time_before_it_moves(
    live_server, browser
):
    user = UserFactory()
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(4)
    booking = book(service, london_at(day, 10), user=user)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(
        f"{live_server.url}/appointments/{booking.pk}/reschedule/?date={day.isoformat()}"
    )
    page.get_by_role("button", name=re.compile(r"^14:00 on")).click()

    heading = f"Move to {day:%a} {day.day} {day:%b}, 14:00?"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 10)
    page.get_by_role("button", name="Yes, move it").click()
    expect(page.get_by_text("Your appointment has moved.")).to_be_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 14)
    context.close()


def test_on_a_phone_the_profile_keeps_a_book_button_in_reach(live_server, browser):
    service = bookable_service()
    practitioner = service.practitioner
    practitioner.bio = "A long biography.\n\n" * 60
    practitioner.save(update_fields=["bio"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    book_button = page.get_by_role(
        "link", name=f"Book with {practitioner.display_name}"
    )
    expect(book_button).to_be_in_viewport()
    assert_accessible(page)
    page.mouse.wheel(0, 1500)
    expect(book_button).to_be_in_viewport()
    book_button.click()
    expect(page.get_by_role("heading", name="Book online")).to_be_in_viewport()
    context.close()

    wide = browser.new_context(viewport={"width": 1280, "height": 800})
    page = wide.new_page()
    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    expect(
        page.get_by_role("link", name=f"Book with {practitioner.display_name}")
    ).to_be_hidden()
    assert_accessible(page)
    wide.close()


def test_without_javascript_a_phone_books_from_the_profile_to_the_confirmation(
    live_server, browser
):
    """Every step is a plain link or form: no htmx, no script. (axe and the
    layout check run in the page, so only in the journeys with scripts.)"""
    practitioner = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    service = bookable_service(practitioner=practitioner, slot_interval_minutes=60)
    day = future_day(2)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Hughes")
    page.get_by_role("link", name=f"Book with {practitioner.display_name}").click()
    expect(page.get_by_role("heading", name="Book online")).to_be_in_viewport()
    page.get_by_role("link", name=re.compile(f"^Book {service.name}")).click()

    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()
    times_heading = f"Times on {day:%A} {day.day} {day:%B}"
    expect(page.get_by_role("heading", name=times_heading)).to_be_visible()
    expect(page).to_have_url(re.compile(f"date={day.isoformat()}"))
    page.get_by_role("link", name=re.compile(r"^10:00 on")).click()

    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_label("Your name").fill("Noor Noscript")
    page.get_by_label("Email").fill("noor@example.com")
    page.get_by_label("Phone").fill("07700 900789")
    page.get_by_role("button", name="Continue").click()

    # The health step, first sent with its questions unanswered: the server's
    # messages, then the answers.
    expect(page.get_by_role("heading", name="A few health questions")).to_be_visible()
    page.get_by_label(re.compile("I consent")).check()
    page.get_by_role("button", name="Book appointment").click()
    expect(
        page.get_by_role("alert").filter(has_text="There is a problem")
    ).to_be_visible()
    assert not Booking.objects.exists()
    for field, _ in HealthIntake.QUESTIONS:
        page.locator(f'input[name="{field}"][value="no"]').check()
    page.get_by_label(re.compile("I consent")).check()
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.locator(".booking-summary")).to_contain_text(
        f"{day:%A} {day.day} {day:%B} {day.year} at 10:00"
    )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client_name == "Noor Noscript"
    assert booking.starts_at == london_at(day, 10)
    assert not booking.intake.flagged
    page.get_by_role("link", name="Manage your booking").click()
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    context.close()
