"""One function per booking event that emails someone, written to the outbox.

Services call these inside the transaction that makes the change, so the emails are
queued if and only if the change commits (notifications.outbox). Every email has a
deduplication key: calling a function twice for one event queues nothing more, while
a genuinely new event (the appointment moved again) gets keys of its own.

Reminders are outbox rows too, written when a booking becomes confirmed, with a
`send_after` time: settings.BOOKING_REMINDER_OFFSETS_HOURS hours of real elapsed time
before the start (so across a clock change the wall-clock time of the reminder
shifts by an hour; see `reminder_times`). Cancelling a booking cancels its pending
reminders; moving it replaces them.

Health intake answers never go into an email or a log line, and neither does
anything derived from them (why a booking waits for review). Log lines carry the
booking id and the event only.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.formatting import format_when
from core.links import absolute_url
from directory.models import Location
from notifications import outbox

from .ics import booking_ics
from .models import ERASED_CLIENT_EMAIL, Booking

logger = logging.getLogger(__name__)

TEMPLATE = "booking"  # notifications/email/booking.txt and .html
REMINDER = "booking.reminder"
CLIENT = "client"
PRACTITIONER = "practitioner"


# --- what the emails say ----------------------------------------------------------


def _location(booking: Booking) -> Location | None:
    """Where the appointment is: its own location, else the practitioner's only one."""
    if booking.location_id is not None:
        return booking.location
    locations = list(booking.practitioner.locations.all()[:2])
    return locations[0] if len(locations) == 1 else None


def _address(booking: Booking) -> str:
    location = _location(booking)
    if location is None:
        return f"{booking.practitioner.display_name} will confirm the address."
    return f"{location.name}, {location.address}, {location.town} {location.postcode}"


def address_of(booking: Booking) -> str:
    """Where the appointment is, as the emails and receipts print it."""
    return _address(booking)


def _details(
    booking: Booking, *, recipient: str, previous_starts_at: datetime | None = None
) -> list[tuple[str, str]]:
    """The facts of the appointment, as (label, value) rows. Never health answers."""
    practitioner = booking.practitioner
    service = booking.service
    rows = [("Treatment", f"{service.name} ({service.duration_minutes} minutes)")]
    if recipient == PRACTITIONER:
        rows.append(("Client", booking.client_name))
        if booking.client_email != ERASED_CLIENT_EMAIL:
            rows.append(("Contact", f"{booking.client_email}, {booking.client_phone}"))
    else:
        rows.append(("With", practitioner.display_name))
    when_label = "New time" if previous_starts_at else "When"
    rows.append((when_label, format_when(booking.starts_at, practitioner.zone)))
    if previous_starts_at is not None:
        rows.append(("Old time", format_when(previous_starts_at, practitioner.zone)))
    rows.append(("Where", _address(booking)))
    return rows


def _short_when(booking: Booking) -> str:
    return format_when(booking.starts_at, booking.practitioner.zone, year=False)


def _client_action(booking: Booking) -> tuple[str, str]:
    """A signed-in client's appointment page, or a guest's private manage link."""
    if booking.client_id is not None:
        return absolute_url(booking.get_absolute_url()), "View, move or cancel it"
    return absolute_url(
        booking.get_manage_url()
    ), "View, move or cancel it (private link)"


def _agenda_action(booking: Booking) -> tuple[str, str]:
    path = reverse("bookings:agenda-booking", kwargs={"pk": booking.pk})
    return absolute_url(path), "Open it in your agenda"


def _ics(booking: Booking) -> outbox.Attachment:
    return outbox.Attachment(
        filename=f"appointment-{booking.pk}.ics", content=booking_ics(booking)
    )


def _calendar_note(attachment: outbox.Attachment | None, booking: Booking) -> str:
    if attachment is None:
        return ""
    if not booking.is_active:
        return "The attached .ics file removes the appointment from your calendar."
    return (
        "The attached .ics file puts the appointment in your calendar "
        "(or updates it there)."
    )


def _occasion(booking: Booking) -> str:
    """Tells apart two versions of one booking: its start and when it was saved.

    Part of the keys of emails that a later change can make again (a second move,
    new reminders), so a booking moved away and back again still gets its emails.
    """
    starts = booking.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    saved = booking.updated_at or booking.starts_at
    return f"{starts}.{saved.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"


def _dedup_key(booking: Booking, key: str) -> str:
    return f"booking:{booking.pk}:{key}"


