"""How payments tells the domain apps that money moved, without importing them.

A charge carries a reference such as `booking:42` or `enrolment:7`; only the app
that made it knows what the number means. That app registers a handler for its
prefix in its AppConfig.ready():

    registry.register("enrolment", EnrolmentPayments())

and payments calls it, inside the transaction that records the money, when a
payment completes, a checkout expires, an attempt is declined or a refund is
made; and asks it for the details a receipt shows.

Lock order: a domain's own rows first, payments' second. Before payments locks a
reference's checkout or ledger rows in a transaction that may go on to call the
handler, it calls `handler.lock(reference)`, which takes the domain's rows in the
domain's own order (bookings: the practitioner, then the booking; courses: the
course date, then the enrolment). The domain's services already lock their rows
before they close a checkout or refund, so every path takes one order and a
payment landing as its hold is released queues instead of deadlocking
(docs/architecture.md: "One lock order", among the invariants).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Checkout, LedgerEntry


@dataclass(frozen=True)
class Refused:
    """The domain cannot take this payment any more (the slot or the place went
    to someone else, the booking was cancelled): payments refunds it in full and
    emails the payer `reason` with an apology."""

    reason: str


@dataclass(frozen=True)
class ReceiptDetails:
    """What a receipt says the money was for."""

    title: str  # "Deep tissue massage (60 minutes)"
    provider_name: str  # who provided it: the practitioner, or the school
    provider_details: list[str] = field(default_factory=list)  # qualifications...
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("Date", "…")
    customer_name: str = ""
    back_url: str = ""  # the payer's page of the booking or enrolment
    back_label: str = ""


class PaymentHandler:
    """The calls a domain app answers. Each runs inside the transaction that
    records the change; raising rolls it back (the webhook is then retried)."""

    def lock(self, reference: str) -> None:
        """Lock the domain's rows behind `reference`, in the domain's order, for
        the rest of the transaction. Payments calls it before it locks a
        checkout or ledger row of that reference; a reference the domain no
        longer knows locks nothing. The other calls may lock the same rows
        again (a row locked twice by one transaction waits for nothing)."""

    def payment_received(
        self, entry: "LedgerEntry", *, now: datetime
    ) -> Refused | None:
        """Money for `entry.reference` has arrived. Return Refused(reason) when it
        can no longer be taken; None when it is accepted."""
        return None

    def checkout_expired(self, checkout: "Checkout", *, now: datetime) -> None:
        """The payer abandoned or ran out of time on a checkout."""

    def payment_failed(
        self, checkout: "Checkout", *, message: str, now: datetime
    ) -> None:
        """An attempt on `checkout` was declined; the payer may try again."""

    def refunded(self, refund: "LedgerEntry", *, now: datetime) -> None:
        """A refund was recorded (by the domain's own rules, by staff in the
        admin, or in Stripe's dashboard)."""

    def receipt(self, reference: str) -> ReceiptDetails | None:
        """What a receipt for `reference` shows; None when it is unknown."""
        return None


_handlers: dict[str, PaymentHandler] = {}


def register(prefix: str, handler: PaymentHandler) -> None:
    """Route the references `<prefix>:<id>` to `handler` (ready() may run twice)."""
    _handlers[prefix] = handler


def unregister(prefix: str) -> None:
    _handlers.pop(prefix, None)


def handler_for(reference: str) -> PaymentHandler:
    """The registered handler of a reference, or a handler that does nothing (a
    reference nobody claims is still recorded on the ledger)."""
    prefix = reference.split(":", 1)[0]
    return _handlers.get(prefix, _NOBODY)


_NOBODY = PaymentHandler()
