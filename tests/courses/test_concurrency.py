"""Real threads racing on one course date: the row lock and the check constraint
keep the places exact. transaction=True so each thread sees the others' commits."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import CourseDate, Enrolment
from notifications.models import OutboundEmail
from payments import providers, webhooks
from payments import services as payments
from payments.models import Checkout, LedgerEntry
from tests.courses.factories import (
    ENROLMENT_DETAILS,
    CourseDateFactory,
    EnrolmentFactory,
    enrol,
)
from tests.locks import in_order
from tests.payments.helpers import checkout_of
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_five_students_racing_for_the_last_three_places_get_exactly_three(
    run_together,
):
    course_date = CourseDateFactory(places=10)
    for _ in range(7):
        EnrolmentFactory(course_date=course_date)
    students = [UserFactory() for _ in range(25)]

    results = run_together(
        *[
            lambda student=student: services.enrol_student(
                course_date=course_date, student=student, **ENROLMENT_DETAILS
            )
            for student in students
        ]
    )

    enrolled = [r for r in results if isinstance(r, Enrolment)]
    refused = [r for r in results if isinstance(r, services.EnrolmentError)]
    assert len(enrolled) == 3
    assert len(refused) == 22, [r for r in results if r not in enrolled + refused]
    assert all("full" in str(error) for error in refused)
    course_date.refresh_from_db()
    assert course_date.places_taken == 10
    assert (
        Enrolment.objects.holding_place().filter(course_date=course_date).count() == 10
    )


def test_one_student_submitting_twice_at_once_gets_one_enrolment(run_together):
    course_date = CourseDateFactory(places=5)
    student = UserFactory()

    results = run_together(
        *[
            lambda: services.enrol_student(
                course_date=course_date, student=student, **ENROLMENT_DETAILS
            )
        ]
        * 20
    )

    assert sum(isinstance(r, Enrolment) for r in results) == 1
    assert all(
        isinstance(r, Enrolment) or "already enrolled" in str(r) for r in results
    )
    course_date.refresh_from_db()
    assert course_date.places_taken == 1


def test_two_expiry_jobs_at_once_expire_each_reservation_once(run_together):
    course_date = CourseDateFactory(places=5)
    for _ in range(4):
        EnrolmentFactory(
            course_date=course_date, reserved_until=timezone.now() - timedelta(hours=1)
        )

    results = run_together(*[services.expire_unpaid_reservations] * 4)

    assert sum(results) == 4
    course_date.refresh_from_db()
    assert course_date.places_taken == 0


# --- a deposit landing as its reservation lapses or is cancelled -----------------


@pytest.fixture
def deposit_race(run_together, monkeypatch):
    """Runs a checkout.session.completed for a reservation's deposit and
    `other(enrolment)` on two connections, the one named `first` starting first
    and the other only once the first holds the course date's row (or has
    finished), so the order does not hang on a head start a busy machine can
    swallow; the windows are widened where they overlap: `other`
    waits 0.5 s after taking the date's and the enrolment's rows before it
    closes the checkout, and the payment waits 0.2 s after recording the money
    before it tells the enrolment. Returns what each returned or raised (the
    event, `other`), the enrolment and its checkout."""
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

    def race(other, *, first):
        enrolment = enrol(CourseDateFactory(places=1))
        services.start_payment(enrolment=enrolment, payer=enrolment.student)
        checkout = checkout_of(f"enrolment:{enrolment.pk}")
        event = providers.session_event(
            "checkout.session.completed", checkout, payment_intent="pi_race"
        )

        deliver, act = in_order(
            first,
            ("event", lambda: webhooks.process(event, provider="test")),
            ("other", lambda: other(enrolment)),
            model=CourseDate,
            pk=enrolment.course_date_id,
        )
        results = run_together(deliver, act)
        enrolment.refresh_from_db()
        checkout.refresh_from_db()
        return results, enrolment, checkout

    return race


@pytest.mark.parametrize("first", ["event", "other"])
def test_a_deposit_landing_as_its_reservation_lapses_queues_instead_of_deadlocking(
    deposit_race, first
):
    """The webhook takes the date's row, then the enrolment's, then the
    checkout's, as the expiry job does. Taking the checkout's first (as it once
    did) deadlocks the two whichever starts first, and PostgreSQL aborts one
    with an error. In either order the deposit keeps the place: paid after the
    lapse, the place nobody took is taken again; lapsing after the payment
    finds nothing to expire."""

    def lapse(enrolment):
        return services.expire_unpaid_reservations(
            now=enrolment.reserved_until + timedelta(minutes=1)
        )

    results, enrolment, checkout = deposit_race(lapse, first=first)

    assert not any(isinstance(result, Exception) for result in results), results
    event, lapsed = results
    assert event.status == "processed"
    assert lapsed == (1 if first == "other" else 0)
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert checkout.status == Checkout.Status.COMPLETED
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.PAYMENT).refunded_pence == 0
    enrolment.course_date.refresh_from_db()
    assert enrolment.course_date.places_taken == 1


@pytest.mark.parametrize("first", ["event", "other"])
def test_a_deposit_landing_as_staff_cancel_the_enrolment_is_refunded_in_full(
    deposit_race, first
):
    """Cancelling takes the same order. Cancelled first, the payment is refused,
    refunded and apologised for; paid first, the staff's cancellation refunds
    everything."""
    staff = StaffFactory()

    def cancel(enrolment):
        return services.cancel_enrolment(enrolment=enrolment, by=staff).status

    results, enrolment, _ = deposit_race(cancel, first=first)

    assert not any(isinstance(result, Exception) for result in results), results
    assert enrolment.status == Enrolment.Status.CANCELLED
    payment = LedgerEntry.objects.get(kind=LedgerEntry.Kind.PAYMENT)
    assert payment.refunded_pence == payment.amount_pence
    apologised = OutboundEmail.objects.filter(kind="payment.returned").exists()
    assert apologised == (first == "other")
    enrolment.course_date.refresh_from_db()
    assert enrolment.course_date.places_taken == 0
