"""Every write of the reviews app: invitations, writing and changing a review,
moderation, replies and reports, and the rating the directory shows.

Writing, changing or moderating a review locks the practitioner's row first, so
the stored rating (Practitioner.rating_count and rating_average) is worked out
by one transaction at a time and always matches the published reviews.
"""

import logging
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from bookings.models import ERASED_CLIENT_EMAIL, Booking
from core.db import constraint_name
from core.validators import one_line
from directory.models import Practitioner

from . import emails
from .models import Invitation, OptOut, Review
from .moderation import hold_reasons

logger = logging.getLogger(__name__)

MAX_TEXT = 2000


class ReviewError(Exception):
    """A review cannot be written, changed, moderated, answered or reported; the
    message says why, in words the person can act on."""


# --- who may review, and until when -------------------------------------------------


def is_self_review(booking: Booking) -> bool:
    practitioner_user = booking.practitioner.user
    if booking.client_id is not None:
        return booking.client_id == practitioner_user.pk
    return booking.client_email.strip().lower() == practitioner_user.email.lower()


def review_problem(booking: Booking, *, now: datetime | None = None) -> str | None:
    """Why this booking's client cannot review it now (None: they can)."""
    now = now or timezone.now()
    if booking.status != Booking.Status.COMPLETED:
        return "Only an appointment that took place can be reviewed."
    if booking.ends_at > now:
        return "You can review this appointment once it has ended."
    if is_self_review(booking):
        return "You cannot review your own practice."
    if booking.ends_at + timedelta(days=settings.REVIEWS_WRITE_DAYS) < now:
        return (
            f"Reviews can be written up to {settings.REVIEWS_WRITE_DAYS} days after "
            "the appointment; this one is older."
        )
    return None


def edit_problem(review: Review, *, now: datetime | None = None) -> str | None:
    """Why the client can no longer change their review (None: they can)."""
    now = now or timezone.now()
    if review.status in (Review.Status.HIDDEN, Review.Status.REMOVED):
        return "Our staff have taken this review down, so it can no longer be changed."
    if review.created_at + timedelta(days=settings.REVIEWS_EDIT_DAYS) < now:
        return (
            f"A review can be changed for {settings.REVIEWS_EDIT_DAYS} days after "
            "it was written; this one is older."
        )
    return None


def can_edit(review: Review, *, now: datetime | None = None) -> bool:
    return edit_problem(review, now=now) is None


def author_name(booking: Booking) -> str:
    """'Jane D.': the first name and the initial of the last, as the client gave it."""
    words = booking.client_name.split()
    if not words:
        return ""
    name = words[0][:40]
    if len(words) > 1:
        name += f" {words[-1][0].upper()}."
    return name


def _check(rating: int, text: str) -> str:
    if rating not in range(1, 6):
        raise ReviewError("Choose from one to five stars.")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ReviewError(f"Please keep your review to {MAX_TEXT} characters.")
    return text


def _lock_practitioner(practitioner_id: int) -> Practitioner:
    return Practitioner.objects.select_for_update().get(pk=practitioner_id)


# --- writing -------------------------------------------------------------------------


@transaction.atomic
def write_review(
    *, booking: Booking, rating: int, text: str = "", now: datetime | None = None
) -> Review:
    """The client's review of this booking: written the first time, changed after
    (within REVIEWS_EDIT_DAYS). The automatic checks hold it for staff when it
    holds links, contact or health details; else it is published at once. The
    caller has checked who is writing (the booking's client)."""
    now = now or timezone.now()
    text = _check(rating, text)
    _lock_practitioner(booking.practitioner_id)
    booking = Booking.objects.select_related("practitioner__user").get(pk=booking.pk)
    if problem := review_problem(booking, now=now):
        raise ReviewError(problem)
    reasons = hold_reasons(text)
    status = Review.Status.HELD if reasons else Review.Status.PUBLISHED
    review = Review.objects.filter(booking=booking).first()
    if review is None:
        review = Review(
            booking=booking,
            practitioner_id=booking.practitioner_id,
            author_id=booking.client_id,
            author_name=author_name(booking),
            appointment_on=booking.local_starts_at.date(),
        )
    else:
        if problem := edit_problem(review, now=now):
            raise ReviewError(problem)
        review.edited_at = now
    review.rating = rating
    review.text = text
    review.status = status
    review.held_because = ", ".join(reasons)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as error:
        if constraint_name(error) == "review_one_per_booking":
            raise ReviewError("This appointment has already been reviewed.") from error
        raise
    refresh_rating(practitioner_id=booking.practitioner_id)
    logger.info("review %s: %s (booking %s)", review.pk, status, booking.pk)
    return review


def refresh_rating(*, practitioner_id: int) -> tuple[int, Decimal | None]:
    """Store the practitioner's count and average of published reviews."""
    figures = Review.objects.published().filter(practitioner_id=practitioner_id)
    figures = figures.aggregate(count=Count("pk"), average=Avg("rating"))
    average = figures["average"]
    if average is not None:
        average = Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    Practitioner.objects.filter(pk=practitioner_id).update(
        rating_count=figures["count"], rating_average=average
    )
    return figures["count"], average


# --- invitations ---------------------------------------------------------------------


def _opted_out():
    return OptOut.objects.filter(email=Lower(OuterRef("client_email")))