def _send(
    booking: Booking,
    *,
    recipient: str,
    event: str,
    key: str,
    subject: str,
    paragraphs: Sequence[str],
    details: Sequence[tuple[str, str]],
    after: Sequence[str] = (),
    attachment: outbox.Attachment | None = None,
    send_after: datetime | None = None,
    send_before: datetime | None = None,
    action: tuple[str, str] | None = None,
) -> None:
    if recipient == PRACTITIONER:
        to = booking.practitioner.user.email
        greeting = f"Dear {booking.practitioner.display_name},"
        action_url, action_label = action or _agenda_action(booking)
    else:
        to = booking.client_email
        greeting = f"Dear {booking.client_name},"
        action_url, action_label = action or _client_action(booking)
    outbox.enqueue(
        to=to,
        subject=subject,
        template=TEMPLATE,
        context={
            "greeting": greeting,
            "paragraphs": list(paragraphs),
            "details": list(details),
            "after": list(after),
            "action_url": action_url,
            "action_label": action_label,
            "calendar_note": _calendar_note(attachment, booking),
        },
        dedup_key=_dedup_key(booking, key),
        kind=f"booking.{event}",
        related_key=f"booking:{booking.pk}",
        send_after=send_after,
        send_before=send_before,
        attachment=attachment,
    )


# --- reminders --------------------------------------------------------------------


def reminder_times(
    starts_at: datetime, *, offsets: Iterable[int], now: datetime
) -> list[tuple[int, datetime]]:
    """(hours, send_after) of each reminder still to come, earliest first.

    "24 hours before" is 24 hours of real elapsed time: the arithmetic is done in
    UTC, so on the night the clocks change the reminder's wall-clock time moves
    by an hour (Sunday 29 March 2026 10:00 BST is reminded on Saturday at 09:00
    GMT). A reminder whose time has passed, or is now, is left out.
    """
    start = starts_at.astimezone(UTC)
    times = [(hours, start - timedelta(hours=hours)) for hours in offsets]
    return sorted(
        [(hours, moment) for hours, moment in times if moment > now],
        key=lambda item: item[1],
    )


def _reminders_to_come(booking: Booking) -> list[tuple[int, datetime]]:
    if booking.status != Booking.Status.CONFIRMED:
        return []
    return reminder_times(
        booking.starts_at,
        offsets=settings.BOOKING_REMINDER_OFFSETS_HOURS,
        now=timezone.now(),
    )


def _write_reminders(booking: Booking) -> None:
    """Queue the reminders of the booking's current time (confirmed bookings only)
    and cancel any other pending ones (an earlier time's)."""
    keys = []
    occasion = _occasion(booking)
    for hours, send_after in _reminders_to_come(booking):
        key = f"reminder:{hours}h:{occasion}"
        keys.append(_dedup_key(booking, key))
        _send(
            booking,
            recipient=CLIENT,
            event="reminder",
            key=key,
            subject=f"Reminder: {booking.service.name} with "
            f"{booking.practitioner.display_name}, {_short_when(booking)}",
            paragraphs=["A reminder of your appointment:"],
            details=_details(booking, recipient=CLIENT),
            after=[
                "If you cannot come after all, please let "
                f"{booking.practitioner.display_name} know as soon as you can."
            ],
            send_after=send_after,
            # Delayed past the start (workers down), a reminder is pointless.
            send_before=booking.starts_at,
        )
    # A repeated call finds its rows already there and keeps them.
    outbox.cancel(related_key=f"booking:{booking.pk}", kinds=[REMINDER], keep=keys)


def _cancel_reminders(booking: Booking) -> None:
    outbox.cancel(related_key=f"booking:{booking.pk}", kinds=[REMINDER])


# --- one function per event -------------------------------------------------------


def booking_requested(booking: Booking) -> None:
    """To the client (request received) and the practitioner (please review)."""
    practitioner = booking.practitioner
    _send(
        booking,
        recipient=CLIENT,
        event="requested",
        key="requested:client",
        subject=f"Booking request received: {booking.service.name} with "
        f"{practitioner.display_name}",
        paragraphs=[
            "Thank you for your booking request. "
            f"{practitioner.display_name} will review it and we will email you "
            "as soon as it is confirmed or declined. Until then the time is kept "
            "for you.",
        ],
        details=_details(booking, recipient=CLIENT),
    )
    # The practitioner's "new booking" key: approving the request later does not
    # tell them a second time about a booking they just accepted.
    _send(
        booking,
        recipient=PRACTITIONER,
        event="requested",
        key="new:practitioner",
        subject=f"Please review a booking request: {booking.client_name}, "
        f"{_short_when(booking)}",
        paragraphs=[
            "You have a new booking request to review. Please approve or decline "
            "it from your agenda, where you can also read the client's answers."
        ],
        details=_details(booking, recipient=PRACTITIONER),
    )
    logger.info("booking %s: requested, emails queued", booking.pk)


