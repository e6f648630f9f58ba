"""The reviews' part of seed_demo: reviews of the demo practitioners' completed past
appointments, written through the service (so the ratings are stored as in real
use), a few of them held for moderation. Safe to run again: a booking already
reviewed is left alone."""

import random

from django.db.models import Exists, OuterRef

from bookings.models import Booking

from . import services
from .models import Review

WORDS = [
    (5, "Wonderful: a calm room, clear explanations and firm, careful pressure."),
    (5, "My shoulders have not felt this loose in months. Booking again."),
    (4, "Very good massage, found every knot. Ran five minutes late."),
    (5, ""),
    (4, "Friendly and professional; the hot stones were lovely."),
    (3, "Good technique, but the room was a little cold."),
    (5, "Listened to what I wanted and adjusted the pressure throughout."),
    (4, ""),
]
# Held by the automatic checks: staff see them under Reviews, status "held".
HELD = [
    (5, "Brilliant! Book directly on 07700 900123 for a discount."),
    (4, "Really helped during my pregnancy, thank you."),
]


def seed(stdout) -> None:
    reviewed = Review.objects.filter(booking=OuterRef("pk"))
    bookings = (
        Booking.objects.filter(status=Booking.Status.COMPLETED)
        .exclude(Exists(reviewed))
        .select_related("practitioner__user", "service")
        .order_by("practitioner_id", "starts_at", "pk")
    )
    written = held = 0
    for index, booking in enumerate(bookings):
        rng = random.Random(booking.pk)
        if booking.client_id is not None or rng.random() < 0.3:
            continue  # the demo client reviews for themselves; some never do
        if index % 11 == 5 and held < len(HELD):
            rating, text = HELD[held]
        else:
            rating, text = rng.choice(WORDS)
        try:
            review = services.write_review(booking=booking, rating=rating, text=text)
        except services.ReviewError:
            continue
        written += 1
        held += review.status == Review.Status.HELD
    stdout.write(f"  reviews: {written} written ({held} held for moderation)")
