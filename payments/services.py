"""Writes to payments: start a checkout, record money in, refund it; and the reads
the domain apps and pages share (what has been paid for a reference).

Lock order: the domain's rows behind a reference first (handler.lock: the
practitioner and the booking, the course date and the enrolment), then its
checkouts, then its ledger rows; see registry.py and docs/architecture.md.
Every change of a payment's refunds locks that payment's ledger row, then asks
the provider, then records the refund; the database trigger and check
constraint refuse any refund beyond what was paid, whatever the code does.
Calls to the provider happen inside the transaction that records their result,
with idempotency keys, so a retried call never moves money twice and a failed one
changes nothing here.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Expression, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.db import constraint_name
from users.models import User

from . import emails, providers
from .models import Checkout, LedgerEntry, Provider
from .money import format_pence
from .registry import Refused, handler_for

logger = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open for at least 30 minutes and at most 24
# hours; a shorter hold (an appointment's) is enforced by the domain, which
# expires the session when its hold lapses.
SESSION_MIN = timedelta(minutes=31)
SESSION_MAX = timedelta(hours=23, minutes=30)
REFUND_CONSTRAINT = "ledger_refunds_within_payment"


class PaymentError(Exception):
    """A payment change we refuse, with a message for the person."""


# --- reads ----------------------------------------------------------------------


@dataclass
class Statement:
    """Everything the ledger holds for one reference, oldest first."""

    reference: str
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def payments(self) -> list[LedgerEntry]:
        return [entry for entry in self.entries if entry.is_money_in]

    @property
    def refunds(self) -> list[LedgerEntry]:
        return [entry for entry in self.entries if not entry.is_money_in]

    @property
    def paid_pence(self) -> int:
        return sum(entry.amount_pence for entry in self.payments)

    @property
    def refunded_pence(self) -> int:
        return sum(entry.amount_pence for entry in self.refunds)

    @property
    def net_pence(self) -> int:
        """What is held now: paid in, less refunds."""
        return self.paid_pence - self.refunded_pence

    def paid_for(self, purpose: str) -> int:
        return sum(e.amount_pence for e in self.payments if e.purpose == purpose)

    def __bool__(self) -> bool:
        return bool(self.entries)


def statement(reference: str) -> Statement:
    """The ledger rows of `reference` (one query)."""
    rows = LedgerEntry.objects.for_reference(reference).select_related("refund_of")
    return Statement(reference=reference, entries=list(rows))


def net_paid_pence(reference: str) -> int:
    paid, refunded = LedgerEntry.objects.for_reference(reference).totals()
    return paid - refunded


def net_paid_by_reference(references: Iterable[str]) -> dict[str, int]:
    """What is held now for each of `references` (one query); absent: nothing."""
    rows = (
        LedgerEntry.objects.filter(reference__in=list(references))
        .values("reference")
        .annotate(
            paid=Sum("amount_pence", filter=Q(kind__in=LedgerEntry.MONEY_IN)),
            refunded=Sum("amount_pence", filter=Q(kind=LedgerEntry.Kind.REFUND)),
        )
        .order_by()
    )
    return {
        row["reference"]: (row["paid"] or 0) - (row["refunded"] or 0) for row in rows
    }


def net_paid_subquery(reference: Expression) -> Expression:
    """What is held now for the reference an outer query computes: for annotating
    a list of bookings or enrolments in one query."""
    rows = (
        LedgerEntry.objects.filter(reference=reference).order_by().values("reference")
    )

    def total(kinds: list[str]) -> Expression:
        return Coalesce(
            Subquery(
                rows.filter(kind__in=kinds)
                .annotate(total=Sum("amount_pence"))
                .values("total")
            ),
            0,
        )

    return total(LedgerEntry.MONEY_IN) - total([LedgerEntry.Kind.REFUND])


def open_checkout(reference: str, *, now: datetime | None = None) -> Checkout | None:
    """The checkout of `reference` still waiting to be paid, if any."""
    now = now or timezone.now()
    return (
        Checkout.objects.filter(
            reference=reference, status=Checkout.Status.OPEN, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )


# --- checkouts ---------------------------------------------------------------------


def _session_expiry(hold_until: datetime, now: datetime) -> datetime:
    return min(max(hold_until, now + SESSION_MIN), now + SESSION_MAX)


@transaction.atomic
def start_checkout(
    *,
    reference: str,
    purpose: str,
    description: str,
    amount_pence: int,
    success_url: str,
    cancel_url: str,
    hold_until: datetime,
    payer: User | None = None,
    payer_email: str = "",
    now: datetime | None = None,
) -> Checkout:
    """A checkout for `amount_pence`, paid at its `url`. A second call for the
    same reference, purpose and amount while the first is open returns the first
    (a double click opens one checkout). Nothing to pay is the caller's case: an
    amount of 0 is refused here and never reaches the provider.

    Raises providers.ProviderError, changing nothing, when the provider fails.
    """
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise TypeError("Amounts are whole pence (int).")
    if amount_pence <= 0:
        raise ValueError("Nothing to pay: a checkout needs a positive amount.")
    now = now or timezone.now()
    provider = providers.current()
    existing = (
        Checkout.objects.select_for_update()
        .filter(
            reference=reference,
            purpose=purpose,
            amount_pence=amount_pence,
            provider=provider.name,
            status=Checkout.Status.OPEN,
            expires_at__gt=now + timedelta(minutes=5),
        )
        .exclude(url="")
        .first()
    )
    if existing is not None:
        return existing
    checkout = Checkout.objects.create(
        reference=reference,
        purpose=purpose,
        description=description[:250],
        amount_pence=amount_pence,
        provider=provider.name,
        payer=payer if payer is not None and payer.is_authenticated else None,
        payer_email=payer_email,
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=_session_expiry(hold_until, now),
    )
    session = provider.create_session(checkout)
    checkout.session_id = session.session_id
    checkout.url = session.url
    checkout.save(update_fields=["session_id", "url", "updated_at"])
    logger.info("payments: checkout %s opened for %s", checkout.pk, reference)
    return checkout


def expire_checkouts(*, reference: str, now: datetime | None = None) -> int:
    """Close the open checkouts of `reference` (its hold lapsed, it was cancelled),
    here and at the provider. A payment that completes anyway is still recorded,
    and its domain decides whether to keep it. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        handler_for(reference).lock(reference)
        for checkout in Checkout.objects.select_for_update().filter(
            reference=reference, status=Checkout.Status.OPEN
        ):
            checkout.status = Checkout.Status.EXPIRED
            checkout.save(update_fields=["status", "updated_at"])
            if checkout.session_id:
                providers.get(checkout.provider).expire_session(checkout)
            closed += 1
    return closed


