from datetime import UTC, datetime

import pytest

from bookings.ics import booking_ics, practitioner_feed_ics
from tests.bookings.factories import BookingFactory, HealthIntakeFactory
from tests.directory.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_a_booking_becomes_one_utc_event_with_crlf_lines():
    booking = BookingFactory(
        starts_at=datetime(2027, 7, 1, 9, 0, tzinfo=UTC),
        ends_at=datetime(2027, 7, 1, 10, 0, tzinfo=UTC),
        location=LocationFactory(name="Clinic, Room 2; upstairs"),
    )
    text = booking_ics(booking)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "DTSTART:20270701T090000Z" in text
    assert "DTEND:20270701T100000Z" in text
    assert f"UID:booking-{booking.pk}@" in text
    assert "STATUS:CONFIRMED" in text
    assert "Clinic\\, Room 2\\; upstairs" in text
    assert booking.get_manage_url()[:40] in text.replace("\r\n ", "")


def test_long_lines_are_folded_at_75_octets():
    booking = BookingFactory(service__name="Très long soin " * 7)
    for line in booking_ics(booking).split("\r\n"):
        assert len(line.encode()) <= 75


def test_a_pending_booking_is_tentative_and_a_cancelled_one_cancelled():
    assert "STATUS:TENTATIVE" in booking_ics(BookingFactory(status="pending"))
    assert "STATUS:CANCELLED" in booking_ics(BookingFactory(status="cancelled"))


def test_the_feed_never_carries_health_answers_or_notes():
    intake = HealthIntakeFactory(pregnant=True, details="SECRET")
    booking = intake.booking
    booking.practitioner_note = "NOTE"
    text = practitioner_feed_ics(booking.practitioner, [booking])
    assert booking.client_name in text
    assert "SECRET" not in text and "NOTE" not in text
