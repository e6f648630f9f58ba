"""Paying online with the built-in test provider (no Stripe keys, as on a fresh
`make run`): a student's deposit and balance; a client's prepaid treatment,
cancelled before the cut-off and refunded. With Stripe keys: the way to Stripe's
Checkout page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, HealthIntake, Service
from courses.models import Enrolment
from payments.models import LedgerEntry
from tests.bookings.factories import bookable_service
from tests.browser.widths import assert_page_at_both_widths
from tests.clock import future_day
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import LocationFactory
from tests.users.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_student_pays_the_deposit_then_the_balance(live_server, page):
    course = CourseFactory(title="Holistic Massage Diploma", price=Decimal("1650"))
    course_date = CourseDateFactory(
        course=course,
        venue_town="Bath",
        starts_on=timezone.localdate() + timedelta(days=90),
    )
    UserFactory(email="rosa@example.com", full_name="Rosa Student")
    log_in(page, live_server, "rosa@example.com")

    page.goto(live_server.url + course_date.get_absolute_url())
    expect(page.get_by_text("Cancel at least 28 days before")).to_be_visible()
    page.get_by_role("link", name="Enrol on this date").click()
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("None yet").check()
    page.get_by_label("Why do you want to take this course?").fill("To practise.")
    page.get_by_role("button", name="Reserve my place").click()

    expect(page.get_by_text("Test payment — no money moves")).to_be_visible()
    expect(page.get_by_role("heading", name="Pay £300")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Pay £300"))
    # A name pasted with an invisible control character is refused, saying why.
    name = page.get_by_label("Name on the (pretend) card")
    name.fill("Rosa \u202eStudent")
    page.get_by_role("button", name="Pay £300").click()
    expect(page.get_by_text("invisible control character")).to_be_visible()
    assert_page_at_both_widths(page)
    assert not LedgerEntry.objects.exists()
    name.fill("Rosa Student")
    page.get_by_role("button", name="Pay £300").click()

    expect(page.get_by_text("Deposit paid", exact=True)).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Pay the balance (£1,350)")
    )
    enrolment = Enrolment.objects.get(student__email="rosa@example.com")
    assert enrolment.status == Enrolment.Status.CONFIRMED

    # Later: the balance.
    page.get_by_role("button", name="Pay the balance (£1,350)").click()
    expect(page.get_by_role("heading", name="Pay £1,350")).to_be_visible()
    page.get_by_role("button", name="Decline (test a refused card)").click()
    expect(page.get_by_text("Your card was declined")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Pay £1,350"))
    page.get_by_role("button", name="Pay £1,350").click()

    expect(page.get_by_text("Paid", exact=True)).to_be_visible()
    expect(page.get_by_text("the course is paid in full")).to_be_visible()
    assert_page_at_both_widths(page)
    assert LedgerEntry.objects.filter(kind="payment").count() == 2

    page.get_by_role("link", name=re.compile(r"^Invoice ENR-")).click()
    expect(page.get_by_role("heading", name="Invoice")).to_be_visible()
    expect(page.get_by_text("Paid in full")).to_be_visible()
    assert_page_at_both_widths(page)
    page.go_back()
    page.get_by_role("link", name=re.compile(r"^Receipt RCT-")).first.click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(
        page.get_by_text("Holistic Massage Diploma", exact=False).first
    ).to_be_visible()
    assert_page_at_both_widths(page)


def test_a_client_pays_for_a_treatment_cancels_in_time_and_is_refunded(
    live_server, page
):
    practitioner = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    practitioner.qualifications_text = "Diploma in Holistic Massage\nMember, CNHC"
    practitioner.save(update_fields=["qualifications_text"])
    service = bookable_service(practitioner=practitioner, slot_interval_minutes=60)
    Service.objects.filter(pk=service.pk).update(
        payment_mode=Service.PaymentMode.FULL,
        price=Decimal("55"),
        deposit=Decimal("20"),
    )
    UserFactory(email="gwen@example.com", full_name="Gwen Client")
    day = future_day(3)
    log_in(page, live_server, "gwen@example.com")

    page.goto(live_server.url + practitioner.get_absolute_url())
    expect(page.get_by_text("Paid online when booking")).to_be_visible()
    page.get_by_role("link", name=re.compile(f"^Book {service.name}")).click()
    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()
    # The chosen day's times, not the first day's still on screen: before 10:00
    # the first day (today) has a 10:00 of its own.
    times_heading = f"Times on {day:%A} {day.day} {day:%B}"
    expect(page.get_by_role("heading", name=times_heading)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^10:00 on")).click()
    page.get_by_label("Phone").fill("07700 900456")
    page.get_by_role("button", name="Continue").click()

    for field, _ in HealthIntake.QUESTIONS:
        page.locator(f'input[name="{field}"][value="no"]').check()
    page.get_by_label(re.compile("I consent")).check()
    expect(
        page.get_by_text("Cancel at least 24 hours before for a full refund")
    ).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Book and pay £55")
    )
    page.get_by_role("button", name="Book and pay £55").click()

    expect(page.get_by_text("Test payment — no money moves")).to_be_visible()
    page.get_by_role("button", name="Pay £55").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Paid £55 on"))).to_be_visible()
    assert_page_at_both_widths(page)
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED

    page.get_by_role("link", name=re.compile(r"^Receipt RCT-")).click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(page.get_by_text("Member, CNHC")).to_be_visible()
    expect(page.get_by_text("Deep tissue massage (60 minutes)")).to_be_visible()
    assert_page_at_both_widths(page)

    page.goto(live_server.url + booking.get_absolute_url())
    page.get_by_role("link", name="Cancel appointment").click()
    expect(page.get_by_text("We will refund the £55 you paid.")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Yes, cancel it"))
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_text("Refunded £55", exact=True)).to_be_visible()
    assert_page_at_both_widths(page)
    page.get_by_role("link", name=re.compile(r"^Receipt RCT-")).click()
    expect(
        page.get_by_text("Refunded £55: this payment has been refunded in full.")
    ).to_be_visible()
    assert_page_at_both_widths(page)


def test_with_stripe_keys_a_student_is_sent_to_stripe_checkout(
    live_server, page, stripe_server
):
    """Stripe's API is the local server; its Checkout page is answered in the
    browser. Chromium checks the redirect after "Reserve my place" against the
    page's form-action: the request reaches Stripe only if the policy allows it."""
    course_date = CourseDateFactory(
        course=CourseFactory(title="Holistic Massage Diploma", price=Decimal("1650")),
        starts_on=timezone.localdate() + timedelta(days=90),
    )
    UserFactory(email="rosa@example.com", full_name="Rosa Student")
    log_in(page, live_server, "rosa@example.com")
    stripe_pages = []

    def stripe_checkout(route):
        stripe_pages.append(route.request.url)
        route.fulfill(
            content_type="text/html",
            body="<!doctype html><html lang=en><title>Stripe Checkout</title>"
            "<main><h1>Pay Holistic Touch</h1></main></html>",
        )

    page.route("https://checkout.stripe.com/**", stripe_checkout)
    page.goto(live_server.url + course_date.get_absolute_url())
    page.get_by_role("link", name="Enrol on this date").click()
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("None yet").check()
    page.get_by_label("Why do you want to take this course?").fill("To practise.")
    page.get_by_role("button", name="Reserve my place").click()

    expect(page.get_by_role("heading", name="Pay Holistic Touch")).to_be_visible()
    [session] = stripe_server.sessions
    assert stripe_pages == [f"https://checkout.stripe.com/c/pay/{session}"]
    [call] = stripe_server.calls("/v1/checkout/sessions")
    assert call.form["line_items[0][price_data][unit_amount]"] == "30000"
