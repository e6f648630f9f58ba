"""Verified reviews: one per completed appointment, written by its client.

The directory shows a practitioner's rating from two fields it owns
(Practitioner.rating_count and rating_average), which reviews.services keeps up
to date whenever a review is published, changed, hidden or removed: search lists
ratings without touching this table.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking, new_token
from core.models import TimeStampedModel
from core.validators import validate_single_line
from directory.models import Practitioner

ANONYMOUS_NAME = "A client"


class ReviewQuerySet(models.QuerySet):
    def published(self) -> "ReviewQuerySet":
        return self.filter(status=Review.Status.PUBLISHED)


class Review(TimeStampedModel):
    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HELD = "held", "Held for moderation"
        HIDDEN = "hidden", "Hidden by staff"
        REMOVED = "removed", "Removed by staff"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="reviews"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="reviews",
        null=True,
        blank=True,
    )
    # "Jane D." when written; emptied when the account is deleted ("A client").
    author_name = models.CharField(
        max_length=60, blank=True, validators=[validate_single_line]
    )
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, max_length=2000)
    # The appointment's month is shown ("after an appointment in December 2026").
    appointment_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=Status, default=Status.PUBLISHED, db_index=True
    )
    # Why the automatic checks held it (links, an email address, ...).
    held_because = models.CharField(max_length=200, blank=True)
    # Staff's reason for hiding or removing it.
    moderation_reason = models.CharField(
        max_length=300, blank=True, validators=[validate_single_line]
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("public reply", blank=True, max_length=2000)
    replied_at = models.DateTimeField(null=True, blank=True)
    report_reason = models.CharField(
        max_length=500, blank=True, validators=[validate_single_line]
    )
    reported_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["practitioner", "-created_at"],
                condition=Q(status="published"),
                name="review_published_latest",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booking"], name="review_one_per_booking"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5),
                name="review_rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ for {self.practitioner} (booking {self.booking_id})"

    @property
    def shown_name(self) -> str:
        return self.author_name or ANONYMOUS_NAME


class Invitation(models.Model):
    """One review invitation per completed appointment; its token is a guest's key
    to write the review, and to stop invitations."""

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="review_invitation"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Invitation for booking {self.booking_id}"


class OptOut(models.Model):
    """An address that asked never to be invited to review again."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Opt-out {self.pk}"
