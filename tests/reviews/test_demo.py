import io

import pytest

from bookings import demo as bookings_demo
from directory.models import Practitioner
from reviews import demo
from reviews.models import Review
from tests.directory.factories import LocationFactory, PractitionerFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_reviews_completed_appointments_holds_a_few_and_runs_twice():
    pat = PractitionerFactory(
        user=UserFactory(email=bookings_demo.DEMO_PRACTITIONER_EMAIL)
    )
    LocationFactory(practitioner=pat)
    for _ in range(3):
        LocationFactory(practitioner=PractitionerFactory())
    bookings_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    reviews = Review.objects.all()
    assert reviews.filter(status=Review.Status.PUBLISHED).count() >= 5
    assert reviews.filter(status=Review.Status.HELD).exists()
    assert all(r.booking.status == "completed" for r in reviews)
    rated = Practitioner.objects.filter(rating_count__gt=0)
    assert rated.exists()
    before = sorted(reviews.values_list("booking_id", "rating"))
    demo.seed(io.StringIO())
    assert sorted(reviews.values_list("booking_id", "rating")) == before
