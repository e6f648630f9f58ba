"""Paying for appointments online: what a service asks for, the refund a
cancellation earns, and the handler through which payments tells bookings that
money moved (reference `booking:<id>`).

A service is paid at the appointment (nothing happens here), by a deposit online,
or in full online. Its price and deposit are Decimal pounds; they are written on
the booking as whole pence when it is made, so a later change of the service
changes no booking.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from core.formatting import format_when
from payments import services as payments
from payments.money import format_pence, pence
from payments.registry import PaymentHandler, ReceiptDetails, Refused

from .availability import policy_for
from .models import Booking, Service

PREFIX = "booking"


def reference(booking: Booking) -> str:
    return f"{PREFIX}:{booking.pk}"


def booking_pk(reference: str) -> int | None:
    prefix, _, number = reference.partition(":")
    if prefix != PREFIX or not (number.isascii() and number.isdigit()):
        return None
    return int(number)


@dataclass(frozen=True)
class Terms:
    """What booking a service costs online, in pence."""

    online: int  # paid online to book; 0: everything at the appointment
    deposit: int  # kept when the client cancels after the cut-off

    @property
    def pays_online(self) -> bool:
        return self.online > 0


def terms(service: Service) -> Terms:
    """A £0 deposit or a £0 price asks nothing online: it books as "pay at the
    appointment" and never reaches the card provider."""
    price = pence(service.price)
    deposit = min(pence(service.deposit), price)
    if service.payment_mode == Service.PaymentMode.DEPOSIT:
        return Terms(online=deposit, deposit=deposit)
    if service.payment_mode == Service.PaymentMode.FULL:
        return Terms(online=price, deposit=deposit if price else 0)
    return Terms(online=0, deposit=0)


def policy_text(service: Service, *, practitioner=None) -> str:
    """The payment and refund policy, shown before the client pays."""
    practitioner = practitioner or service.practitioner
    money = terms(service)
    hours = policy_for(practitioner).cancellation_cutoff_hours
    if not money.pays_online:
        return (
            f"You pay {practitioner.display_name} at the appointment. You can "
            f"cancel or move it online up to {hours} hours before; after that, "
            f"get in touch with {practitioner.display_name}."
        )
    kind = (
        f"a {format_pence(money.online)} deposit"
        if service.payment_mode == Service.PaymentMode.DEPOSIT
        else f"the full {format_pence(money.online)}"
    )
    rest = (
        f" The rest, {format_pence(pence(service.price) - money.online)}, is paid at "
        "the appointment."
        if money.online < pence(service.price)
        else ""
    )
    if not money.deposit:
        late = "later too, everything is refunded"
    elif money.deposit < money.online:
        late = (
            f"later, the {format_pence(money.deposit)} deposit is kept and the "
            "rest refunded"
        )
    else:
        late = f"later, the {format_pence(money.deposit)} deposit is kept"
    return (
        f"You pay {kind} online to book.{rest} Cancel at least {hours} hours before "
        f"for a full refund; {late}. If {practitioner.display_name} cancels or "
        "declines, you get everything back."
    )


def paid(booking: Booking) -> int:
    return payments.net_paid_pence(reference(booking))


def refund_on_cancel(
    booking: Booking, *, cancelled_by: str, now: datetime | None = None
) -> int:
    """Pence to refund when `booking` is cancelled: everything when the
    practitioner or staff cancel, or the client cancels before the cut-off; after
    the cut-off the client's deposit is kept."""
    from .services import client_change_deadline

    held = paid(booking)
    if cancelled_by != Booking.CancelledBy.CLIENT:
        return held
    if (now or timezone.now()) <= client_change_deadline(booking):
        return held
    return max(held - booking.deposit_pence, 0)


def client_page(booking: Booking) -> str:
    if booking.client_id is not None:
        return booking.get_absolute_url()
    return booking.get_manage_url()


class BookingPayments(PaymentHandler):
    """Payments calls this for references `booking:<id>` (registered in
    BookingsConfig.ready)."""

    def lock(self, reference: str) -> None:
        from . import services

        pk = booking_pk(reference)
        if pk is not None:
            services.lock_for_payments(booking_pk=pk)

    def payment_received(self, entry, *, now: datetime) -> Refused | None:
        from . import services

        pk = booking_pk(entry.reference)
        if pk is None:
            return None
        return services.take_payment(booking_pk=pk, now=now)

    def checkout_expired(self, checkout, *, now: datetime) -> None:
        from . import services

        pk = booking_pk(checkout.reference)
        if pk is not None:
            services.release_hold(booking_pk=pk, now=now)

    def receipt(self, reference: str) -> ReceiptDetails | None:
        from .emails import address_of

        pk = booking_pk(reference)
        booking = (
            Booking.objects.select_related("service", "practitioner", "location")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if booking is None:
            return None
        practitioner = booking.practitioner
        service = booking.service
        return ReceiptDetails(
            title=f"{service.name} ({service.duration_minutes} minutes)",
            provider_name=practitioner.display_name,
            provider_details=[
                line.strip()
                for line in practitioner.qualifications_text.splitlines()
                if line.strip()
            ],
            lines=[
                ("Client", booking.client_name),
                (
                    "Date of treatment",
                    format_when(booking.starts_at, practitioner.zone),
                ),
                ("Where", address_of(booking)),
                ("Treatment price", format_pence(pence(service.price))),
            ],
            customer_name=booking.client_name,
            back_url=client_page(booking),
            back_label="Back to the appointment",
        )


def pay_url(booking: Booking) -> str:
    return reverse("bookings:pay", kwargs={"token": booking.manage_token})
