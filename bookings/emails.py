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
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.formatting import format_when
from core.links import absolute_url
from directory.models import Location
from notifications import outbox

from .calendar_links import calendar_links
from .forms import format_start
from .ics import booking_ics, ics_method
from .models import ERASED_CLIENT_EMAIL, Booking, ExternalCalendar, WaitlistRequest

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
    # The method parameter tells Gmail and Outlook what the file does (iMIP,
    # RFC 6047): PUBLISH adds or updates the entry, CANCEL removes it.
    return outbox.Attachment(
        filename=f"appointment-{booking.pk}.ics",
        content=booking_ics(booking),
        content_type=f"text/calendar; method={ics_method(booking)}",
    )


def _calendar_links(booking: Booking) -> list[tuple[str, str]]:
    return [(f"Add to {label}", url) for label, url in calendar_links(booking)]


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
    links: Sequence[tuple[str, str]] = (),
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
            "links": list(links),
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
        links=_calendar_links(booking),
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
    """To the client always (a cancellation they made themselves is confirmed, so
    that the .ics it carries removes the entry from their calendar), and to the
    practitioner unless they cancelled: the appointment is cancelled, by whom and
    why. Its pending reminders are cancelled."""
    _cancelled_to_client(booking, cancelled_by=cancelled_by, reason=reason)
    if cancelled_by != Booking.CancelledBy.PRACTITIONER:
        _cancelled_to_practitioner(booking, cancelled_by=cancelled_by, reason=reason)
    _cancel_reminders(booking)
    logger.info("booking %s: cancelled by %s, email queued", booking.pk, cancelled_by)


def _cancelled_to_client(booking: Booking, *, cancelled_by: str, reason: str) -> None:
    practitioner = booking.practitioner
    if cancelled_by == Booking.CancelledBy.CLIENT:
        paragraphs = [
            f"As you asked, your appointment with {practitioner.display_name} is "
            "cancelled."
        ]
    elif cancelled_by == Booking.CancelledBy.STAFF:
        paragraphs = [
            f"We are sorry: we have had to cancel your appointment with "
            f"{practitioner.display_name}."
        ]
    else:
        paragraphs = [
            f"We are sorry: {practitioner.display_name} has cancelled your appointment."
        ]
    if reason and cancelled_by != Booking.CancelledBy.CLIENT:
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
        links=_calendar_links(booking) if confirmed else (),
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


# --- the waiting list ---------------------------------------------------------------


def _waitlist_stop(request: WaitlistRequest) -> tuple[str, str]:
    path = reverse("bookings:waitlist-stop", kwargs={"token": request.token})
    return "Stop these emails", absolute_url(path)


def _waitlist_range(request: WaitlistRequest) -> str:
    first, last = request.first_day, request.last_day
    if first == last:
        return f"{first:%A} {first.day} {first:%B %Y}"
    return f"{first:%A} {first.day} {first:%B} to {last:%A} {last.day} {last:%B %Y}"


def _send_waitlist(
    request: WaitlistRequest,
    *,
    event: str,
    key: str,
    subject: str,
    paragraphs: Sequence[str],
    details: Sequence[tuple[str, str]],
    action: tuple[str, str],
    after: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
) -> bool:
    return (
        outbox.enqueue(
            to=request.email,
            subject=subject,
            template=TEMPLATE,
            context={
                "greeting": f"Dear {request.name},",
                "paragraphs": list(paragraphs),
                "details": list(details),
                "after": list(after),
                "action_url": action[0],
                "action_label": action[1],
                "links": [*links, _waitlist_stop(request)],
            },
            dedup_key=f"waitlist:{request.pk}:{key}",
            kind=f"waitlist.{event}",
            related_key=f"waitlist:{request.pk}",
        )
        is not None
    )


def _choose_time(request: WaitlistRequest, day) -> str:
    path = reverse(
        "bookings:choose-time",
        kwargs={"slug": request.practitioner.slug, "service_id": request.service_id},
    )
    return absolute_url(f"{path}?date={day:%Y-%m-%d}")


