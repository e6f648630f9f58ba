"""'Add to calendar' links for one appointment: Google Calendar and Outlook open
their own "new event" form, filled in, from a plain link (no script on our pages);
the `.ics` download serves everything else (Apple Calendar, Thunderbird, ...).

The link leaves our site with the event in its query string, so it carries the
treatment, the practitioner, the time and the address, and never a secret: no
manage link (a guest finds theirs in their emails and on the confirmation page)
and nothing from the health questions.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from core.links import absolute_url

from .models import Booking

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
OUTLOOK_WORK = "https://outlook.office.com/calendar/0/deeplink/compose"


def _event(booking: Booking) -> dict[str, str]:
    practitioner = booking.practitioner
    service = booking.service
    details = [
        f"{service.name} ({service.duration_minutes} minutes) with "
        f"{practitioner.display_name}.",
    ]
    if booking.client_id is not None:
        details.append(f"Your appointment: {absolute_url(booking.get_absolute_url())}")
    else:
        details.append(
            "To move or cancel it, use the private link in your confirmation email."
        )
    location = booking.location
    return {
        "title": f"{service.name} with {practitioner.display_name}",
        "details": "\n".join(details),
        "location": (
            f"{location.name}, {location.address}, {location.town} {location.postcode}"
            if location is not None
            else ""
        ),
    }


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_url(booking: Booking) -> str:
    event = _event(booking)
    query = {
        "action": "TEMPLATE",
        "text": event["title"],
        "dates": f"{_compact(booking.starts_at)}/{_compact(booking.ends_at)}",
        "details": event["details"],
        "ctz": booking.practitioner.time_zone,
    }
    if event["location"]:
        query["location"] = event["location"]
    return f"{GOOGLE}?{urlencode(query)}"


def outlook_url(booking: Booking, *, work: bool = False) -> str:
    event = _event(booking)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event["title"],
        "startdt": _iso(booking.starts_at),
        "enddt": _iso(booking.ends_at),
        "body": event["details"],
    }
    if event["location"]:
        query["location"] = event["location"]
    return f"{OUTLOOK_WORK if work else OUTLOOK}?{urlencode(query)}"


def calendar_links(booking: Booking) -> list[tuple[str, str]]:
    """(label, address) of each 'add to calendar' link; none once it is over."""
    if not booking.is_active or booking.status == Booking.Status.AWAITING_PAYMENT:
        return []
    return [
        ("Google Calendar", google_url(booking)),
        ("Outlook.com", outlook_url(booking)),
        ("Outlook (work or school)", outlook_url(booking, work=True)),
    ]
