from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEmail(models.Model):
    """One email in the outbox, written in the same transaction as the change it
    reports and delivered afterwards by a Celery worker (see `outbox.py`)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        CANCELLED = "cancelled"
        # Its send_before passed before it could go (a reminder after the event).
        EXPIRED = "expired"

    to = models.EmailField("recipient")
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    attachment_filename = models.CharField(max_length=255, blank=True)
    attachment_content_type = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)

    send_after = models.DateTimeField(default=timezone.now)
    # Not sent at or after this time (a reminder once its appointment has begun):
    # the row becomes expired instead. Empty: no limit.
    send_before = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField("deduplication key", max_length=200)
    # Set when the row is written and sent with every copy: a copy sent again
    # after a worker died mid-send carries the same Message-ID, which mail
    # clients use to show it once. Empty only on rows queued before it existed.
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    kind = models.CharField(max_length=100, blank=True)
    related_key = models.CharField(max_length=100, blank=True)

    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Meta cannot see Status; its values are spelled out below.
    class Meta:
        verbose_name = "outbound email"
        ordering = ["-created_at"]
        constraints = [
            # A reminder is never queued twice: enqueue() relies on this conflict.
            models.UniqueConstraint(
                fields=["dedup_key"], name="outbound_email_unique_dedup_key"
            ),
            models.CheckConstraint(
                condition=~Q(dedup_key=""), name="outbound_email_dedup_key_set"
            ),
            models.CheckConstraint(
                condition=Q(attempts__gte=0), name="outbound_email_attempts_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "sending",
                        "sent",
                        "failed",
                        "cancelled",
                        "expired",
                    ]
                ),
                name="outbound_email_status",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outbound_email_sent_iff_sent_at",
            ),
            # Stale-claim recovery measures from claimed_at.
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="outbound_email_sending_has_claimed_at",
            ),
            models.CheckConstraint(
                condition=Q(attachment_content="") | ~Q(attachment_filename=""),
                name="outbound_email_attachment_has_filename",
            ),
        ]
        indexes = [
            # The due-rows query: status = pending AND send_after <= now.
            models.Index(
                fields=["status", "send_after"], name="outbound_email_due_idx"
            ),
            # cancel(related_key=...) only ever touches pending rows.
            models.Index(
                fields=["related_key"],
                condition=Q(status="pending"),
                name="outbound_email_pending_rel_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
