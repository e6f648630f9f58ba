from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.formatting import (
    format_date_range,
    format_day,
    format_deadline,
    format_money,
    format_period,
    format_when,
)

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1650.00"), "£1,650"),
        (Decimal("49.50"), "£49.50"),
        (Decimal("0"), "£0"),
        (Decimal("1234.05"), "£1,234.05"),
        (45, "£45"),
        (None, ""),
    ],
)
def test_money_shows_pence_only_when_there_are_any(amount, expected):
    assert format_money(amount) == expected


def test_a_day_is_written_out_in_full():
    assert format_day(date(2026, 3, 4)) == "4 March 2026"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 3, 14), date(2026, 3, 14), "14 Mar 2026"),
        (date(2026, 3, 14), date(2026, 3, 15), "14–15 Mar 2026"),
        (date(2026, 3, 14), date(2026, 8, 23), "14 Mar – 23 Aug 2026"),
        (date(2026, 11, 30), date(2027, 2, 8), "30 Nov 2026 – 8 Feb 2027"),
    ],
)
def test_a_date_range_names_each_month_and_year_once(start, end, expected):
    assert format_date_range(start, end) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 13, 14, 30, tzinfo=LONDON), "14:30 on Friday 13 March 2026"),
        # Summer time: the site's zone, not UTC.
        (
            datetime(2026, 7, 3, 13, 5, tzinfo=ZoneInfo("UTC")),
            "14:05 on Friday 3 July 2026",
        ),
        # Midnight is the end of the day before, not the start of the next.
        (datetime(2026, 3, 14, 0, 0, tzinfo=LONDON), "the end of Friday 13 March 2026"),
    ],
)
def test_a_deadline_reads_as_people_say_it(moment, expected):
    assert format_deadline(moment) == expected


def test_an_appointment_time_is_the_wall_clock_of_its_zone_with_its_name():
    winter = datetime(2027, 3, 12, 10, 0, tzinfo=LONDON)
    summer = datetime(2027, 7, 9, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert format_when(winter, LONDON) == "Friday 12 March 2027, 10:00 GMT"
    assert format_when(summer, LONDON) == "Friday 9 July 2027, 10:00 BST"
    assert format_when(winter, LONDON, year=False) == "Friday 12 March, 10:00 GMT"


def test_a_zone_without_an_abbreviation_is_named_by_its_offset():
    dubai = ZoneInfo("Asia/Dubai")
    moment = datetime(2027, 3, 12, 10, 0, tzinfo=dubai)
    assert format_when(moment, dubai) == (
        "Friday 12 March 2027, 10:00 UTC+04 (Asia/Dubai)"
    )


def _london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Whole days end on the last day entered, not at midnight after it.
        (_london(2027, 1, 1), _london(2027, 1, 9), "Fri 1 Jan – Fri 8 Jan 2027"),
        (_london(2027, 1, 8), _london(2027, 1, 9), "Fri 8 Jan 2027"),
        (
            _london(2026, 12, 28),
            _london(2027, 1, 2),
            "Mon 28 Dec 2026 – Fri 1 Jan 2027",
        ),
        (
            _london(2027, 1, 8, 9),
            _london(2027, 1, 8, 13),
            "Fri 8 Jan 2027 09:00 – 13:00",
        ),
        (
            _london(2027, 1, 8, 9),
            _london(2027, 1, 10),
            "Fri 8 Jan 2027 09:00 – the end of Sat 9 Jan 2027",
        ),
        (
            _london(2027, 1, 8, 9),
            _london(2027, 1, 9, 12),
            "Fri 8 Jan 2027 09:00 – Sat 9 Jan 2027 12:00",
        ),
    ],
)
def test_a_period_reads_as_it_was_entered(settings, start, end, expected):
    settings.TIME_ZONE = "Europe/London"
    assert format_period(start, end) == expected