# --- money in ------------------------------------------------------------------------


def settle(
    entry: LedgerEntry, *, now: datetime, receipt: bool = True
) -> Refused | None:
    """Tell the reference's domain that money arrived. Refused: refund it all and
    apologise; accepted: email the receipt. Inside the recording transaction."""
    outcome = handler_for(entry.reference).payment_received(entry, now=now)
    if isinstance(outcome, Refused):
        logger.info(
            "payments: ledger entry %s refused by its domain; refunding", entry.pk
        )
        refund(
            payment=entry,
            amount_pence=entry.refundable_pence,
            reason=outcome.reason,
            notify=False,
            now=now,
        )
        emails.payment_returned(entry, reason=outcome.reason)
    elif receipt:
        emails.payment_receipt(entry)
    return outcome


@transaction.atomic
def record_manual_payment(
    *,
    reference: str,
    purpose: str,
    description: str,
    amount_pence: int,
    method: str,
    recorded_by: User,
    bank_reference: str = "",
    payer: User | None = None,
    payer_name: str = "",
    payer_email: str = "",
    now: datetime | None = None,
) -> LedgerEntry:
    """Staff received money outside the site (bank transfer, cash): a ledger row
    that says who recorded it. The domain is told as for a card payment."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise TypeError("Amounts are whole pence (int).")
    if amount_pence <= 0:
        raise PaymentError("Enter an amount above £0.")
    if method not in LedgerEntry.Method.values or method == LedgerEntry.Method.CARD:
        raise PaymentError("Choose bank transfer, cash or other.")
    now = now or timezone.now()
    handler_for(reference).lock(reference)
    entry = LedgerEntry.objects.create(
        kind=LedgerEntry.Kind.MANUAL,
        reference=reference,
        purpose=purpose,
        description=description[:250],
        amount_pence=amount_pence,
        provider=Provider.MANUAL,
        provider_reference=bank_reference.strip()[:255],
        method=method,
        payer=payer,
        payer_name=payer_name[:150],
        payer_email=payer_email,
        recorded_by=recorded_by,
    )
    logger.info(
        "payments: %s recorded by hand for %s (entry %s)",
        format_pence(amount_pence),
        reference,
        entry.pk,
    )
    outcome = settle(entry, now=now)
    if isinstance(outcome, Refused):
        raise PaymentError(outcome.reason)
    return entry


# --- refunds ---------------------------------------------------------------------


@transaction.atomic
def refund(
    *,
    payment: LedgerEntry,
    amount_pence: int,
    reason: str = "",
    recorded_by: User | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> LedgerEntry:
    """Refund up to what is left of one payment: through its provider for a card
    payment, as a note of money handed back for one recorded by hand."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise TypeError("Amounts are whole pence (int).")
    if amount_pence <= 0:
        raise PaymentError("Enter a refund above £0.")
    now = now or timezone.now()
    handler_for(payment.reference).lock(payment.reference)
    locked = LedgerEntry.objects.select_for_update().get(pk=payment.pk)
    if not locked.is_money_in:
        raise PaymentError("Only a payment can be refunded.")
    if amount_pence > locked.refundable_pence:
        raise PaymentError(
            f"At most {format_pence(locked.refundable_pence)} of this payment can "
            f"still be refunded."
        )
    if locked.provider == Provider.MANUAL:
        refund_reference = ""
    else:
        refund_reference = providers.get(locked.provider).refund(
            locked,
            amount_pence=amount_pence,
            idempotency_key=(
                f"refund-{locked.pk}-{locked.refunded_pence}-{amount_pence}"
            ),
        )
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                kind=LedgerEntry.Kind.REFUND,
                reference=locked.reference,
                purpose=locked.purpose,
                description=locked.description,
                amount_pence=amount_pence,
                provider=locked.provider,
                provider_reference=refund_reference,
                method=locked.method,
                refund_of=locked,
                payer=locked.payer,
                payer_name=locked.payer_name,
                payer_email=locked.payer_email,
                recorded_by=recorded_by,
                note=reason.strip()[:500],
            )
    except IntegrityError as error:
        if constraint_name(error) == REFUND_CONSTRAINT:
            raise PaymentError(
                "A payment cannot be refunded more than was paid."
            ) from error
        raise
    locked.refresh_from_db(fields=["refunded_pence"])
    payment.refunded_pence = locked.refunded_pence
    logger.info(
        "payments: refunded %s of ledger entry %s (entry %s)",
        format_pence(amount_pence),
        locked.pk,
        entry.pk,
    )
    handler_for(entry.reference).refunded(entry, now=now)
    if notify:
        emails.refund_receipt(entry)
    return entry