def waitlist_joined(request: WaitlistRequest, *, renewed: bool = False) -> None:
    """To the client: we will tell them when a time opens (or the new dates)."""
    practitioner = request.practitioner
    service = request.service
    _send_waitlist(
        request,
        event="joined",
        key=f"joined:{request.first_day:%Y%m%d}-{request.last_day:%Y%m%d}",
        subject=f"Waiting list: {service.name} with {practitioner.display_name}",
        paragraphs=[
            (
                "We have changed the days of your waiting-list request."
                if renewed
                else "You are on the waiting list."
            )
            + " When a time opens on these days we will email you straight "
            "away, with a link to book it. Others may be waiting too: the first "
            "to book it gets it.",
        ],
        details=[
            ("Treatment", f"{service.name} ({service.duration_minutes} minutes)"),
            ("With", practitioner.display_name),
            ("Days", _waitlist_range(request)),
        ],
        action=(_choose_time(request, request.first_day), "See the free times"),
        after=["The request ends after its last day."],
    )
    logger.info("waitlist %s: joined, email queued", request.pk)


def waitlist_opening(request: WaitlistRequest, *, slot, occasion: str) -> bool:
    """To a client on the waiting list: a time has opened, with a link straight
    to it. One email per request and occasion; False if already sent."""
    practitioner = request.practitioner
    service = request.service
    zone = practitioner.zone
    path = reverse(
        "bookings:details",
        kwargs={"slug": practitioner.slug, "service_id": request.service_id},
    )
    start = format_start(slot.starts_at)
    book_url = absolute_url(f"{path}?{urlencode({'start': start})}")
    local_day = slot.starts_at.astimezone(zone).date()
    sent = _send_waitlist(
        request,
        event="opening",
        key=occasion,
        subject=f"A time has opened: {service.name} with {practitioner.display_name}, "
        f"{format_when(slot.starts_at, zone, year=False)}",
        paragraphs=[
            f"Good news: a time has opened with {practitioner.display_name}. "
            "Others may be waiting too, so book soon: the first to book it gets it."
        ],
        details=[
            ("Treatment", f"{service.name} ({service.duration_minutes} minutes)"),
            ("With", practitioner.display_name),
            ("When", format_when(slot.starts_at, zone)),
        ],
        action=(book_url, "Book this time"),
        after=[
            f"Your request lasts until {request.last_day:%A} "
            f"{request.last_day.day} {request.last_day:%B}.",
        ],
        links=[("Other free times that day", _choose_time(request, local_day))],
    )
    if sent:
        logger.info("waitlist %s: opening emailed (%s)", request.pk, occasion)
    return sent


# --- other calendars -----------------------------------------------------------------


def calendar_failing(calendar: ExternalCalendar) -> None:
    """To the practitioner, once per run of failures: a calendar of theirs cannot
    be read, why, and that its last busy times still count."""
    practitioner = calendar.practitioner
    since = calendar.failing_since or timezone.now()
    paragraphs = [
        f"We have not been able to read your calendar “{calendar.name}” "
        f"({calendar.host}) since {format_when(since, practitioner.zone)}.",
        f"The reason: {calendar.last_error}",
    ]
    if calendar.last_success_at:
        paragraphs.append(
            "Until it works again we keep blocking the busy times we read last, "
            f"on {format_when(calendar.last_success_at, practitioner.zone)}; "
            "anything added to that calendar since then is not blocked."
        )
    outbox.enqueue(
        to=practitioner.user.email,
        subject=f"We cannot read your calendar “{calendar.name}”",
        template=TEMPLATE,
        context={
            "greeting": f"Dear {practitioner.display_name},",
            "paragraphs": paragraphs,
            "details": [],
            "after": [
                "If you reset the calendar's secret address, remove it and add "
                "the new one. We keep trying meanwhile and will not email again "
                "about this."
            ],
            "action_url": absolute_url(reverse("bookings:calendar")),
            "action_label": "Check your calendars",
            "links": [],
        },
        dedup_key=f"calendar:{calendar.pk}:failing:{since:%Y%m%dT%H%M%S}",
        kind="calendar.failing",
        related_key=f"calendar:{calendar.pk}",
    )
    logger.info("calendar %s: failing, email queued", calendar.pk)
