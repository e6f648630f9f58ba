"""One function per booking event that emails someone.

Services call these inside the transaction that makes the change, so the email is
queued if and only if the change is committed. For now each one logs a line; they
will hand the email to the notifications outbox. Never put health intake answers in
an email or a log line: the booking id and the event are enough.
"""

import logging
from datetime import datetime

from .models import Booking

logger = logging.getLogger(__name__)


def booking_requested(booking: Booking) -> None:
    """To the client (request received) and the practitioner (please review)."""
    logger.info("booking %s: requested, pending practitioner review", booking.pk)


def booking_confirmed(booking: Booking) -> None:
    """To the client and the practitioner: the appointment is confirmed (with .ics)."""
    logger.info("booking %s: confirmed", booking.pk)


def booking_declined(booking: Booking, *, reason: str = "") -> None:
    """To the client: the practitioner declined the request, with their reason."""
    logger.info("booking %s: declined", booking.pk)


def booking_cancelled(booking: Booking, *, cancelled_by: str, reason: str = "") -> None:
    """To the other party: the appointment is cancelled, by whom and why."""
    logger.info("booking %s: cancelled by %s", booking.pk, cancelled_by)


def booking_rescheduled(booking: Booking, *, previous_starts_at: datetime) -> None:
    """To the client and the practitioner: the appointment moved (with a new .ics)."""
    logger.info("booking %s: rescheduled", booking.pk)
