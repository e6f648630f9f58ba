"""Appointments paid online: holds while the client pays, payments that arrive
late, refunds by the policy, the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import billing, services
from bookings.models import Booking, HealthIntake, Service
from notifications.models import OutboundEmail
from payments import webhooks
from payments.models import Checkout, LedgerEntry
from tests.bookings.factories import book, bookable_service
from tests.bookings.test_flow import flow_urls, start_details
from tests.clock import future_day, london_at
from tests.payments.helpers import checkout_of, completed, pay_on_test_provider
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_NO = {field: "no" for field, _ in HealthIntake.QUESTIONS}


def prepaid(mode=Service.PaymentMode.FULL, *, price="55", deposit="20", **policy):
    service = bookable_service(**policy)
    service.payment_mode = mode
    service.price = Decimal(price)
    service.deposit = Decimal(deposit)
    service.save()
    return service


def book_and_pay(service, starts_at, **kw) -> Booking:
    booking = book(service, starts_at, **kw)
    services.start_payment(booking=booking)
    pay_on_test_provider(checkout_of(billing.reference(booking)))
    booking.refresh_from_db()
    return booking


def refunded() -> int:
    return sum(
        LedgerEntry.objects.filter(kind="refund").values_list("amount_pence", flat=True)
    )


def test_a_prepaid_booking_is_held_without_emails_until_it_is_paid(settings):
    settings.BOOKINGS_PAYMENT_HOLD_MINUTES = 15
    service = prepaid()
    before = timezone.now()
    booking = book(service, london_at(future_day(3), 10))
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert (booking.online_amount_pence, booking.deposit_pence) == (5500, 2000)
    assert before + timedelta(minutes=15) <= booking.hold_expires_at
    assert not OutboundEmail.objects.exists()

    pay_on_test_provider(checkout_of_booking := _checkout(booking))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.hold_expires_at is None
    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert {"booking.confirmed", "payment.receipt"} <= kinds
    assert checkout_of_booking.amount_pence == 5500


def _checkout(booking):
    services.start_payment(booking=booking)
    return checkout_of(billing.reference(booking))


def test_a_deposit_service_asks_only_the_deposit():
    booking = book(prepaid(Service.PaymentMode.DEPOSIT), london_at(future_day(3), 10))
    assert (booking.online_amount_pence, booking.deposit_pence) == (2000, 2000)
    assert _checkout(booking).purpose == "deposit"


def test_a_paid_booking_that_needs_review_waits_for_it_after_paying():
    service = prepaid()
    booking = book_and_pay(
        service, london_at(future_day(3), 10), intake={"pregnant": True}
    )
    assert booking.status == Booking.Status.PENDING
    assert OutboundEmail.objects.filter(kind="booking.requested").exists()


@pytest.mark.parametrize(
    ("mode", "price", "deposit"),
    [
        (Service.PaymentMode.DEPOSIT, "55", "0"),
        (Service.PaymentMode.FULL, "0", "0"),
        (Service.PaymentMode.AT_APPOINTMENT, "55", "20"),
    ],
)
def test_nothing_to_pay_online_books_at_once_and_never_calls_stripe(
    stripe_server, mode, price, deposit
):
    booking = book(
        prepaid(mode, price=price, deposit=deposit), london_at(future_day(3), 10)
    )
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.online_amount_pence == 0
    with pytest.raises(services.BookingError, match="nothing to pay"):
        services.start_payment(booking=booking)
    assert stripe_server.requests == []


def test_an_unpaid_hold_lapses_and_frees_the_time(stripe_server):
    service = prepaid()
    starts = london_at(future_day(3), 10)
    booking = book(service, starts)
    checkout = _checkout(booking)
    assert services.release_unpaid_holds() == 0
    later = timezone.now() + timedelta(minutes=16)
    assert services.release_unpaid_holds(now=later) == 1
    assert services.release_unpaid_holds(now=later) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNPAID
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert stripe_server.calls(f"/v1/checkout/sessions/{checkout.session_id}/expire")
    assert book(service, starts, email="next@example.com").pk  # the time is free


def test_abandoning_the_payment_frees_the_time_at_once(client):
    service = prepaid()
    booking = book(service, london_at(future_day(3), 10))
    checkout = _checkout(booking)
    client.post(checkout.url, {"action": "abandon"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNPAID


def test_a_payment_after_the_hold_lapsed_and_the_time_was_taken_is_refunded():
    service = prepaid()
    starts = london_at(future_day(3), 10)
    first = book(service, starts)
    checkout = _checkout(first)
    services.release_unpaid_holds(now=timezone.now() + timedelta(minutes=16))
    second = book(service, starts, email="quick@example.com")
    assert second.status == Booking.Status.AWAITING_PAYMENT

    pay_on_test_provider(checkout)

    first.refresh_from_db()
    assert first.status == Booking.Status.UNPAID
    assert Booking.objects.active().count() == 1  # never an overlap
    payment = LedgerEntry.objects.get(kind="payment", reference=f"booking:{first.pk}")
    assert payment.refunded_pence == 5500
    apology = OutboundEmail.objects.get(kind="payment.returned")
    assert apology.to == "alex@example.com"
    assert "someone else has booked it" in apology.text_body


def test_a_payment_after_the_hold_lapsed_keeps_the_time_when_still_free():
    service = prepaid()
    booking = book(service, london_at(future_day(3), 10))
    checkout = _checkout(booking)
    services.release_unpaid_holds(now=timezone.now() + timedelta(minutes=16))
    pay_on_test_provider(checkout)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert refunded() == 0


# --- refunds ----------------------------------------------------------------------


def test_a_client_cancelling_before_the_cut_off_gets_everything_back():
    booking = book_and_pay(prepaid(), london_at(future_day(3), 10))
    services.cancel_booking(booking=booking, cancelled_by="client")
    assert refunded() == 5500
    assert OutboundEmail.objects.filter(kind="payment.refund").count() == 1


def test_after_the_cut_off_a_prepaid_client_may_still_cancel_and_the_deposit_is_kept():
    service = prepaid(cancellation_cutoff_hours=48)
    booking = book_and_pay(service, london_at(future_day(1), 15))
    assert not services.client_can_change(booking)
    assert services.client_can_cancel(booking)
    services.cancel_booking(booking=booking, cancelled_by="client")
    assert refunded() == 3500  # £55 less the £20 deposit


def test_after_the_cut_off_a_deposit_is_kept_whole():
    service = prepaid(Service.PaymentMode.DEPOSIT, cancellation_cutoff_hours=48)
    booking = book_and_pay(service, london_at(future_day(1), 15))
    services.cancel_booking(booking=booking, cancelled_by="client")
    assert refunded() == 0
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_a_booking_paid_at_the_appointment_still_cannot_be_cancelled_late():
    service = bookable_service(cancellation_cutoff_hours=48)
    booking = book(service, london_at(future_day(1), 15))
    assert not services.client_can_cancel(booking)
    with pytest.raises(services.BookingError):
        services.cancel_booking(booking=booking, cancelled_by="client")


@pytest.mark.parametrize("who", ["practitioner", "staff"])
def test_the_practitioner_or_staff_cancelling_refunds_everything(who):
    service = prepaid(cancellation_cutoff_hours=48)
    booking = book_and_pay(service, london_at(future_day(1), 15))
    services.cancel_booking(booking=booking, cancelled_by=who, reason="Unwell.")
    assert refunded() == 5500


def test_declining_or_a_lapsed_request_refunds_everything():
    service = prepaid()
    declined = book_and_pay(
        service, london_at(future_day(3), 10), intake={"pregnant": True}
    )
    services.decline_booking(booking=declined, reason="Not this week.")
    assert refunded() == 5500
    lapsing = book_and_pay(
        service,
        london_at(future_day(3), 14),
        intake={"pregnant": True},
        email="second@example.com",
    )
    services.lapse_unreviewed_requests(now=lapsing.starts_at)
    assert refunded() == 11000


def test_a_refund_stripe_refuses_changes_nothing(stripe_server):
    booking = book(prepaid(), london_at(future_day(3), 10))
    services.start_payment(booking=booking)
    webhooks.process(
        completed(checkout_of(billing.reference(booking)), intent="pi_b1"),
        provider="stripe",
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    stripe_server.fail_next.append((500, "api_error"))
    with pytest.raises(services.BookingError, match="nothing was changed"):
        services.cancel_booking(booking=booking, cancelled_by="client")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- pages ------------------------------------------------------------------------


def test_the_policy_shows_before_paying_and_booking_goes_to_the_payment_page(client):
    service = prepaid()
    start_details(client, service, london_at(future_day(3), 10))
    health = flow_urls(service)["health"]
    html = client.get(health).content.decode()
    assert "Payment and cancellations" in html
    assert "You pay the full £55 online to book" in html
    assert "Cancel at least 24 hours before for a full refund" in html
    assert "the £20 deposit is kept" in html
    assert "Book and pay £55" in html

    response = client.post(health, {**ALL_NO, "consent": "on"})
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert response.url == checkout_of(billing.reference(booking)).url


def test_the_confirmation_page_offers_to_pay_while_the_time_is_held(client):
    booking = book(prepaid(), london_at(future_day(3), 10))
    page = reverse("bookings:confirmation", args=[booking.manage_token])
    html = client.get(page).content.decode()
    assert "Pay to book" in html and "Pay £55" in html
    # The hold ends at a time on a day, never a bare "until 04:43".
    ends = timezone.localtime(booking.hold_expires_at, booking.practitioner.zone)
    assert f"until {ends:%H:%M} on {ends:%A} {ends.day} {ends:%B %Y}" in html
    response = client.post(reverse("bookings:pay", args=[booking.manage_token]))
    assert response.url == checkout_of(billing.reference(booking)).url
    wrong = reverse("bookings:pay", args=["NotTheTokenNotTheToken"])
    assert client.post(wrong).status_code == 404
    assert client.post("/book/done/wrong/pay/").status_code == 404
    assert (
        client.get(reverse("bookings:pay", args=[booking.manage_token])).status_code
        == 405
    )


def test_after_a_lapsed_hold_the_pay_button_says_to_choose_again(client):
    booking = book(prepaid(), london_at(future_day(3), 10))
    services.release_unpaid_holds(now=timezone.now() + timedelta(minutes=16))
    response = client.post(
        reverse("bookings:pay", args=[booking.manage_token]), follow=True
    )
    assert "Not booked" in response.content.decode()
    assert not Checkout.objects.exists()


def test_the_appointment_page_shows_the_payment_the_refund_and_the_receipt(client):
    client_user = UserFactory()
    booking = book_and_pay(prepaid(), london_at(future_day(3), 10), user=client_user)
    client.force_login(client_user)
    html = client.get(booking.get_absolute_url()).content.decode()
    receipt = LedgerEntry.objects.get().get_receipt_url()
    assert "Paid £55" in html and receipt in html
    cancel = client.get(reverse("bookings:appointment-cancel", args=[booking.pk]))
    assert "We will refund the £55 you paid." in cancel.content.decode()
    client.post(
        reverse("bookings:appointment-cancel", args=[booking.pk]), {"reason": ""}
    )
    html = client.get(booking.get_absolute_url()).content.decode()
    assert "Refunded £55" in html
    assert "Refunded £55" in client.get(receipt).content.decode()


def test_someone_elses_appointment_and_its_payments_are_404(client):
    booking = book_and_pay(prepaid(), london_at(future_day(3), 10), user=UserFactory())
    client.force_login(UserFactory())
    assert client.get(booking.get_absolute_url()).status_code == 404


def test_a_practitioner_sets_a_deposit_on_a_service(client):
    service = bookable_service()
    client.force_login(service.practitioner.user)
    url = reverse("bookings:service-edit", args=[service.pk])
    data = {
        "name": service.name,
        "technique": service.technique_id,
        "duration_minutes": 60,
        "price": "55",
        "is_active": "on",
    }
    refused = client.post(url, {**data, "payment_mode": "deposit", "deposit": ""})
    assert "Enter the deposit" in refused.content.decode()
    too_much = client.post(url, {**data, "payment_mode": "deposit", "deposit": "60"})
    assert "between £0 and the price" in too_much.content.decode()
    saved = client.post(url, {**data, "payment_mode": "deposit", "deposit": "15"})
    assert saved.status_code == 302
    service.refresh_from_db()
    assert (service.payment_mode, service.deposit) == ("deposit", Decimal("15"))
    html = client.get(reverse("bookings:services")).content.decode()
    assert "£15 deposit online" in html
