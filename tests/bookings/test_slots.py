"""The slot engine on its own: pure Python, no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.slots import Rules, Window, find_slots, is_bookable

LONDON = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)
MONDAY = date(2026, 6, 1)  # a Monday in summer time
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=LONDON)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def every_day(*ranges: tuple[int, int]) -> dict[int, list[Window]]:
    windows = [Window(time(start), time(end)) for start, end in ranges]
    return dict.fromkeys(range(7), windows)


def make_rules(**overrides) -> Rules:
    values = {
        "zone": LONDON,
        "weekly": every_day((9, 17)),
        "interval": timedelta(minutes=60),
        "max_advance": timedelta(days=400),
    }
    values.update(overrides)
    return Rules(**values)


def slots(rules: Rules, first: date, last: date | None = None, *, minutes=60, now=NOW):
    return find_slots(
        rules,
        duration=timedelta(minutes=minutes),
        first_day=first,
        last_day=last or first,
        now=now,
    )


def local_times(found) -> list[str]:
    return [slot.starts_at.astimezone(LONDON).strftime("%H:%M") for slot in found]


# --- working hours ------------------------------------------------------------------


def test_split_shifts_give_slots_in_both_ranges_and_none_in_the_break():
    rules = make_rules(
        weekly={0: [Window(time(9), time(12)), Window(time(14), time(17))]}
    )
    found = slots(rules, MONDAY)
    assert local_times(found) == ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"]


def test_a_day_without_hours_has_no_slots():
    rules = make_rules(weekly={0: [Window(time(9), time(17))]})
    assert slots(rules, MONDAY + timedelta(days=1)) == []


def test_a_60_minute_service_is_not_offered_at_1630_when_hours_end_at_1700():
    rules = make_rules(interval=timedelta(minutes=30))
    times = local_times(slots(rules, MONDAY))
    assert times[-1] == "16:00"
    assert "16:30" not in times
    # A 30-minute service does fit at 16:30.
    assert local_times(slots(rules, MONDAY, minutes=30))[-1] == "16:30"


def test_the_interval_sets_the_start_time_grid_from_the_start_of_the_range():
    rules = make_rules(
        weekly={0: [Window(time(9, 10), time(11))]}, interval=timedelta(minutes=20)
    )
    assert local_times(slots(rules, MONDAY, minutes=30)) == [
        "09:10",
        "09:30",
        "09:50",
        "10:10",
        "10:30",
    ]


def test_touching_ranges_are_joined_so_a_service_can_span_them():
    rules = make_rules(
        weekly={0: [Window(time(9), time(12)), Window(time(12), time(14))]},
        interval=timedelta(minutes=30),
    )
    assert "11:30" in local_times(slots(rules, MONDAY))


def test_slots_carry_the_location_of_their_hours():
    rules = make_rules(
        weekly={0: [Window(time(9), time(11), 7), Window(time(13), time(15), 8)]}
    )
    found = slots(rules, MONDAY)
    assert [(s.location_id) for s in found] == [7, 7, 8, 8]


# --- date overrides and time off ------------------------------------------------------


def test_an_override_opens_a_normally_closed_day():
    sunday = MONDAY + timedelta(days=6)
    rules = make_rules(
        weekly={0: [Window(time(9), time(17))]},
        overrides={sunday: [Window(time(10), time(13))]},
    )
    assert local_times(slots(rules, sunday)) == ["10:00", "11:00", "12:00"]


def test_an_override_replaces_the_weekly_hours_of_that_date_only():
    rules = make_rules(overrides={MONDAY: [Window(time(12), time(14))]})
    assert local_times(slots(rules, MONDAY)) == ["12:00", "13:00"]
    assert len(slots(rules, MONDAY + timedelta(days=7))) == 8


def test_an_override_with_no_windows_for_this_service_closes_the_day():
    rules = make_rules(overrides={MONDAY: []})
    assert slots(rules, MONDAY) == []


def test_time_off_removes_the_slots_it_touches_and_no_others():
    rules = make_rules(time_off=[(at(MONDAY, 11), at(MONDAY, 13))])
    assert local_times(slots(rules, MONDAY)) == [
        "09:00",
        "10:00",  # ends 11:00, as the time off starts: half-open, fine
        "13:00",
        "14:00",
        "15:00",
        "16:00",
    ]


def test_a_holiday_over_several_days_closes_them_all():
    rules = make_rules(time_off=[(at(MONDAY, 0), at(MONDAY + timedelta(days=3), 0))])
    found = slots(rules, MONDAY, MONDAY + timedelta(days=3))
    assert {s.starts_at.astimezone(LONDON).date() for s in found} == {
        MONDAY + timedelta(days=3)
    }


# --- bookings and buffers ---------------------------------------------------------


def test_intervals_are_half_open_a_booking_until_10_leaves_10_free():
    rules = make_rules(
        weekly=every_day((8, 17)), busy=[(at(MONDAY, 9), at(MONDAY, 10))]
    )
    times = local_times(slots(rules, MONDAY))
    assert "08:00" in times  # ends at 09:00 exactly
    assert "09:00" not in times
    assert "10:00" in times


def test_buffers_keep_time_free_around_every_appointment():
    # An existing 10:00–11:00 booking made with 15-minute buffers holds 09:45–11:15.
    rules = make_rules(
        weekly=every_day((8, 17)),
        interval=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
        busy=[(at(MONDAY, 9, 45), at(MONDAY, 11, 15))],
    )
    times = local_times(slots(rules, MONDAY))
    # A new 60-minute slot holds [start - 15, end + 15): it must end by 09:45...
    assert "08:30" in times and "08:45" not in times
    # ...or start its own buffer at 11:15 or later.
    assert "11:15" not in times and "11:30" in times


def test_buffers_may_fall_outside_working_hours():
    rules = make_rules(
        buffer_before=timedelta(minutes=30), buffer_after=timedelta(minutes=30)
    )
    times = local_times(slots(rules, MONDAY))
    assert times[0] == "09:00" and times[-1] == "16:00"


def test_overlapping_busy_ranges_are_all_respected():
    rules = make_rules(
        interval=timedelta(minutes=30),
        busy=[
            (at(MONDAY, 10), at(MONDAY, 11)),
            (at(MONDAY, 10, 30), at(MONDAY, 12)),
            (at(MONDAY, 14), at(MONDAY, 14, 30)),
        ],
    )
    times = local_times(slots(rules, MONDAY))
    assert times == [
        "09:00",
        "12:00",
        "12:30",
        "13:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
    ]


# --- notice and window ----------------------------------------------------------------


def test_minimum_notice_hides_slots_that_start_too_soon():
    rules = make_rules(interval=timedelta(minutes=15), min_notice=timedelta(hours=2))
    found = slots(rules, MONDAY, now=at(MONDAY, 9, 10))
    assert local_times(found)[0] == "11:15"


def test_nothing_in_the_past_is_offered():
    found = slots(make_rules(), MONDAY, now=at(MONDAY, 12, 30))
    assert local_times(found) == ["13:00", "14:00", "15:00", "16:00"]


def test_the_advance_window_hides_slots_too_far_ahead():
    now = at(MONDAY, 12)
    rules = make_rules(max_advance=timedelta(days=7))
    found = slots(rules, MONDAY, MONDAY + timedelta(days=10), now=now)
    assert found[-1].starts_at == at(MONDAY + timedelta(days=7), 12)
    assert all(slot.starts_at <= now + timedelta(days=7) for slot in found)


# --- clock changes --------------------------------------------------------------------


SPRING_FORWARD = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
FALL_BACK = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT
EARLY = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("change", [SPRING_FORWARD, FALL_BACK])
@pytest.mark.parametrize("hours", [(9, 17), (13, 21)])
def test_clock_change_days_keep_local_times_and_move_utc(change, hours):
    rules = make_rules(weekly=every_day(hours))
    first, last = change - timedelta(days=2), change + timedelta(days=2)
    found = slots(rules, first, last, now=EARLY)

    expected = [f"{h:02d}:00" for h in range(hours[0], hours[1])]
    days = {}
    for slot in found:
        days.setdefault(slot.starts_at.astimezone(LONDON).date(), []).append(slot)
    assert sorted(days) == [first + timedelta(days=i) for i in range(5)]
    for day, day_slots in days.items():
        assert local_times(day_slots) == expected, day  # nothing lost or shifted
        for slot in day_slots:
            assert slot.ends_at - slot.starts_at == HOUR
    instants = [slot.starts_at for slot in found]
    assert len(instants) == len(set(instants))  # nothing duplicated

    def utc_hour(day):
        return days[day][0].starts_at.astimezone(UTC).hour

    if change == SPRING_FORWARD:
        assert utc_hour(change - timedelta(days=1)) == hours[0]  # GMT
        assert utc_hour(change) == hours[0] - 1  # BST from 01:00 UTC
    else:
        assert utc_hour(change - timedelta(days=1)) == hours[0] - 1  # BST
        assert utc_hour(change) == hours[0]  # GMT again


def test_the_skipped_hour_in_spring_offers_no_time_that_does_not_exist():
    rules = make_rules(weekly=every_day((0, 4)))
    found = slots(rules, SPRING_FORWARD, now=EARLY)
    # 01:00–02:00 does not exist that night; the range is three real hours long.
    assert local_times(found) == ["00:00", "02:00", "03:00"]
    assert [s.starts_at.astimezone(UTC).hour for s in found] == [0, 1, 2]


def test_a_range_edge_inside_the_skipped_hour_is_the_moment_the_clocks_jump():
    rules = make_rules(
        weekly=dict.fromkeys(range(7), [Window(time(0), time(1, 30))]),
        interval=timedelta(minutes=30),
    )
    found = slots(rules, SPRING_FORWARD, now=EARLY, minutes=30)
    # Until "01:30" means until the jump at 01:00 GMT (01:00 UTC).
    assert local_times(found) == ["00:00", "00:30"]
    assert found[-1].ends_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    rules = make_rules(
        weekly=dict.fromkeys(range(7), [Window(time(1, 30), time(4))]),
        interval=timedelta(minutes=60),
    )
    found = slots(rules, SPRING_FORWARD, now=EARLY)
    assert local_times(found) == ["02:30"]


def test_the_repeated_hour_in_autumn_is_offered_once():
    rules = make_rules(weekly=every_day((0, 4)))
    found = slots(rules, FALL_BACK, now=EARLY)
    assert local_times(found) == ["00:00", "01:00", "02:00", "03:00"]
    instants = [s.starts_at for s in found]
    assert len(set(instants)) == len(instants)
    assert found[1].starts_at == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # BST


def test_a_booking_across_a_clock_change_blocks_real_time():
    # 13:00–14:00 BST on the last Saturday of October is 12:00–13:00 UTC.
    saturday = FALL_BACK - timedelta(days=1)
    rules = make_rules(busy=[(at(saturday, 13), at(saturday, 14))])
    assert "13:00" not in local_times(slots(rules, saturday, now=EARLY))
    assert "13:00" in local_times(slots(rules, FALL_BACK, now=EARLY))


def test_other_time_zones_use_their_own_clock_changes():
    new_york = ZoneInfo("America/New_York")
    rules = make_rules(zone=new_york)
    found = slots(rules, date(2026, 3, 8), now=EARLY)  # US spring forward
    assert [s.starts_at.astimezone(new_york).hour for s in found] == list(range(9, 17))
    assert found[0].starts_at.astimezone(UTC).hour == 13  # EDT, UTC-4


# --- checking one start time ----------------------------------------------------------


def test_is_bookable_accepts_a_start_on_the_grid_and_refuses_one_off_it():
    rules = make_rules()
    assert is_bookable(
        rules, duration=HOUR, starts_at=at(MONDAY, 10), now=NOW
    ).starts_at == at(MONDAY, 10)
    assert (
        is_bookable(rules, duration=HOUR, starts_at=at(MONDAY, 10, 7), now=NOW) is None
    )
    assert (
        is_bookable(rules, duration=HOUR, starts_at=at(MONDAY, 16, 30), now=NOW) is None
    )


def test_is_bookable_reads_the_day_in_the_practitioners_zone():
    # 23:30 UTC on Sunday is 00:30 on Monday in London (BST).
    rules = make_rules(
        weekly={0: [Window(time(0), time(2))]}, interval=timedelta(minutes=30)
    )
    starts_at = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    assert is_bookable(rules, duration=HOUR, starts_at=starts_at, now=NOW) is not None


def test_bad_durations_are_refused():
    with pytest.raises(ValueError):
        slots(make_rules(), MONDAY, minutes=0)


def slots_by_the_clock(
    window: Window, day: date, *, duration: timedelta, interval: timedelta
) -> list[datetime]:
    """The rule spelled out one wall-clock time at a time: every start time from the
    window's start, `interval` apart, that exists that day, read as its first
    occurrence, and ends (in real time) by the window's end (an end inside the
    skipped spring hour is the moment the clocks jump)."""

    def instant(wall: datetime) -> datetime | None:
        aware = wall.replace(tzinfo=LONDON)
        moment = aware.astimezone(UTC)
        return (
            moment if moment.astimezone(LONDON).replace(tzinfo=None) == wall else None
        )

    last_wall = datetime.combine(day, window.end)
    end = instant(last_wall)
    while end is None:  # inside the spring gap: the first real minute after it
        last_wall += timedelta(minutes=1)
        end = instant(last_wall)
    found, wall = [], datetime.combine(day, window.start)
    while wall < datetime.combine(day, window.end):
        start = instant(wall)
        if start is not None and start + duration <= end:
            found.append(start)
        wall += interval
    return sorted(set(found))


@pytest.mark.parametrize(
    "day", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 6, 1), date(2026, 1, 5)]
)
def test_every_window_on_clock_change_days_matches_the_clock(day):
    """Whole-day sweeps: windows starting at every hour, of several lengths, with
    several durations and intervals, against the rule spelled out above."""
    for start_hour in range(0, 23):
        for length in (1, 2, 3, 5, 8):
            end_hour = min(start_hour + length, 23)
            window = Window(
                time(start_hour), time(end_hour, 59 if end_hour == 23 else 0)
            )
            for minutes, every in ((30, 15), (60, 30), (90, 60), (45, 20)):
                rules = make_rules(
                    weekly={},
                    overrides={day: [window]},
                    interval=timedelta(minutes=every),
                )
                found = [
                    slot.starts_at
                    for slot in slots(
                        rules, day, minutes=minutes, now=at(day, 0) - 30 * HOUR
                    )
                ]
                expected = slots_by_the_clock(
                    window,
                    day,
                    duration=timedelta(minutes=minutes),
                    interval=timedelta(minutes=every),
                )
                assert found == expected, (window, minutes, every)
