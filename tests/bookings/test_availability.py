"""compute_slots with the rules and bookings read from PostgreSQL."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings.availability import compute_slots
from tests.bookings.factories import BookingFactory, bookable_service
from tests.clock import LONDON, london_at

pytestmark = pytest.mark.django_db

SPRING_FORWARD = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
FALL_BACK = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT


@pytest.mark.parametrize("change", [SPRING_FORWARD, FALL_BACK], ids=str)
@pytest.mark.parametrize("hours", [(9, 17), (13, 21)], ids=["day", "evening"])
def test_clock_change_days_keep_local_times_and_move_utc(change, hours):
    service = bookable_service(hours=(hours,), slot_interval_minutes=60)
    # A booking on the day of the change, stored in UTC, hides its own hour only.
    booked = london_at(change, 15)
    BookingFactory(service=service, client=None, starts_at=booked)
    now = datetime.combine(change - timedelta(days=10), time(8), tzinfo=LONDON)
    first, last = change - timedelta(days=2), change + timedelta(days=2)

    found = compute_slots(service=service, first_day=first, last_day=last, now=now)

    by_day: dict[date, list[str]] = {}
    for slot in found:
        local = slot.starts_at.astimezone(LONDON)
        by_day.setdefault(local.date(), []).append(f"{local:%H:%M}")
        assert slot.ends_at - slot.starts_at == timedelta(hours=1)
    every_hour = [f"{hour:02d}:00" for hour in range(*hours)]
    assert by_day == {
        first + timedelta(days=i): every_hour for i in range(5) if i != 2
    } | {change: [t for t in every_hour if t != "15:00"]}
    starts = [slot.starts_at for slot in found]
    assert len(starts) == len(set(starts)) == 5 * len(every_hour) - 1

    def first_utc_hour(day: date) -> int:
        return min(s for s in starts if s.astimezone(LONDON).date() == day).hour

    eve = change - timedelta(days=1)
    assert all(start.tzinfo == UTC for start in starts)
    if change == SPRING_FORWARD:
        assert first_utc_hour(eve) == hours[0]  # GMT
        assert first_utc_hour(change) == hours[0] - 1  # BST
    else:
        assert first_utc_hour(eve) == hours[0] - 1  # BST
        assert first_utc_hour(change) == hours[0]  # GMT
