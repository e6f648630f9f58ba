"""The checks the services enforce and the practitioner's pages ask: one rule each."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Service
from directory.models import Practitioner
from tests.bookings.factories import BookingFactory, ServiceFactory
from tests.directory.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

Status = Booking.Status
PAST = timedelta(hours=-2)
FUTURE = timedelta(days=3)


def booking(status: str, starts_in: timedelta, **kwargs) -> Booking:
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    return BookingFactory(
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        blocked_starts_at=starts_at,
        blocked_ends_at=starts_at + timedelta(hours=1),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("status", "starts_in", "problem"),
    [
        (Status.PENDING, FUTURE, None),
        (Status.PENDING, PAST, "This appointment time has passed."),
        (Status.CONFIRMED, FUTURE, "Only a booking waiting for review can be"),
        (Status.DECLINED, FUTURE, "Only a booking waiting for review can be"),
    ],
)
def test_approval_needs_a_request_still_to_come(status, starts_in, problem):
    found = services.approval_problem(booking(status, starts_in))
    assert found is None if problem is None else found.startswith(problem)


@pytest.mark.parametrize(
    ("status", "starts_in", "problem"),
    [
        (Status.CONFIRMED, PAST, None),
        (Status.COMPLETED, PAST, None),
        (Status.NO_SHOW, PAST, None),
        (Status.CONFIRMED, FUTURE, "This appointment has not started yet."),
        (Status.PENDING, PAST, "Only a confirmed appointment can be marked"),
        (Status.CANCELLED, PAST, "Only a confirmed appointment can be marked"),
    ],
)
def test_attendance_needs_a_confirmed_appointment_that_has_started(
    status, starts_in, problem
):
    found = services.attendance_problem(booking(status, starts_in))
    assert found is None if problem is None else found.startswith(problem)


@pytest.mark.parametrize(
    ("status", "cancellable"),
    [
        (Status.PENDING, True),
        (Status.CONFIRMED, True),
        (Status.DECLINED, False),
        (Status.CANCELLED, False),
        (Status.COMPLETED, False),
        (Status.NO_SHOW, False),
    ],
)
def test_only_pending_and_confirmed_bookings_can_be_cancelled(status, cancellable):
    assert services.can_be_cancelled(booking(status, FUTURE)) is cancellable


CASES = [
    (status, starts_in)
    for status in Status.values
    for starts_in in (PAST, FUTURE)
    if status != Status.PENDING or starts_in == FUTURE  # a past request lapsed
]


@pytest.mark.parametrize(("status", "starts_in"), CASES)
def test_the_agenda_offers_an_action_exactly_when_the_service_allows_it(
    client, status, starts_in
):
    shown = booking(status, starts_in)
    client.force_login(shown.practitioner.user)
    page = client.get(reverse("bookings:agenda-booking", args=[shown.pk])).context

    def works(action) -> bool:
        try:
            action()
        except services.BookingError:
            return False
        return True

    # Each action on a fresh copy, so one does not change what the next sees.
    def fresh() -> Booking:
        Booking.objects.filter(pk=shown.pk).update(status=status)
        return Booking.objects.get(pk=shown.pk)

    assert page["can_review"] is works(
        lambda: services.approve_booking(booking=fresh())
    )
    assert page["can_record"] is works(
        lambda: services.record_attendance(booking=fresh(), status=Status.NO_SHOW)
    )
    assert page["can_cancel"] is works(
        lambda: services.cancel_booking(
            booking=fresh(),
            cancelled_by=Booking.CancelledBy.PRACTITIONER,
            reason="Unwell",
        )
    )


def test_appointments_during_time_off_count_those_still_to_keep():
    kept = booking(Status.CONFIRMED, FUTURE)
    practitioner = kept.practitioner
    service = kept.service
    booking(Status.PENDING, FUTURE + timedelta(hours=2), service=service)
    booking(Status.CANCELLED, FUTURE + timedelta(hours=4), service=service)
    booking(Status.CONFIRMED, FUTURE + timedelta(days=2), service=service)
    booking(Status.CONFIRMED, FUTURE)  # another practitioner's

    def during(start: timedelta, end: timedelta) -> int:
        # The clock the bookings were made with, not a later reading: on a slow
        # machine a second passes and "back to back" would overlap by it.
        now = kept.starts_at - FUTURE
        return len(
            services.appointments_during(
                practitioner=practitioner, starts_at=now + start, ends_at=now + end
            )
        )

    assert during(FUTURE - timedelta(hours=1), FUTURE + timedelta(hours=6)) == 2
    # Back to back with the appointment is not during it.
    assert during(FUTURE + timedelta(hours=1), FUTURE + timedelta(hours=2)) == 0
    assert during(FUTURE + timedelta(minutes=30), FUTURE + timedelta(minutes=45)) == 1


def test_bookable_services_are_active_ones_of_listed_practitioners():
    bookable = ServiceFactory()
    ServiceFactory(is_active=False)
    ServiceFactory(
        practitioner=PractitionerFactory(status=Practitioner.Status.SUSPENDED)
    )
    ServiceFactory(
        practitioner=PractitionerFactory(
            insurance_expires_on=timezone.localdate() - timedelta(days=1)
        )
    )
    assert list(Service.objects.bookable()) == [bookable]
