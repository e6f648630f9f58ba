"""The webhook handler: Stripe's events and the test provider's, one code path.

An event is accepted only with a valid signature (Stripe's scheme: an HMAC-SHA256
of the timestamp and the body, within five minutes). Each event is kept by its id
in the transaction that acts on it, so a repeat, even one arriving at the same
moment, changes nothing. Events that name a payment not recorded yet (a refund or
a dispute delivered before the payment's completion) wait, and are handled once
that payment is recorded. Unknown types are kept and ignored.
"""

import json
import logging
from collections.abc import Callable
from datetime import datetime

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.validators import as_single_line

from . import emails, providers
from .models import Checkout, LedgerEntry, Provider, WebhookEvent
from .registry import handler_for
from .services import settle

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
Status = WebhookEvent.Status


class BadWebhook(Exception):
    """Not a genuine, well-formed event: answered 400, nothing changes."""


def handle_signed(
    *, payload: bytes, signature: str, provider: str
) -> WebhookEvent | None:
    """Verify and process one delivery. Returns the stored event, or None for a
    repeat. Raises BadWebhook for a wrong signature or a malformed body."""
    secret = providers.get(provider).webhook_secret()
    if not secret:
        raise BadWebhook("No webhook signing secret is configured.")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise BadWebhook("The signature does not match.") from error
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadWebhook("The body is not JSON.") from error
    # PostgreSQL cannot store a NUL character in text or JSON: an event holding
    # one is refused here rather than failing when it is recorded.
    if _holds_nul(event):
        raise BadWebhook("The body holds a NUL character.")
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise BadWebhook("The body is not an event.")
    return process(event, provider=provider)


