"""Test data for reviews: a completed appointment in the past, and its review."""

from datetime import timedelta

import factory
from django.utils import timezone

from bookings.models import Booking
from reviews.models import Review
from tests.bookings.factories import BookingFactory


def completed_booking(*, ended_hours_ago: float = 3, **kwargs) -> Booking:
    """A completed one-hour appointment that ended `ended_hours_ago` hours ago."""
    ends = timezone.now().replace(microsecond=0) - timedelta(hours=ended_hours_ago)
    kwargs.setdefault("status", Booking.Status.COMPLETED)
    return BookingFactory(starts_at=ends - timedelta(hours=1), ends_at=ends, **kwargs)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    booking = factory.LazyFunction(completed_booking)
    practitioner = factory.SelfAttribute("booking.practitioner")
    author = factory.SelfAttribute("booking.client")
    author_name = "Jane D."
    rating = 5
    text = "Lovely, calm and thorough."
    appointment_on = factory.LazyAttribute(lambda o: o.booking.starts_at.date())