def refund_reference(
    *,
    reference: str,
    amount_pence: int,
    reason: str = "",
    recorded_by: User | None = None,
    now: datetime | None = None,
) -> list[LedgerEntry]:
    """Refund `amount_pence` of what was paid for `reference`, newest payment
    first. Nothing to refund (0) calls no provider. Raises PaymentError when more
    is asked than is left."""
    if amount_pence == 0:
        return []
    with transaction.atomic():
        handler_for(reference).lock(reference)
        payments = list(
            LedgerEntry.objects.select_for_update()
            .money_in()
            .for_reference(reference)
            .order_by("-created_at", "-pk")
        )
        left = sum(payment.refundable_pence for payment in payments)
        if amount_pence > left:
            raise PaymentError(
                f"At most {format_pence(left)} can still be refunded for this."
            )
        refunds = []
        remaining = amount_pence
        for payment in payments:
            share = min(remaining, payment.refundable_pence)
            if share <= 0:
                continue
            refunds.append(
                refund(
                    payment=payment,
                    amount_pence=share,
                    reason=reason,
                    recorded_by=recorded_by,
                    now=now,
                )
            )
            remaining -= share
            if remaining == 0:
                break
        return refunds


def refundable_pence(reference: str) -> int:
    return sum(
        payment.refundable_pence
        for payment in LedgerEntry.objects.money_in().for_reference(reference)
    )


def references_with_money(references: Iterable[str]) -> set[str]:
    """Which of `references` have any ledger rows (one query)."""
    return set(
        LedgerEntry.objects.filter(reference__in=list(references))
        .values_list("reference", flat=True)
        .distinct()
    )