def _holds_nul(value: object) -> bool:
    """Whether any key or string anywhere in a decoded JSON value holds a NUL."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


@transaction.atomic
def process(
    event: dict, *, provider: str, now: datetime | None = None
) -> WebhookEvent | None:
    now = now or timezone.now()
    try:
        # A savepoint: a concurrent delivery of the same event waits here until
        # the first commits, then finds the id taken and does nothing.
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event["id"][:255],
                type=event["type"][:100],
                provider=provider,
                status=Status.IGNORED,
                payload=event,
            )
    except IntegrityError:
        logger.info("payments: event %s again: ignored", event["id"][:255])
        return None
    _act(record, event["data"]["object"], now=now)
    return record


def _act(record: WebhookEvent, obj: dict, *, now: datetime) -> None:
    action = ACTIONS.get(record.type)
    if action is None:
        status, note, waits_for = Status.IGNORED, "Not an event this site uses.", ""
    else:
        status, note, waits_for = action(obj, now)
    record.status = status
    record.note = note[:300]
    record.waits_for = waits_for
    record.processed_at = now if status != Status.DEFERRED else None
    record.save(update_fields=["status", "note", "waits_for", "processed_at"])
    logger.info("payments: event %s (%s): %s", record.pk, record.type, status)


Outcome = tuple[str, str, str]  # status, note, the payment intent it waits for


def _locked_checkout(**lookup) -> Checkout | None:
    """The checkout matching `lookup`, locked after its domain's rows.

    The lock order is the domain's rows first (the practitioner and the booking,
    the course date and the enrolment), then the checkout, as the domain's own
    services take them when they release a hold or cancel and close the
    checkout. So the checkout is read unlocked to learn its reference (which
    never changes), the domain locks its rows, and only then is the checkout
    locked and read again: whatever happened to it meanwhile (a hold released,
    another event for the session) is what the caller sees."""
    found = Checkout.objects.filter(**lookup).values_list("pk", "reference").first()
    if found is None:
        return None
    pk, reference = found
    handler_for(reference).lock(reference)
    return Checkout.objects.select_for_update().filter(pk=pk).first()


def _text(obj: dict, key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _pence(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _checkout_completed(obj: dict, now: datetime) -> Outcome:
    if obj.get("payment_status") != "paid":
        return Status.IGNORED, "Not paid (yet).", ""
    session_id = _text(obj, "id")
    intent = _text(obj, "payment_intent")
    amount = _pence(obj, "amount_total")
    checkout = _locked_checkout(session_id=session_id) if session_id else None
    if checkout is None:
        return Status.IGNORED, "No checkout of ours has this session.", ""
    if not intent or not amount:
        return Status.IGNORED, "The session names no payment.", ""
    if LedgerEntry.objects.filter(
        provider=checkout.provider,
        kind=LedgerEntry.Kind.PAYMENT,
        provider_reference=intent,
    ).exists():
        return Status.IGNORED, "This payment is already recorded.", ""
    if amount != checkout.amount_pence:
        logger.warning(
            "payments: checkout %s paid %s pence, %s asked",
            checkout.pk,
            amount,
            checkout.amount_pence,
        )
    checkout.status = Checkout.Status.COMPLETED
    checkout.completed_at = now
    checkout.save(update_fields=["status", "completed_at", "updated_at"])
    details = obj.get("customer_details")
    details = details if isinstance(details, dict) else {}
    entry = LedgerEntry.objects.create(
        kind=LedgerEntry.Kind.PAYMENT,
        reference=checkout.reference,
        purpose=checkout.purpose,
        description=checkout.description,
        amount_pence=amount,
        provider=checkout.provider,
        provider_reference=intent,
        method=LedgerEntry.Method.CARD,
        checkout=checkout,
        payer=checkout.payer,
        payer_name=as_single_line(_text(details, "name"))[:150],
        payer_email=_text(details, "email") or checkout.payer_email,
    )
    settle(entry, now=now)
    _replay_waiting(intent, now=now)
    return Status.PROCESSED, f"Recorded ledger entry {entry.pk}.", ""


def _replay_waiting(intent: str, *, now: datetime) -> None:
    for record in WebhookEvent.objects.select_for_update().filter(
        status=Status.DEFERRED, waits_for=intent
    ):
        _act(record, record.payload["data"]["object"], now=now)


def _checkout_expired(obj: dict, now: datetime) -> Outcome:
    session_id = _text(obj, "id")
    checkout = _locked_checkout(session_id=session_id) if session_id else None
    if checkout is None:
        return Status.IGNORED, "No checkout of ours has this session.", ""
    if checkout.status != Checkout.Status.OPEN:
        return Status.IGNORED, f"The checkout is already {checkout.status}.", ""
    checkout.status = Checkout.Status.EXPIRED
    checkout.save(update_fields=["status", "updated_at"])
    handler_for(checkout.reference).checkout_expired(checkout, now=now)
    return Status.PROCESSED, "Checkout expired.", ""


def _payment_failed(obj: dict, now: datetime) -> Outcome:
    metadata = obj.get("metadata")
    checkout_pk = _text(metadata, "checkout") if isinstance(metadata, dict) else ""
    checkout = (
        _locked_checkout(pk=int(checkout_pk))
        if checkout_pk.isascii() and checkout_pk.isdigit()
        else None
    )
    if checkout is None:
        return Status.IGNORED, "No checkout of ours made this payment.", ""
    error = obj.get("last_payment_error")
    message = _text(error, "message") if isinstance(error, dict) else ""
    message = message or "The payment was declined."
    checkout.last_failure = message[:300]
    checkout.save(update_fields=["last_failure", "updated_at"])
    handler_for(checkout.reference).payment_failed(checkout, message=message, now=now)
    return Status.PROCESSED, "Attempt declined.", ""


def _payment_of(obj: dict) -> tuple[str, LedgerEntry | None]:
    intent = _text(obj, "payment_intent")
    if not intent:
        return "", None
    payments = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.PAYMENT, provider_reference=intent
    ).exclude(provider=Provider.MANUAL)
    # Read unlocked to learn its reference (which never changes), lock the
    # domain's rows, then the payment's row.
    found = payments.values_list("pk", "reference").first()
    if found is None:
        return intent, None
    pk, reference = found
    handler_for(reference).lock(reference)
    return intent, LedgerEntry.objects.select_for_update().get(pk=pk)


def _charge_refunded(obj: dict, now: datetime) -> Outcome:
    intent, payment = _payment_of(obj)
    if not intent:
        return Status.IGNORED, "The charge names no payment.", ""
    if payment is None:
        return Status.DEFERRED, "The payment is not recorded yet.", intent
    refunded = _pence(obj, "amount_refunded")
    if refunded is None:
        return Status.IGNORED, "No refunded amount.", ""
    missing = min(refunded, payment.amount_pence) - payment.refunded_pence
    if missing <= 0:
        return Status.IGNORED, "The refund is already recorded.", ""
    # Refunded outside the site (in Stripe's dashboard): record it here too.
    entry = LedgerEntry.objects.create(
        kind=LedgerEntry.Kind.REFUND,
        reference=payment.reference,
        purpose=payment.purpose,
        description=payment.description,
        amount_pence=missing,
        provider=payment.provider,
        provider_reference=f"{_text(obj, 'id')}:{refunded}",
        method=payment.method,
        refund_of=payment,
        payer=payment.payer,
        payer_name=payment.payer_name,
        payer_email=payment.payer_email,
        note="Refunded at the payment provider.",
    )
    handler_for(entry.reference).refunded(entry, now=now)
    emails.refund_receipt(entry)
    return Status.PROCESSED, f"Recorded refund {entry.pk}.", ""


def _dispute_created(obj: dict, now: datetime) -> Outcome:
    intent, payment = _payment_of(obj)
    if not intent:
        return Status.IGNORED, "The dispute names no payment.", ""
    if payment is None:
        return Status.DEFERRED, "The payment is not recorded yet.", intent
    if payment.disputed_at is None:
        payment.disputed_at = now
        payment.save(update_fields=["disputed_at"])
    emails.dispute_opened(
        payment,
        dispute_id=_text(obj, "id"),
        amount_pence=_pence(obj, "amount") or payment.amount_pence,
        reason=_text(obj, "reason"),
    )
    return Status.PROCESSED, "Payment marked disputed; staff emailed.", ""


ACTIONS: dict[str, Callable[[dict, datetime], Outcome]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}