def due_for_invitation(now: datetime):
    """Completed appointments that ended a couple of hours ago, not invited yet."""
    after = timedelta(hours=settings.REVIEWS_INVITE_AFTER_HOURS)
    return (
        Booking.objects.filter(
            status=Booking.Status.COMPLETED,
            ends_at__lte=now - after,
            ends_at__gt=now - timedelta(days=settings.REVIEWS_INVITE_WITHIN_DAYS),
            review_invitation__isnull=True,
        )
        .exclude(client_email=ERASED_CLIENT_EMAIL)
        .exclude(Exists(_opted_out()))
        .order_by("ends_at", "pk")
    )


def invite_due(*, now: datetime | None = None) -> int:
    """The periodic job: one invitation per completed appointment. Each is written
    in its own transaction under the booking's lock; a second run finds them."""
    now = now or timezone.now()
    sent = 0
    for pk in list(due_for_invitation(now).values_list("pk", flat=True)[:500]):
        if invite(booking_id=pk, now=now):
            sent += 1
    return sent


@transaction.atomic
def invite(*, booking_id: int, now: datetime | None = None) -> Invitation | None:
    """Invite this booking's client to review it, unless they were invited already,
    have reviewed it, asked never to be asked, or cannot review it."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("practitioner__user", "service")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or Invitation.objects.filter(booking=booking).exists():
        return None
    if review_problem(booking, now=now) or booking.client_email == ERASED_CLIENT_EMAIL:
        return None
    if OptOut.objects.filter(email=booking.client_email.strip().lower()).exists():
        return None
    if Review.objects.filter(booking=booking).exists():
        return None
    invitation = Invitation.objects.create(booking=booking, sent_at=now)
    emails.invitation(invitation)
    return invitation


@transaction.atomic
def opt_out(*, email: str) -> OptOut:
    """Never invite this address to review again."""
    opt, _ = OptOut.objects.get_or_create(email=email.strip().lower())
    return opt


def is_opted_out(email: str) -> bool:
    return OptOut.objects.filter(email=email.strip().lower()).exists()


# --- moderation, by staff ----------------------------------------------------------


def _moderate(review: Review, status: str, reason: str, now: datetime) -> Review:
    _lock_practitioner(review.practitioner_id)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    locked.status = status
    locked.moderation_reason = reason
    locked.moderated_at = now
    locked.save()
    refresh_rating(practitioner_id=locked.practitioner_id)
    logger.info("review %s: %s by staff", locked.pk, status)
    return locked


@transaction.atomic
def approve_review(*, review: Review, now: datetime | None = None) -> Review:
    """Publish a held (or hidden) review."""
    if review.status == Review.Status.REMOVED:
        raise ReviewError("A removed review cannot be published again.")
    return _moderate(review, Review.Status.PUBLISHED, "", now or timezone.now())


@transaction.atomic
def hide_review(*, review: Review, reason: str, now: datetime | None = None) -> Review:
    """Take a review off the site, with the reason staff give; it can be approved
    again later."""
    reason = one_line(reason or "").strip()
    if not reason:
        raise ReviewError("Give the reason for hiding this review.")
    return _moderate(review, Review.Status.HIDDEN, reason[:300], now or timezone.now())


@transaction.atomic
def remove_review(
    *, review: Review, reason: str, now: datetime | None = None
) -> Review:
    """Remove a review for good: its words and any reply are erased, the row stays
    so that the appointment cannot be reviewed again."""
    reason = one_line(reason or "").strip()
    if not reason:
        raise ReviewError("Give the reason for removing this review.")
    review = _moderate(
        review, Review.Status.REMOVED, reason[:300], now or timezone.now()
    )
    review.text = ""
    review.reply = ""
    review.save(update_fields=["text", "reply", "updated_at"])
    return review


# --- the practitioner's reply and report ----------------------------------------------


@transaction.atomic
def reply_to_review(
    *, review: Review, text: str, now: datetime | None = None
) -> Review:
    """The practitioner's one public reply. It must hold no link, contact or
    health details: those are refused, not held."""
    text = (text or "").strip()
    if not text:
        raise ReviewError("Write your reply first.")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"Please keep your reply to {MAX_TEXT} characters.")
    if reasons := hold_reasons(text):
        raise ReviewError(
            "A public reply cannot hold " + " or ".join(reasons) + ". Please take "
            "them out: talk to your client privately instead."
        )
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.status != Review.Status.PUBLISHED:
        raise ReviewError("You can reply once the review is published.")
    if locked.replied_at is not None:
        raise ReviewError("You have already replied to this review.")
    locked.reply = text
    locked.replied_at = now or timezone.now()
    locked.save(update_fields=["reply", "replied_at", "updated_at"])
    return locked


@transaction.atomic
def report_review(
    *, review: Review, reason: str, now: datetime | None = None
) -> Review:
    """The practitioner asks staff to look at a review; staff are emailed once."""
    reason = one_line(reason or "").strip()
    if not reason:
        raise ReviewError("Tell us what is wrong with this review.")
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.reported_at is not None:
        raise ReviewError("You have already reported this review; staff will look.")
    locked.report_reason = reason[:500]
    locked.reported_at = now or timezone.now()
    locked.save(update_fields=["report_reason", "reported_at", "updated_at"])
    emails.reported(locked)
    return locked
