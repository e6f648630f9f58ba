"""Many clients book overlapping times of one practitioner at the same moment.

Real threads, each with its own database connection, released together by a
barrier. `transaction=True`: the usual test transaction would hide their writes.
"""

import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection

from bookings import external_calendars, services
from bookings.models import Booking, BusyTime, ExternalCalendar
from directory.models import Practitioner
from tests.bookings.calendar_server import busy_calendar
from tests.bookings.factories import book, bookable_service
from tests.clock import future_day, london_at

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 24


def overlapping_starts(day):
    # Four start times 15 minutes apart: every pair of 60-minute slots overlaps.
    return [
        london_at(day, 10) + timedelta(minutes=15 * (i % 4)) for i in range(THREADS)
    ]


@pytest.fixture
def race(run_together):
    """Book every start at once; returns the outcomes and when each thread left the
    barrier."""

    def race(service, starts):
        released = []

        def client(i, starts_at):
            released.append(time.monotonic())
            try:
                booking = book(service, starts_at, email=f"client{i}@example.com")
            except services.SlotTaken as error:
                return ("taken", str(error))
            return ("booked", booking.pk)

        results = run_together(
            *[partial(client, i, starts_at) for i, starts_at in enumerate(starts)]
        )
        # Anything else a thread raised is reported by the assertions on outcomes.
        outcomes = [
            result if isinstance(result, tuple) else ("error", repr(result))
            for result in results
        ]
        return outcomes, released

    return race


@pytest.fixture
def slow_insert(monkeypatch):
    """Widen the gap between checking a slot and writing the booking."""
    original = services._save_holding_time

    def slow(booking):
        time.sleep(0.2)
        return original(booking)

    monkeypatch.setattr(services, "_save_holding_time", slow)


def kinds(outcomes):
    return sorted(kind for kind, _ in outcomes)


def test_many_clients_racing_for_overlapping_slots_give_exactly_one_booking(
    race, slow_insert
):
    service = bookable_service()
    outcomes, released = race(service, overlapping_starts(future_day()))

    assert len(outcomes) == THREADS
    assert kinds(outcomes) == ["booked"] + ["taken"] * (THREADS - 1), outcomes
    assert all("just taken" in message for kind, message in outcomes if kind == "taken")
    assert Booking.objects.count() == 1
    # The barrier really released them together: a race, not a queue of threads.
    assert max(released) - min(released) < 0.5


def test_without_the_lock_the_exclusion_constraint_still_allows_only_one(
    race, monkeypatch, slow_insert
):
    # Every thread checks the slot before any has written: all see it free.
    monkeypatch.setattr(
        services, "_lock_practitioner", lambda pk: Practitioner.objects.get(pk=pk)
    )
    service = bookable_service()
    outcomes, _ = race(service, overlapping_starts(future_day()))

    assert kinds(outcomes) == ["booked"] + ["taken"] * (THREADS - 1), outcomes
    assert Booking.objects.count() == 1


def test_control_without_lock_recheck_or_constraint_the_race_double_books(
    race, monkeypatch
):
    """Proves the tests above would catch a race: with every protection bypassed,
    the same threads make overlapping bookings."""
    monkeypatch.setattr(
        services, "_lock_practitioner", lambda pk: Practitioner.objects.get(pk=pk)
    )
    original_load = services.load_rules

    def blind_rules(**kwargs):
        from dataclasses import replace

        return replace(original_load(**kwargs), busy=())

    monkeypatch.setattr(services, "load_rules", blind_rules)
    constraint = next(
        c for c in Booking._meta.constraints if c.name == "booking_no_overlap"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(Booking, constraint)
    try:
        service = bookable_service()
        outcomes, _ = race(service, overlapping_starts(future_day()))
        assert kinds(outcomes).count("booked") > 1, outcomes
        assert Booking.objects.count() > 1
    finally:
        Booking.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Booking, constraint)


def test_cancelling_and_moving_one_booking_at_once_queue_instead_of_deadlocking(
    run_together, monkeypatch
):
    """Both take the practitioner's row first, then the booking's (and cancelling
    works the next free time out under the practitioner's lock): the later one
    waits for the earlier and sees what it did. Taking the booking's row first
    in one of them deadlocks them, and PostgreSQL aborts one with an error."""
    service = bookable_service()
    booking = book(service, london_at(future_day(3), 10))
    original = services.emails.booking_cancelled

    def slow_email(*args, **kwargs):
        time.sleep(0.5)  # the cancellation holds its locks a while
        return original(*args, **kwargs)

    monkeypatch.setattr(services.emails, "booking_cancelled", slow_email)

    def cancel():
        return services.cancel_booking(booking=booking, cancelled_by="client").status

    def move():
        time.sleep(0.2)  # once the cancellation holds its locks
        try:
            services.reschedule_booking(
                booking=booking, starts_at=london_at(future_day(3), 14)
            )
        except services.BookingError as error:
            return str(error)
        return "moved"

    cancelled, moved = run_together(cancel, move)
    assert cancelled == Booking.Status.CANCELLED, cancelled
    assert isinstance(moved, str), moved
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_reading_and_removing_one_calendar_at_once_queue_instead_of_deadlocking(
    run_together, monkeypatch, calendar_server
):
    """A read that changes the busy times works out the next free time under the
    practitioner's lock, and removing takes the practitioner's row first: so the
    read takes it first too, then the calendar's. Taking the calendar's first
    deadlocks the two, and PostgreSQL aborts one with an error."""
    service = bookable_service()
    day = future_day(3)
    calendar_server.publish(
        "/c.ics", busy_calendar((london_at(day, 10), london_at(day, 12)))
    )
    calendar = external_calendars.add_calendar(
        practitioner=service.practitioner,
        name="Clinic",
        url=calendar_server.url("/c.ics"),
    )
    calendar_server.publish(
        "/c.ics", busy_calendar((london_at(day, 13), london_at(day, 15)))
    )
    original = external_calendars._store_success

    def slow_store(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.5)  # the read holds its locks a while

    monkeypatch.setattr(external_calendars, "_store_success", slow_store)

    def read():
        return external_calendars.refresh_calendar(calendar_id=calendar.pk).changed

    def remove():
        time.sleep(0.2)  # once the read holds its locks
        external_calendars.remove_calendar(calendar=calendar)
        return "removed"

    assert run_together(read, remove) == [True, "removed"]
    assert not ExternalCalendar.objects.exists()
    assert not BusyTime.objects.exists()
