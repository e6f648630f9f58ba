"""The guest's manage link: health answers leave it once the appointment is over,
and it expires BOOKING_MANAGE_LINK_DAYS after the appointment, with a clear page
and a way to get a new link by email."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from notifications.models import OutboundEmail
from tests.bookings.factories import BookingFactory, HealthIntakeFactory

pytestmark = pytest.mark.django_db

ANSWERS = "Sore left knee"


def guest_booking(*, ended_days_ago=None, **kwargs) -> Booking:
    if ended_days_ago is not None:
        starts_at = timezone.now() - timedelta(days=ended_days_ago, hours=1)
        kwargs.update(
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            blocked_starts_at=starts_at,
            blocked_ends_at=starts_at + timedelta(hours=1),
            status=Booking.Status.COMPLETED,
            # Booked (and its link issued) a week before the appointment.
            manage_token_issued_at=starts_at - timedelta(days=7),
        )
    booking = BookingFactory(client=None, client_email="guest@example.com", **kwargs)
    HealthIntakeFactory(booking=booking, details=ANSWERS, pregnant=True)
    return booking


def manage_urls(booking) -> list[str]:
    token = booking.manage_token
    return [
        reverse("bookings:manage", args=[token]),
        reverse("bookings:manage-ics", args=[token]),
        reverse("bookings:manage-cancel", args=[token]),
        reverse("bookings:manage-reschedule", args=[token]),
        reverse("bookings:confirmation", args=[token]),
    ]


def test_an_upcoming_appointment_shows_its_health_answers_on_the_manage_link(client):
    booking = guest_booking()
    html = client.get(reverse("bookings:manage", args=[booking.manage_token])).content
    assert ANSWERS in html.decode()


def test_health_answers_leave_the_manage_link_once_the_appointment_is_over(client):
    booking = guest_booking(ended_days_ago=1)
    response = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert ANSWERS not in html
    assert "Are you pregnant" not in html
    assert "no longer shown" in html


def test_the_signed_in_client_still_sees_their_answers_of_a_past_appointment(client):
    booking = guest_booking(ended_days_ago=1)
    user = booking.service.practitioner.user.__class__.objects.create_user(
        "owner@example.com", "a-long-test-passphrase"
    )
    Booking.objects.filter(pk=booking.pk).update(client=user)
    client.force_login(user)
    html = client.get(reverse("bookings:appointment", args=[booking.pk])).content
    assert ANSWERS in html.decode()
    exported = client.post(reverse("users:export-data")).content.decode()
    assert ANSWERS in exported


def test_the_link_works_until_the_configured_days_after_the_appointment(
    client, settings
):
    settings.BOOKING_MANAGE_LINK_DAYS = 30
    booking = guest_booking(ended_days_ago=29)
    for url in manage_urls(booking)[:2]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("days", [7, 30])
def test_an_expired_link_shows_a_clear_page_on_every_manage_address(
    client, settings, days
):
    settings.BOOKING_MANAGE_LINK_DAYS = days
    booking = guest_booking(ended_days_ago=days + 1)
    for url in manage_urls(booking):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 410, url
        assert "This link has expired" in html
        assert "Email me a new link" in html
        assert ANSWERS not in html and "guest@example.com" not in html
    cancel = client.post(reverse("bookings:manage-cancel", args=[booking.manage_token]))
    assert cancel.status_code == 410
    # Paying goes through the same secret and expires with it.
    pay = client.post(reverse("bookings:pay", args=[booking.manage_token]))
    assert pay.status_code == 410 and "This link has expired" in pay.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED


def test_a_new_link_is_emailed_to_the_address_booked_with(client, settings):
    settings.BOOKING_MANAGE_LINK_DAYS = 30
    booking = guest_booking(ended_days_ago=40)
    old_token = booking.manage_token
    response = client.post(reverse("bookings:manage-new-link", args=[old_token]))
    assert response.status_code == 200
    assert "We have emailed a new link" in response.content.decode()
    booking.refresh_from_db()
    assert booking.manage_token != old_token
    (email,) = OutboundEmail.objects.filter(kind="booking.new_link")
    assert email.to == "guest@example.com"
    assert booking.manage_token in email.text_body
    assert ANSWERS not in email.text_body
    # The old link is gone; the new one opens the appointment, without answers.
    assert client.get(reverse("bookings:manage", args=[old_token])).status_code == 404
    page = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert page.status_code == 200
    assert ANSWERS not in page.content.decode()


def test_new_links_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "manage_link": "1/h/key",
    }
    # Two old appointments of one guest address: one new link an hour for it.
    first_booking = guest_booking(ended_days_ago=40)
    second_booking = guest_booking(ended_days_ago=50)
    first = client.post(
        reverse("bookings:manage-new-link", args=[first_booking.manage_token])
    )
    second = client.post(
        reverse("bookings:manage-new-link", args=[second_booking.manage_token])
    )
    assert first.status_code == 200
    assert second.status_code == 429
    assert OutboundEmail.objects.filter(kind="booking.new_link").count() == 1


def test_a_new_link_for_a_link_still_valid_is_not_sent(client):
    booking = guest_booking()
    response = client.post(
        reverse("bookings:manage-new-link", args=[booking.manage_token])
    )
    assert response.status_code == 302
    assert not OutboundEmail.objects.filter(kind="booking.new_link").exists()


def test_expiry_is_a_service_predicate(settings):
    settings.BOOKING_MANAGE_LINK_DAYS = 30
    booking = guest_booking(ended_days_ago=10)
    now = timezone.now()
    assert not services.manage_link_expired(booking, now=now)
    assert services.manage_link_expired(booking, now=now + timedelta(days=21))
    assert not services.manage_link_shows_health(booking, now=now)
