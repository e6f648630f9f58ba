"""The emails payments sends, one function per event, written to the outbox in the
transaction that records the money: a receipt for every payment, a receipt for
every refund, an apology when a payment came too late to be kept, and a note to
staff when a payment is disputed. Logs name ledger rows by id, never people."""

import logging

from django.conf import settings
from django.utils import timezone

from core.formatting import format_day
from core.links import absolute_url
from notifications import outbox

from .models import LedgerEntry
from .money import format_pence
from .registry import ReceiptDetails, handler_for

logger = logging.getLogger(__name__)

TEMPLATE = "payment"  # notifications/email/payment.txt and .html


def receipt_details(entry: LedgerEntry) -> ReceiptDetails:
    """What the domain says the money was for; the row's own description when
    its domain no longer knows the reference."""
    details = handler_for(entry.reference).receipt(entry.reference)
    return details or ReceiptDetails(
        title=entry.description or entry.reference,
        provider_name=settings.SITE_NAME,
    )


def _rows(payment: LedgerEntry, details: ReceiptDetails) -> list[tuple[str, str]]:
    rows = [
        ("Receipt", payment.receipt_number),
        ("For", details.title),
        ("Provided by", details.provider_name),
        *details.lines,
        ("Paid", format_pence(payment.amount_pence)),
        ("Date paid", format_day(timezone.localdate(payment.created_at))),
        ("Method", payment.get_method_display()),
    ]
    if payment.provider_reference:
        rows.append(("Payment reference", payment.provider_reference))
    return rows


def _send(
    entry: LedgerEntry,
    *,
    event: str,
    subject: str,
    paragraphs: list[str],
    rows: list[tuple[str, str]],
    name: str,
) -> None:
    if not entry.payer_email:
        logger.info(
            "payments: ledger entry %s has no email address: no %s", entry.pk, event
        )
        return
    outbox.enqueue(
        to=entry.payer_email,
        subject=subject,
        template=TEMPLATE,
        context={
            "greeting": f"Dear {name}," if name else "Hello,",
            "paragraphs": paragraphs,
            "details": rows,
            "after": [],
            "action_url": absolute_url(entry.get_receipt_url()),
            "action_label": "View and print your receipt",
        },
        dedup_key=f"ledger:{entry.pk}:{event}",
        kind=f"payment.{event}",
        related_key=f"ledger:{entry.pk}",
    )
    logger.info("payments: ledger entry %s: %s queued", entry.pk, event)


def payment_receipt(payment: LedgerEntry) -> None:
    details = receipt_details(payment)
    _send(
        payment,
        event="receipt",
        subject=f"Receipt {payment.receipt_number}: "
        f"{format_pence(payment.amount_pence)} for {details.title}",
        paragraphs=["Thank you for your payment. Here is your receipt."],
        rows=_rows(payment, details),
        name=payment.payer_name or details.customer_name,
    )


def refund_receipt(refund: LedgerEntry) -> None:
    payment = refund.refund_of
    details = receipt_details(payment)
    _send(
        refund,
        event="refund",
        subject=f"Refund of {format_pence(refund.amount_pence)}: {details.title}",
        paragraphs=[
            f"We have refunded {format_pence(refund.amount_pence)} of your payment "
            f"{payment.receipt_number}." + (" " + refund.note if refund.note else ""),
            _card_delay(payment),
        ],
        rows=[
            *_rows(payment, details),
            ("Refunded", format_pence(refund.amount_pence)),
            ("Date refunded", format_day(timezone.localdate(refund.created_at))),
        ],
        name=payment.payer_name or details.customer_name,
    )


def payment_returned(payment: LedgerEntry, *, reason: str) -> None:
    """The payment arrived when it could no longer be kept: refunded in full."""
    details = receipt_details(payment)
    _send(
        payment,
        event="returned",
        subject=f"We are sorry: your payment of {format_pence(payment.amount_pence)} "
        "has been refunded",
        paragraphs=[
            f"We are sorry. {reason}",
            f"We have refunded the full {format_pence(payment.amount_pence)} you paid. "
            + _card_delay(payment),
            f"Questions? Email {settings.CONTACT_EMAIL} or call "
            f"{settings.CONTACT_PHONE}.",
        ],
        rows=[
            *_rows(payment, details),
            ("Refunded", format_pence(payment.amount_pence)),
        ],
        name=payment.payer_name or details.customer_name,
    )


def _card_delay(payment: LedgerEntry) -> str:
    if payment.kind == LedgerEntry.Kind.MANUAL:
        return "We will return it the way you paid; please allow a few working days."
    return "Card refunds usually reach your account within 5 to 10 working days."


def dispute_opened(
    payment: LedgerEntry, *, dispute_id: str, amount_pence: int, reason: str
) -> None:
    """Staff are told; the payer is not emailed about their own dispute."""
    outbox.enqueue(
        to=settings.CONTACT_EMAIL,
        subject=f"Payment disputed: {format_pence(amount_pence)} ({payment.reference})",
        template=TEMPLATE,
        context={
            "greeting": "Hello,",
            "paragraphs": [
                "A card payment has been disputed with the card issuer. Respond in "
                "Stripe's dashboard before the deadline it shows, with the booking "
                "or enrolment details as evidence.",
            ],
            "details": [
                ("Payment", payment.receipt_number),
                ("Reference", payment.reference),
                ("Amount disputed", format_pence(amount_pence)),
                ("Reason given", reason or "not given"),
                ("Dispute", dispute_id or "unknown"),
            ],
            "after": [],
            "action_url": absolute_url(
                f"/{settings.ADMIN_URL}payments/ledgerentry/{payment.pk}/change/"
            ),
            "action_label": "Open the payment in the admin",
        },
        dedup_key=f"ledger:{payment.pk}:dispute:{dispute_id}",
        kind="payment.dispute",
        related_key=f"ledger:{payment.pk}",
    )