def booking_confirmed(booking: Booking) -> None:
    """To the client (with the .ics) and, for a new booking, the practitioner;
    queues the reminders."""
    practitioner = booking.practitioner
    _send(
        booking,
        recipient=CLIENT,
        event="confirmed",
        key="confirmed:client",
        subject=f"Confirmed: {booking.service.name} with "
        f"{practitioner.display_name}, {_short_when(booking)}",
        paragraphs=["Your appointment is confirmed:"],
        details=_details(booking, recipient=CLIENT),
        after=_reminder_note(booking),
        attachment=_ics(booking),
    )
    _send(
        booking,
        recipient=PRACTITIONER,
        event="confirmed",
        key="new:practitioner",
        subject=f"New booking: {booking.client_name}, {_short_when(booking)}",
        paragraphs=["You have a new confirmed booking:"],
        details=_details(booking, recipient=PRACTITIONER),
    )
    _write_reminders(booking)
    logger.info("booking %s: confirmed, emails and reminders queued", booking.pk)


def _reminder_note(booking: Booking) -> list[str]:
    if not _reminders_to_come(booking):
        return []
    return ["We will send you a reminder before the appointment."]


def booking_declined(booking: Booking, *, reason: str = "") -> None:
    """To the client: the practitioner declined the request, with their reason."""
    practitioner = booking.practitioner
    paragraphs = [
        f"We are sorry: {practitioner.display_name} cannot accept your booking "
        "request, so this time is not booked."
    ]
    if reason:
        paragraphs.append(f"{practitioner.display_name} wrote: {reason}")
    _send(
        booking,
        recipient=CLIENT,
        event="declined",
        key="declined:client",
        subject=f"Booking request declined: {booking.service.name}, "
        f"{_short_when(booking)}",
        paragraphs=paragraphs,
        details=_details(booking, recipient=CLIENT),
        action=(absolute_url(reverse("directory:search")), "Find another practitioner"),
    )
    _cancel_reminders(booking)
    logger.info("booking %s: declined, email queued", booking.pk)


def booking_request_lapsed(booking: Booking) -> None:
    """To the client and the practitioner: nobody reviewed the request before its
    minimum notice began, so it is declined and the time is free again."""
    practitioner = booking.practitioner
    book_again = reverse("bookings:choose-service", args=[practitioner.slug])
    _send(
        booking,
        recipient=CLIENT,
        event="lapsed",
        key="lapsed:client",
        subject=f"Booking request not confirmed: {booking.service.name}, "
        f"{_short_when(booking)}",
        paragraphs=[
            f"We are sorry: {practitioner.display_name} has not been able to review "
            "your booking request in time, so this time is not booked.",
            "You are welcome to choose another time, or another practitioner.",
        ],
        details=_details(booking, recipient=CLIENT),
        action=(absolute_url(book_again), "Book another time"),
    )
    _send(
        booking,
        recipient=PRACTITIONER,
        event="lapsed",
        key="lapsed:practitioner",
        subject=f"Booking request lapsed: {booking.client_name}, "
        f"{_short_when(booking)}",
        paragraphs=[
            "This booking request was not reviewed before your minimum notice for "
            "it began, so it has lapsed and we have told the client."
        ],
        details=_details(booking, recipient=PRACTITIONER),
        after=["The time is free again for other clients."],
    )
    _cancel_reminders(booking)
    logger.info("booking %s: request lapsed, emails queued", booking.pk)


def booking_cancelled(booking: Booking, *, cancelled_by: str, reason: str = "") -> None:
    """To the other party, or to both when our staff cancelled: the appointment
    is cancelled, by whom and why. Its pending reminders are cancelled; the
    client's email carries an .ics that removes the calendar entry."""
    if cancelled_by != Booking.CancelledBy.CLIENT:
        _cancelled_to_client(booking, cancelled_by=cancelled_by, reason=reason)
    if cancelled_by != Booking.CancelledBy.PRACTITIONER:
        _cancelled_to_practitioner(booking, cancelled_by=cancelled_by, reason=reason)
    _cancel_reminders(booking)
    logger.info("booking %s: cancelled by %s, email queued", booking.pk, cancelled_by)


