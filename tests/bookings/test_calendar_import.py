"""Busy times read from real-world calendar files (tests/bookings/calendars/)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bookings.calendar_import import CalendarUnreadable, busy_intervals
from tests.bookings.calendar_server import sample

LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 1, tzinfo=UTC)
END = datetime(2027, 5, 1, tzinfo=UTC)


def utc(month, day, hour, minute=0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def read(name: str, **kwargs) -> list[tuple[datetime, datetime]]:
    options = {"zone": LONDON, "start": START, "end": END, **kwargs}
    return busy_intervals(sample(name), **options)


def test_a_google_weekly_series_with_a_moved_and_a_cancelled_instance():
    assert read("google_clinic.ics") == [
        # Tuesdays 10:00-12:00 London, six weeks from 2 March:
        (utc(3, 2, 10), utc(3, 2, 12)),
        # an all-day conference blocks the whole London day,
        (utc(3, 4, 0), utc(3, 5, 0)),
        # 9 March moved to the afternoon (RECURRENCE-ID),
        (utc(3, 9, 14), utc(3, 9, 16)),
        # 16 March taken out (EXDATE), 23 March cancelled (STATUS:CANCELLED),
        # and after the clocks go forward on 28 March, 10:00 BST is 09:00 UTC.
        (utc(3, 30, 9), utc(3, 30, 11)),
        (utc(4, 6, 9), utc(4, 6, 11)),
    ]
    # The all-day birthday and the lunch are marked free (TRANSP:TRANSPARENT).


def test_an_outlook_series_crossing_the_clock_change_with_windows_zone_names():
    assert read("outlook_gym.ics") == [
        # Saturdays 10:00 "GMT Standard Time": GMT, GMT, then BST.
        (utc(3, 20, 10), utc(3, 20, 11)),
        # Tentative counts as busy.
        (utc(3, 24, 9), utc(3, 24, 9, 30)),
        (utc(3, 27, 10), utc(3, 27, 11)),
        (utc(4, 3, 9), utc(4, 3, 10)),
    ]
    # "Free" (14:00 on 20 March) and "working elsewhere" (25 March) are not busy.


def test_apple_floating_times_are_read_on_the_practitioners_wall_clock():
    assert read("apple_home.ics") == [
        (utc(3, 10, 15), utc(3, 10, 16)),  # 15:00 floating, London in March
        (utc(3, 11, 14), utc(3, 11, 15)),  # 09:00 New York (EST) is 14:00 UTC
    ]
    # For a practitioner in New York the floating 15:00 is New York's 15:00.
    new_york = read("apple_home.ics", zone=ZoneInfo("America/New_York"))
    assert new_york[0] == (utc(3, 10, 20), utc(3, 10, 21))


def test_all_day_events_follow_the_practitioners_zone_in_summer_time():
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        "DTSTART;VALUE=DATE:20270405\r\nDTEND;VALUE=DATE:20270407\r\n"
        "SUMMARY:Away\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert busy_intervals(ics, zone=LONDON, start=START, end=END) == [
        (utc(4, 4, 23), utc(4, 6, 23))
    ]


def test_busy_times_are_clipped_to_the_window_and_overlaps_merged():
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270228T200000Z\r\n"
        "DTEND:20270301T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20270301T090000Z\r\n"
        "DTEND:20270301T110000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20270301T090000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    # The event without an end takes no time (RFC 5545); the others join.
    assert busy_intervals(ics, zone=LONDON, start=START, end=END) == [
        (START, utc(3, 1, 11))
    ]


def test_too_many_events_are_refused_with_a_reason():
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        "DTSTART:20270301T090000Z\r\nDTEND:20270301T091500Z\r\n"
        "RRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(CalendarUnreadable, match="more than 100 events"):
        busy_intervals(ics, zone=LONDON, start=START, end=END, limit=100)


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><body>Sign in</body></html>",
        b"",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Someone\r\nEND:VCARD\r\n",
        b"\xff\xfe\x00garbage",
    ],
    ids=["html", "empty", "vcard", "binary"],
)
def test_what_is_not_a_calendar_is_refused_with_a_reason(body):
    with pytest.raises(CalendarUnreadable):
        busy_intervals(body, zone=LONDON, start=START, end=END)


def test_an_empty_calendar_has_no_busy_time():
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"
    assert busy_intervals(ics, zone=LONDON, start=START, end=END) == []
