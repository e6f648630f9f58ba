"""iCalendar (RFC 5545) text for one booking and for a practitioner's feed.

Every version of one booking's entry has the same UID (booking-<pk>@host) and a
SEQUENCE (Booking.calendar_sequence) that the services raise each time it is moved
or cancelled, so a calendar app that imports the file from a later email replaces
the entry it has, and the cancellation's METHOD:CANCEL file removes it (RFC 5546).
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url, site_host
from directory.models import Practitioner

from .models import Booking

PRODID = "-//Holistic Touch//Bookings//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        limit = 75 if not parts else 74
        if len(current) + len(piece) > limit:
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _param(text: str) -> str:
    """A property parameter value (CN=...): quoted, since names hold commas."""
    return '"' + text.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def _location(booking: Booking) -> str:
    location = booking.location
    if location is None:
        return ""
    return f"{location.name}, {location.address}, {location.town} {location.postcode}"


def _event(
    booking: Booking, *, summary: str, description: str, people: Iterable[str] = ()
) -> list[str]:
    status = "TENTATIVE" if booking.status == Booking.Status.PENDING else "CONFIRMED"
    if not booking.is_active:
        status = "CANCELLED"
    lines = [
        "BEGIN:VEVENT",
        f"UID:booking-{booking.pk}@{site_host()}",
        f"SEQUENCE:{booking.calendar_sequence}",
        *people,
        f"DTSTAMP:{_stamp(booking.updated_at or timezone.now())}",
        f"DTSTART:{_stamp(booking.starts_at)}",
        f"DTEND:{_stamp(booking.ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        f"STATUS:{status}",
    ]
    if location := _location(booking):
        lines.append(f"LOCATION:{_escape(location)}")
    lines.append("END:VEVENT")
    return lines


def _calendar(events: list[str], *, name: str = "", method: str = "PUBLISH") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    lines.extend(events)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def ics_method(booking: Booking) -> str:
    """PUBLISH while the appointment stands, CANCEL once it is cancelled or
    declined (the email attachment's content type says the same)."""
    return "PUBLISH" if booking.is_active else "CANCEL"


def booking_ics(booking: Booking) -> str:
    """The client's calendar entry for one appointment: PUBLISH while it stands,
    CANCEL (which removes the entry) once it is cancelled or declined."""
    practitioner = booking.practitioner
    summary = f"{booking.service.name} with {practitioner.display_name}"
    description = (
        f"{booking.service.name} ({booking.service.duration_minutes} min) with "
        f"{practitioner.display_name}. Manage or cancel: "
        f"{absolute_url(booking.get_manage_url())}"
    )
    if booking.is_active:
        return _calendar(_event(booking, summary=summary, description=description))
    # A CANCEL names the organizer and the attendee it is for (RFC 5546 3.2.5).
    people = [
        f"ORGANIZER;CN={_param(settings.SITE_NAME)}:mailto:{settings.CONTACT_EMAIL}",
        f"ATTENDEE;CN={_param(booking.client_name)}:mailto:{booking.client_email}",
    ]
    event = _event(booking, summary=summary, description=description, people=people)
    return _calendar(event, method="CANCEL")


def practitioner_feed_ics(
    practitioner: Practitioner, bookings: Iterable[Booking]
) -> str:
    """A practitioner's appointments, for calendar apps that subscribe to a URL.

    Client names and contact details only: never health intake answers or notes.
    """
    events: list[str] = []
    for booking in bookings:
        summary = f"{booking.service.name}: {booking.client_name}"
        if booking.status == Booking.Status.PENDING:
            summary = f"[to review] {summary}"
        page = reverse("bookings:agenda-booking", kwargs={"pk": booking.pk})
        description = (
            f"{booking.client_name}, {booking.client_phone}, {booking.client_email}. "
            f"{absolute_url(page)}"
        )
        events.extend(_event(booking, summary=summary, description=description))
    return _calendar(events, name=f"{practitioner.display_name}: appointments")
