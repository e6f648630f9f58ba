"""The next free time on cards and profiles: computed by the slot engine with the
booking page's rules, and kept correct by every change to a calendar."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import billing, external_calendars, next_free, services
from bookings.availability import compute_slots
from bookings.models import Booking, Service, WeeklyHours
from tests.bookings.calendar_server import busy_calendar
from tests.bookings.factories import (
    BookingFactory,
    BookingPolicyFactory,
    DateOverrideFactory,
    ServiceFactory,
    TimeOffFactory,
    WeeklyHoursFactory,
    book,
    bookable_service,
)
from tests.directory.factories import LocationFactory, PractitionerFactory
from tests.payments.helpers import checkout_of, pay_on_test_provider
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


def first_slot(service, now=None):
    """What the booking page offers first, for the same service."""
    today = timezone.localdate() - timedelta(days=1)
    slots = compute_slots(
        service=service,
        first_day=today,
        last_day=today + timedelta(days=62),
        now=now,
    )
    return slots[0].starts_at if slots else None


def stored(practitioner):
    practitioner.refresh_from_db()
    return practitioner.next_free_at


@pytest.fixture
def service():
    # Whole hours and a day's notice: the first slot only moves on the hour.
    service = bookable_service(
        hours=((9, 17),), slot_interval_minutes=60, min_notice_hours=24
    )
    next_free.refresh(service.practitioner)
    return service


def test_the_next_free_time_is_the_booking_pages_first_slot(service):
    practitioner = service.practitioner
    assert stored(practitioner) == first_slot(service)
    # It holds until it can no longer be booked: the minimum notice before it.
    assert practitioner.next_free_stale_at == first_slot(service) - timedelta(hours=24)
    assert practitioner.next_free() == first_slot(service)


def test_the_earliest_of_several_services_counts():
    service = bookable_service(hours=((9, 10),), slot_interval_minutes=60,
                               min_notice_hours=24, duration=90)  # fmt: skip
    practitioner = service.practitioner
    next_free.refresh(practitioner)
    assert stored(practitioner) is None  # 90 minutes never fit in an hour
    short = ServiceFactory(practitioner=practitioner, duration_minutes=60)
    services.save_service(service=short)
    assert stored(practitioner) == first_slot(short)


def test_booking_the_next_free_time_moves_it_on(service):
    taken = first_slot(service)
    book(service, taken)
    assert stored(service.practitioner) == first_slot(service) > taken


def test_cancelling_gives_the_time_back(service):
    taken = first_slot(service)
    booking = book(service, taken)
    services.cancel_booking(booking=booking, cancelled_by="practitioner", reason="Ill")
    assert stored(service.practitioner) == taken


def test_moving_a_booking_frees_its_old_time(service):
    taken = first_slot(service)
    booking = book(service, taken)
    services.reschedule_booking(booking=booking, starts_at=taken + timedelta(days=2))
    assert stored(service.practitioner) == taken


def test_declining_a_request_frees_its_time(service):
    taken = first_slot(service)
    booking = book(service, taken, intake={"pregnant": True})
    assert booking.status == Booking.Status.PENDING
    assert stored(service.practitioner) != taken  # a request holds the time
    services.decline_booking(booking=booking, reason="Not suitable")
    assert stored(service.practitioner) == taken


def test_a_lapsed_request_frees_its_time(service):
    taken = first_slot(service)
    booking = book(service, taken, intake={"pregnant": True})
    # The request lapses once its minimum notice has begun.
    services.lapse_unreviewed_requests(now=taken - timedelta(hours=23))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    # Worked out at that moment: the first time bookable then.
    then = taken - timedelta(hours=23)
    assert stored(service.practitioner) == first_slot(service, now=then)
    assert stored(service.practitioner) >= taken + timedelta(hours=1)


def test_time_off_over_the_next_free_time_moves_it_and_removing_it_gives_it_back(
    service,
):
    practitioner = service.practitioner
    free = first_slot(service)
    time_off = services.add_time_off(
        practitioner=practitioner, starts_at=free, ends_at=free + timedelta(days=1)
    )
    assert stored(practitioner) == first_slot(service) >= free + timedelta(days=1)
    services.remove_time_off(time_off=time_off)
    assert stored(practitioner) == free


def test_changing_the_hours_changes_it(service):
    practitioner = service.practitioner
    free = first_slot(service)
    for hours in WeeklyHours.objects.filter(practitioner=practitioner):
        services.remove_weekly_hours(hours=hours)
    assert stored(practitioner) is None
    assert not practitioner.offers_online_booking
    services.add_weekly_hours(
        practitioner=practitioner,
        weekday=free.weekday(),
        start_time=time(9),
        end_time=time(17),
    )
    practitioner.refresh_from_db()
    assert practitioner.offers_online_booking
    assert stored(practitioner) == first_slot(service)


def test_a_date_override_closing_the_day_moves_it(service):
    practitioner = service.practitioner
    free = first_slot(service)
    day = free.astimezone(practitioner.zone).date()
    override = services.add_date_override(
        practitioner=practitioner, date=day, start_time=time(6), end_time=time(6, 30)
    )
    assert stored(practitioner).astimezone(practitioner.zone).date() != day
    services.remove_date_override(override=override)
    assert stored(practitioner) == free


def test_changing_the_booking_rules_changes_it(service):
    practitioner = service.practitioner
    before = stored(practitioner)
    services.update_policy(practitioner=practitioner, min_notice_hours=72)
    after = stored(practitioner)
    assert after == first_slot(service) and after >= before + timedelta(hours=48)


def test_a_service_switched_off_leaves_no_free_time(service):
    service.is_active = False
    services.save_service(service=service)
    assert stored(service.practitioner) is None


def test_another_calendars_busy_time_moves_it_and_gives_it_back(
    service, calendar_server
):
    practitioner = service.practitioner
    free = stored(practitioner)
    busy = busy_calendar((free - timedelta(hours=1), free + timedelta(days=2)))
    calendar_server.publish("/c.ics", busy)
    calendar = external_calendars.add_calendar(
        practitioner=practitioner, name="Clinic", url=calendar_server.url("/c.ics")
    )
    moved = stored(practitioner)
    assert moved == first_slot(service)
    assert moved >= free + timedelta(days=2)

    # The event is deleted from that calendar: the next read gives the time back.
    calendar_server.publish("/c.ics", busy_calendar())
    assert external_calendars.refresh_calendar(calendar_id=calendar.pk).changed
    assert stored(practitioner) == free

    # Busy again, then the calendar is removed.
    calendar_server.publish("/c.ics", busy)
    external_calendars.refresh_calendar(calendar_id=calendar.pk)
    assert stored(practitioner) == moved
    external_calendars.remove_calendar(calendar=calendar)
    assert stored(practitioner) == free == first_slot(service)


def test_staff_editing_hours_in_the_admin_keep_it_correct(client, service):
    practitioner = service.practitioner
    client.force_login(StaffFactory())
    for hours in WeeklyHours.objects.filter(practitioner=practitioner):
        url = reverse("admin:bookings_weeklyhours_delete", args=[hours.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert stored(practitioner) is None
    url = reverse("admin:bookings_weeklyhours_add")
    response = client.post(
        url,
        {
            "practitioner": practitioner.pk,
            "weekday": 0,
            "start_time": "09:00",
            "end_time": "17:00",
            "location": "",
        },  # fmt: skip
    )
    assert response.status_code == 302
    assert stored(practitioner) == first_slot(service)


def test_a_practitioner_who_does_not_book_online_has_no_next_free_time():
    practitioner = PractitionerFactory(offers_online_booking=False)
    WeeklyHoursFactory(practitioner=practitioner)
    next_free.refresh(practitioner)
    practitioner.refresh_from_db()
    assert practitioner.next_free_at is None
    assert practitioner.next_free() is None


def test_nothing_free_in_the_window_is_checked_again_within_the_hour():
    service = bookable_service(max_advance_days=1, min_notice_hours=48)
    now = timezone.now()
    next_free.refresh(service.practitioner, now=now)
    practitioner = service.practitioner
    practitioner.refresh_from_db()
    assert practitioner.next_free_at is None
    assert practitioner.next_free_stale_at == now + next_free.RECHECK_WHEN_NONE


def test_as_time_passes_the_beat_job_works_out_stale_times_again(service):
    practitioner = service.practitioner
    other = bookable_service(hours=((9, 17),), slot_interval_minutes=60,
                             min_notice_hours=24).practitioner  # fmt: skip
    next_free.refresh(other)
    first = stored(practitioner)
    # Once the first time is inside the notice it cannot be booked: the page no
    # longer shows it, and the job finds the next one.
    later = practitioner.next_free_stale_at + timedelta(minutes=1)
    assert practitioner.next_free(now=later) is None
    assert next_free.refresh_stale(now=later) >= 1
    practitioner.refresh_from_db()
    assert practitioner.next_free_at == first_slot(service, now=later) > first
    assert practitioner.next_free(now=later) == practitioner.next_free_at
    # A second run at the same moment has nothing left to do.
    assert next_free.refresh_stale(now=later) == 0


def test_the_beat_job_takes_practitioners_never_worked_out():
    service = bookable_service(min_notice_hours=24)
    practitioner = service.practitioner
    assert practitioner.next_free_stale_at is None
    assert next_free.refresh_stale() == 1
    assert stored(practitioner) == first_slot(service)


def test_refreshing_everyone_in_batches_agrees_with_one_at_a_time():
    made = [bookable_service(min_notice_hours=24, slot_interval_minutes=60)
            for _ in range(5)]  # fmt: skip
    BookingFactory(service=made[0], starts_at=first_slot(made[0]))
    now = timezone.now()
    assert next_free.refresh_all(now=now, batch=2) >= 5
    batch = [stored(s.practitioner) for s in made]
    assert batch == [first_slot(s, now=now) for s in made]
    for s in made:
        next_free.refresh(s.practitioner, now=now)
    assert [stored(s.practitioner) for s in made] == batch


def test_a_service_offered_at_one_place_only_uses_the_hours_there():
    practitioner = PractitionerFactory(offers_online_booking=True)
    BookingPolicyFactory(practitioner=practitioner, min_notice_hours=24,
                         slot_interval_minutes=60)  # fmt: skip
    here, there = (
        LocationFactory(practitioner=practitioner),
        LocationFactory(practitioner=practitioner),
    )
    for weekday in range(7):
        WeeklyHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            start_time=time(9),
            end_time=time(10),
            location=there,
        )
    service = ServiceFactory(practitioner=practitioner, locations=[here])
    next_free.refresh(practitioner)
    assert stored(practitioner) is None
    assert first_slot(service) is None
    DateOverrideFactory(practitioner=practitioner, start_time=time(9),
                        end_time=time(12), location=here,
                        date=timezone.localdate() + timedelta(days=5))  # fmt: skip
    next_free.refresh(practitioner)
    assert stored(practitioner) is not None
    assert stored(practitioner) == first_slot(service)


def test_the_directory_marks_it_stale_when_a_place_of_work_goes(client):
    from directory import services as directory_services

    service = bookable_service(min_notice_hours=24)
    practitioner = service.practitioner
    LocationFactory(practitioner=practitioner)
    location = LocationFactory(practitioner=practitioner)
    next_free.refresh(practitioner)
    directory_services.delete_location(location=location)
    practitioner.refresh_from_db()
    assert practitioner.next_free() is None  # until the job works it out again
    next_free.refresh_stale()
    assert stored(practitioner) == first_slot(service)


def test_time_off_added_by_the_time_off_form_is_refreshed_too(client, service):
    practitioner = service.practitioner
    free = first_slot(service)
    TimeOffFactory(practitioner=practitioner, starts_at=free,
                   ends_at=free + timedelta(hours=1))  # fmt: skip
    # Rows written behind the services' back are caught by the next refresh.
    next_free.refresh(practitioner)
    # The next free time is the one after (an hour on, or the next day's first
    # when the time off took the day's last).
    assert stored(practitioner) == first_slot(service) > free


# --- times held while a client pays ----------------------------------------------


def prepaid(service):
    """The service paid in full online: booking it holds the time while paying."""
    service.payment_mode = Service.PaymentMode.FULL
    service.price = Decimal("55")
    service.save()
    return service


def run_out(booking):
    """The hold's time is up now. Moving the clock on instead would make the
    first slot (a day's notice, on the hour) move on too in an hour's last
    quarter, and the time given back would no longer be offered."""
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=timezone.now())


def test_a_hold_while_paying_takes_the_time_and_a_lapse_gives_it_back(service):
    practitioner = service.practitioner
    free = first_slot(prepaid(service))
    booking = book(service, free)
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert stored(practitioner) == first_slot(service) > free

    run_out(booking)
    assert services.release_unpaid_holds() == 1
    assert stored(practitioner) == first_slot(service) == free


def test_abandoning_the_payment_gives_the_time_back_at_once(client, service):
    practitioner = service.practitioner
    free = first_slot(prepaid(service))
    booking = book(service, free)
    services.start_payment(booking=booking)
    checkout = checkout_of(billing.reference(booking))
    client.post(checkout.url, {"action": "abandon"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNPAID
    assert stored(practitioner) == free


def test_paying_after_the_hold_lapsed_takes_the_time_again(service):
    practitioner = service.practitioner
    free = first_slot(prepaid(service))
    booking = book(service, free)
    services.start_payment(booking=booking)
    checkout = checkout_of(billing.reference(booking))
    run_out(booking)
    services.release_unpaid_holds()
    assert stored(practitioner) == free

    pay_on_test_provider(checkout)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert stored(practitioner) == first_slot(service) > free


def test_the_beat_job_stops_taking_batches_once_its_budget_is_spent():
    for _ in range(3):
        bookable_service(min_notice_hours=24, slot_interval_minutes=60)
    # Early in an hour: an answer found then holds until the hour ends, so it is
    # not taken again (late in an hour it would be due again at once).
    now = timezone.now().replace(minute=5)
    # The first batch is always done; with no time left no second one starts.
    assert next_free.refresh_stale(now=now, batch=1, budget_seconds=0) == 1
    assert next_free.refresh_stale(now=now, batch=1) == 2
