"""Busy times from an iCalendar file (RFC 5545). Pure: no database, no network.

`icalendar` parses the file (time zones from its VTIMEZONE blocks, Windows zone
names as Outlook writes them); `recurring-ical-events` expands the series (RRULE,
RDATE, EXDATE, instances moved with a RECURRENCE-ID) and, through `x-wr-timezone`,
reads Google's calendar-wide X-WR-TIMEZONE. This module only decides what counts
as busy and turns each occurrence into a UTC interval:

* cancelled events and cancelled instances of a series (STATUS:CANCELLED) are not
  busy, nor are events marked free (TRANSP:TRANSPARENT, or Outlook's
  X-MICROSOFT-CDO-BUSYSTATUS FREE or WORKINGELSEWHERE); tentative ones are;
* an all-day event blocks its whole days on the practitioner's wall clock;
* a floating time (no zone, no Z) is read on the practitioner's wall clock;
* an event with a start time and no end or duration takes no time (RFC 5545).

Only start and end are kept: never a title, place, description or guest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

FREE_STATUSES = {"FREE", "WORKINGELSEWHERE"}


class CalendarUnreadable(Exception):
    """The file is not a calendar we can read; the message says why, to its owner."""


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=zone).astimezone(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


def _is_free(event: icalendar.Event) -> bool:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return True
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return True
    status = str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    return status in FREE_STATUSES


def _merge(pairs: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def busy_intervals(
    data: bytes | str,
    *,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    limit: int = 5000,
) -> list[tuple[datetime, datetime]]:
    """The busy time between `start` and `end` (aware), merged and sorted, in UTC.

    Raises CalendarUnreadable when the file cannot be read, or when it holds more
    than `limit` busy events in that time.
    """
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise CalendarUnreadable(
            "The address gave a file that is not a calendar we can read."
        ) from error
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable("The address gave something other than a calendar.")
    # A floating or all-day time can lie up to a day either side of UTC's date.
    margin = timedelta(days=1)
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True)
        events = occurrences.between(start - margin, end + margin)
    except Exception as error:  # the library raises many kinds on bad input
        raise CalendarUnreadable(
            "The calendar has an event we cannot read (a broken repeat rule "
            "or time zone)."
        ) from error

    pairs: list[tuple[datetime, datetime]] = []
    for event in events:
        if _is_free(event):
            continue
        try:
            event_start = _instant(event.start, zone)
            event_end = _instant(event.end, zone)
        except (ValueError, TypeError, icalendar.IncompleteComponent):
            continue  # an event without a usable start is no one's busy time
        event_start, event_end = max(event_start, start), min(event_end, end)
        if event_start >= event_end:
            continue
        pairs.append((event_start, event_end))
        if len(pairs) > limit:
            raise CalendarUnreadable(
                f"The calendar has more than {limit} events in your booking "
                "window; we read calendars with fewer."
            )
    return _merge(pairs)
