"""Checkouts (attempts to pay online), the ledger (the money itself) and the webhook
events received. Amounts are whole pence; the only currency is GBP.

The ledger is the truth: what was paid and what is owed for a reference is derived
from its rows (payments.services.statement), never kept as a balance elsewhere.
The database guarantees that every amount is positive and that the refunds of a
payment never add up to more than it: a trigger (migration 0001) adds each refund
to its payment's `refunded_pence`, which a check constraint keeps within the
payment's amount, so no code path can over-refund.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse

from core.models import TimeStampedModel
from core.validators import validate_single_line

from .money import format_pence

REFERENCE_HELP = "What the money is for, e.g. booking:42 or enrolment:7."


def new_receipt_token() -> str:
    return secrets.token_urlsafe(24)


class Provider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    TEST = "test", "Built-in test provider (no money moves)"
    MANUAL = "manual", "Recorded by staff"


class Checkout(TimeStampedModel):
    """One attempt to pay online: a Stripe Checkout Session (or the test
    provider's imitation of one). Paying it writes a ledger row."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Paid"
        EXPIRED = "expired", "Expired"

    reference = models.CharField(
        max_length=100, db_index=True, help_text=REFERENCE_HELP
    )
    purpose = models.CharField(max_length=30, help_text="deposit, balance, full, …")
    description = models.CharField(max_length=250)
    amount_pence = models.PositiveIntegerField()
    provider = models.CharField(max_length=20, choices=Provider)
    session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=20, choices=Status, default=Status.OPEN, db_index=True
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkouts",
    )
    payer_email = models.EmailField(blank=True)
    success_url = models.CharField(max_length=500)
    cancel_url = models.CharField(max_length=500)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(
        max_length=300, blank=True, help_text="Why the last attempt was declined."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gt=0), name="checkout_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="checkout_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {format_pence(self.amount_pence)} ({self.status})"


class LedgerQuerySet(models.QuerySet):
    def for_reference(self, reference: str) -> "LedgerQuerySet":
        return self.filter(reference=reference)

    def money_in(self) -> "LedgerQuerySet":
        return self.filter(kind__in=LedgerEntry.MONEY_IN)

    def totals(self) -> tuple[int, int]:
        """(paid in, refunded) in pence over these rows."""
        sums = self.aggregate(
            paid=Sum("amount_pence", filter=Q(kind__in=LedgerEntry.MONEY_IN)),
            refunded=Sum("amount_pence", filter=Q(kind=LedgerEntry.Kind.REFUND)),
        )
        return sums["paid"] or 0, sums["refunded"] or 0


class LedgerEntry(models.Model):
    """One movement of money: a card payment, a payment staff recorded by hand
    (bank transfer, cash), or a refund of one of those."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Card payment"
        MANUAL = "manual", "Payment recorded by staff"
        REFUND = "refund", "Refund"

    class Method(models.TextChoices):
        CARD = "card", "Card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CASH = "cash", "Cash"
        OTHER = "other", "Other"

    MONEY_IN = [Kind.PAYMENT, Kind.MANUAL]

    kind = models.CharField(max_length=20, choices=Kind)
    reference = models.CharField(
        max_length=100, db_index=True, help_text=REFERENCE_HELP
    )
    purpose = models.CharField(max_length=30, blank=True)
    description = models.CharField(max_length=250, blank=True)
    amount_pence = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="gbp", editable=False)
    provider = models.CharField(max_length=20, choices=Provider)
    # The payment intent (payments), the refund id (refunds) or the bank
    # reference staff typed (manual payments).
    provider_reference = models.CharField(
        max_length=255, blank=True, validators=[validate_single_line]
    )
    method = models.CharField(max_length=20, choices=Method, default=Method.CARD)
    checkout = models.ForeignKey(
        Checkout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
    )
    # Payments only: the refunds made of it so far. Kept by the database trigger.
    refunded_pence = models.PositiveIntegerField(default=0, editable=False)
    payer_name = models.CharField(
        max_length=150, blank=True, validators=[validate_single_line]
    )
    payer_email = models.EmailField(blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who recorded or refunded it.",
    )
    note = models.CharField(max_length=500, blank=True)
    receipt_token = models.CharField(
        max_length=64, unique=True, default=new_receipt_token, editable=False
    )
    disputed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gt=0), name="ledger_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_pence__gte=0)
                & Q(refunded_pence__lte=F("amount_pence")),
                name="ledger_refunds_within_payment",
                violation_error_message="A payment cannot be refunded more than "
                "was paid.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="refund") & Q(refund_of__isnull=False))
                | (~Q(kind="refund") & Q(refund_of__isnull=True)),
                name="ledger_refund_names_its_payment",
            ),
            models.CheckConstraint(
                condition=Q(currency="gbp"), name="ledger_currency_gbp"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["payment", "manual", "refund"]),
                name="ledger_kind_valid",
            ),
            # A payment intent or a refund is recorded once, however often its
            # webhook arrives and however many arrive at once.
            models.UniqueConstraint(
                fields=["provider", "kind", "provider_reference"],
                condition=Q(provider__in=["stripe", "test"])
                & ~Q(provider_reference=""),
                name="ledger_provider_reference_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider", "provider_reference"], name="ledger_by_provider_ref"
            ),
        ]

    def __str__(self) -> str:
        amount = format_pence(self.amount_pence)
        return f"{self.get_kind_display()} {amount} {self.reference}"

    @property
    def is_money_in(self) -> bool:
        return self.kind in self.MONEY_IN

    @property
    def refundable_pence(self) -> int:
        return self.amount_pence - self.refunded_pence if self.is_money_in else 0

    @property
    def receipt_number(self) -> str:
        return f"RCT-{self.pk:06d}"

    def get_receipt_url(self) -> str:
        payment = self.refund_of if self.kind == self.Kind.REFUND else self
        return reverse("payments:receipt", kwargs={"token": payment.receipt_token})


class WebhookEvent(models.Model):
    """Every event received, by its id: a repeat changes nothing."""

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        # Refers to a payment not recorded yet (events can arrive out of order):
        # handled again once that payment is recorded.
        DEFERRED = "deferred", "Waiting for its payment"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    provider = models.CharField(max_length=20, choices=Provider)
    status = models.CharField(max_length=20, choices=Status)
    # The payment intent a deferred event waits for.
    waits_for = models.CharField(max_length=255, blank=True, db_index=True)
    note = models.CharField(max_length=300, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="deferred") | ~Q(waits_for=""),
                name="webhook_deferred_names_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
