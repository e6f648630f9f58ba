"""The reviews' emails, written to the outbox inside the service's transaction.

The invitation's related_key is the booking's (`booking:<pk>`), so deleting the
client's account cancels and scrubs it with the booking's other emails
(bookings.privacy). Log lines carry ids only.
"""

import logging

from django.conf import settings
from django.urls import reverse

from bookings.models import Booking
from core.formatting import format_when
from core.links import absolute_url
from notifications import outbox

from .models import Invitation, Review

logger = logging.getLogger(__name__)

TEMPLATE = "booking"  # notifications/email/booking.txt and .html


def write_url(invitation: Invitation) -> str:
    """Where the client writes the review: their appointment's review page when
    they booked signed in, else the private link of the invitation."""
    booking = invitation.booking
    if booking.client_id is not None:
        return absolute_url(reverse("reviews:write", kwargs={"pk": booking.pk}))
    return absolute_url(
        reverse("reviews:guest-write", kwargs={"token": invitation.token})
    )


def stop_url(invitation: Invitation) -> str:
    return absolute_url(reverse("reviews:stop", kwargs={"token": invitation.token}))


def invitation(invitation: Invitation) -> bool:
    """To the client, a couple of hours after a completed appointment: how did
    it go? One per booking (its dedup key); False if it was already queued."""
    booking: Booking = invitation.booking
    practitioner = booking.practitioner
    queued = outbox.enqueue(
        to=booking.client_email,
        subject=f"How was your appointment with {practitioner.display_name}?",
        template=TEMPLATE,
        context={
            "greeting": f"Dear {booking.client_name},",
            "paragraphs": [
                f"Thank you for visiting {practitioner.display_name}. Would you "
                "tell others how it went? A review takes a minute: a rating from "
                "one to five stars and, if you like, a few words.",
                "Your review shows your first name and initial, and the month of "
                f"your appointment. You can change it for {settings.REVIEWS_EDIT_DAYS} "
                "days after writing it. Please leave out health details and "
                "contact details: reviews that hold them wait for our staff.",
            ],
            "details": [
                ("Treatment", booking.service.name),
                ("With", practitioner.display_name),
                ("When", format_when(booking.starts_at, practitioner.zone)),
            ],
            "after": [],
            "action_url": write_url(invitation),
            "action_label": "Write your review",
            "links": [("Never ask me for a review again", stop_url(invitation))],
        },
        dedup_key=f"review:booking:{booking.pk}:invitation",
        kind="review.invitation",
        related_key=f"booking:{booking.pk}",
    )
    logger.info("booking %s: review invitation queued", booking.pk)
    return queued is not None


def reported(review: Review) -> bool:
    """To staff: a practitioner reported a review (the admin holds the details)."""
    path = reverse("admin:reviews_review_change", args=[review.pk])
    queued = outbox.enqueue(
        to=settings.CONTACT_EMAIL,
        subject=f"A review was reported (review {review.pk})",
        template="message",
        context={
            "greeting": "Hello,",
            "paragraphs": [
                f"{review.practitioner.display_name} reported review {review.pk}. "
                "Please read it and the reason given, then approve, hide or "
                "remove it."
            ],
            "action_url": absolute_url(path),
            "action_label": "Open it in the admin",
        },
        dedup_key=f"review:{review.pk}:reported",
        kind="review.reported",
        related_key=f"review:{review.pk}",
    )
    logger.info("review %s: reported, staff emailed", review.pk)
    return queued is not None
