import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import OutboundEmail
from reviews import services
from tests.bookings.factories import BookingFactory, ServiceFactory
from tests.browser.widths import assert_page_at_both_widths
from tests.directory.factories import LocationFactory, PlaceFactory
from tests.users.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# "5.0 ★ from 1 verified review"; screen readers hear "5.0 out of 5".
RATED = re.compile(r"5\.0 ★(out of 5)? from 1 verified review")


def test_a_completed_appointment_is_reviewed_and_shows_on_the_profile_and_card(
    live_server, page
):
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    practitioner = LocationFactory(
        practitioner__display_name="Ada Hughes", latitude=50.83, longitude=-0.14
    ).practitioner
    service = ServiceFactory(practitioner=practitioner)
    ended = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    booking = BookingFactory(
        service=service,
        client=None,
        client_name="Gwen Guest",
        client_email="gwen@example.com",
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
    )

    # The practitioner marks the appointment completed in their agenda.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(practitioner.user.email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/practitioner/agenda/{booking.pk}/")
    assert_page_at_both_widths(page, page.get_by_role("button", name="Mark completed"))
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("alert").first).to_contain_text("Marked as completed")
    page.context.clear_cookies()

    # Two hours after it ended the beat job invites the guest.
    assert services.invite_due() == 1
    email = OutboundEmail.objects.get(kind="review.invitation")
    assert email.to == "gwen@example.com"
    link = re.search(r"Write your review: (\S+)", email.text_body).group(1)
    path = re.sub(r"^https?://[^/]+", "", link)

    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your appointment")
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Publish my review")
    )
    page.get_by_label("5 stars").check()
    page.get_by_label("Your review (optional)").fill(
        "Firm, careful and kind: my shoulders feel new."
    )
    page.get_by_role("button", name="Publish my review").click()
    expect(page.get_by_role("alert").first).to_contain_text("published")
    expect(page.get_by_text("Published, shown as “Gwen G.”")).to_be_visible()
    assert_page_at_both_widths(page)

    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    expect(page.locator(".rating").first).to_contain_text(RATED)
    reviews = page.locator("#reviews")
    expect(reviews).to_contain_text("my shoulders feel new")
    expect(reviews).to_contain_text("Gwen G.")
    expect(reviews).to_contain_text("after an appointment in")
    assert_page_at_both_widths(page)

    page.goto(f"{live_server.url}/practitioners/?where=Brighton")
    card = page.locator("#results").get_by_role("article").first
    expect(card).to_contain_text("Ada Hughes")
    expect(card).to_contain_text(RATED)
    assert_page_at_both_widths(page, card.get_by_role("link", name="Ada Hughes"))
