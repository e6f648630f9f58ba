import logging
from datetime import time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import emails, services
from bookings.models import Booking, CalendarFeed, HealthIntake
from bookings.services import BookingError, SlotTaken
from tests.bookings.factories import (
    BookingFactory,
    ServiceFactory,
    TimeOffFactory,
    WeeklyHoursFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.directory.factories import (
    LocationFactory,
    PractitionerFactory,
    TechniqueFactory,
)
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Records each email event and whether it was queued inside a transaction."""
    calls = []
    for name in [
        "booking_requested",
        "booking_confirmed",
        "booking_declined",
        "booking_cancelled",
        "booking_rescheduled",
    ]:
        original = getattr(emails, name)

        def record(booking, *args, _name=name, _original=original, **kwargs):
            calls.append((_name, booking.pk, connection.in_atomic_block, kwargs))
            return _original(booking, *args, **kwargs)

        monkeypatch.setattr(emails, name, record)
    return calls


# --- booking ------------------------------------------------------------------------


def test_booking_a_free_slot_confirms_it_and_records_the_answers(sent):
    service = bookable_service()
    starts_at = london_at(future_day(), 10)
    booking = book(service, starts_at)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.starts_at == starts_at
    assert booking.ends_at == starts_at + timedelta(hours=1)
    assert booking.client is None and booking.manage_token
    assert HealthIntake.objects.get(booking=booking).flagged is False
    assert sent == [("booking_confirmed", booking.pk, True, {})]


def test_a_signed_in_client_is_linked_to_the_booking():
    user = UserFactory()
    booking = book(bookable_service(), london_at(future_day(), 10), user=user)
    assert booking.client == user


def test_a_flagged_health_answer_puts_the_booking_in_review(sent):
    service = bookable_service()
    booking = book(
        service,
        london_at(future_day(), 10),
        intake={"pregnant": True, "details": "22 weeks"},
    )
    assert booking.status == Booking.Status.PENDING
    assert booking.intake.pregnant and booking.intake.details == "22 weeks"
    assert sent == [("booking_requested", booking.pk, True, {})]


def test_new_clients_wait_for_approval_when_the_policy_says_so():
    service = bookable_service(new_clients_need_approval=True)
    first = book(service, london_at(future_day(), 10), email="new@example.com")
    assert first.status == Booking.Status.PENDING


def _a_regular(service, *, status=Booking.Status.COMPLETED):
    """A signed-up client with a past appointment of `status` at this practitioner."""
    regular = UserFactory(email="regular@example.com")
    BookingFactory(
        service=service,
        client=regular,
        starts_at=london_at(future_day() - timedelta(days=30), 10),
        status=status,
    )
    return regular


def test_a_signed_in_returning_client_needs_no_approval():
    service = bookable_service(new_clients_need_approval=True)
    regular = _a_regular(service)
    day = future_day()
    again = book(service, london_at(day, 10), email=regular.email, user=regular)
    assert again.status == Booking.Status.CONFIRMED
    # The address typed in the form does not matter, the account does.
    other_address = book(
        service, london_at(day, 14), email="work@example.com", user=regular
    )
    assert other_address.status == Booking.Status.CONFIRMED


def test_a_guest_typing_a_returning_clients_email_still_needs_approval():
    service = bookable_service(new_clients_need_approval=True)
    regular = _a_regular(service)
    guest = book(service, london_at(future_day(), 10), email="Regular@example.com")
    assert guest.status == Booking.Status.PENDING
    someone_else = book(
        service, london_at(future_day(), 14), email=regular.email, user=UserFactory()
    )
    assert someone_else.status == Booking.Status.PENDING


def test_only_a_confirmed_or_completed_appointment_makes_a_returning_client():
    service = bookable_service(new_clients_need_approval=True)
    regular = _a_regular(service, status=Booking.Status.DECLINED)
    again = book(
        service, london_at(future_day(), 10), email=regular.email, user=regular
    )
    assert again.status == Booking.Status.PENDING


def test_a_taken_slot_cannot_be_booked_twice():
    service = bookable_service()
    starts_at = london_at(future_day(), 10)
    book(service, starts_at)
    with pytest.raises(SlotTaken, match="just taken"):
        book(service, starts_at, email="second@example.com")
    assert Booking.objects.count() == 1


def test_an_overlapping_slot_is_taken_too():
    service = bookable_service()
    day = future_day()
    book(service, london_at(day, 10))
    with pytest.raises(SlotTaken):
        book(service, london_at(day, 10, 30))
    book(service, london_at(day, 11))  # back to back is fine
    assert Booking.objects.count() == 2


def test_buffers_are_enforced_when_booking():
    service = bookable_service(buffer_after_minutes=15)
    day = future_day()
    first = book(service, london_at(day, 10))
    assert first.blocked_ends_at == london_at(day, 11, 15)
    with pytest.raises(SlotTaken):
        book(service, london_at(day, 11))
    assert book(service, london_at(day, 11, 15)).starts_at == london_at(day, 11, 15)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda day: timezone.now() - timedelta(hours=1), "already passed"),
        (lambda day: timezone.now() + timedelta(hours=24), "notice"),
        (lambda day: london_at(day + timedelta(days=90), 10), "days ahead"),
        (lambda day: london_at(day, 7), "does not offer"),
        (lambda day: london_at(day, 16, 30), "does not offer"),
        (lambda day: london_at(day, 10, 7), "does not offer"),
    ],
    ids=["past", "notice", "window", "before-hours", "does-not-fit", "off-grid"],
)
def test_the_server_rechecks_every_rule(when, message):
    service = bookable_service(min_notice_hours=48)
    day = future_day(5)
    with pytest.raises(BookingError, match=message):
        book(service, when(day))
    assert Booking.objects.count() == 0


def test_time_off_is_rechecked_on_the_server():
    service = bookable_service()
    day = future_day()
    TimeOffFactory(
        practitioner=service.practitioner,
        starts_at=london_at(day, 0),
        ends_at=london_at(day + timedelta(days=1), 0),
    )
    with pytest.raises(BookingError, match="does not offer"):
        book(service, london_at(day, 10))


def test_a_naive_time_is_refused():
    service = bookable_service()
    with pytest.raises(BookingError, match="not valid"):
        book(service, london_at(future_day(), 10).replace(tzinfo=None))


def test_an_inactive_service_or_an_unlisted_practitioner_cannot_be_booked():
    service = bookable_service()
    service.is_active = False
    service.save()
    with pytest.raises(BookingError, match="cannot be booked"):
        book(service, london_at(future_day(), 10))
    other = bookable_service()
    other.practitioner.status = "suspended"
    other.practitioner.save()
    with pytest.raises(BookingError, match="cannot be booked"):
        book(other, london_at(future_day(), 10))
    assert Booking.objects.count() == 0


def test_consent_is_required():
    with pytest.raises(BookingError, match="consent"):
        book(bookable_service(), london_at(future_day(), 10), consent=False)
    assert Booking.objects.count() == 0


def test_a_service_offered_at_one_location_uses_only_its_hours():
    practitioner = PractitionerFactory()
    here, there = (
        LocationFactory(practitioner=practitioner),
        LocationFactory(practitioner=practitioner, name="Hove Studio"),
    )
    service = bookable_service(practitioner=practitioner, hours=())
    service.locations.set([here])
    day = future_day()
    for location, start, end in [(here, 9, 12), (there, 13, 17)]:
        WeeklyHoursFactory(
            practitioner=practitioner,
            weekday=day.weekday(),
            start_time=time(start),
            end_time=time(end),
            location=location,
        )
    assert book(service, london_at(day, 10)).location == here
    with pytest.raises(BookingError, match="does not offer"):
        book(service, london_at(day, 14))


# --- the database constraint ----------------------------------------------------------


def test_the_exclusion_constraint_refuses_overlapping_active_bookings():
    booking = BookingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(
            service=booking.service,
            starts_at=booking.starts_at + timedelta(minutes=30),
        )


def test_the_exclusion_constraint_ignores_cancelled_bookings_and_other_practitioners():
    booking = BookingFactory(status=Booking.Status.CANCELLED)
    BookingFactory(service=booking.service, starts_at=booking.starts_at)
    BookingFactory(starts_at=booking.starts_at)
    assert Booking.objects.count() == 3


def test_a_booking_must_start_before_it_ends():
    booking = BookingFactory.build()
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(
            service=ServiceFactory(),
            starts_at=booking.starts_at,
            ends_at=booking.starts_at,
        )


# --- cancelling and moving ------------------------------------------------------------


def test_a_client_cancels_before_the_cut_off_and_the_slot_is_free_again(sent):
    service = bookable_service()
    starts_at = london_at(future_day(5), 10)
    booking = book(service, starts_at)
    cancelled = services.cancel_booking(
        booking=booking, cancelled_by="client", reason="Feeling better"
    )
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_by == "client"
    assert sent[-1] == (
        "booking_cancelled",
        booking.pk,
        True,
        {"cancelled_by": "client", "reason": "Feeling better"},
    )
    assert book(service, starts_at, email="next@example.com").is_active


def test_a_client_cannot_cancel_after_the_cut_off():
    service = bookable_service(cancellation_cutoff_hours=48)
    booking = book(service, london_at(future_day(5), 10))
    late = booking.starts_at - timedelta(hours=47)
    with pytest.raises(BookingError, match="contact"):
        services.cancel_booking(booking=booking, cancelled_by="client", now=late)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_practitioner_cancels_any_time_but_must_give_a_reason():
    booking = BookingFactory(
        service=bookable_service(),
        starts_at=timezone.now() + timedelta(hours=2),
    )
    with pytest.raises(BookingError, match="why"):
        services.cancel_booking(booking=booking, cancelled_by="practitioner")
    cancelled = services.cancel_booking(
        booking=booking, cancelled_by="practitioner", reason="I am unwell"
    )
    assert cancelled.status_reason == "I am unwell"


def test_cancelling_twice_is_refused():
    booking = book(bookable_service(), london_at(future_day(5), 10))
    services.cancel_booking(booking=booking, cancelled_by="client")
    with pytest.raises(BookingError, match="cancelled"):
        services.cancel_booking(booking=booking, cancelled_by="client")


def test_a_client_moves_a_booking_even_onto_part_of_its_own_time(sent):
    service = bookable_service(buffer_after_minutes=15)
    day = future_day(5)
    booking = book(service, london_at(day, 10))
    moved = services.reschedule_booking(
        booking=booking, starts_at=london_at(day, 10, 30)
    )
    assert moved.starts_at == london_at(day, 10, 30)
    assert moved.blocked_ends_at == london_at(day, 11, 45)
    assert sent[-1] == (
        "booking_rescheduled",
        booking.pk,
        True,
        {"previous_starts_at": london_at(day, 10)},
    )
    assert Booking.objects.get().starts_at == london_at(day, 10, 30)


def test_moving_onto_a_taken_slot_or_after_the_cut_off_is_refused():
    service = bookable_service()
    day = future_day(5)
    booking = book(service, london_at(day, 10))
    book(service, london_at(day, 14), email="other@example.com")
    with pytest.raises(SlotTaken):
        services.reschedule_booking(booking=booking, starts_at=london_at(day, 14))
    with pytest.raises(BookingError, match="already the time"):
        services.reschedule_booking(booking=booking, starts_at=london_at(day, 10))
    with pytest.raises(BookingError, match="contact"):
        services.reschedule_booking(
            booking=booking,
            starts_at=london_at(day, 12),
            now=booking.starts_at - timedelta(hours=1),
        )
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 10)


# --- review by the practitioner -------------------------------------------------------


def test_approving_a_pending_booking_confirms_it(sent):
    booking = book(
        bookable_service(), london_at(future_day(), 10), intake={"unwell": True}
    )
    approved = services.approve_booking(booking=booking)
    assert approved.status == Booking.Status.CONFIRMED
    assert sent[-1][0] == "booking_confirmed" and sent[-1][2] is True
    with pytest.raises(BookingError, match="waiting for review"):
        services.approve_booking(booking=booking)


def test_declining_a_pending_booking_frees_its_time(sent):
    service = bookable_service()
    starts_at = london_at(future_day(), 10)
    booking = book(service, starts_at, intake={"blood_clots": True})
    declined = services.decline_booking(booking=booking, reason="Please see your GP")
    assert declined.status == Booking.Status.DECLINED
    assert sent[-1] == (
        "booking_declined",
        booking.pk,
        True,
        {"reason": "Please see your GP"},
    )
    assert book(service, starts_at, email="next@example.com").is_active


def test_attendance_is_recorded_only_once_the_appointment_started():
    service = bookable_service()
    future = book(service, london_at(future_day(), 10))
    with pytest.raises(BookingError, match="not started"):
        services.record_attendance(booking=future, status="completed")
    past = BookingFactory(service=service, starts_at=timezone.now() - timedelta(days=2))
    assert services.record_attendance(booking=past, status="no_show").status == (
        Booking.Status.NO_SHOW
    )
    with pytest.raises(BookingError):
        services.record_attendance(booking=past, status="pending")


# --- availability ---------------------------------------------------------------------


def test_offers_online_booking_follows_active_services_and_hours():
    practitioner = PractitionerFactory()
    assert not services.refresh_online_booking(practitioner=practitioner)
    service = ServiceFactory.build(
        practitioner=practitioner, technique=TechniqueFactory(slug="deep-tissue")
    )
    services.save_service(service=service)
    practitioner.refresh_from_db()
    assert not practitioner.offers_online_booking  # no hours yet
    hours = services.add_weekly_hours(
        practitioner=practitioner, weekday=0, start_time=time(9), end_time=time(17)
    )
    practitioner.refresh_from_db()
    assert practitioner.offers_online_booking
    service.is_active = False
    services.save_service(service=service)
    practitioner.refresh_from_db()
    assert not practitioner.offers_online_booking
    service.is_active = True
    services.save_service(service=service)
    services.remove_weekly_hours(hours=hours)
    practitioner.refresh_from_db()
    assert not practitioner.offers_online_booking


def test_weekly_hours_may_not_overlap_or_use_someone_elses_location():
    practitioner = PractitionerFactory()
    services.add_weekly_hours(
        practitioner=practitioner, weekday=2, start_time=time(9), end_time=time(13)
    )
    with pytest.raises(BookingError, match="overlaps"):
        services.add_weekly_hours(
            practitioner=practitioner, weekday=2, start_time=time(12), end_time=time(15)
        )
    services.add_weekly_hours(  # touching is fine: a split shift
        practitioner=practitioner, weekday=2, start_time=time(13), end_time=time(15)
    )
    with pytest.raises(BookingError, match="own"):
        services.add_weekly_hours(
            practitioner=practitioner,
            weekday=3,
            start_time=time(9),
            end_time=time(13),
            location=LocationFactory(),
        )


def test_the_calendar_feed_token_can_be_replaced_and_revoked():
    practitioner = PractitionerFactory()
    first = services.reset_calendar_feed(practitioner=practitioner)
    second = services.reset_calendar_feed(practitioner=practitioner)
    assert first.token != second.token
    assert CalendarFeed.objects.get(practitioner=practitioner).token == second.token
    services.revoke_calendar_feed(practitioner=practitioner)
    assert not CalendarFeed.objects.filter(practitioner=practitioner).exists()


# --- privacy --------------------------------------------------------------------------


def test_health_answers_never_reach_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    booking = book(
        bookable_service(),
        london_at(future_day(), 10),
        intake={"pregnant": True, "details": "SECRET-DETAIL"},
    )
    services.approve_booking(booking=booking)
    text = caplog.text.lower()
    assert f"booking {booking.pk}" in text
    assert "secret-detail" not in text and "pregnant" not in text
    assert "SECRET-DETAIL" not in str(booking.intake)
