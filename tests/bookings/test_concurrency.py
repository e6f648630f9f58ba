"""Many clients book overlapping times of one practitioner at the same moment.

Real threads, each with its own database connection, released together by a
barrier. `transaction=True`: the usual test transaction would hide their writes.
"""

import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection

from bookings import external_calendars, services
from bookings.models import Booking, BusyTime, ExternalCalendar
from directory.models import Practitioner
from payments import providers, webhooks
from payments import services as payments
from payments.models import Checkout, LedgerEntry
from tests.bookings.calendar_server import busy_calendar
from tests.bookings.factories import book, bookable_service
from tests.bookings.test_payments import prepaid
from tests.clock import future_day, london_at
from tests.locks import in_order
from tests.payments.helpers import checkout_of

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
    storing = threading.Event()

    def slow_store(*args, **kwargs):
        original(*args, **kwargs)
        storing.set()  # the read holds its locks now ...
        time.sleep(0.5)  # ... and a while longer

    monkeypatch.setattr(external_calendars, "_store_success", slow_store)

    def read():
        return external_calendars.refresh_calendar(calendar_id=calendar.pk).changed

    def remove():
        # Once the read holds its locks (a fixed wait lost the race on a busy
        # machine: the removal came first and the read found no calendar).
        assert storing.wait(timeout=30)
        external_calendars.remove_calendar(calendar=calendar)
        return "removed"

    assert run_together(read, remove) == [True, "removed"]
    assert not ExternalCalendar.objects.exists()
    assert not BusyTime.objects.exists()


# --- a payment landing as its hold is released ---------------------------------


@pytest.fixture
def checkout_race(run_together, monkeypatch):
    """Runs a checkout event for a held booking (completed, or expired when the
    client abandons) and the release of its hold on two connections, the one
    named `first` starting first and the other only once the first holds the
    practitioner's row (or has finished), with the windows widened
    where they overlap: the release waits 0.5 s after taking the practitioner's
    and the booking's rows before it closes the checkout, and a payment waits
    0.2 s after recording the money before it tells the booking. Returns what
    each returned or raised (the event, the release), the booking and its
    checkout."""
    expire_checkouts = payments.expire_checkouts
    take_payment = services.take_payment

    def slow_expire(**kwargs):
        time.sleep(0.5)
        return expire_checkouts(**kwargs)

    def slow_take(**kwargs):
        time.sleep(0.2)
        return take_payment(**kwargs)

    monkeypatch.setattr(payments, "expire_checkouts", slow_expire)
    monkeypatch.setattr(services, "take_payment", slow_take)

    def race(event_type, *, first):
        booking = book(prepaid(), london_at(future_day(3), 10))
        services.start_payment(booking=booking)
        checkout = checkout_of(f"booking:{booking.pk}")
        event = providers.session_event(event_type, checkout, payment_intent="pi_race")
        later = booking.hold_expires_at + timedelta(minutes=1)

        deliver, release = in_order(
            first,
            ("event", lambda: webhooks.process(event, provider="test")),
            (
                "release",
                lambda: services.release_hold(
                    booking_pk=booking.pk, now=later, only_due=True
                ),
            ),
            model=Practitioner,
            pk=booking.practitioner_id,
        )

        results = run_together(deliver, release)
        booking.refresh_from_db()
        checkout.refresh_from_db()
        return results, booking, checkout

    return race


@pytest.mark.parametrize("first", ["event", "release"])
def test_a_payment_landing_as_its_hold_is_released_queues_instead_of_deadlocking(
    checkout_race, first
):
    """The webhook takes the practitioner's row, then the booking's, then the
    checkout's, as releasing the hold does. Taking the checkout's first (as it
    once did) deadlocks the two whichever starts first, and PostgreSQL aborts
    one with an error. In either order the payment keeps the time: a payment
    after the release takes the still-free time again, a release after the
    payment finds nothing held."""
    results, booking, checkout = checkout_race(
        "checkout.session.completed", first=first
    )

    assert not any(isinstance(result, Exception) for result in results), results
    event, released = results
    assert event.status == "processed"
    assert released == (1 if first == "release" else 0)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.hold_expires_at is None
    assert checkout.status == Checkout.Status.COMPLETED
    payment = LedgerEntry.objects.get(kind=LedgerEntry.Kind.PAYMENT)
    assert payment.refunded_pence == 0
    assert Booking.objects.active().count() == 1


@pytest.mark.parametrize("first", ["event", "release"])
def test_a_checkout_expiring_as_its_hold_is_released_frees_the_time_once(
    checkout_race, first
):
    """The client abandons the checkout as the beat job releases the hold: both
    free the time (the checkout's expiry through release_hold), in the same
    order, so one waits for the other and then finds nothing left to do. With
    the event taking the checkout's row first (as it once did), a release that
    starts first deadlocks with it."""
    results, booking, checkout = checkout_race("checkout.session.expired", first=first)

    assert not any(isinstance(result, Exception) for result in results), results
    event, released = results
    assert event.status == ("processed" if first == "event" else "ignored")
    assert released == (1 if first == "release" else 0)
    assert booking.status == Booking.Status.UNPAID
    assert checkout.status == Checkout.Status.EXPIRED
    assert Booking.objects.active().count() == 0
