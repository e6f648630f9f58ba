"""Course deposits and balances paid online, refunds by the course's policy, late
payments, reminders, the invoice page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import billing, services
from courses.models import Enrolment, WaitingListEntry
from notifications.models import OutboundEmail
from payments import webhooks
from payments.models import Checkout, LedgerEntry
from tests.courses.factories import (
    CourseDateFactory,
    CourseFactory,
    EnrolmentFactory,
    enrol,
)
from tests.payments.helpers import checkout_of, completed, pay_on_test_provider
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def pay_due(enrolment: Enrolment) -> None:
    services.start_payment(enrolment=enrolment, payer=enrolment.student)
    pay_on_test_provider(checkout_of(billing.reference(enrolment)))
    enrolment.refresh_from_db()


def paid_deposit(course_date=None, **kw) -> Enrolment:
    enrolment = enrol(course_date or CourseDateFactory(), **kw)
    pay_due(enrolment)
    return enrolment


def test_paying_the_deposit_confirms_the_place_and_sends_a_receipt():
    enrolment = enrol(CourseDateFactory())
    due = billing.payment_due(enrolment)
    assert (due.purpose, due.amount, due.label) == (
        "deposit",
        30000,
        "Pay the deposit (£300)",
    )
    pay_due(enrolment)

    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.deposit_paid_at is not None
    assert billing.account(enrolment).label == "Deposit paid"
    entry = LedgerEntry.objects.get()
    assert (entry.reference, entry.purpose, entry.amount_pence) == (
        f"enrolment:{enrolment.pk}",
        "deposit",
        30000,
    )
    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert {"course.confirmed", "payment.receipt"} <= kinds
    receipt = OutboundEmail.objects.get(kind="payment.receipt")
    assert enrolment.reference in receipt.text_body


def test_then_the_balance_and_the_enrolment_is_paid():
    enrolment = paid_deposit()
    due = billing.payment_due(enrolment)
    assert (due.purpose, due.amount) == ("balance", 135000)
    pay_due(enrolment)
    money = billing.account(enrolment)
    assert money.label == "Paid" and money.paid_in_full
    assert billing.payment_due(enrolment) is None
    with pytest.raises(services.EnrolmentError, match="nothing to pay"):
        services.start_payment(enrolment=enrolment, payer=enrolment.student)


def test_a_free_deposit_confirms_at_once_and_never_calls_stripe(stripe_server):
    course = CourseFactory(deposit=0)
    enrolment = enrol(CourseDateFactory(course=course))
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert stripe_server.requests == []
    assert not Checkout.objects.exists()
    assert billing.payment_due(enrolment).purpose == "balance"


def test_a_free_course_asks_for_nothing(stripe_server):
    course = CourseFactory(price=0, deposit=0)
    enrolment = enrol(CourseDateFactory(course=course))
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert billing.account(enrolment).label == "Paid"
    assert billing.payment_due(enrolment) is None
    assert stripe_server.requests == []


def test_a_deposit_checkout_on_stripe_is_for_the_deposit(stripe_server):
    enrolment = enrol(CourseDateFactory())
    url = services.start_payment(enrolment=enrolment, payer=enrolment.student)
    [call] = stripe_server.calls("/v1/checkout/sessions")
    assert call.form["line_items[0][price_data][unit_amount]"] == "30000"
    assert call.form["client_reference_id"] == f"enrolment:{enrolment.pk}"
    assert url.startswith("https://checkout.stripe.com/")


def test_stripe_down_leaves_the_reservation_and_says_so(stripe_server):
    enrolment = enrol(CourseDateFactory())
    stripe_server.fail_next.append((503, "api_error"))
    with pytest.raises(services.EnrolmentError, match="could not reach"):
        services.start_payment(enrolment=enrolment, payer=enrolment.student)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.RESERVED


# --- refunds by the course's policy ---------------------------------------------


def refunded() -> int:
    return sum(
        LedgerEntry.objects.filter(kind="refund").values_list("amount_pence", flat=True)
    )


def test_a_student_cancelling_before_the_deadline_keeps_paying_only_the_deposit():
    enrolment = paid_deposit()
    pay_due(enrolment)  # the balance too
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    assert refunded() == 135000
    email = OutboundEmail.objects.get(kind="course.cancelled")
    assert "We have refunded £1,350" in email.text_body
    assert "£300 is not refunded" in email.text_body


def test_a_course_that_refunds_deposits_refunds_everything_before_the_deadline():
    course = CourseFactory(deposit_refundable=True)
    enrolment = paid_deposit(CourseDateFactory(course=course))
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    assert refunded() == 30000


def test_after_the_refund_deadline_a_student_gets_nothing_back():
    soon = CourseDateFactory(
        starts_on=timezone.localdate() + timedelta(days=10),
        ends_on=timezone.localdate() + timedelta(days=12),
        enrolment_deadline=timezone.localdate() + timedelta(days=9),
    )
    enrolment = paid_deposit(soon)
    assert billing.refund_on_cancel(enrolment, reason="student") == 0
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    assert refunded() == 0
    assert (
        "£300 is not refunded"
        in OutboundEmail.objects.get(kind="course.cancelled").text_body
    )


def test_staff_cancelling_refunds_everything():
    enrolment = paid_deposit()
    services.cancel_enrolment(enrolment=enrolment, by=StaffFactory())
    assert refunded() == 30000


def test_cancelling_a_date_refunds_every_student_in_full():
    course_date = CourseDateFactory()
    first, second = paid_deposit(course_date), paid_deposit(course_date)
    pay_due(second)
    assert services.cancel_course_date(course_date=course_date) == 2
    assert refunded() == 30000 + 165000
    for enrolment in (first, second):
        assert billing.account(enrolment).paid == 0


def test_a_refund_that_cannot_reach_stripe_cancels_nothing(stripe_server):
    enrolment = enrol(CourseDateFactory(course=CourseFactory(deposit_refundable=True)))
    services.start_payment(enrolment=enrolment, payer=enrolment.student)
    checkout = checkout_of(billing.reference(enrolment))
    webhooks.process(completed(checkout, intent="pi_c1"), provider="stripe")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    stripe_server.fail_next.append((500, "api_error"))
    with pytest.raises(services.EnrolmentError, match="nothing was cancelled"):
        services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert refunded() == 0
    assert enrolment.course_date.places_taken == 1


# --- payments that arrive late ----------------------------------------------------


def test_a_payment_after_the_place_went_to_the_waiting_list_is_refunded_with_apology():
    course_date = CourseDateFactory(places=1)
    enrolment = enrol(course_date)
    services.start_payment(enrolment=enrolment, payer=enrolment.student)
    waiting = UserFactory()
    services.join_waiting_list(course_date=course_date, student=waiting)
    later = timezone.now() + timedelta(days=4)
    services.expire_unpaid_reservations(now=later)
    assert WaitingListEntry.objects.get(student=waiting).status == "offered"

    pay_on_test_provider(checkout_of(billing.reference(enrolment)))

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    payment = LedgerEntry.objects.get(kind="payment")
    assert payment.refunded_pence == 30000
    apology = OutboundEmail.objects.get(kind="payment.returned")
    assert "gone to someone else" in apology.text_body
    course_date.refresh_from_db()
    assert course_date.places_taken == 1  # still the offer's, never two


def test_a_late_payment_for_a_place_nobody_took_takes_it_back():
    course_date = CourseDateFactory(places=1)
    enrolment = enrol(course_date)
    services.start_payment(enrolment=enrolment, payer=enrolment.student)
    services.expire_unpaid_reservations(now=timezone.now() + timedelta(days=4))
    course_date.refresh_from_db()
    assert course_date.places_taken == 0

    pay_on_test_provider(checkout_of(billing.reference(enrolment)))

    enrolment.refresh_from_db()
    course_date.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert course_date.places_taken == 1
    assert LedgerEntry.objects.get().refunded_pence == 0


def test_a_payment_after_the_student_cancelled_is_refunded():
    enrolment = enrol(CourseDateFactory())
    services.start_payment(enrolment=enrolment, payer=enrolment.student)
    checkout = checkout_of(billing.reference(enrolment))
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    pay_on_test_provider(checkout)
    assert LedgerEntry.objects.get(kind="payment").refunded_pence == 30000
    assert (
        "was cancelled" in OutboundEmail.objects.get(kind="payment.returned").text_body
    )


# --- reminders ------------------------------------------------------------------


def test_balance_reminders_go_once_before_and_once_when_due(settings):
    settings.COURSES_BALANCE_DUE_DAYS = 28
    settings.COURSES_BALANCE_REMINDER_DAYS = 7
    course_date = CourseDateFactory(
        starts_on=timezone.localdate() + timedelta(days=60),
        enrolment_deadline=timezone.localdate() + timedelta(days=50),
    )
    owing, paid_up = paid_deposit(course_date), paid_deposit(course_date)
    pay_due(paid_up)
    due_on = billing.balance_due_on(owing)
    assert due_on == course_date.starts_on - timedelta(days=28)

    def at(day):
        return timezone.make_aware(
            timezone.datetime.combine(day, timezone.datetime.min.time())
        ) + timedelta(hours=9)

    assert services.queue_balance_reminders(now=at(due_on - timedelta(days=8))) == 0
    assert services.queue_balance_reminders(now=at(due_on - timedelta(days=7))) == 1
    assert services.queue_balance_reminders(now=at(due_on - timedelta(days=6))) == 0
    assert services.queue_balance_reminders(now=at(due_on)) == 1
    assert services.queue_balance_reminders(now=at(due_on)) == 0
    reminders = OutboundEmail.objects.filter(kind__startswith="course.balance")
    assert {r.to for r in reminders} == {owing.student.email}
    assert "£1,350" in reminders.get(kind="course.balance-reminder").text_body


# --- pages ----------------------------------------------------------------------


def test_the_pay_button_opens_the_checkout_for_what_is_due(client):
    enrolment = enrol(CourseDateFactory())
    client.force_login(enrolment.student)
    response = client.post(reverse("courses:pay", args=[enrolment.pk]))
    assert response.status_code == 302
    assert response.url == checkout_of(billing.reference(enrolment)).url


def test_someone_elses_enrolment_cannot_be_paid_or_invoiced(client):
    enrolment = EnrolmentFactory()
    client.force_login(UserFactory())
    assert client.post(reverse("courses:pay", args=[enrolment.pk])).status_code == 404
    assert (
        client.get(reverse("courses:invoice", args=[enrolment.pk])).status_code == 404
    )
    assert not Checkout.objects.exists()


def test_the_enrolment_page_and_invoice_show_what_is_paid_and_left(client):
    enrolment = paid_deposit()
    client.force_login(enrolment.student)
    html = client.get(enrolment.get_absolute_url()).content.decode()
    assert "Deposit paid" in html and "Pay the balance (£1,350)" in html
    receipt = LedgerEntry.objects.get()
    assert receipt.get_receipt_url() in html

    invoice = client.get(reverse("courses:invoice", args=[enrolment.pk]))
    html = invoice.content.decode()
    assert invoice["Cache-Control"].startswith("max-age=0")
    for text in [enrolment.reference, "£1,650", "−£300", "£1,350", "Left to pay"]:
        assert text in html, text


def test_the_cancel_page_says_what_will_be_refunded(client):
    enrolment = paid_deposit()
    pay_due(enrolment)
    client.force_login(enrolment.student)
    html = client.get(reverse("courses:cancel", args=[enrolment.pk])).content.decode()
    assert "We will refund £1,350" in html and "£300 is not refundable" in html
