import io

import pytest
from django.core.management import call_command

from bookings import demo
from bookings.models import (
    Booking,
    BookingPolicy,
    ExternalCalendar,
    Service,
    WaitlistRequest,
    WeeklyHours,
)
from notifications.models import OutboundEmail
from tests.directory.factories import LocationFactory, PractitionerFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory_demo():
    """What the directory's demo leaves behind: practitioners, one of them known."""
    pat = PractitionerFactory(
        user=UserFactory(email=demo.DEMO_PRACTITIONER_EMAIL),
        display_name="Pat Practitioner",
    )
    LocationFactory(practitioner=pat)
    others = [PractitionerFactory() for _ in range(4)]
    LocationFactory(practitioner=others[0], name="Bath Studio", town="Bath")
    return pat, others


def snapshot():
    return (
        sorted(Service.objects.values_list("practitioner_id", "name", "price")),
        sorted(
            WeeklyHours.objects.values_list("practitioner_id", "weekday", "start_time")
        ),
        sorted(
            Booking.objects.values_list(
                "practitioner_id", "starts_at", "status", "client_email"
            )
        ),
        BookingPolicy.objects.count(),
        sorted(
            WaitlistRequest.objects.values_list(
                "practitioner_id", "email", "first_day", "last_day"
            )
        ),
    )


def test_every_practitioner_gets_services_hours_a_policy_and_bookings(directory_demo):
    pat, others = directory_demo
    call_command("seed_demo", stdout=io.StringIO())
    for practitioner in [pat, *others]:
        practitioner.refresh_from_db()
        assert practitioner.offers_online_booking
        assert practitioner.services.filter(is_active=True).exists()
        assert BookingPolicy.objects.filter(practitioner=practitioner).exists()
        bookings = Booking.objects.filter(practitioner=practitioner)
        assert bookings.filter(status="completed").exists()  # some past
        assert bookings.filter(status="confirmed").exists()  # some future
        assert all(hasattr(b, "intake") for b in bookings)
    rich = Booking.objects.filter(practitioner=pat)
    assert rich.count() > Booking.objects.filter(practitioner=others[1]).count()
    assert rich.filter(status="pending").count() == 2
    assert pat.date_overrides.exists() and pat.time_off.exists()


def test_the_demo_client_has_appointments(directory_demo):
    call_command("seed_demo", stdout=io.StringIO())
    assert Booking.objects.filter(client__email="client@demo.example").count() >= 2


def test_the_demo_client_waits_for_an_earlier_time_with_the_demo_practitioner(
    directory_demo,
):
    pat, _ = directory_demo
    call_command("seed_demo", stdout=io.StringIO())
    [wait] = WaitlistRequest.objects.all()
    assert wait.practitioner == pat
    assert wait.client.email == demo.DEMO_CLIENT_EMAIL
    assert wait.service.practitioner == pat
    assert wait.first_day < wait.last_day
    assert not OutboundEmail.objects.filter(kind__startswith="waitlist.").exists()
    # No other calendar: the demo fetches nothing.
    assert not ExternalCalendar.objects.exists()


def test_seeding_twice_changes_nothing(directory_demo):
    call_command("seed_demo", stdout=io.StringIO())
    first = snapshot()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == first
    assert "for 0 practitioners (" in out.getvalue()


def test_no_practitioners_no_bookings():
    demo.seed(io.StringIO())
    assert Booking.objects.count() == 0