def _cancelled_to_client(booking: Booking, *, cancelled_by: str, reason: str) -> None:
    practitioner = booking.practitioner
    if cancelled_by == Booking.CancelledBy.STAFF:
        paragraphs = [
            f"We are sorry: we have had to cancel your appointment with "
            f"{practitioner.display_name}."
        ]
    else:
        paragraphs = [
            f"We are sorry: {practitioner.display_name} has cancelled your appointment."
        ]
    if reason:
        paragraphs.append(f"The reason given: {reason}")
    book_again = reverse("bookings:choose-service", args=[practitioner.slug])
    _send(
        booking,
        recipient=CLIENT,
        event="cancelled",
        key=f"cancelled:{CLIENT}",
        subject=f"Cancelled: {booking.service.name} with {practitioner.display_name}, "
        f"{_short_when(booking)}",
        paragraphs=paragraphs,
        details=_details(booking, recipient=CLIENT),
        action=(absolute_url(book_again), "Book another time"),
        attachment=_ics(booking),
    )


def _cancelled_to_practitioner(
    booking: Booking, *, cancelled_by: str, reason: str
) -> None:
    if cancelled_by == Booking.CancelledBy.STAFF:
        subject = f"Cancelled by Holistic Touch: {booking.client_name}, "
        paragraphs = [
            f"Our staff have cancelled this appointment with {booking.client_name}, "
            "and have told them."
        ]
    else:
        subject = f"Cancelled by the client: {booking.client_name}, "
        paragraphs = [f"{booking.client_name} has cancelled this appointment."]
    if reason:
        paragraphs.append(f"The reason given: {reason}")
    _send(
        booking,
        recipient=PRACTITIONER,
        event="cancelled",
        key=f"cancelled:{PRACTITIONER}",
        subject=subject + _short_when(booking),
        paragraphs=paragraphs,
        details=_details(booking, recipient=PRACTITIONER),
        after=["The time is free again for other clients."],
    )


def new_manage_link(booking: Booking) -> None:
    """To the address the booking was made with: a new private link, asked for
    from the expired one. Never the health answers (the link no longer shows
    them once the appointment is over)."""
    issued = booking.manage_token_issued_at.astimezone(UTC)
    _send(
        booking,
        recipient=CLIENT,
        event="new_link",
        key=f"new-link:{issued:%Y%m%dT%H%M%S%fZ}",
        subject=f"Your new link: {booking.service.name} with "
        f"{booking.practitioner.display_name}",
        paragraphs=[
            "Here is a new private link to your appointment, as you asked. The old "
            "one no longer works. Keep this email to yourself: anyone with the link "
            "can see the appointment."
        ],
        details=_details(booking, recipient=CLIENT),
        action=(
            absolute_url(booking.get_manage_url()),
            "View your appointment (private link)",
        ),
    )
    logger.info("booking %s: new manage link emailed", booking.pk)


def booking_rescheduled(booking: Booking, *, previous_starts_at: datetime) -> None:
    """To the client (with a new .ics) and the practitioner: the appointment moved.
    The old time's reminders are cancelled and the new time's queued."""
    practitioner = booking.practitioner
    occasion = _occasion(booking)
    confirmed = booking.status == Booking.Status.CONFIRMED
    paragraphs = ["Your appointment has moved to a new time:"]
    if not confirmed:
        paragraphs = [
            "Your booking request has moved to a new time. It is still waiting "
            f"for {practitioner.display_name}'s review."
        ]
    _send(
        booking,
        recipient=CLIENT,
        event="rescheduled",
        key=f"rescheduled:{occasion}:client",
        subject=f"Your appointment has moved: {booking.service.name} with "
        f"{practitioner.display_name}, now {_short_when(booking)}",
        paragraphs=paragraphs,
        details=_details(
            booking, recipient=CLIENT, previous_starts_at=previous_starts_at
        ),
        attachment=_ics(booking) if confirmed else None,
    )
    _send(
        booking,
        recipient=PRACTITIONER,
        event="rescheduled",
        key=f"rescheduled:{occasion}:practitioner",
        subject=f"Appointment moved: {booking.client_name}, now {_short_when(booking)}",
        paragraphs=[f"{booking.client_name}'s appointment has moved:"],
        details=_details(
            booking, recipient=PRACTITIONER, previous_starts_at=previous_starts_at
        ),
    )
    _write_reminders(booking)
    logger.info("booking %s: rescheduled, emails and reminders queued", booking.pk)
